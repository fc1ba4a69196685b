import { sweepDisks } from "../storage/db-files.ts";
import { Worker } from "node:worker_threads";
import { builtEntry, ensureBuilt } from "../../build/fresh.mjs";
import { monitorBuffer, readMonitor, type MonitorReading } from "../kernel/run-monitor.ts";
import type { RunReport, RunTask } from "./tasks.ts";
import type { FromWorker, ToWorker } from "./worker.ts";

// Every simulated run happens in a worker thread that this thread can
// terminate (docs/design.md, "Budgets"). Code under test that spins in microtasks
// never lets a timer of its own thread fire, so the watchdog lives here:
// a run past its wall budget, or one whose event counter has stood still for
// a while, is stopped, and a warm spare worker takes its place at once.

/**
 * The default wall budget of one run. Over 700 swarm seeds on a busy 2-core
 * machine: p50 77 ms, p90 360 ms, slowest 1.6 s. This is about 20× the p90 seed.
 */
export const RUN_TIMEOUT_MS_DEFAULT = 10_000;
/** A running world whose event counter stands still this long is spinning (at least 2 s, at most the budget). */
export function stallAfter(run_timeout_ms: number): number {
  return Math.min(run_timeout_ms, Math.max(2_000, run_timeout_ms / 5));
}
/** Workers that die this many times in a row before they are ready mean the bench itself is broken. */
const START_FAILURES_MAX = 3;
const WATCH_INTERVAL_MS = 100;
/** Beyond a run's budget, how long the profiled worker may take to write its profile (it may first finish a cancelled run). */
const PROFILE_WRITE_SLACK_MS = 5_000;

export type PoolResult =
  | { kind: "done"; report: RunReport; slot: number }
  /** Stopped by the watchdog: over budget, or no event for `stall_ms`. */
  | { kind: "hang"; reason: "budget" | "stall"; wall_ms: number; budget_ms: number; stall_ms: number; monitor: MonitorReading; slot: number }
  /** The worker died under the run (an uncaught error in it, or it ran out of memory). */
  | { kind: "died"; message: string; wall_ms: number; monitor: MonitorReading; slot: number }
  | { kind: "cancelled" };

export interface RunOptions {
  /** Prefer any other worker than this one (the determinism check's second run). */
  avoid_slot?: number;
  signal?: AbortSignal;
}

/** `--profile-cpu`: one worker (the first slot's) profiles every run it does, and writes FILE when the pool closes. */
export interface CpuProfileOption {
  path: string;
  /** Called once the pool closed: whether the file was written, and why not. */
  onDone?: (outcome: { written: boolean; problem: string | null }) => void;
}

export interface PoolOptions {
  cpu_profile?: CpuProfileOption;
}

export interface TaskPool {
  readonly size: number;
  readonly run_timeout_ms: number;
  run(task: RunTask, options?: RunOptions): Promise<PoolResult>;
  close(): Promise<void>;
}

interface Job {
  id: number;
  task: RunTask;
  options: RunOptions;
  resolve: (result: PoolResult) => void;
  started: number;
  events: number;
  moved: number;
  settled: boolean;
}

/** One place a run happens. Its worker changes when the watchdog replaces it; its monitor stays. */
interface Slot {
  index: number;
  worker: Worker | null;
  job: Job | null;
  monitor: SharedArrayBuffer;
}

/**
 * K supervised worker threads; K = 1 is still a worker, never this thread.
 * Workers run the build in dist/ (no TypeScript loader to start), rebuilt
 * first when a source changed. `entry` is for tests of the pool itself.
 */
let sweepOnExit = false;

