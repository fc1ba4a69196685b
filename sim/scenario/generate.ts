import fc from "fast-check";
import { scenarioArbitrary, type GenerateOptions } from "./arbitrary.ts";
import { parseScenario, resolveScenario } from "./load.ts";
import type { Scenario } from "./schema.ts";

/**
 * The scenario that seed S stands for: fast-check draws it from S, and the
 * simulator's own streams are seeded with S as well. `run --seed S` and
 * `explore` both come through here, so they always agree.
 */
export function generateScenario(seed: number, options: GenerateOptions): Scenario {
  const [drawn] = fc.sample(scenarioArbitrary(options), { seed, numRuns: 1 });
  return resolveScenario(parseScenario({ ...drawn, seed }, `generated scenario for seed ${seed}`));
}
