import type { CheckerName, Violation } from "../checkers/record.ts";
import type { RunResult } from "../run-scenario.ts";
import type { GenerateOptions, Profile } from "../scenario/arbitrary.ts";
import { generateScenario } from "../scenario/generate.ts";
import type { Scenario, TransportName } from "../scenario/schema.ts";
import { TRANSPORTS } from "../scenario/schema.ts";
import { inProcessPool, workerPool, type TaskPool } from "./pool.ts";
import { scenarioSize, type ScenarioSize } from "./size.ts";
import type { SeedOutcome } from "./tasks.ts";

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
  ops_max?: number;
  /** Shrink at most this many failures (the rest keep their generated scenario). */
  shrink_max?: number;
  /** Simulator runs one shrink may take. */
  shrink_runs_max?: number;
  /** Replay each shrunk failure with its history, for its timeline page (ExploreFailure.replay). */
  timelines?: boolean;
  /** Stop at the first failing seed (what `mutants` wants). */
  stop_on_failure?: boolean;
  onProgress?: (progress: ExploreProgress) => void;
  /** A pool to run on instead of starting one (and closing it) for this call. */
  pool?: TaskPool;
}

export interface ExploreProgress {
  done: number;
  total: number | null;
  failures: number;
  seeds_per_s: number;
  phase: "exploring" | "shrinking";
}

export interface ExploreFailure {
  seed: number;
  transport: TransportName;
  checker: CheckerName;
  violation: Violation;
  /** The scenario to replay: shrunk when shrinking succeeded, else as generated. */
  scenario: Scenario | null;
  shrunk: { runs: number; size_before: ScenarioSize; size_after: ScenarioSize; violation: Violation } | null;
  options: GenerateOptions;
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
  wall_ms: number;
  seeds_per_s: number;
}

/** The seeds of a range that belong to one shard: every n-th, starting at the k-th. */
export function* seedsOf(from: number, count: number | undefined, shard: Shard | undefined): Generator<number> {
  const n = shard?.n ?? 1;
  const k = shard?.k ?? 1;
  for (let i = k - 1; count === undefined || i < count; i += n) yield from + i;
}

/**
 * Explores generated seeds: runs each, then shrinks the failures. The result
 * lists outcomes in seed order, so it is the same whatever the worker count.
 */
export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const started = performance.now();
  const pool: TaskPool = options.pool ?? openPool(options.workers);
  const transports: (TransportName | undefined)[] = options.transport === "all" ? [...TRANSPORTS] : [options.transport];
  const genFor = (transport: TransportName | undefined): GenerateOptions => ({
    profile: options.profile,
    ...(transport ? { transport } : {}),
    ...(options.ops_max ? { ops_max: options.ops_max } : {}),
    ...(options.mutant ? { mutant: options.mutant } : {}),
    ...(options.variant ? { variant: options.variant } : {}),
  });
  const outcomes: SeedOutcome[] = [];
  let seedsDone = 0;
  let failing = 0;
  let stop = false;
  const seeds = seedsOf(options.from, options.seeds, options.shard);
  const total = options.seeds === undefined ? null : [...seedsOf(options.from, options.seeds, options.shard)].length;
  const report = (phase: ExploreProgress["phase"]) =>
    options.onProgress?.({ done: seedsDone, total, failures: failing, seeds_per_s: seedsDone / Math.max(0.001, (performance.now() - started) / 1000), phase });

  try {
    // Keep every worker busy: a few seeds in flight per worker.
    const inflight = new Set<Promise<void>>();
    const window = Math.max(1, options.workers) * 2;
    for (;;) {
      if (stop || (options.time_ms !== undefined && performance.now() - started >= options.time_ms)) break;
      const next = seeds.next();
      if (next.done) break;
      const seed = next.value;
      const job = (async () => {
        const results = await Promise.all(transports.map((t) => pool.run({ kind: "run", seed, options: genFor(t) })));
        for (const r of results) if (r.kind === "run") outcomes.push(r.outcome);
        seedsDone++;
        if (results.some((r) => r.kind === "run" && r.outcome.verdict === "fail")) {
          failing++;
          if (options.stop_on_failure) stop = true;
        }
        report("exploring");
      })();
      inflight.add(job);
      void job.finally(() => inflight.delete(job));
      if (inflight.size >= window) await Promise.race(inflight);
    }
    await Promise.all(inflight);

    outcomes.sort((a, b) => a.seed - b.seed || TRANSPORTS.indexOf(a.transport) - TRANSPORTS.indexOf(b.transport));
    if (options.stop_on_failure) {
      // Keep the earliest failing seed and everything before it, whatever finished first.
      const first = outcomes.find((o) => o.verdict === "fail");
      const after = first ? outcomes.findIndex((o) => o.seed > first.seed) : -1;
      if (after !== -1) outcomes.splice(after);
    }
    const failed = outcomes.filter((o) => o.verdict === "fail");
    const shrinkMax = options.shrink_max ?? 10;
    report("shrinking");
    const failures = await Promise.all(
      failed.map(async (o, i): Promise<ExploreFailure> => {
        // Exactly the options the seed ran with: a drawn transport must stay drawn, or fast-check draws another scenario.
        const gen = genFor(options.transport === "all" ? o.transport : options.transport);
        const violation = o.violation!;
        if (i >= shrinkMax) return { seed: o.seed, transport: o.transport, checker: violation.checker, violation, scenario: null, shrunk: null, options: gen };
        const r = await pool.run({ kind: "shrink", seed: o.seed, options: gen, checker: violation.checker, runs_max: options.shrink_runs_max ?? 200 });
        const shrunk = r.kind === "shrink" ? r.shrunk : null;
        if (!shrunk) return { seed: o.seed, transport: o.transport, checker: violation.checker, violation, scenario: null, shrunk: null, options: gen };
        // Its timeline: run in the pool like every simulation, never in this thread.
        const replay = options.timelines ? await pool.run({ kind: "timeline", scenario: shrunk.scenario }) : null;
        return {
          ...(replay?.kind === "timeline" ? { replay: replay.run } : {}),
          seed: o.seed,
          transport: o.transport,
          checker: violation.checker,
          violation,
          scenario: shrunk.scenario,
          shrunk: { runs: shrunk.runs, size_before: scenarioSize(generateScenario(o.seed, gen)), size_after: scenarioSize(shrunk.scenario), violation: shrunk.violation },
          options: gen,
        };
      }),
    );

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
      wall_ms: Math.round(wall_ms),
      seeds_per_s: Math.round((seedList.length / Math.max(0.001, wall_ms / 1000)) * 10) / 10,
    };
  } finally {
    if (!options.pool) await pool.close();
  }
}

/** K worker threads, or this thread when K is 1. */
export function openPool(workers: number): TaskPool {
  return workers > 1 ? workerPool(workers) : inProcessPool();
}
