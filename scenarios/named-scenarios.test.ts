import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runJudged } from "../sim/explore/guarded-run.ts";
import { workerPool } from "../sim/explore/pool.ts";
import { gateProblems } from "../sim/scenario/gate.ts";
import { loadScenarioFile, resolveScenario, scenarioTransports } from "../sim/scenario/load.ts";

// The gate: every named scenario passes against the reference implementation,
// on each transport it names, and really exercises what it is about.

const dir = new URL(".", import.meta.url).pathname;
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
// Under the watchdog: a reference that starts to spin fails here instead of hanging the suite.
const pool = workerPool(1);
afterAll(() => pool.close());

test("the named scenarios are all here", () => {
  expect(files.length).toBeGreaterThanOrEqual(10);
});

describe.each(files)("%s", (file) => {
  const scenario = loadScenarioFile(join(dir, file));

  test("has a description", () => {
    expect(scenario.description.length).toBeGreaterThan(20);
  });

  test.each(scenarioTransports(scenario))("passes on %s", async (transport) => {
    const result = await runJudged(pool, resolveScenario(scenario, transport));
    expect(result.verdict).toBe("pass");
    expect(gateProblems(result)).toEqual([]);
  });
});
