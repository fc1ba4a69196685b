import type { Violation } from "../checker-names.ts";
import { canonicalJson } from "../history/canonical-json.ts";
import type { HistoryEvent } from "../history/history.ts";
import { runA2A } from "../a2a/run-a2a.ts";
import { runScenario, type CrashSite, type FinalSummary, type RunStats } from "../run-scenario.ts";
import type { Scenario, TransportName } from "../scenario/schema.ts";

/** One run for a worker: a whole scenario, and how much of its history to send back. */
export interface RunTask {
  scenario: Scenario;
  /** "lines": the canonical history lines (for the determinism check); "history": the events (for reports). */
  keep?: "lines" | "history";
  /** Also count every crash point each node reached in the workload phase (`explore --crash-points all`). */
  census?: boolean;
}

/** What a run sends back across the thread boundary. */
export interface RunReport {
  seed: number;
  transport: TransportName;
  verdict: "pass" | "fail";
  trace_hash: string;
  violations: Violation[];
  /** Findings the scenario's storage settings allow (sim/checkers/expected-loss.ts). */
  expected?: Violation[];
  coverage: string[];
  stats: RunStats;
  final: FinalSummary;
  lines?: string[];
  history?: HistoryEvent[];
  /** With `census`: each node's crash points reached before healing, and how often. */
  crash_sites?: CrashSite[];
}

export async function runTask(task: RunTask): Promise<RunReport> {
  // The second system under test has its own world and checkers (sim/a2a/).
  const result = task.scenario.a2a
    ? await runA2A(task.scenario, { keepHistory: task.keep !== undefined })
    : await runScenario(task.scenario, { keepHistory: task.keep !== undefined, ...(task.census ? { census: true } : {}) });
  const report: RunReport = {
    seed: result.seed,
    transport: result.transport,
    verdict: result.verdict,
    trace_hash: result.trace_hash,
    violations: result.violations,
    ...(result.expected ? { expected: result.expected } : {}),
    coverage: result.coverage,
    stats: result.stats,
    final: result.final,
  };
  if (task.keep === "lines") report.lines = (result.history ?? []).map((e) => canonicalJson([e.t, e.node, e.type, e.data]));
  if (task.keep === "history") report.history = result.history ?? [];
  if (task.census) report.crash_sites = result.crash_sites ?? [];
  return report;
}
