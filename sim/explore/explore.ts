import type { CheckerName, Violation } from "../checker-names.ts";
import { efficiencyByTransport, type RunEfficiency, type TransportEfficiency } from "../efficiency.ts";
import type { RunResult } from "../run-scenario.ts";
import type { GenerateOptions, Profile } from "../scenario/arbitrary.ts";
import { generateScenario } from "../scenario/generate.ts";
import type { Scenario, TransportName } from "../scenario/schema.ts";
import { TRANSPORTS } from "../scenario/schema.ts";
import { A2A_COVERAGE_NAMES, countCoverage } from "../coverage/conditions.ts";
import { determinismViolation, moduleNames } from "./determinism.ts";
import { runGuarded } from "./guarded-run.ts";
import { RUN_TIMEOUT_MS_DEFAULT, workerPool, type CpuProfileOption, type TaskPool } from "./pool.ts";
import { reproCommand } from "./repro.ts";
import { reduceFailure } from "./reduce.ts";
import { shrinkFailure } from "./shrink.ts";
import { scenarioSize, type ScenarioSize } from "./size.ts";
import type { RunReport } from "./tasks.ts";
import type { SetupName } from "../../a2a-under-test/protocol/ports.ts";

export interface Shard {
  /** 1-based. */
  k: number;
  n: number;
}

export interface ExploreOptions {
  from: number;
  /** How many seeds from `from`; or run until `time_ms` passes. */
  seeds?: number;
  time_ms?: number;
  /** Fixed, every one of them ("all"), or drawn per seed (undefined). */
  transport?: TransportName | "all";
  profile: Profile;
  workers: number;
  shard?: Shard;
  mutant?: string | null;
  variant?: string;
  /** Explore the A2A system in this setup (sim/a2a/) instead of the share system. */
  a2a?: SetupName;
  /** Your modules instead of the reference's, by role (docs/your-implementation.md). */
  impl?: { client?: string; server?: string; viewer?: string };
  ops_max?: number;
  /** Wall budget of one run; past it the run is a `liveness/hang` failure. */
  run_timeout_ms?: number;
  /** Shrink failures (default true); at most one per distinct checker and anomaly, and at most `shrink_max`. */
  shrink?: boolean;
  shrink_max?: number;
  /** Simulator runs one shrink may take. */
  shrink_runs_max?: number;
  /** Wall time one shrink may take. */
  shrink_time_ms?: number;
  /** Replay each shrunk failure with its history, for its timeline page (ExploreFailure.replay). */
  timelines?: boolean;
  /** Stop at the first failing seed: later seeds still running are abandoned (what `mutants` and `--fail-fast` want). */
  stop_on_failure?: boolean;
  /** Seeds in flight at once (default: twice the workers). Several explorations sharing one pool each take fewer. */
  seeds_in_flight?: number;
  /** Run every seed twice, on two workers when there are several, and fail it when the trace hashes differ. */
  check_determinism?: boolean;
  onProgress?: (progress: ExploreProgress) => void;
  /** A pool to run on instead of starting one (and closing it) for this call. */
  pool?: TaskPool;
  /** Profile the first worker of the pool this call starts (`--profile-cpu`). */
  cpu_profile?: CpuProfileOption;
}

export interface ExploreProgress {
  done: number;
  total: number | null;
  failures: number;
  seeds_per_s: number;
  phase: "exploring" | "shrinking";
}

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
  /** Reads of the clients' committed sync state: none means the claims judged from it were not exercised. */
  client_samples: number;
  /** The first violation of each checker that found something, in checker order (the conformance report reads these). */
  findings: { checker: CheckerName; anomaly: string; message: string }[];
  faults_by_kind: Record<string, number>;
  ops: number;
  sim_time_ms: number;
  wall_ms: number;
  events: number;
  outcome: RunReport["stats"]["outcome"];
  /** The command that replays this seed as explore ran it. */
  repro: string;
  /** Coverage conditions the run reached. */
  coverage: string[];
  efficiency: RunEfficiency;
}

