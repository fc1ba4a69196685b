import { runEfficiency } from "../../sim/efficiency.ts";
import type { RunResult } from "../../sim/run-scenario.ts";
import type { Scenario } from "../../sim/scenario/schema.ts";
import type { RealRunResult } from "./real-run.ts";

/** A real run in the shape the reports read (JSON, timeline), marked real: its times are wall ms. */
export function asRunResult(scenario: Scenario, r: RealRunResult): RunResult {
  const faults = Object.values(r.stats.faults_by_kind).reduce((a, b) => a + b, 0) + r.stats.crashes;
  return {
    real: true,
    seed: r.seed,
    transport: r.transport,
    verdict: r.verdict,
    trace_hash: "",
    violations: r.violations,
    ...(r.expected ? { expected: r.expected } : {}),
    coverage: [],
    stats: {
      ops: r.stats.ops,
      applied: r.stats.applied,
      faults,
      faults_by_kind: { ...r.stats.faults_by_kind, ...(r.stats.crashes > 0 ? { crash: r.stats.crashes } : {}) },
      sim_time_ms: r.stats.wall_ms,
      wall_ms: r.stats.wall_ms,
      events: r.history.length,
      outcome: r.outcome,
      efficiency: runEfficiency(r.history, r.outcome),
    },
    scenario,
    final: { clients: r.final.clients, shares: r.final.shares.map((s) => ({ ...s, epoch: 0, producers: 0 })) },
    history: [...r.history],
  };
}
