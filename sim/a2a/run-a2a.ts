import type { CoreParts } from "../../a2a-under-test/core/core-parts.ts";
import { isTerminal } from "../../a2a-under-test/protocol/model.ts";
import type { Violation } from "../checker-names.ts";
import { noEfficiency } from "../efficiency.ts";
import { harnessViolation } from "../harness-error.ts";
import { stoppedRun } from "../stopped-run.ts";
import { runMonitor } from "../kernel/run-monitor.ts";
import { exclusive } from "../kernel/run-lock.ts";
import { findA2AMutant } from "../../mutants/a2a/catalog.ts";
import type { RunResult } from "../run-scenario.ts";
import type { Scenario } from "../scenario/schema.ts";
import { checkA2A } from "./checkers/index.ts";
import type { A2ARecord } from "./record.ts";
import { A2AWorld } from "./world.ts";

export interface A2ARunOptions {
  keepHistory?: boolean;
  /** Parts of the hardened core a mutant replaces. */
  core?: Partial<CoreParts>;
}

/** An A2A run's result also carries its record summary, for reports and the bench. */
export interface A2ASummary {
  setup: string;
  messages: number;
  sends: number;
  retries: number;
  tasks_stored: number;
  tasks_terminal: number;
  sessions: number;
  resubscribes: number;
  items: number;
  server_crashes: number;
}

function summaryOf(record: A2ARecord): A2ASummary {
  return {
    setup: record.setup,
    messages: new Set(record.sends.map((s) => s.messageId)).size,
    sends: record.sends.length,
    retries: record.sends.filter((s) => s.retry).length,
    tasks_stored: record.store.length,
    tasks_terminal: record.store.filter((t) => isTerminal(t.state)).length,
    sessions: record.sessions.length,
    resubscribes: record.sessions.filter((s) => s.kind === "subscribe").length,
    items: record.sessions.reduce((n, s) => n + s.items.length, 0),
    server_crashes: record.server_crashes.length,
  };
}

/**
 * Runs one A2A scenario to its end and judges it with the A2A checkers. Same
 * scenario, same trace hash. Runs never overlap in a thread (run-lock.ts).
 */
export function runA2A(scenario: Scenario, options: A2ARunOptions = {}): Promise<RunResult & { a2a?: A2ASummary }> {
  return exclusive(() => judgeA2A(scenario, { ...options, core: options.core ?? a2aCoreParts(scenario) }));
}

/** The core parts an A2A scenario's mutant replaces (none for the reference). */
export function a2aCoreParts(scenario: Scenario): Partial<CoreParts> {
  return scenario.mutant ? (findA2AMutant(scenario.mutant)?.core ?? {}) : {};
}

async function judgeA2A(scenario: Scenario, options: A2ARunOptions): Promise<RunResult & { a2a?: A2ASummary }> {
  const started = performance.now();
  let world: A2AWorld | undefined;
  try {
    world = new A2AWorld(scenario, options.core ?? {});
    const outcome = await world.run();
    runMonitor()?.phase("judging");
    const record = await world.record();
    const violations: Violation[] = checkA2A(record);
    if (outcome !== "drained" && outcome !== "quiescent") {
      violations.push({ checker: "liveness", anomaly: "not_drained", message: `the A2A world ended ${outcome}: not every client finished its work`, t_ms: record.end_t, witness: { outcome } });
    }
    for (const v of violations) world.history.record(record.end_t, "checker", "violation", { checker: v.checker, anomaly: v.anomaly, message: v.message });
    const verdict = violations.length === 0 ? "pass" : "fail";
    world.history.record(record.end_t, "checker", "verdict", { verdict, outcome });
    const coverage = [...new Set(world.history.ofType("coverage").map((e) => e.data.condition))].sort();
    const faults_by_kind = Object.fromEntries([...world.faultCounts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
    const summary = summaryOf(record);
    return {
      seed: scenario.seed,
      transport: scenario.transport,
      verdict,
      trace_hash: world.history.traceHash(),
      violations,
      coverage,
      stats: {
        ops: summary.messages,
        applied: summary.tasks_stored,
        faults: Object.values(faults_by_kind).reduce((a, b) => a + b, 0),
        faults_by_kind,
        sim_time_ms: record.end_t,
        wall_ms: Math.round((performance.now() - started) * 100) / 100,
        events: world.events,
        outcome,
        efficiency: noEfficiency(),
      },
      scenario,
      final: { clients: [], shares: [] },
      a2a: summary,
      ...(options.keepHistory ? { history: world.history.events } : {}),
    };
  } catch (error) {
    const t = world?.scheduler.now ?? 0;
    const violation = harnessViolation(error, { seed: scenario.seed, transport: scenario.transport, t_ms: t });
    return {
      ...stoppedRun(scenario, violation, { sim_time_ms: t, events: world?.events ?? 0, wall_ms: performance.now() - started }, "harness_error"),
      scenario,
      ...(options.keepHistory && world ? { history: world.history.events } : {}),
    };
  } finally {
    runMonitor()?.phase("idle");
    try {
      world?.dispose();
    } catch {
      // the verdict is in
    }
  }
}
