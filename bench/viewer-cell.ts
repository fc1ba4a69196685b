import type Database from "better-sqlite3";
import { Bench } from "tinybench";
import { openOutboxDb } from "../client-under-test/outbox/outbox.ts";
import { ShareClient } from "../client-under-test/share-client.ts";
import type { Connection, TransportName } from "../client-under-test/transports/transport.ts";
import type { ViewerSettings } from "../client-under-test/viewer/settings.ts";
import { ShareViewer } from "../client-under-test/viewer/share-viewer.ts";
import { openViewerDb } from "../client-under-test/viewer/view-store.ts";
import { realClock, realIds, realRandom } from "../real/adapters.ts";
import type { Limits } from "../protocol/limits.ts";
import type { OpBody } from "../protocol/ops.ts";
import type { ProbeEvent } from "../protocol/ports.ts";
import { BenchTimeout, within } from "./deadline.ts";
import type { Endpoint } from "./endpoint.ts";
import { percentile } from "./percentile.ts";

// One cell of the viewers bench: N real ShareViewers follow a fresh share from
// cursor 0 while one real writer appends the ops in batches; the sample ends
// when every viewer's cursor reaches the last op. Latency is taken per
// (entry, viewer), from the writer's side of the entry's append call to the
// moment that viewer's probe reported the entry applied, both read with
// performance.now() in this process. The writer is the share's only producer,
// so an op's seq is its cursor.

export type WriterPace = "burst" | "paced";

export interface ViewerCellSpec {
  /** How the viewers follow: websocket is push, http-batch and rest poll. */
  transport: TransportName;
  /** 0 measures the writer alone: the server's cost of appending, to set the other rows against. */
  viewers: number;
  /** burst: the whole outbox is filled first and synced as fast as acks return; paced: one batch every `pace_ms`. */
  writer: WriterPace;
}

export interface ViewerCellOptions {
  bodies: readonly OpBody[];
  /** Ops per appendOps call of the writer. */
  batch: number;
  /** Paced writer: the time between two batches. */
  pace_ms: number;
  /** The writer's transport; the same in every cell, so only the viewers change. */
  writer_transport: TransportName;
  /** Viewer settings for polling cells; push cells use the defaults. */
  poll_settings: Partial<ViewerSettings>;
  /** How long viewers follow the empty share before the writer starts, so pollers are in their idle rhythm. */
  settle_ms: number;
  samples: number;
  limits: Limits;
  /** Each wait of a sample (setup, the measured run, counters) must end within this, or the cell fails. */
  sample_deadline_ms: number;
}

export interface Quantiles {
  p50: number;
  p99: number;
  max: number;
}

export interface ViewerCellMeasure {
  samples: number;
  /** Entries applied by all viewers together, over all samples. */
  entries_delivered: number;
  /** Wall time from the writer's start to the last viewer at the final cursor, mean over samples. */
  wall_ms: number;
  /** entries_delivered ÷ the wall time of the samples. */
  entries_per_s: number;
  /** From the writer's start to its last ack, mean over samples. */
  writer_ms: number;
  /** From the return of the append call that carried an entry (the server had applied it) to a viewer applying it. */
  latency_ms: Quantiles | null;
  /** The same, from when that append call was sent: an upper bound on the latency from the server's apply. */
  latency_from_send_ms: Quantiles | null;
  /** The server child's user+system CPU during the measured run (appending included), per delivered entry. */
  server_cpu_us_per_entry: number | null;
  /** The same CPU per op appended: the writer's share of it shows in the 0-viewer row. */
  server_cpu_us_per_op: number | null;
  /** Bytes the server's sockets read during the measured run, per delivered entry: polls cost requests. */
  request_bytes_per_entry: number | null;
  /** Viewer sessions that failed and were reopened (deadline, lost connection): 0 on a healthy run. */
  viewer_session_failures: number;
}

/** Records, per op, when the writer's append call that carried it was sent and when it returned. */
function timedAppends(connection: Connection, sentAt: Float64Array, ackAt: Float64Array, onAck: (cursor: number) => void): Connection {
  return {
    redeem: () => connection.redeem(),
    async append(ops) {
      const sent = performance.now();
      const ack = await connection.append(ops);
      const now = performance.now();
      // One producer on a fresh share: the cursors this call applied end at the ack's cursor.
      for (let c = ack.cursor - ack.applied + 1; c <= ack.cursor; c++) {
        if (c < 1 || c >= ackAt.length) continue;
        sentAt[c] = sent;
        ackAt[c] = now;
      }
      onAck(ack.cursor);
      return ack;
    },
    close: () => connection.close(),
  };
}

interface Follower {
  viewer: ShareViewer;
  db: Database.Database;
  cursor: number;
  /** [time, cursor_from, cursor_to] per apply, flattened. */
  applies: number[];
}