export interface ExploreFailure {
  seed: number;
  transport: TransportName;
  checker: CheckerName;
  violation: Violation;
  /** The scenario to replay: shrunk when shrinking succeeded, else as generated. */
  scenario: Scenario | null;
  /** `runs` counts both passes: fast-check's on the draws, then `reduce_runs` on the scenario itself (sim/explore/reduce.ts), which pinned `pinned` random faults. */
  shrunk: { runs: number; reduce_runs: number; pinned: number; cut_short: boolean; size_before: ScenarioSize; size_after: ScenarioSize; violation: Violation } | null;
  options: GenerateOptions;
  /** Replays the seed from its flags (the scenario file replays it too). */
  repro_seed: string;
  /** The shrunk scenario run again with its history, when `timelines` asked for it. */
  replay?: RunResult;
}

export interface ExploreResult {
  seeds_run: number;
  runs: number;
  seeds: { first: number; last: number } | null;
  outcomes: SeedOutcome[];
  failures: ExploreFailure[];
  /** Failing runs per checker. */
  verdicts: Record<string, number>;
  /** Faults injected per kind, over every run. */
  faults: Record<string, number>;
  /** Runs stopped by the watchdog. */
  hangs: number;
  /** Per coverage condition, the runs that reached it; every condition is listed. */
  coverage: Record<string, number>;
  /** True when it stopped at the first failing seed before its range ended. */
  stopped_early: boolean;
  check_determinism: boolean;
  run_timeout_ms: number;
  /** Per transport: reconnects per 1,000 ops, op amplification, heal-to-drained time. */
  efficiency: Record<string, TransportEfficiency>;
  wall_ms: number;
  seeds_per_s: number;
}

/** Wall time one shrink may take; a hang costs the stall window per candidate, so its walk is cut here. */
export const SHRINK_TIME_MS_DEFAULT = 30_000;

/** The seeds of a range that belong to one shard: every n-th, starting at the k-th. */
export function* seedsOf(from: number, count: number | undefined, shard: Shard | undefined): Generator<number> {
  const n = shard?.n ?? 1;
  const k = shard?.k ?? 1;
  for (let i = k - 1; count === undefined || i < count; i += n) yield from + i;
}

function firstPerChecker(violations: readonly Violation[]): SeedOutcome["findings"] {
  const seen = new Map<CheckerName, SeedOutcome["findings"][number]>();
  for (const v of violations) if (!seen.has(v.checker)) seen.set(v.checker, { checker: v.checker, anomaly: v.anomaly, message: v.message });
  return [...seen.values()];
}

function outcomeOf(report: RunReport, repro: string): SeedOutcome {
  return {
    seed: report.seed,
    transport: report.transport,
    verdict: report.verdict,
    trace_hash: report.trace_hash,
    checkers: [...new Set(report.violations.map((v) => v.checker))],
    violation: report.violations[0] ?? null,
    findings: firstPerChecker(report.violations),
    client_samples: report.stats.client_samples ?? 0,
    faults_by_kind: report.stats.faults_by_kind,
    ops: report.stats.ops,
    sim_time_ms: report.stats.sim_time_ms,
    wall_ms: report.stats.wall_ms,
    events: report.stats.events,
    outcome: report.stats.outcome,
    repro,
    coverage: report.coverage,
    efficiency: report.stats.efficiency,
  };
}

/**
 * Explores generated seeds: runs each under the watchdog, then shrinks the
 * failures. The result lists outcomes in seed order, so it is the same
 * whatever the worker count. It always comes back with a verdict per seed:
 * a hang, a crash of the code under test or a dead worker is a failure of
 * that seed, never of the exploration.
 */
