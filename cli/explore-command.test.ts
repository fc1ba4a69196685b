import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { replaysim } from "./spawn-cli.ts";

const out = () => mkdtempSync(join(tmpdir(), "replaysim-explore-"));

describe("replaysim explore", () => {
  test("gives the same results with --workers 1 and --workers 2", async () => {
    const args = ["explore", "--seeds", "12", "--from", "50", "--profile", "chaos", "--ops-max", "80", "--json"];
    const [one, two] = await Promise.all([replaysim(...args, "--workers", "1", "--out", out()), replaysim(...args, "--workers", "2", "--out", out())]);
    expect(one.code).toBe(0);
    expect(two.code).toBe(0);
    // Quiet under --json: nothing on stderr, one object on stdout.
    expect(one.stderr).toBe("");
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(two.stdout);
    const comparable = (r: Record<string, unknown>) => ({ seeds_run: r.seeds_run, runs: r.runs, failures: r.failures, verdicts: r.verdicts, faults: r.faults });
    expect(comparable(b)).toEqual(comparable(a));
    expect(a.seeds_run).toBe(12);
    expect(Object.keys(a.faults).length).toBeGreaterThan(3);
    expect(a).toHaveProperty("seeds_per_s");
    expect(a).toHaveProperty("wall_ms");
  }, 120_000);

  test("--shard 1/2 and --shard 2/2 together run the whole range once", async () => {
    const args = ["explore", "--seeds", "9", "--profile", "calm", "--ops-max", "5", "--workers", "1", "--json"];
    const [whole, first, second] = await Promise.all([
      replaysim(...args, "--out", out()),
      replaysim(...args, "--shard", "1/2", "--out", out()),
      replaysim(...args, "--shard", "2/2", "--out", out()),
    ]);
    const [w, f, s] = [whole, first, second].map((r) => JSON.parse(r.stdout));
    expect(f.seeds_run + s.seeds_run).toBe(w.seeds_run);
    expect(f.shard).toBe("1/2");
    expect(s.shard).toBe("2/2");
  }, 120_000);

  test("code under test that throws from an admin path is a harness failure, and the summary and report are still written", async () => {
    const dir = out();
    const r = await replaysim("explore", "--seeds", "2", "--from", "4", "--mutant", "server-revoke-throws", "--no-shrink", "--json", "--out", dir);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.failures.map((f: { checker: string; anomaly: string }) => `${f.checker}/${f.anomaly}`)).toContain("harness/sut_error");
    const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
    expect(summary.verdicts.harness).toBeGreaterThan(0);
    expect(existsSync(join(dir, "report.html"))).toBe(true);
    expect(readFileSync(join(dir, "junit.xml"), "utf8")).toContain("harness");
  }, 60_000);

  test.each([
    [["--shard", "3/2"], /--shard expects k\/n with 1 <= k <= n/],
    [["--shard", "half"], /--shard expects k\/n/],
    [["--workers", "0"], /--workers must be at least 1/],
    [["--profile", "spicy"], /--profile must be one of calm, flaky, chaos, swarm/],
    [["--seeds", "5", "--time", "10s"], /give --seeds or --time, not both/],
    [["--time", "soon"], /--time expects a positive duration/],
    [["--mutant", "nope"], /unknown mutant 'nope'/],
  ])("bad input %j exits 2", async (args, message) => {
    const r = await replaysim("explore", ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  }, 60_000);
});
