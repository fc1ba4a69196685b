import { availableParallelism, loadavg } from "node:os";
import { openPool } from "../sim/explore/explore.ts";
import { runGuarded } from "../sim/explore/guarded-run.ts";
import type { TaskPool } from "../sim/explore/pool.ts";
import type { RunReport } from "../sim/explore/tasks.ts";
import { generateScenario } from "../sim/scenario/generate.ts";
import { TRANSPORTS, type Scenario, type TransportName } from "../sim/scenario/schema.ts";

// What the simulator costs (`npm run bench:sim`): the same generated swarm
// seeds on each transport, run through the real worker pool as `explore`
// runs them. First with one worker, transport by transport; then all of them
// again with two workers, for the speedup, and to check that both runs gave
// the same verdicts and trace hashes. A benchmark: figures, no assertions.

export interface SimSpeedOptions {
  /** Seeds per transport. */
  seeds: number;
  from: number;
  onProgress?: (text: string) => void;
}

export interface TransportSpeed {
  transport: TransportName;
  runs: number;
  passed: number;
  events: number;
  sim_time_ms: number;
  /** Summed wall time of the runs themselves (runScenario's own clock). */
  run_wall_ms: number;
  us_per_event: number;
  /** Virtual time ÷ wall time. */
  time_compression: number;
  /** Wall time of the whole batch through the pool (messages and scenario transfer included), per seed. */
  ms_per_seed: number;
  seeds_per_s: number;
}

