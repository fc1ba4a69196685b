import fc from "fast-check";
import { scenarioArbitrary, type GenerateOptions } from "./arbitrary.ts";
import { parseScenario, resolveScenario } from "./load.ts";
import type { Scenario, ScenarioInput } from "./schema.ts";

/**
 * The scenario that seed S stands for: fast-check draws it from S, and the
 * simulator's own streams are seeded with S as well. `run --seed S` and
 * `explore` both come through here, so they always agree.
 */
export function generateScenario(seed: number, options: GenerateOptions): Scenario {
  const [drawn] = fc.sample(scenarioArbitrary(options), { seed, numRuns: 1 });
  return completeScenario(drawn!, seed, options);
}

/** A drawn scenario, made whole: its seed, and the mutant or variant it runs against. */
export function completeScenario(drawn: Omit<ScenarioInput, "seed">, seed: number, options: GenerateOptions): Scenario {
  return resolveScenario(
    parseScenario(
      { ...drawn, seed, ...(options.mutant ? { mutant: options.mutant } : {}), ...(options.variant ? { variant: options.variant } : {}), ...(options.impl ? { impl: options.impl } : {}) },
      `generated scenario for seed ${seed}`,
    ),
  );
}
