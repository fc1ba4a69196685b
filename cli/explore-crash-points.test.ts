import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { replaysim } from "./spawn-cli.ts";

// `replaysim explore --crash-points all --scenario FILE`, as a user runs it.

const FIXTURE = "sim/explore/fixtures/crash-sites-small.json";
const out = () => mkdtempSync(join(tmpdir(), "replaysim-crash-points-"));

describe("replaysim explore --crash-points all", () => {
  test("--json prints one clean object; a mutant's failing sites get scenario files that replay", async () => {
    const [clean, broken] = await Promise.all([
      replaysim("explore", "--crash-points", "all", "--scenario", FIXTURE, "--sites-max", "12", "--workers", "1", "--json", "--out", out()),
      (async () => {
        const dir = out();
        return { dir, r: await replaysim("explore", "--crash-points", "all", "--scenario", FIXTURE, "--mutant", "client-forgets-inflight", "--no-power-loss", "--workers", "1", "--json", "--out", dir) };
      })(),
    ]);
    expect(clean.code).toBe(0);
    expect(clean.stderr).toBe("");
    const a = JSON.parse(clean.stdout);
    expect(a).toMatchObject({ scenario: FIXTURE, transport: "websocket", sites_tried: 12, failures: [], skipped: { reason: "budget", sites_max: 12 } });
    expect(a.sites_found).toBeGreaterThan(12);
    expect(a.skipped.count).toBe(a.sites_found - 12);
    expect(Object.keys(a.by_point).length).toBeGreaterThan(4);
    expect(a).toHaveProperty("wall_ms");

    expect(broken.r.code).toBe(1);
    const b = JSON.parse(broken.r.stdout);
    expect(b.power_loss).toBe(false);
    expect(b.failures.length).toBeGreaterThan(0);
    expect(Object.keys(b.by_point).some((k) => k.endsWith("/power_loss"))).toBe(false);
    expect(readdirSync(broken.dir).length).toBe(b.failures.length);
    const f = b.failures[0];
    expect(existsSync(f.scenario_file)).toBe(true);
    const replay = await replaysim(...f.repro.split(" ").slice(1), "--json");
    expect(replay.code).toBe(1);
    expect(JSON.parse(replay.stdout).violations.map((v: { checker: string }) => v.checker)).toContain(f.checker);
  }, 30_000);

  test.each([
    [["--crash-points", "some", "--scenario", FIXTURE], /--crash-points takes only 'all'/],
    [["--crash-points", "all"], /--crash-points needs --scenario FILE/],
    [["--crash-points", "all", "--scenario", FIXTURE, "--seeds", "5"], /not generated seeds: give no --seeds/],
    [["--crash-points", "all", "--scenario", FIXTURE, "--time", "10s"], /not generated seeds: give no --time/],
    [["--crash-points", "all", "--scenario", FIXTURE, "--profile", "chaos"], /--profile is for generated seeds/],
    [["--crash-points", "all", "--scenario", "no-such-file.json"], /--scenario: no-such-file.json: cannot read/],
    [["--crash-points", "all", "--scenario", FIXTURE, "--sites-max", "0"], /--sites-max must be at least 1/],
    [["--scenario", FIXTURE], /--scenario needs --crash-points all/],
    [["--seeds", "3", "--sites-max", "5"], /--sites-max needs --crash-points all/],
  ])("bad input %j exits 2", async (args, message) => {
    const r = await replaysim("explore", ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
