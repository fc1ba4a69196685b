import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, expect, test } from "vitest";
import { runJudged } from "../sim/explore/guarded-run.ts";
import { workerPool } from "../sim/explore/pool.ts";
import { gateProblems } from "../sim/scenario/gate.ts";
import { loadScenarioFile, resolveScenario, scenarioTransports } from "../sim/scenario/load.ts";

// Every scenario committed under scenarios/regressions/ is replayed: a
// reference regression must pass, a mutant's must still fail its checker.

const root = new URL("./regressions", import.meta.url).pathname;

function scenarioFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return scenarioFiles(path);
      return name.endsWith(".json") ? [path] : [];
    });
}

// Under the watchdog: some mutants spin forever, and a regression may too.
const pool = workerPool(2);
afterAll(() => pool.close());

const cases = scenarioFiles(root).flatMap((path) => scenarioTransports(loadScenarioFile(path)).map((t) => [relative(root, path), t, path] as const));

test("regression files are found", () => {
  expect(cases.length).toBeGreaterThan(0);
});

test.each(cases)("%s on %s", async (_name, transport, path) => {
  const scenario = resolveScenario(loadScenarioFile(path), transport);
  // A nondeterministic build passes any single run: its regression runs twice.
  const twice = scenario.expect?.fails_with === "determinism";
  const result = await runJudged(pool, scenario, { twice });
  expect(gateProblems(result)).toEqual([]);
  if (scenario.mutant !== null || scenario.variant !== "reference") {
    // Not luck, and not the scenario: the same run against the reference passes.
    const reference = await runJudged(pool, { ...scenario, mutant: null, variant: "reference", options: {}, expect: undefined }, { twice });
    expect(reference.violations.map((v) => `${v.checker}: ${v.message}`)).toEqual([]);
  }
});