export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const started = performance.now();
  const run_timeout_ms = options.pool?.run_timeout_ms ?? options.run_timeout_ms ?? RUN_TIMEOUT_MS_DEFAULT;
  const pool: TaskPool = options.pool ?? openPool(options.workers, run_timeout_ms, options.cpu_profile);
  const transports: (TransportName | undefined)[] = options.transport === "all" ? [...TRANSPORTS] : [options.transport];
  const genFor = (transport: TransportName | undefined): GenerateOptions => ({
    profile: options.profile,
    ...(transport ? { transport } : {}),
    ...(options.ops_max ? { ops_max: options.ops_max } : {}),
    ...(options.mutant ? { mutant: options.mutant } : {}),
    ...(options.variant ? { variant: options.variant } : {}),
    ...(options.a2a ? { a2a: options.a2a } : {}),
    ...(options.impl ? { impl: options.impl } : {}),
  });
  const reproFor = (seed: number, transport: TransportName | undefined) =>
    reproCommand({
      seed,
      ...(transport ? { transport } : {}),
      profile: options.profile,
      ...(options.mutant ? { mutant: options.mutant } : {}),
      ...(options.variant ? { variant: options.variant } : {}),
      ...(run_timeout_ms !== RUN_TIMEOUT_MS_DEFAULT ? { run_timeout_ms } : {}),
      ...(options.check_determinism ? { check_determinism: true } : {}),
      ...(options.a2a ? { a2a: options.a2a } : {}),
      ...(options.impl ? { impl: options.impl } : {}),
    });
  const outcomes: SeedOutcome[] = [];
  let seedsDone = 0;
  let failing = 0;
  let stop = false;
  const seeds = seedsOf(options.from, options.seeds, options.shard);
  const total = options.seeds === undefined ? null : [...seedsOf(options.from, options.seeds, options.shard)].length;
  const report = (phase: ExploreProgress["phase"]) =>
    options.onProgress?.({ done: seedsDone, total, failures: failing, seeds_per_s: seedsDone / Math.max(0.001, (performance.now() - started) / 1000), phase });

  /** One seed on one transport, twice under the determinism check; null when abandoned. */
  const runOne = async (seed: number, transport: TransportName | undefined, signal: AbortSignal): Promise<SeedOutcome | null> => {
    const scenario = generateScenario(seed, genFor(transport));
    const repro = reproFor(seed, transport);
    const keep = options.check_determinism ? ("lines" as const) : undefined;
    const first = await runGuarded(pool, scenario, { signal, repro, ...(keep ? { keep } : {}) });
    if (!first) return null;
    let result = first.report;
    if (options.check_determinism && result.trace_hash !== "") {
      const second = await runGuarded(pool, scenario, { signal, repro, keep: "lines", ...(first.slot === null ? {} : { avoid_slot: first.slot }) });
      if (!second) return null;
      const diverged = determinismViolation(result, second.report, moduleNames(options.impl));
      if (diverged) result = { ...result, verdict: "fail", violations: [...result.violations, diverged] };
    }
    delete result.lines;
    return outcomeOf(result, repro);
  };

  try {
    // Keep every worker busy: a few seeds in flight per worker.
    const inflight = new Map<number, { job: Promise<void>; abort: AbortController }>();
    const window = Math.max(1, options.seeds_in_flight ?? Math.max(1, pool.size) * 2);
    for (;;) {
      if (stop || (options.time_ms !== undefined && performance.now() - started >= options.time_ms)) break;
      const next = seeds.next();
      if (next.done) break;
      const seed = next.value;
      const abort = new AbortController();
      const job = (async () => {
        const results = await Promise.all(transports.map((t) => runOne(seed, t, abort.signal)));
        if (results.some((r) => r === null)) return;
        for (const r of results) outcomes.push(r!);
        seedsDone++;
        if (results.some((r) => r!.verdict === "fail")) {
          failing++;
          if (options.stop_on_failure) {
            stop = true;
            // Later seeds can no longer be the first failure: abandon them now. Earlier ones still decide which seed is.
            for (const [other, entry] of inflight) if (other > seed) entry.abort.abort();
          }
        }
        report("exploring");
      })();
      inflight.set(seed, { job, abort });
      void job.finally(() => inflight.delete(seed));
      if (inflight.size >= window) await Promise.race([...inflight.values()].map((e) => e.job));
    }
    await Promise.all([...inflight.values()].map((e) => e.job));

    outcomes.sort((a, b) => a.seed - b.seed || TRANSPORTS.indexOf(a.transport) - TRANSPORTS.indexOf(b.transport));
    let stopped_early = false;
    if (options.stop_on_failure) {
      // Keep the earliest failing seed and everything before it, whatever finished first.
      const first = outcomes.find((o) => o.verdict === "fail");
      const after = first ? outcomes.findIndex((o) => o.seed > first.seed) : -1;
      if (after !== -1) outcomes.splice(after);
      stopped_early = first !== undefined && total !== null && seedsDone < total;
    }
    const failed = outcomes.filter((o) => o.verdict === "fail");
    report("shrinking");
    const failures = await shrinkAll(pool, failed, options, (o) => genFor(options.transport === "all" ? o.transport : options.transport));

    const verdicts: Record<string, number> = {};
    const faults: Record<string, number> = {};
    for (const o of outcomes) {
      for (const c of o.checkers) verdicts[c] = (verdicts[c] ?? 0) + 1;
      for (const [k, n] of Object.entries(o.faults_by_kind)) faults[k] = (faults[k] ?? 0) + n;
    }
    const wall_ms = performance.now() - started;
    const seedList = [...new Set(outcomes.map((o) => o.seed))];
    return {
      seeds_run: seedList.length,
      runs: outcomes.length,
      seeds: seedList.length ? { first: seedList[0]!, last: seedList[seedList.length - 1]! } : null,
      outcomes,
      failures,
      verdicts: Object.fromEntries(Object.entries(verdicts).sort()),
      faults: Object.fromEntries(Object.entries(faults).sort()),
      hangs: outcomes.filter((o) => o.outcome === "hang").length,
      coverage: countCoverage(outcomes.map((o) => o.coverage), options.a2a ? A2A_COVERAGE_NAMES : undefined),
      stopped_early,
      check_determinism: options.check_determinism === true,
      run_timeout_ms,
      efficiency: efficiencyByTransport(outcomes),
      wall_ms: Math.round(wall_ms),
      seeds_per_s: Math.round((seedList.length / Math.max(0.001, wall_ms / 1000)) * 10) / 10,
    };
  } finally {
    if (!options.pool) await pool.close();
  }
}

