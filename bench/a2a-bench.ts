import { availableParallelism } from "node:os";
import { planText } from "../a2a-under-test/agent/script.ts";
import type { StreamItem } from "../a2a-under-test/protocol/model.ts";
import { SETUPS, type A2AClient, type SetupName } from "../a2a-under-test/protocol/ports.ts";
import { runA2A } from "../sim/a2a/run-a2a.ts";
import { generateScenario } from "../sim/scenario/generate.ts";
import { startA2ALoopback, type A2ALoopback } from "./a2a-loopback.ts";
import { BenchTimeout, within } from "./deadline.ts";

// `replaysim bench --a2a`: the three A2A setups side by side. Throughput and
// wire cost are measured for real: each setup's server on 127.0.0.1 in this
// process, its own clients over real sockets, no simulator, no faults. The
// cost of faults (resubscribes, retried sends) comes from simulated runs of
// generated swarm scenarios, the only fair way to put every setup through the
// same faults. All real measurements run before any simulated one: a simulated
// run replaces `Date` and `crypto.randomUUID` while it runs and leaves msw's
// fetch interceptor installed for the rest of the process.

export interface A2ABenchProgress {
  done: number;
  total: number;
  label: string;
}

export interface A2ABenchOptions {
  setups: readonly SetupName[];
  /** Messages sent per setup, each a streaming send followed to its terminal state. */
  messages: number;
  /** Clients sending at once. */
  clients: number;
  /** Artifact chunks the agent streams per message. */
  chunks: number;
  /** The agent's wait between two steps. */
  step_ms: number;
  /** Simulated seeds per setup (swarm profile), from seed 1. */
  sim_seeds: number;
  /** Wall time each setup's real measurement, and each setup's simulated runs, may take before they are reported as timed out. */
  deadline_ms: number;
  /** Every client call's deadline. */
  call_deadline_ms: number;
  onProgress?: (progress: A2ABenchProgress) => void;
  /** Told each loopback server started (tests check it is closed afterwards). */
  onLoopback?: (loopback: A2ALoopback) => void;
}

export const A2A_BENCH_DEFAULTS: Omit<A2ABenchOptions, "onProgress" | "onLoopback"> = {
  setups: SETUPS,
  messages: 200,
  clients: 4,
  chunks: 8,
  step_ms: 0,
  sim_seeds: 60,
  deadline_ms: 60_000,
  call_deadline_ms: 10_000,
};

/** Real loopback sockets, no faults. Rates are null when the measurement failed or timed out. */
export interface A2ARealRow {
  messages: number;
  /** Sends whose stream reached a terminal state. */
  completed: number;
  failed: number;
  /** Stream items (snapshots and events) the clients received. */
  items: number;
  wire_bytes: number;
  wall_ms: number;
  messages_per_s: number | null;
  events_per_s: number | null;
  bytes_per_event: number | null;
  timed_out: boolean;
  error: string | null;
}

/** Simulated swarm runs: what faults cost in reconnects. */
export interface A2ASimRow {
  seeds: number;
  seeds_run: number;
  /** Seeds a checker failed (the SDK setup fails some by design; not a bench error). */
  failing_seeds: number;
  messages: number;
  sends: number;
  retries: number;
  resubscribes: number;
  items: number;
  resubscribes_per_100_messages: number | null;
  retries_per_100_messages: number | null;
  wall_ms: number;
  timed_out: boolean;
  error: string | null;
}

export interface A2ABenchRow {
  setup: SetupName;
  real: A2ARealRow;
  sim: A2ASimRow;
}

export interface A2ABenchResult {
  options: Omit<A2ABenchOptions, "onProgress" | "onLoopback">;
  rows: A2ABenchRow[];
  machine: { cpus: number; node: string; platform: string };
  wall_ms: number;
  notes: string[];
}

function message(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

const perSecond = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : null);
const round = (n: number | null, digits: number) => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);

interface RealTally {
  completed: number;
  failed: number;
  items: number;
  firstError: string | null;
}

