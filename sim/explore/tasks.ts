import type { CheckerName, Violation } from "../checkers/record.ts";
import { runScenario, type RunResult } from "../run-scenario.ts";
import type { GenerateOptions } from "../scenario/arbitrary.ts";
import { generateScenario } from "../scenario/generate.ts";
import type { Scenario, TransportName } from "../scenario/schema.ts";
import { shrinkFailure, type Shrunk } from "./shrink.ts";

/** What exploring one seed on one transport produced. */
export interface SeedOutcome {
  seed: number;
  transport: TransportName;
  verdict: "pass" | "fail";
  trace_hash: string;
  /** Checkers that found something, in checker order. */
  checkers: CheckerName[];
  /** The first violation, the one a failure is reported and shrunk by. */
  violation: Violation | null;
  faults_by_kind: Record<string, number>;
  ops: number;
  sim_time_ms: number;
  wall_ms: number;
}

export type Task =
  | { kind: "run"; seed: number; options: GenerateOptions }
  | { kind: "shrink"; seed: number; options: GenerateOptions; checker: CheckerName; runs_max: number }
  /** Replays a failure with its history kept, for its timeline page. */
  | { kind: "timeline"; scenario: Scenario };

export type TaskResult = { kind: "run"; outcome: SeedOutcome } | { kind: "shrink"; shrunk: Shrunk | null } | { kind: "timeline"; run: RunResult };

export async function runSeed(seed: number, options: GenerateOptions): Promise<SeedOutcome> {
  const scenario: Scenario = generateScenario(seed, options);
  const result = await runScenario(scenario);
  return {
    seed,
    transport: scenario.transport,
    verdict: result.verdict,
    trace_hash: result.trace_hash,
    checkers: [...new Set(result.violations.map((v) => v.checker))],
    violation: result.violations[0] ?? null,
    faults_by_kind: result.stats.faults_by_kind,
    ops: result.stats.ops,
    sim_time_ms: result.stats.sim_time_ms,
    wall_ms: result.stats.wall_ms,
  };
}

export async function runTask(task: Task): Promise<TaskResult> {
  if (task.kind === "run") return { kind: "run", outcome: await runSeed(task.seed, task.options) };
  if (task.kind === "timeline") return { kind: "timeline", run: await runScenario(task.scenario, { keepHistory: true }) };
  return { kind: "shrink", shrunk: await shrinkFailure(task.seed, task.options, task.checker, task.runs_max) };
}