export interface SimSpeedReport {
  seeds_per_transport: number;
  from: number;
  profile: "swarm";
  transports: TransportSpeed[];
  workers: {
    one: { runs: number; wall_ms: number; seeds_per_s: number };
    two: { runs: number; wall_ms: number; seeds_per_s: number };
    speedup: number;
  };
  /** Both pools gave every run the same verdict and trace hash. */
  same_results: boolean;
  /** Runs whose verdict or trace hash differed between the two pools. */
  mismatches: { seed: number; transport: TransportName; one: string; two: string }[];
  goals: { name: string; target: string; value: number; met: boolean }[];
  machine: { cpus: number; node: string; platform: string; loadavg_1m_at_start: number };
  wall_ms: number;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Runs that warm a pool's workers up (module loading and the JIT) before anything is timed; seeds outside the measured range. */
async function warmUp(pool: TaskPool): Promise<void> {
  const tasks = [];
  for (let i = 0; i < 2 * pool.size; i++) tasks.push(runReport(pool, generateScenario(1_000_000 + i, { profile: "swarm", transport: TRANSPORTS[i % TRANSPORTS.length]! })));
  await Promise.all(tasks);
}

/** A run's report; a hang or a dead worker comes back as a failing one, as in explore. */
async function runReport(pool: TaskPool, scenario: Scenario): Promise<RunReport> {
  const run = await runGuarded(pool, scenario);
  if (!run) throw new Error(`seed ${scenario.seed} (${scenario.transport}) was cancelled`);
  return run.report;
}

const key = (r: { seed: number; transport: string }) => `${r.seed}/${r.transport}`;
const verdictOf = (r: RunReport) => `${r.verdict} ${r.trace_hash}`;

export async function measureSimSpeed(options: SimSpeedOptions): Promise<SimSpeedReport> {
  const started = performance.now();
  const loadAtStart = loadavg()[0]!;
  const scenarios = new Map<TransportName, Scenario[]>();
  for (const transport of TRANSPORTS) {
    const list: Scenario[] = [];
    for (let i = 0; i < options.seeds; i++) list.push(generateScenario(options.from + i, { profile: "swarm", transport }));
    scenarios.set(transport, list);
  }
  const total = options.seeds * TRANSPORTS.length;

  // One worker, transport by transport.
  const first = new Map<string, RunReport>();
  const transports: TransportSpeed[] = [];
  let oneWall = 0;
  const pool1 = openPool(1);
  try {
    options.onProgress?.("1 worker: warming up");
    await warmUp(pool1);
    for (const transport of TRANSPORTS) {
      const t0 = performance.now();
      const reports = await Promise.all(
        scenarios.get(transport)!.map(async (s) => {
          const r = await runReport(pool1, s);
          first.set(key(r), r);
          options.onProgress?.(`1 worker: ${first.size}/${total} runs`);
          return r;
        }),
      );
      const wall = performance.now() - t0;
      oneWall += wall;
      const events = reports.reduce((a, r) => a + r.stats.events, 0);
      const sim = reports.reduce((a, r) => a + r.stats.sim_time_ms, 0);
      const runWall = reports.reduce((a, r) => a + r.stats.wall_ms, 0);
      transports.push({
        transport,
        runs: reports.length,
        passed: reports.filter((r) => r.verdict === "pass").length,
        events,
        sim_time_ms: sim,
        run_wall_ms: round(runWall, 1),
        us_per_event: round((runWall * 1000) / Math.max(1, events), 1),
        time_compression: Math.round(sim / Math.max(0.001, runWall)),
        ms_per_seed: round(wall / reports.length, 1),
        seeds_per_s: round(reports.length / (wall / 1000), 1),
      });
    }
  } finally {
    await pool1.close();
  }

  // Two workers, every run at once.
  const second = new Map<string, RunReport>();
  let twoWall = 0;
  const pool2 = openPool(2);
  try {
    options.onProgress?.("2 workers: warming up");
    await warmUp(pool2);
    const t0 = performance.now();
    await Promise.all(
      [...scenarios.values()].flat().map(async (s) => {
        const r = await runReport(pool2, s);
        second.set(key(r), r);
        options.onProgress?.(`2 workers: ${second.size}/${total} runs`);
      }),
    );
    twoWall = performance.now() - t0;
  } finally {
    await pool2.close();
  }

  const mismatches: SimSpeedReport["mismatches"] = [];
  for (const [k, one] of first) {
    const two = second.get(k);
    if (!two || verdictOf(two) !== verdictOf(one)) mismatches.push({ seed: one.seed, transport: one.transport, one: verdictOf(one), two: two ? verdictOf(two) : "missing" });
  }
  const speedup = round(oneWall / Math.max(0.001, twoWall), 2);
  const twoPerS = round(total / (twoWall / 1000), 1);
  const byName = (t: TransportName) => transports.find((x) => x.transport === t)!;
  // The goals of issue 11, for the record.
  const goals: SimSpeedReport["goals"] = [
    { name: "websocket µs per event", target: "≤ 40", value: byName("websocket").us_per_event, met: byName("websocket").us_per_event <= 40 },
    { name: "http-batch µs per event", target: "≤ 80", value: byName("http-batch").us_per_event, met: byName("http-batch").us_per_event <= 80 },
    { name: "rest µs per event", target: "≤ 80", value: byName("rest").us_per_event, met: byName("rest").us_per_event <= 80 },
    ...transports.map((t) => ({ name: `${t.transport} time compression`, target: "≥ 3000×", value: t.time_compression, met: t.time_compression >= 3000 })),
    { name: "2 workers over 1", target: "≥ 1.8×", value: speedup, met: speedup >= 1.8 },
    { name: "seeds/s on 2 workers", target: "≥ 50", value: twoPerS, met: twoPerS >= 50 },
  ];
  return {
    seeds_per_transport: options.seeds,
    from: options.from,
    profile: "swarm",
    transports,
    workers: {
      one: { runs: total, wall_ms: Math.round(oneWall), seeds_per_s: round(total / (oneWall / 1000), 1) },
      two: { runs: total, wall_ms: Math.round(twoWall), seeds_per_s: twoPerS },
      speedup,
    },
    same_results: mismatches.length === 0,
    mismatches,
    goals,
    machine: { cpus: availableParallelism(), node: process.version, platform: `${process.platform}-${process.arch}`, loadavg_1m_at_start: round(loadAtStart, 2) },
    wall_ms: Math.round(performance.now() - started),
  };
}