/** One message as a streaming send, followed to its end; counted in `tally`. */
async function sendOne(client: A2AClient, messageId: string, chunks: number, tally: RealTally): Promise<void> {
  let items = 0;
  const count = (_item: StreamItem) => {
    items++;
  };
  try {
    const end = await client.sendStream({ messageId, text: planText(messageId, { chunks, ask: false }) }, count);
    if (end.ended === "terminal") tally.completed++;
    else {
      tally.failed++;
      tally.firstError ??= `${messageId}: stream ended ${end.ended}`;
    }
  } catch (error) {
    tally.failed++;
    tally.firstError ??= `${messageId}: ${message(error)}`;
  } finally {
    tally.items += items;
  }
}

/**
 * `messages` streaming sends over `clients` concurrent clients, after one
 * warm-up send per client (not counted: it pays for the agent card fetch, the
 * WebSocket upgrade, the first keep-alive connections and the JIT).
 */
async function measureReal(setup: SetupName, options: A2ABenchOptions, stop: { stopped: boolean }, progress: (label: string) => void): Promise<A2ARealRow> {
  const loopback = await startA2ALoopback(setup, { step_ms: options.step_ms, call_deadline_ms: options.call_deadline_ms });
  options.onLoopback?.(loopback);
  const run = `${setup}-${Date.now().toString(36)}`;
  const tally: RealTally = { completed: 0, failed: 0, items: 0, firstError: null };
  let wall_ms = 0;
  let wire_bytes = 0;
  try {
    const clients = Array.from({ length: options.clients }, () => loopback.client());
    const warm: RealTally = { completed: 0, failed: 0, items: 0, firstError: null };
    await Promise.all(clients.map((client, i) => sendOne(client, `warm-${run}-${i}`, options.chunks, warm)));
    if (warm.failed > 0) throw new Error(`warm-up failed: ${warm.firstError}`);

    const bytesBefore = loopback.wireBytes();
    const started = performance.now();
    let next = 0;
    // Each client takes the next message until all are taken: at most `messages` sends in all.
    await Promise.all(
      clients.map(async (client) => {
        while (!stop.stopped && next < options.messages) {
          const i = next++;
          await sendOne(client, `m-${run}-${i}`, options.chunks, tally);
          progress(`${setup}: real loopback, ${tally.completed + tally.failed}/${options.messages} messages`);
        }
      }),
    );
    wall_ms = performance.now() - started;
    wire_bytes = loopback.wireBytes() - bytesBefore;
  } finally {
    await loopback.close();
  }
  const ok = tally.failed === 0 && tally.completed === options.messages;
  return {
    messages: options.messages,
    completed: tally.completed,
    failed: tally.failed,
    items: tally.items,
    wire_bytes,
    wall_ms: Math.round(wall_ms),
    messages_per_s: ok ? round(perSecond(tally.completed, wall_ms), 1) : null,
    events_per_s: ok ? round(perSecond(tally.items, wall_ms), 1) : null,
    bytes_per_event: ok && tally.items > 0 ? round(wire_bytes / tally.items, 1) : null,
    timed_out: false,
    error: ok ? null : `${tally.failed} of ${options.messages} messages failed; first: ${tally.firstError ?? "none"}`,
  };
}

async function realRow(setup: SetupName, options: A2ABenchOptions, progress: (label: string) => void): Promise<A2ARealRow> {
  const stop = { stopped: false };
  const measuring = measureReal(setup, options, stop, progress);
  try {
    return await within(measuring, options.deadline_ms, `${setup} real loopback`);
  } catch (error) {
    stop.stopped = true;
    // Let the measurement close its server before the next setup starts (bounded: its calls have deadlines, its loops stop).
    await within(
      measuring.catch(() => undefined),
      options.call_deadline_ms + 5000,
      `${setup} real loopback wind-down`,
    ).catch(() => undefined);
    const timed_out = error instanceof BenchTimeout;
    return {
      messages: options.messages,
      completed: 0,
      failed: 0,
      items: 0,
      wire_bytes: 0,
      wall_ms: 0,
      messages_per_s: null,
      events_per_s: null,
      bytes_per_event: null,
      timed_out,
      error: timed_out ? `timed out after ${options.deadline_ms} ms` : message(error),
    };
  }
}