/**
 * Shrinks the first failure of each distinct checker and anomaly (the others
 * are most likely the same bug), at most `shrink_max` of them, in parallel.
 * A determinism failure is not shrunk: its evidence needs two runs.
 */
async function shrinkAll(pool: TaskPool, failed: SeedOutcome[], options: ExploreOptions, genOf: (o: SeedOutcome) => GenerateOptions): Promise<ExploreFailure[]> {
  const shrinkMax = options.shrink === false ? 0 : (options.shrink_max ?? 10);
  const kinds = new Set<string>();
  const chosen = new Set<SeedOutcome>();
  for (const o of failed) {
    const v = o.violation!;
    const kind = `${v.checker}/${v.anomaly}`;
    if (chosen.size >= shrinkMax || kinds.has(kind) || o.checkers.includes("determinism")) continue;
    kinds.add(kind);
    chosen.add(o);
  }
  return Promise.all(
    failed.map(async (o): Promise<ExploreFailure> => {
      // Exactly the options the seed ran with: a drawn transport must stay drawn, or fast-check draws another scenario.
      const gen = genOf(o);
      const violation = o.violation!;
      const base = { seed: o.seed, transport: o.transport, checker: violation.checker, violation, options: gen, repro_seed: o.repro };
      if (!chosen.has(o)) return { ...base, scenario: null, shrunk: null };
      const limits = { runs_max: options.shrink_runs_max ?? 200, time_ms: options.shrink_time_ms ?? SHRINK_TIME_MS_DEFAULT };
      const drawn = await shrinkFailure(pool, o.seed, gen, violation, limits);
      if (!drawn) return { ...base, scenario: null, shrunk: null };
      // Then on the scenario itself: pin the random faults, delete what the failure does not need.
      const reduced = await reduceFailure(pool, drawn, violation, limits);
      const shrunk = { ...reduced, runs: drawn.runs + reduced.runs, cut_short: drawn.cut_short || reduced.cut_short };
      // Its timeline: replayed with its history on the pool, under the watchdog like every run.
      const replay = options.timelines ? await runGuarded(pool, shrunk.scenario, { keep: "history" }) : null;
      return {
        ...base,
        ...(replay ? { replay: { ...replay.report, scenario: shrunk.scenario } } : {}),
        scenario: shrunk.scenario,
        shrunk: { runs: shrunk.runs, reduce_runs: reduced.runs, pinned: reduced.pinned, cut_short: shrunk.cut_short, size_before: scenarioSize(generateScenario(o.seed, gen)), size_after: scenarioSize(shrunk.scenario), violation: shrunk.violation },
      };
    }),
  );
}

/** K supervised worker threads (at least one: even `--workers 1` runs under the watchdog). */
export function openPool(workers: number, run_timeout_ms = RUN_TIMEOUT_MS_DEFAULT, cpu_profile?: CpuProfileOption): TaskPool {
  return workerPool(Math.max(1, workers), run_timeout_ms, undefined, cpu_profile ? { cpu_profile } : {});
}
