import { expectedLosses } from "./checkers/expected-loss.ts";
import { checkAll, type Violation } from "./checkers/index.ts";
import { noEfficiency, runEfficiency, type RunEfficiency } from "./efficiency.ts";
import type { CrashPoint } from "../protocol/ports.ts";
import type { HistoryEvent } from "./history/history.ts";
import { opsDigest, viewDigest } from "./view-digest.ts";
import { harnessViolation } from "./harness-error.ts";
import { exclusive } from "./kernel/run-lock.ts";
import { runMonitor } from "./kernel/run-monitor.ts";
import { partsFor } from "./parts.ts";
import { preloadImplementations } from "./impl/load-impl.ts";
import type { Scenario, TransportName } from "./scenario/schema.ts";
import type { Outcome } from "./run-record.ts";
import { recordOf } from "./world/record.ts";
import { World, type WorldParts } from "./world/world.ts";

export interface RunStats {
  /** Ops whose enqueue committed. */
  ops: number;
  /** Ops in the server's final logs. */
  applied: number;
  faults: number;
  faults_by_kind: Record<string, number>;
  sim_time_ms: number;
  wall_ms: number;
  events: number;
  /** How the world ended; `harness_error` when the code under test threw into the simulator, `hang` when the watchdog stopped it. */
  outcome: Outcome | "harness_error" | "hang";
  /** Reconnects, resent ops and heal-to-drained time, from the history (sim/efficiency.ts). */
  efficiency: RunEfficiency;
  /** Times the world read a client's committed sync state (acked seq, cursor) from its database; 0 when a client module keeps none there. */
  client_samples?: number;
}

/** Where each client and share ended up. */
export interface FinalSummary {
  clients: { node: string; producer: string; pending: number; acked_seq: number; stopped: { code: string; message: string } | null }[];
  viewers?: { node: string; cursor: number; applied: number; left: boolean; stopped: { code: string; message: string } | null }[];
  /** `view_digest`: the share's materialized session (sim/view-digest.ts), comparable across worlds. */
  shares: { index: number; id: string; cursor: number; epoch: number; producers: number; view_digest: string; ops_digest: string }[];
}

export interface RunResult {
  /** Set when the run was real (real/world): its times are then wall-clock ms, and it has no trace hash. */
  real?: true;
  seed: number;
  transport: TransportName;
  verdict: "pass" | "fail";
  trace_hash: string;
  violations: Violation[];
  /** Under `storage.synchronous: NORMAL`: what the checkers found that a power loss under NORMAL allows; reported, not failing. */
  expected?: Violation[];
  stats: RunStats;
  /** Coverage conditions this run reached (sim/coverage/conditions.ts). */
  coverage: string[];
  scenario: Scenario;
  final: FinalSummary;
  /** Present when asked for: the whole history, for reports and debugging. */
  history?: HistoryEvent[];
  /** Present when asked for (`census`): every crash point each node reached in the workload phase, and how often. */
  crash_sites?: CrashSite[];
}

export interface CrashSite {
  node: string;
  point: CrashPoint;
  reached: number;
}

export interface RunOptions {
  /** Components replacing the reference ones; by default the scenario's variant and mutant decide. */
  parts?: WorldParts;
  keepHistory?: boolean;
  /** Report the crash sites the run reached (`explore --crash-points all`). */
  census?: boolean;
}

/**
 * Runs one scenario to its end and judges it. Same scenario, same trace hash.
 * Whatever the code under test throws into the simulator's own code (setup,
 * an admin action, the inspection at the end) ends the run with a `harness`
 * verdict instead of escaping: the bench never loses a run to it.
 */
export function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  return exclusive(async () => {
    const started = performance.now();
    const monitor = runMonitor();
    monitor?.begin();
    let world: World | undefined;
    try {
      await preloadImplementations(scenario.impl);
      world = new World(scenario, options.parts ?? partsFor(scenario));
      return await judge(world, scenario, options, started);
    } catch (error) {
      return harnessResult(world, scenario, options, started, error);
    } finally {
      monitor?.phase("idle");
      try {
        world?.dispose();
      } catch {
        // The verdict is in; a world that fails to retire cannot change it.
      }
    }
  });
}