interface Sample {
  counting: boolean;
  ops: number;
  bodies: readonly OpBody[];
  writer: ShareClient;
  writerDb: Database.Database;
  followers: Follower[];
  sentAt: Float64Array;
  ackAt: Float64Array;
  failures: number;
  /** Resolves when every follower is at the final cursor (the writer's last ack with no followers). */
  converged: Promise<void>;
  pacer: NodeJS.Timeout | undefined;
  before: { request_bytes: number; server_cpu_us: number | null };
  started: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `ready()` holds, checking every 10 ms, for at most `ms`. */
async function until(ready: () => boolean, ms: number, what: string): Promise<void> {
  let gaveUp = false;
  const waiting = (async () => {
    while (!ready() && !gaveUp) await sleep(10);
  })();
  try {
    await within(waiting, ms, what);
  } finally {
    gaveUp = true;
  }
}

/** Why a sample did not converge: who is behind, in which state, and what failed. */
function why(sample: Sample): string {
  const final = sample.ops;
  const short = sample.followers.filter((f) => f.cursor < final);
  const states = new Map<string, number>();
  const errors = new Set<string>();
  for (const f of short) {
    const status = f.viewer.status();
    states.set(status.state, (states.get(status.state) ?? 0) + 1);
    if (status.error) errors.add(`${status.error.code}: ${status.error.message}`);
  }
  const acked = Number.isNaN(sample.ackAt[final]!) ? "writer not done" : "writer done";
  return [
    `${short.length} of ${sample.followers.length} viewers short of cursor ${final}` + (short.length ? ` (lowest ${Math.min(...short.map((f) => f.cursor))})` : ""),
    `states: ${[...states].map(([s, n]) => `${s} ×${n}`).join(", ") || "-"}`,
    acked,
    `viewer session failures: ${sample.failures}`,
    ...(errors.size ? [`errors: ${[...errors].slice(0, 3).join("; ")}`] : []),
  ].join("; ");
}

/** The same kind of error, its message followed by why: a timeout stays a BenchTimeout. */
function explained(error: unknown, reason: string): Error {
  const message = `${String((error as Error)?.message ?? error)}: ${reason}`;
  return error instanceof BenchTimeout ? new BenchTimeout(message) : new Error(message);
}

function quantiles(values: readonly number[]): Quantiles | null {
  const p50 = percentile(values, 50);
  const p99 = percentile(values, 99);
  const max = percentile(values, 100);
  return p50 === null || p99 === null || max === null ? null : { p50, p99, max };
}

export async function measureViewerCell(spec: ViewerCellSpec, endpoint: Endpoint, options: ViewerCellOptions): Promise<ViewerCellMeasure> {
  const deadline = options.sample_deadline_ms;
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  let samples = 0;
  let delivered = 0;
  let appended = 0;
  let cpuUs: number | null = 0;
  let requestBytes: number | null = 0;
  let failures = 0;
  let wallMs = 0;
  let writerMs = 0;
  let current: Sample | undefined;

  const teardown = () => {
    const s = current;
    if (!s) return;
    current = undefined;
    clearInterval(s.pacer);
    s.writer.stop();
    s.writerDb.close();
    for (const f of s.followers) {
      f.viewer.stop();
      f.db.close();
    }
  };

  /** A fresh share, its writer (ops enqueued unless paced) and `viewers` viewers following it, all past their redeem. */
  const setUp = async (counting: boolean) => {
    // The warm-up sample is small: it only has to compile the server's append and read paths in a fresh child.
    const viewers = counting ? spec.viewers : Math.min(spec.viewers, 2);
    const bodies = counting ? options.bodies : options.bodies.slice(0, Math.min(options.bodies.length, 5 * options.batch));
    const ops = bodies.length;
    const share = await within(endpoint.createShare(`bench-viewers-${spec.transport}-${spec.viewers}`), deadline, "createShare");
    const writerDb = openOutboxDb(":memory:");
    const sentAt = new Float64Array(ops + 1).fill(Number.NaN);
    const ackAt = new Float64Array(ops + 1).fill(Number.NaN);
    let behind = viewers;
    let settle = () => {};
    const converged = new Promise<void>((resolve) => (settle = resolve));
    const writer = new ShareClient(
      {
        db: writerDb,
        transport: endpoint.transport(options.writer_transport),
        clock: realClock,
        random: realRandom,
        ids: realIds,
        limits: options.limits,
        settings: { batch_size: options.batch, calls_in_flight: 1, deadline_ms: deadline },
      },
      {
        // With no viewers, the sample ends at the writer's last ack.
        wrapConnection: (connection) =>
          timedAppends(connection, sentAt, ackAt, (cursor) => {
            if (viewers === 0 && cursor >= ops) settle();
          }),
      },
    );
    writer.bindShare(share.id, share.secret);
    if (spec.writer === "burst") for (const body of bodies) writer.enqueue(body);

    const sample: Sample = {
      counting,
      ops,
      bodies,
      writer,
      writerDb,
      followers: [],
      sentAt,
      ackAt,
      failures: 0,
      converged,
      pacer: undefined,
      before: { request_bytes: 0, server_cpu_us: null },
      started: 0,
    };
    current = sample;
    for (let i = 0; i < viewers; i++) {
      const follower: Follower = { viewer: undefined as unknown as ShareViewer, db: openViewerDb(), cursor: 0, applies: [] };
      const probe = {
        emit(event: ProbeEvent) {
          if (event.type === "viewer_applied") {
            follower.applies.push(performance.now(), event.cursor_from, event.cursor_to);
            const reached = follower.cursor < ops && event.cursor_to >= ops;
            follower.cursor = event.cursor_to;
            if (reached && --behind === 0) settle();
          } else if (event.type === "viewer_session_failed") {
            sample.failures++;
          }
        },
      };
      follower.viewer = new ShareViewer({
        db: follower.db,
        transport: endpoint.transport(spec.transport),
        clock: realClock,
        random: realRandom,
        ids: realIds,
        probe,
        settings: spec.transport === "websocket" ? {} : options.poll_settings,
      });
      follower.viewer.bindShare(share.id, share.secret);
      sample.followers.push(follower);
    }
    for (const f of sample.followers) f.viewer.start();
    // Every viewer connected, redeemed and following (subscribing, or in its poll loop) before the writer starts.
    await until(() => sample.followers.every((f) => ["following", "polling"].includes(f.viewer.status().state)), deadline, `${viewers} viewers connecting`).catch((error: unknown) => {
      throw explained(error, why(sample));
    });
    await sleep(counting ? options.settle_ms : 0);
    sample.failures = 0;
    sample.before = await within(endpoint.counters(), deadline, "server counters");
  };

  /** The measured part: the writer starts, and the sample ends once every viewer is at the final cursor. */
  const run = async () => {
    const s = current!;
    s.started = performance.now();
    s.writer.start();
    if (spec.writer === "paced") {
      let next = 0;
      const tick = () => {
        const end = Math.min(next + options.batch, s.ops);
        for (; next < end; next++) s.writer.enqueue(s.bodies[next]!);
        if (next >= s.ops) clearInterval(s.pacer);
      };
      s.pacer = setInterval(tick, options.pace_ms);
      tick();
    }
    await within(s.converged, deadline, `${s.followers.length} viewers following ${s.ops} ops over ${spec.transport}`).catch((error: unknown) => {
      throw explained(error, why(s));
    });
  };

  const collect = async () => {
    const s = current!;
    const ended = performance.now();
    const after = await within(endpoint.counters(), deadline, "server counters");
    if (!s.counting) return;
    samples++;
    wallMs += ended - s.started;
    writerMs += s.ackAt[s.ops]! - s.started;
    cpuUs = cpuUs === null || after.server_cpu_us === null || s.before.server_cpu_us === null ? null : cpuUs + (after.server_cpu_us - s.before.server_cpu_us);
    requestBytes = requestBytes === null ? null : requestBytes + (after.request_bytes - s.before.request_bytes);
    failures += s.failures;
    appended += s.ops;
    for (const f of s.followers) {
      const a = f.applies;
      for (let i = 0; i < a.length; i += 3) {
        const t = a[i]!;
        for (let c = a[i + 1]! + 1; c <= a[i + 2]!; c++) {
          delivered++;
          fromAck.push(t - s.ackAt[c]!);
          fromSend.push(t - s.sentAt[c]!);
        }
      }
    }
  };

  const bench = new Bench({ iterations: options.samples, time: 0, warmup: true, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add(`${spec.writer} writer, ${spec.viewers} viewers over ${spec.transport}`, run, {
    beforeEach: (mode) => setUp(mode === "run"),
    afterEach: async () => {
      try {
        await collect();
      } finally {
        teardown();
      }
    },
  });
  try {
    await bench.run();
  } finally {
    teardown();
  }
  const result = bench.tasks[0]!.result;
  if (result.state !== "completed") throw new Error(`tinybench ended the cell as ${result.state}${"error" in result ? `: ${String((result.error as Error)?.message ?? result.error)}` : ""}`);
  const perEntry = spec.viewers > 0 && delivered > 0;
  return {
    samples,
    entries_delivered: delivered,
    wall_ms: samples > 0 ? wallMs / samples : 0,
    entries_per_s: wallMs > 0 ? (delivered / wallMs) * 1000 : 0,
    writer_ms: samples > 0 ? writerMs / samples : 0,
    latency_ms: quantiles(fromAck.filter((v) => !Number.isNaN(v))),
    latency_from_send_ms: quantiles(fromSend.filter((v) => !Number.isNaN(v))),
    server_cpu_us_per_entry: cpuUs === null || !perEntry ? null : cpuUs / delivered,
    server_cpu_us_per_op: cpuUs === null || appended === 0 ? null : cpuUs / appended,
    request_bytes_per_entry: requestBytes === null || !perEntry ? null : requestBytes / delivered,
    viewer_session_failures: failures,
  };
}
