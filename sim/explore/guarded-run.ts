import type { Violation } from "../checker-names.ts";
import { canonicalJson } from "../history/canonical-json.ts";
import { stoppedRun } from "../stopped-run.ts";
import { determinismViolation, moduleNames } from "./determinism.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { PoolResult, RunOptions, TaskPool } from "./pool.ts";
import type { RunReport, RunTask } from "./tasks.ts";

// Runs a scenario under the pool's watchdog. Whatever happens to the run
// (a verdict, a hang, a dead worker) it comes back as a report with a verdict.

export interface GuardedRun {
  report: RunReport;
  /** The worker it ran on; null when it never ran on one. */
  slot: number | null;
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}

/** The report of a run the pool did not let finish. */
export function reportOf(scenario: Scenario, result: Exclude<PoolResult, { kind: "done" | "cancelled" }>, repro: string | undefined): RunReport {
  const m = result.monitor;
  const where = { seed: scenario.seed, transport: scenario.transport, sim_time_ms: m.sim_time_ms, events: m.events, ...(repro ? { repro } : {}) };
  if (result.kind === "hang") {
    const why =
      result.reason === "stall"
        ? `no simulator event for ${Math.round(result.stall_ms)} ms of wall time: the code under test spins without yielding`
        : `no verdict within the ${Math.round(result.budget_ms)} ms wall budget`;
    const violation: Violation = {
      checker: "liveness",
      anomaly: "hang",
      message: `${why}; stopped at ${m.sim_time_ms} ms of virtual time after ${m.events} events`,
      t_ms: m.sim_time_ms,
      witness: { ...where, wall_ms: Math.round(result.wall_ms), budget_ms: result.budget_ms, phase: m.phase, last_events: m.last_lines.map(parseLine) },
    };
    return stoppedRun(scenario, violation, { sim_time_ms: m.sim_time_ms, events: m.events, wall_ms: result.wall_ms }, "hang");
  }
  const violation: Violation = {
    checker: "harness",
    anomaly: "worker_died",
    message: `the worker running this seed died: ${result.message.split("\n")[0]}`,
    t_ms: m.sim_time_ms,
    witness: { ...where, error: result.message.split("\n").slice(0, 8), last_events: m.last_lines.map(parseLine) },
  };
  return stoppedRun(scenario, violation, { sim_time_ms: m.sim_time_ms, events: m.events, wall_ms: result.wall_ms }, "harness_error");
}

/** Runs `scenario` on the pool; null only when cancelled. */
export async function runGuarded(pool: TaskPool, scenario: Scenario, options: RunOptions & { keep?: RunTask["keep"]; census?: boolean; repro?: string } = {}): Promise<GuardedRun | null> {
  const task: RunTask = { scenario, ...(options.keep ? { keep: options.keep } : {}), ...(options.census ? { census: true } : {}) };
  const result = await pool.run(task, options);
  if (result.kind === "cancelled") return null;
  if (result.kind === "done") return { report: result.report, slot: result.slot };
  return { report: reportOf(scenario, result, options.repro), slot: result.slot };
}

/**
 * A run as the gates judge it, under the watchdog: the report with its whole
 * history. With `twice`, the scenario runs on two workers and a difference in
 * trace hashes adds a `determinism` violation.
 */
export async function runJudged(pool: TaskPool, scenario: Scenario, options: { twice?: boolean; repro?: string } = {}): Promise<RunReport & { scenario: Scenario }> {
  const runs = await Promise.all((options.twice ? [0, 1] : [0]).map(() => runGuarded(pool, scenario, { keep: "history", ...(options.repro ? { repro: options.repro } : {}) })));
  if (runs.some((r) => r === null)) throw new Error("the run was cancelled");
  let report = runs[0]!.report;
  if (options.twice) {
    const lines = (r: RunReport): RunReport => ({ ...r, lines: (r.history ?? []).map((e) => canonicalJson([e.t, e.node, e.type, e.data])) });
    const diverged = determinismViolation(lines(report), lines(runs[1]!.report), moduleNames(scenario.impl));
    if (diverged) report = { ...report, verdict: "fail", violations: [...report.violations, diverged] };
  }
  return { ...report, scenario };
}
