import type { RunResult } from "../run-scenario.ts";
import { unmetExpectations } from "./expectations.ts";

/**
 * What a committed scenario file demands of its run: a pass (or, for a
 * mutant's regression file, a failure with its checker) and every expectation.
 */
export function gateProblems(result: RunResult): string[] {
  const problems = unmetExpectations(result);
  if (result.scenario.expect?.fails_with === undefined && result.verdict !== "pass") {
    problems.unshift(...result.violations.map((v) => `${v.checker}/${v.anomaly}: ${v.message}`));
  }
  return problems;
}
