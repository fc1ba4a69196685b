import type { Violation } from "./checker-names.ts";
import { noEfficiency } from "./efficiency.ts";
import type { RunResult } from "./run-scenario.ts";
import type { Scenario } from "./scenario/schema.ts";

/** A run that ended without a judged world (a hang, a dead worker, a throw into the harness): a failure with its one violation and what is known of it. */
export function stoppedRun(scenario: Pick<Scenario, "seed" | "transport">, violation: Violation, stats: { sim_time_ms: number; events: number; wall_ms: number }, outcome: "hang" | "harness_error"): Omit<RunResult, "scenario"> {
  return {
    seed: scenario.seed,
    transport: scenario.transport,
    verdict: "fail",
    trace_hash: "",
    violations: [violation],
    coverage: [],
    stats: { ops: 0, applied: 0, faults: 0, faults_by_kind: {}, sim_time_ms: stats.sim_time_ms, wall_ms: Math.round(stats.wall_ms), events: stats.events, outcome, efficiency: noEfficiency() },
    final: { clients: [], shares: [] },
  };
}
