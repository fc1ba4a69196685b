import fc from "fast-check";
import type { Violation } from "../checker-names.ts";
import { scenarioArbitrary, type GenerateOptions } from "../scenario/arbitrary.ts";
import { completeScenario } from "../scenario/generate.ts";
import type { Scenario } from "../scenario/schema.ts";
import { runGuarded } from "./guarded-run.ts";
import type { TaskPool } from "./pool.ts";

export interface Shrunk {
  scenario: Scenario;
  violation: Violation;
  /** Simulator runs the shrinking took. */
  runs: number;
  /** True when the run or time budget ended the walk before fast-check did. */
  cut_short: boolean;
}

export interface ShrinkLimits {
  runs_max: number;
  /** Wall time for the whole walk; past it the best so far is kept. */
  time_ms: number;
}

/** A hang that shrinks into a mere not_drained is another failure: these checkers must keep their anomaly too. */
const SAME_ANOMALY = new Set(["liveness", "harness"]);

export function sameFailure(target: Pick<Violation, "checker" | "anomaly">, v: Pick<Violation, "checker" | "anomaly">): boolean {
  return v.checker === target.checker && (!SAME_ANOMALY.has(target.checker) || v.anomaly === target.anomaly);
}

/**
 * Shrinks the scenario of a failing seed to a minimal one that still fails
 * the same way. fast-check regenerates the seed's scenario from the same seed,
 * sees it fail, and walks its shrink tree: fewer clients and ops, smaller
 * batches, fault kinds switched off, rates and timelines cut down. Each
 * candidate runs on the pool, under the same watchdog as any run.
 */
export async function shrinkFailure(pool: TaskPool, seed: number, options: GenerateOptions, target: Pick<Violation, "checker" | "anomaly">, limits: ShrinkLimits): Promise<Shrunk | null> {
  const started = performance.now();
  let runs = 0;
  let cut_short = false;
  let best: Shrunk | null = null;
  const property = fc.asyncProperty(scenarioArbitrary(options), async (drawn) => {
    if (runs >= limits.runs_max || performance.now() - started > limits.time_ms) {
      cut_short = true;
      return true;
    }
    runs++;
    const scenario = completeScenario(drawn, seed, options);
    const run = await runGuarded(pool, scenario);
    const violation = run?.report.violations.find((v) => sameFailure(target, v));
    if (!violation) return true;
    best = { scenario, violation, runs, cut_short: false };
    return false;
  });
  await fc.check(property, { seed, numRuns: 1 });
  if (best) {
    (best as Shrunk).runs = runs;
    (best as Shrunk).cut_short = cut_short;
  }
  return best;
}