function harnessResult(world: World | undefined, scenario: Scenario, options: RunOptions, started: number, error: unknown): RunResult {
  const t = world?.scheduler.now ?? 0;
  const violation = harnessViolation(error, { seed: scenario.seed, transport: scenario.transport, t_ms: t });
  world?.history.record(t, "checker", "violation", { checker: violation.checker, anomaly: violation.anomaly, message: violation.message });
  const result: RunResult = {
    seed: scenario.seed,
    transport: scenario.transport,
    verdict: "fail",
    trace_hash: world?.history.traceHash() ?? "",
    violations: [violation],
    coverage: world ? coverageOf(world) : [],
    stats: {
      ops: world?.ledger.ops.length ?? 0,
      applied: 0,
      faults: world?.faults.total ?? 0,
      faults_by_kind: world ? faultsByKind(world) : {},
      sim_time_ms: t,
      wall_ms: Math.round((performance.now() - started) * 100) / 100,
      events: world?.loop.events ?? 0,
      outcome: "harness_error",
      efficiency: world ? runEfficiency(world.history.events, "harness_error") : noEfficiency(),
    },
    scenario,
    final: { clients: [], shares: [] },
  };
  if (options.keepHistory && world) result.history = world.history.events;
  return result;
}

function coverageOf(world: World): string[] {
  return [...new Set(world.history.ofType("coverage").map((e) => String(e.data.condition)))].sort();
}

function faultsByKind(world: World): Record<string, number> {
  return Object.fromEntries([...world.faults.counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Runs the world to its end, reads what survived, and lets the checkers judge it. */
async function judge(world: World, scenario: Scenario, options: RunOptions, started: number): Promise<RunResult> {
  const outcome = await world.run();
  runMonitor()?.phase("judging");
  const record = recordOf(world, outcome);
  const { end_t, shares } = record;
  const { violations, expected } = expectedLosses(record, scenario.storage.synchronous, checkAll(record));
  for (const v of expected) world.history.record(end_t, "checker", "expected_loss", { checker: v.checker, anomaly: v.anomaly, message: v.message });
  for (const v of violations) world.history.record(end_t, "checker", "violation", { checker: v.checker, anomaly: v.anomaly, message: v.message });
  const verdict = violations.length === 0 ? "pass" : "fail";
  world.history.record(end_t, "checker", "verdict", { verdict, outcome });
  const result: RunResult = {
    seed: scenario.seed,
    transport: scenario.transport,
    verdict,
    trace_hash: world.history.traceHash(),
    violations,
    ...(expected.length > 0 ? { expected } : {}),
    coverage: coverageOf(world),
    stats: {
      ops: record.committed.length,
      applied: shares.reduce((sum, s) => sum + s.log.length, 0),
      faults: world.faults.total,
      faults_by_kind: faultsByKind(world),
      sim_time_ms: end_t,
      wall_ms: Math.round((performance.now() - started) * 100) / 100,
      events: world.loop.events,
      outcome,
      efficiency: runEfficiency(world.history.events, outcome),
      client_samples: record.observed.samples.length,
    },
    scenario,
    final: {
      clients: record.clients.map((c) => ({ node: c.node, producer: c.producer, pending: c.pending.length, acked_seq: c.acked_seq, stopped: c.stopped })),
      ...(record.viewers.length > 0 ? { viewers: record.viewers.map((v) => ({ node: v.node, cursor: v.cursor, applied: v.log.length, left: v.left, stopped: v.stopped })) } : {}),
      shares: shares.map((sh) => ({ index: sh.index, id: sh.id, cursor: sh.cursor, epoch: sh.epoch, producers: sh.producers.length, view_digest: viewDigest(sh.view), ops_digest: opsDigest(sh.log, record.committed) })),
    },
  };
  if (options.keepHistory) result.history = world.history.events;
  if (options.census) result.crash_sites = world.faults.crashSites();
  return result;
}