export function workerPool(size: number, run_timeout_ms = RUN_TIMEOUT_MS_DEFAULT, entry?: URL, options: PoolOptions = {}): TaskPool {
  // A terminated worker leaves its runs' disk folders behind: the owner of the pool removes them as it exits.
  if (!sweepOnExit) {
    sweepOnExit = true;
    process.once("exit", sweepDisks);
  }
  if (entry === undefined) ensureBuilt();
  const workerEntry = entry ?? builtEntry("sim/explore/worker-entry.ts");
  const stall_ms = stallAfter(run_timeout_ms);
  const profile = options.cpu_profile;
  const slots: Slot[] = [];
  const queue: Job[] = [];
  const ready = new Set<Worker>();
  /** Workers already let go of: their exit is no news. */
  const retired = new WeakSet<Worker>();
  let spare: Worker | null = null;
  let startFailures = 0;
  let nextId = 0;
  let closed = false;
  let broken: string | null = null;
  /** The worker whose profile goes to the file, and what kept it from being written. */
  let profiled: Worker | null = null;
  let profileProblem: string | null = null;
  const profileWrites: Promise<boolean>[] = [];

  const finish = (job: Job, result: PoolResult) => {
    if (job.settled) return;
    job.settled = true;
    job.resolve(result);
  };

  const died = (job: Job, slot: Slot, message: string): PoolResult => ({
    kind: "died",
    message,
    wall_ms: job.started ? performance.now() - job.started : 0,
    monitor: readMonitor(slot.monitor),
    slot: slot.index,
  });

  const spawn = (): Worker => {
    const worker = new Worker(workerEntry);
    worker.on("message", (message: FromWorker) => onMessage(worker, message));
    worker.on("error", (error) => onLost(worker, `worker died: ${error?.stack ?? String(error)}`));
    worker.on("exit", (code) => onLost(worker, `worker exited with code ${code}`));
    return worker;
  };

  const ensureSpare = () => {
    if (!closed && broken === null && spare === null) spare = spawn();
  };

  const post = (worker: Worker, message: ToWorker) => worker.postMessage(message);

  /** The first slot's worker profiles itself; so does its replacement when the watchdog stopped it before it could write. */
  const profileIfFirst = (slot: Slot) => {
    if (!profile || slot.index !== 0 || profiled !== null || slot.worker === null || profileWrites.length > 0) return;
    profiled = slot.worker;
    post(profiled, { profile_start: profile.path });
  };

  /** Asks the profiled worker to write its file; resolves once it did, failed, or stopped answering. */
  const writeProfile = (worker: Worker): Promise<boolean> =>
    new Promise<boolean>((resolve) => {
      const done = (problem: string | null) => {
        clearTimeout(timer);
        worker.off("message", onAnswer);
        worker.off("exit", onExit);
        if (problem !== null) profileProblem = problem;
        resolve(problem === null);
      };
      const onAnswer = (m: FromWorker) => {
        if ("profile_written" in m) done(null);
        else if ("profile_error" in m) done(`the profiled worker could not write it: ${m.profile_error}`);
      };
      const onExit = () => done("the profiled worker exited before writing it");
      const wait_ms = run_timeout_ms + PROFILE_WRITE_SLACK_MS;
      const timer = setTimeout(() => done(`the profiled worker did not write it within ${wait_ms / 1000} s`), wait_ms);
      worker.on("message", onAnswer);
      worker.once("exit", onExit);
      post(worker, { profile_stop: true });
    });

  /** The profiled worker is gone without writing (stopped by the watchdog, or dead): its successor in the slot takes over. */
  const profiledLost = (worker: Worker, why: string) => {
    if (worker !== profiled) return;
    profiled = null;
    profileProblem = `the first profiled worker was lost (${why}); the profile covers its replacement's runs only`;
  };

  /** Gives a slot a worker: the warm spare when there is one. */
  const fill = (slot: Slot) => {
    if (closed || broken !== null) return;
    slot.worker = spare ?? spawn();
    spare = null;
    ensureSpare();
    profileIfFirst(slot);
  };

  const onMessage = (worker: Worker, message: FromWorker) => {
    if ("ready" in message) {
      ready.add(worker);
      startFailures = 0;
      dispatch();
      return;
    }
    if (!("id" in message)) return;
    const slot = slots.find((s) => s.worker === worker);
    const job = slot?.job;
    if (!slot || !job || job.id !== message.id) return;
    slot.job = null;
    finish(job, "report" in message ? { kind: "done", report: message.report, slot: slot.index } : died(job, slot, message.error || "the worker answered with nothing"));
    dispatch();
  };

  const onLost = (worker: Worker, why: string) => {
    if (retired.has(worker)) return;
    retired.add(worker);
    profiledLost(worker, why);
    const wasReady = ready.delete(worker);
    if (!wasReady && !closed && ++startFailures >= START_FAILURES_MAX) {
      broken = `explore workers fail to start: ${why}`;
      for (const job of queue.splice(0)) finish(job, died(job, slots[0]!, broken));
    }
    if (worker === spare) {
      spare = null;
      ensureSpare();
      return;
    }
    const slot = slots.find((s) => s.worker === worker);
    if (!slot) return;
    slot.worker = null;
    const job = slot.job;
    slot.job = null;
    if (job) finish(job, died(job, slot, why));
    fill(slot);
    dispatch();
  };

  /**
   * Stops the worker under a slot and puts the spare in its place. A worker
   * that hangs is terminated at once; the profiled worker whose run was only
   * cancelled first writes its profile (closing waits for that).
   */
  const replace = (slot: Slot, why: "hang" | "cancelled") => {
    const worker = slot.worker;
    slot.worker = null;
    slot.job = null;
    if (worker) {
      retired.add(worker);
      ready.delete(worker);
      if (worker === profiled && why === "cancelled") {
        profiled = null;
        profileWrites.push(writeProfile(worker).finally(() => void worker.terminate()));
      } else {
        profiledLost(worker, "stopped by the watchdog");
        void worker.terminate();
      }
    }
    fill(slot);
  };

  const dispatch = () => {
    for (let i = 0; i < queue.length; i++) {
      const job = queue[i]!;
      const free = slots.filter((s) => s.job === null && s.worker !== null && ready.has(s.worker));
      if (free.length === 0) return;
      const slot = free.find((s) => s.index !== job.options.avoid_slot) ?? (slots.length === 1 ? free[0] : undefined);
      if (!slot) continue;
      queue.splice(i--, 1);
      slot.job = job;
      job.started = performance.now();
      job.moved = job.started;
      job.events = -1;
      post(slot.worker!, { id: job.id, task: job.task, monitor: slot.monitor });
    }
  };

  // The watchdog: reads each busy worker's monitor from this thread.
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const slot of slots) {
      const job = slot.job;
      if (!job) continue;
      const reading = readMonitor(slot.monitor);
      if (reading.events !== job.events || reading.phase !== "running") {
        job.events = reading.events;
        job.moved = now;
      }
      const overBudget = now - job.started > run_timeout_ms;
      const stalled = reading.phase === "running" && now - job.moved > stall_ms;
      if (!overBudget && !stalled) continue;
      replace(slot, "hang");
      finish(job, { kind: "hang", reason: overBudget ? "budget" : "stall", wall_ms: now - job.started, budget_ms: run_timeout_ms, stall_ms, monitor: reading, slot: slot.index });
      dispatch();
    }
  }, WATCH_INTERVAL_MS);
  watchdog.unref();

  for (let i = 0; i < Math.max(1, size); i++) {
    const slot: Slot = { index: i, worker: null, job: null, monitor: monitorBuffer() };
    slots.push(slot);
    slot.worker = spawn();
    profileIfFirst(slot);
  }
  ensureSpare();

  const cancel = (job: Job) => {
    const queued = queue.indexOf(job);
    if (queued !== -1) queue.splice(queued, 1);
    const slot = slots.find((s) => s.job === job);
    if (slot) {
      replace(slot, "cancelled");
      dispatch();
    }
    finish(job, { kind: "cancelled" });
  };

  return {
    size: slots.length,
    run_timeout_ms,
    run(task, options = {}) {
      return new Promise<PoolResult>((resolve) => {
        const job: Job = { id: nextId++, task, options, resolve, started: 0, events: -1, moved: 0, settled: false };
        if (closed || options.signal?.aborted) return finish(job, { kind: "cancelled" });
        if (broken !== null) return finish(job, died(job, slots[0]!, broken));
        options.signal?.addEventListener("abort", () => cancel(job), { once: true });
        queue.push(job);
        dispatch();
      });
    },
    async close() {
      closed = true;
      clearInterval(watchdog);
      for (const job of queue.splice(0)) finish(job, { kind: "cancelled" });
      const workers = [...slots.map((s) => s.worker), spare].filter((w): w is Worker => w !== null);
      for (const slot of slots) {
        if (slot.job) finish(slot.job, { kind: "cancelled" });
        slot.job = null;
        slot.worker = null;
      }
      spare = null;
      for (const w of workers) retired.add(w);
      if (profiled !== null) {
        profileWrites.push(writeProfile(profiled));
        profiled = null;
      }
      const written = await Promise.all(profileWrites);
      await Promise.all(workers.map((w) => w.terminate()));
      if (profile) {
        const ok = written.some(Boolean);
        profile.onDone?.({ written: ok, problem: ok ? profileProblem : (profileProblem ?? "no worker was profiling") });
      }
    },
  };
}