async function simRow(setup: SetupName, options: A2ABenchOptions, progress: (label: string) => void): Promise<A2ASimRow> {
  const started = performance.now();
  const end = started + options.deadline_ms;
  const row: A2ASimRow = {
    seeds: options.sim_seeds,
    seeds_run: 0,
    failing_seeds: 0,
    messages: 0,
    sends: 0,
    retries: 0,
    resubscribes: 0,
    items: 0,
    resubscribes_per_100_messages: null,
    retries_per_100_messages: null,
    wall_ms: 0,
    timed_out: false,
    error: null,
  };
  try {
    for (let seed = 1; seed <= options.sim_seeds; seed++) {
      const left = end - performance.now();
      if (left <= 0) throw new BenchTimeout(`${setup} simulated runs`);
      const result = await within(runA2A(generateScenario(seed, { profile: "swarm", a2a: setup })), Math.ceil(left), `${setup} simulated seed ${seed}`);
      if (!result.a2a) throw new Error(`seed ${seed}: no A2A summary (${result.violations[0]?.message ?? "harness error"})`);
      row.seeds_run++;
      if (result.verdict === "fail") row.failing_seeds++;
      row.messages += result.a2a.messages;
      row.sends += result.a2a.sends;
      row.retries += result.a2a.retries;
      row.resubscribes += result.a2a.resubscribes;
      row.items += result.a2a.items;
      progress(`${setup}: simulated swarm seeds, ${seed}/${options.sim_seeds}`);
    }
    if (row.messages > 0) {
      row.resubscribes_per_100_messages = round((100 * row.resubscribes) / row.messages, 2);
      row.retries_per_100_messages = round((100 * row.retries) / row.messages, 2);
    }
  } catch (error) {
    row.timed_out = error instanceof BenchTimeout;
    row.error = row.timed_out ? `timed out after ${options.deadline_ms} ms, ${row.seeds_run} of ${options.sim_seeds} seeds run` : message(error);
  }
  row.wall_ms = Math.round(performance.now() - started);
  return row;
}

/** Every setup asked for: real loopback first (all of them), then simulated runs. Each part is bounded by `deadline_ms`. */
export async function runA2ABench(options: A2ABenchOptions): Promise<A2ABenchResult> {
  const started = performance.now();
  const setups = [...new Set(options.setups)];
  const total = setups.length * 2;
  let done = 0;
  const progress = (label: string) => options.onProgress?.({ done, total, label });

  const real = new Map<SetupName, A2ARealRow>();
  for (const setup of setups) {
    progress(`${setup}: real loopback`);
    real.set(setup, await realRow(setup, options, progress));
    done++;
  }
  const rows: A2ABenchRow[] = [];
  for (const setup of setups) {
    progress(`${setup}: simulated swarm seeds`);
    rows.push({ setup, real: real.get(setup)!, sim: await simRow(setup, options, progress) });
    done++;
  }
  options.onProgress?.({ done, total, label: "done" });

  const { onProgress: _p, onLoopback: _l, ...plain } = options;
  return {
    options: { ...plain, setups },
    rows,
    machine: { cpus: availableParallelism(), node: process.version, platform: `${process.platform}-${process.arch}` },
    wall_ms: Math.round(performance.now() - started),
    notes: [
      `real: each setup's server in this process on 127.0.0.1 (@hono/node-server; capnweb also a ws WebSocketServer at /a2a/capnweb), ':memory:' SQLite, agent step ${options.step_ms} ms (a zero delay on setImmediate: setTimeout(0) is clamped to 1 ms), ${options.chunks} chunks per message; ${options.clients} clients send ${options.messages} streaming messages, each followed to its terminal state, after one uncounted warm-up send per client.`,
      "events/s: stream items (snapshots and events) the clients received per wall second; bytes/event: bytes through the server's TCP sockets, both directions (HTTP heads and bodies, chunked SSE, WebSocket frames), per stream item.",
      `sim: ${options.sim_seeds} generated swarm seeds per setup (seed 1 on), the same faults for every setup; resubscribes and retried sends per 100 distinct messages.`,
    ],
  };
}
