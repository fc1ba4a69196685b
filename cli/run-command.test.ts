import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { replaysim } from "./spawn-cli.ts";

describe("replaysim run", () => {
  test("--seed 7 --json prints the same trace hash in every process", async () => {
    const [a, b] = await Promise.all([replaysim("run", "--seed", "7", "--json"), replaysim("run", "--seed", "7", "--json")]);
    expect(a.code).toBe(0);
    const first = JSON.parse(a.stdout);
    const second = JSON.parse(b.stdout);
    expect(first.trace_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(second.trace_hash).toBe(first.trace_hash);
    expect(first).toMatchObject({ seed: 7, verdict: "pass", violations: [] });
    expect(Object.keys(first.stats)).toEqual(expect.arrayContaining(["ops", "applied", "faults", "sim_time_ms", "wall_ms"]));
  }, 60_000);

  test("a named scenario file runs on the transport given", async () => {
    const r = await replaysim("run", "--scenario", "scenarios/lost-response-after-apply.json", "--transport", "rest");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS seed 101 rest/);
    expect(r.stdout).toMatch(/trace [0-9a-f]{64}/);
  }, 60_000);

  test("several scenario files (a shell glob) run each on every transport they list, one verdict line each", async () => {
    const r = await replaysim("run", "--scenario", "scenarios/viewer-revoke-rotating-secret.json", "scenarios/wrong-secret.json", "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ format: "replaysim-runs/1", verdict: "pass" });
    const runs = out.runs as { file: string; transport: string; verdict: string }[];
    expect(runs.filter((x) => x.file.includes("viewer-revoke")).map((x) => x.transport)).toEqual(["websocket", "http-batch", "rest"]);
    expect(runs.every((x) => x.verdict === "pass")).toBe(true);
    const bad = await replaysim("run", "--scenario", "scenarios/wrong-secret.json", "scenarios/viewer-crash-and-resume.json", "--html", "x.html");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--html needs a single run/);
  }, 60_000);

  test("--html writes the run's timeline: one self-contained page, an <svg> with a lane per node", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "replaysim-html-")), "t.html");
    const r = await replaysim("run", "--scenario", "scenarios/regressions/mutants/no-dedupe.json", "--mutant", "no-dedupe", "--html", out);
    expect(r.code).toBe(1);
    const page = readFileSync(out, "utf8");
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toMatch(/<svg id="diagram"/);
    expect(page.match(/<line class="lane /g)?.length).toBe(2);
    expect(page).toContain(`<code id="repro">replaysim run --scenario scenarios/regressions/mutants/no-dedupe.json --mutant no-dedupe</code>`);
  }, 60_000);

  test.each([
    [["run", "--seed", "x"], /--seed expects a whole number/],
    [["run", "--seed", "1", "--transport", "carrier-pigeon"], /--transport must be one of/],
    [["run", "--seed", "1", "--bogus"], /unknown flag --bogus/],
    [["run"], /give --seed S, --scenario FILE, or both/],
    [["nope"], /unknown command 'nope'/],
    [["run", "--seed", "1", "--run-timeout", "0"], /--run-timeout expects a positive duration/],
    [["run", "--seed", "1", "--run-timeout", "soon"], /--run-timeout expects a positive duration/],
    [["explore", "--run-timeout", "0s"], /--run-timeout expects a positive duration/],
    [["mutants", "--run-timeout", "-5s"], /--run-timeout (expects a positive duration|needs a value)/],
  ])("bad input %j exits 2 with a clear message", async (args, message) => {
    const r = await replaysim(...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  }, 60_000);

  test("a run that spins forever ends with exit 1, liveness/hang and a repro that does the same", async () => {
    const args = ["run", "--seed", "1", "--transport", "websocket", "--mutant", "client-spin-microtask", "--run-timeout", "3s"];
    const r = await replaysim(...args, "--json");
    expect(r.code).toBe(1);
    const v = JSON.parse(r.stdout).violations[0];
    expect([v.checker, v.anomaly]).toEqual(["liveness", "hang"]);
    expect(v.witness.repro).toBe("replaysim run --seed 1 --transport websocket --profile swarm --mutant client-spin-microtask --run-timeout 3000ms");
    const text = await replaysim(...v.witness.repro.split(" ").slice(1));
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/liveness\/hang/);
    expect(text.stdout).toMatch(/last \d+ history events:/);
  }, 60_000);

  test("a bad scenario file exits 2 naming the bad field", async () => {
    const dir = mkdtempSync(join(tmpdir(), "replaysim-"));
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ seed: 1, clients: [{ ops: 10 }], faults: { http_duplicate: 3 } }));
    const r = await replaysim("run", "--scenario", file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("faults.http_duplicate");
  }, 60_000);
});
