import { afterAll, expect, test } from "vitest";
import { enumerateCrashSites } from "../sim/explore/crash-sites.ts";
import { workerPool } from "../sim/explore/pool.ts";
import { loadScenarioFile, resolveScenario } from "../sim/scenario/load.ts";

// The storage mutants die under enumeration of a small named scenario: every
// crash site and every power-loss site of scenarios/enumerate-small.json is
// tried, and the reference survives every one.

const SCENARIO = new URL("./enumerate-small.json", import.meta.url).pathname;
const pool = workerPool(2);
afterAll(() => pool.close());

const enumerate = (mutant: string | null) =>
  enumerateCrashSites({ scenario: { ...resolveScenario(loadScenarioFile(SCENARIO), "websocket"), mutant }, pool, sites_max: 500, power_loss: true });

test("the reference survives every crash site and power-loss site, and every site found is tried", async () => {
  const result = await enumerate(null);
  expect(result.sites_found).toBeGreaterThan(40);
  expect(result.sites_tried).toBe(result.sites_found);
  expect(result.failures.map((f) => `${f.key}#${f.site.nth}: ${f.violations[0]?.message}`)).toEqual([]);
}, 120_000);

test.each(["server-sync-normal", "outbox-sync-normal"])("%s dies at some power-loss site", async (mutant) => {
  const result = await enumerate(mutant);
  expect(result.sites_tried).toBe(result.sites_found);
  expect(result.failures.length).toBeGreaterThan(0);
  expect(result.failures.every((f) => f.site.power_loss)).toBe(true);
}, 120_000);
