import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeCrashSiteOutputs } from "../../reports/crash-sites.ts";
import { runScenario } from "../run-scenario.ts";
import { loadScenarioFile, resolveScenario } from "../scenario/load.ts";
import type { Scenario } from "../scenario/schema.ts";
import { allocate, enumerateCrashSites, evenlySpaced, POWER_LOSS_POINTS, ranges, siteGroups } from "./crash-sites.ts";
import { workerPool, type TaskPool } from "./pool.ts";

// `explore --crash-points all` on a small scenario: one writer, eight ops,
// 60 sites (45 crashes and 15 power losses), each run in tens of ms.

const FIXTURE = new URL("./fixtures/crash-sites-small.json", import.meta.url).pathname;
const small = (): Scenario => resolveScenario(loadScenarioFile(FIXTURE));

describe("choosing sites", () => {
  test("power loss strikes at the commit points of the server and the writers", () => {
    expect(POWER_LOSS_POINTS).toEqual(["client.after_enqueue_commit", "server.after_commit_before_reply"]);
    const groups = siteGroups(
      [
        { node: "client-1", point: "client.after_enqueue_commit", reached: 3 },
        { node: "client-1", point: "client.before_enqueue_commit", reached: 3 },
        { node: "viewer-1", point: "viewer.after_apply_commit", reached: 2 },
        { node: "server", point: "server.after_commit_before_reply", reached: 1 },
      ],
      true,
    );
    expect(groups.filter((g) => g.power_loss).map((g) => `${g.node}/${g.point}`)).toEqual(["client-1/client.after_enqueue_commit", "server/server.after_commit_before_reply"]);
    expect(siteGroups([{ node: "server", point: "server.after_commit_before_reply", reached: 4 }], false).every((g) => !g.power_loss)).toBe(true);
  });

  test("over the budget: exactly the budget, every group's first and last, the rest in proportion", () => {
    expect(allocate([5, 3], 10)).toEqual([5, 3]);
    const counts = allocate([100, 10, 1, 2], 20);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
    expect(counts[2]).toBe(1);
    expect(counts[3]).toBe(2);
    expect(counts[0]).toBeGreaterThan(counts[1]!);
    // Fewer than two per group: firsts before lasts.
    expect(allocate([4, 4, 4], 4)).toEqual([2, 1, 1]);
    expect(evenlySpaced(10, 4)).toEqual([1, 4, 7, 10]);
    expect(evenlySpaced(7, 7)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(evenlySpaced(9, 1)).toEqual([1]);
    for (let n = 2; n <= 40; n++) for (let k = 2; k <= n; k++) expect(new Set(evenlySpaced(n, k)).size).toBe(k);
    expect(ranges([2, 3, 4, 5, 7, 9, 10])).toBe("2-5,7,9-10");
  });
});

describe("enumerateCrashSites", () => {
  let pool: TaskPool;
  beforeAll(() => {
    pool = workerPool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  test("the reference survives every site of the small scenario, crashes and power losses", async () => {
    const result = await enumerateCrashSites({ scenario: small(), pool, sites_max: 500, power_loss: true });
    expect(result.baseline.verdict).toBe("pass");
    expect(result.sites_found).toBeGreaterThan(40);
    expect(result.sites_tried).toBe(result.sites_found);
    expect(result.skipped).toMatchObject({ count: 0, reason: null });
    expect(result.failures).toEqual([]);
    const points = Object.values(result.by_point);
    expect(points.map((p) => p.point)).toEqual(expect.arrayContaining(["client.after_send_before_ack", "server.after_commit_before_reply"]));
    expect(points.filter((p) => p.power_loss).length).toBe(2);
    for (const p of points) expect(p.tried).toBe(p.found);
    // Each tried site's crash fired, or is counted as not reached.
    expect(result.outcomes.filter((o) => o.fired === false).length).toBe(result.not_reached);
  }, 20_000);

  test("a budget smaller than the sites tries exactly the budget and says which were skipped", async () => {
    const result = await enumerateCrashSites({ scenario: small(), pool, sites_max: 20, power_loss: true });
    expect(result.sites_tried).toBe(20);
    expect(result.sites_found).toBeGreaterThan(20);
    expect(result.skipped.reason).toBe("budget");
    expect(result.skipped.count).toBe(result.sites_found - 20);
    expect(Object.values(result.skipped.by_point).reduce((a, b) => a + b, 0)).toBe(result.skipped.count);
    for (const [key, p] of Object.entries(result.by_point)) {
      expect(p.tried + p.skipped).toBe(p.found);
      const nths = result.outcomes.filter((o) => `${o.site.node}/${o.site.point}${o.site.power_loss ? "/power_loss" : ""}` === key).map((o) => o.site.nth);
      expect(nths[0]).toBe(1);
      expect(nths.at(-1)).toBe(p.found);
    }
  }, 20_000);

  test("a client that forgets its in-flight ops on a crash fails at the sites after a send, and each failure replays", async () => {
    const scenario = { ...small(), mutant: "client-forgets-inflight" };
    const result = await enumerateCrashSites({ scenario, pool, sites_max: 500, power_loss: false });
    expect(result.baseline.verdict).toBe("pass");
    expect(result.failures.length).toBeGreaterThan(0);
    expect(result.by_point["client-1/client.after_send_before_ack"]!.failed).toBeGreaterThan(0);
    const out = mkdtempSync(join(tmpdir(), "replaysim-crash-sites-"));
    const summary = writeCrashSiteOutputs(out, result, { source: FIXTURE, name: "small", power_loss: false, run_timeout_ms: 10_000 });
    expect(readdirSync(out).length).toBe(result.failures.length);
    const first = summary.failures[0]!;
    expect(first.repro).toBe(`replaysim run --scenario ${first.scenario_file}`);
    expect(first.scenario_file).toContain(`small-websocket-${first.site.node}-${first.site.point}-${first.site.nth}.json`);
    // The file replays the failure: the same checker, with the site's crash in its timeline.
    const replayed = await runScenario(resolveScenario(loadScenarioFile(first.scenario_file)));
    expect(replayed.verdict).toBe("fail");
    expect(replayed.violations.map((v) => v.checker)).toContain(first.checker);
    expect(replayed.stats.faults_by_kind.crash_point).toBe(1);
  }, 20_000);

  test("a scenario that fails without an added crash tries no site", async () => {
    const result = await enumerateCrashSites({ scenario: { ...small(), mutant: "client-trims-on-send" }, pool, sites_max: 500, power_loss: true });
    expect(result.baseline.verdict).toBe("fail");
    expect(result.sites_tried).toBe(0);
    expect(result.skipped).toMatchObject({ count: result.sites_found, reason: "baseline_failed" });
    expect(result.failures).toEqual([]);
  }, 20_000);
});
