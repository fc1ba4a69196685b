import fc from "fast-check";
import type { CheckerName, Violation } from "../checkers/record.ts";
import { runScenario } from "../run-scenario.ts";
import { scenarioArbitrary, type GenerateOptions } from "../scenario/arbitrary.ts";
import { completeScenario } from "../scenario/generate.ts";
import type { Scenario } from "../scenario/schema.ts";

export interface Shrunk {
  scenario: Scenario;
  violation: Violation;
  /** Simulator runs the shrinking took. */
  runs: number;
}

/**
 * Shrinks the scenario of a failing seed to a minimal one that still fails
 * with the same checker. fast-check regenerates the seed's scenario from the
 * same seed, sees it fail, and walks its shrink tree: fewer clients and ops,
 * smaller batches, fault kinds switched off, rates and timelines cut down.
 * `runs_max` bounds the simulator runs; past it the best so far is kept.
 */
export async function shrinkFailure(seed: number, options: GenerateOptions, checker: CheckerName, runs_max = 150): Promise<Shrunk | null> {
  let runs = 0;
  let best: Shrunk | null = null;
  const property = fc.asyncProperty(scenarioArbitrary(options), async (drawn) => {
    if (runs >= runs_max) return true;
    runs++;
    const scenario = completeScenario(drawn, seed, options);
    const result = await runScenario(scenario);
    const violation = result.violations.find((v) => v.checker === checker);
    if (!violation) return true;
    best = { scenario, violation, runs };
    return false;
  });
  await fc.check(property, { seed, numRuns: 1 });
  if (best) (best as Shrunk).runs = runs;
  return best;
}
