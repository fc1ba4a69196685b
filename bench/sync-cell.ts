import type Database from "better-sqlite3";
import { Bench } from "tinybench";
import { openOutboxDb } from "../client-under-test/outbox/outbox.ts";
import { ShareClient } from "../client-under-test/share-client.ts";
import type { Connection } from "../client-under-test/transports/transport.ts";
import { realClock, realIds, realRandom } from "../real/adapters.ts";
import type { Limits } from "../protocol/limits.ts";
import type { OpBody } from "../protocol/ops.ts";
import { within } from "./deadline.ts";
import type { Endpoint } from "./endpoint.ts";
import type { Cell } from "./matrix.ts";
import { percentile } from "./percentile.ts";
import { openFor, type Scratch } from "./storage.ts";

// One cell of the matrix: the real client syncing a pre-filled outbox to the
// real server, timed by tinybench from start() to drained. Enqueueing is timed
// apart, before each sample; per-call latency comes from a timed Connection.

export interface CellMeasure {
  samples: number;
  /** Ops per second from start of sync to drained. */
  ops_per_s: number;
  /** Ops per second committed to the outbox, measured apart. */
  enqueue_ops_per_s: number;
  latency_ms: { p50: number; p99: number } | null;
  /** appendOps calls per sample. */
  calls: number;
  /** Ops put on the wire ÷ ops synced: above 1 when calls were resent (say, after a gap). */
  op_amplification: number;
  request_bytes_per_op: number;
  /** Loopback only: the server process's CPU time per op. */
  server_cpu_us_per_op: number | null;
}

export interface CellOptions {
  bodies: readonly OpBody[];
  time_ms: number;
  limits: Limits;
  files: Scratch | null;
  /** One sample past this is a failure, not a wait. */
  sample_deadline_ms: number;
}

/** Times every appendOps call of a connection (the ClientParts.wrapConnection seam). */
function timedConnection(connection: Connection, record: (ms: number, ops: number) => void): Connection {
  return {
    redeem: () => connection.redeem(),
    async append(ops) {
      const started = performance.now();
      const ack = await connection.append(ops);
      record(performance.now() - started, ops.length);
      return ack;
    },
    close: () => connection.close(),
  };
}

export async function measureCell(cell: Cell, endpoint: Endpoint, options: CellOptions): Promise<CellMeasure> {
  const n = options.bodies.length;
  const latencies: number[] = [];
  let enqueueMs = 0;
  let enqueued = 0;
  let requestBytes = 0;
  let serverCpuUs: number | null = 0;
  let measuredOps = 0;
  let opsSent = 0;
  let current: { client: ShareClient; db: Database.Database; counting: boolean; before: { request_bytes: number; server_cpu_us: number | null } } | undefined;

  const teardown = () => {
    if (!current) return;
    current.client.stop();
    current.db.close();
    current = undefined;
  };

  const bench = new Bench({ time: options.time_ms, iterations: 1, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add(
    "sync",
    async () => {
      const c = current!;
      c.client.start();
      await within(c.client.drained(), options.sample_deadline_ms, `sync of ${n} ops`);
    },
    {
      async beforeEach(mode) {
        const counting = mode === "run";
        const db = openFor(openOutboxDb, cell.storage, options.files, "outbox");
        const client = new ShareClient(
          {
            db,
            transport: endpoint.transport(cell.transport),
            clock: realClock,
            random: realRandom,
            ids: realIds,
            limits: options.limits,
            settings: { batch_size: cell.batch, calls_in_flight: cell.in_flight, deadline_ms: options.sample_deadline_ms },
          },
          {
            wrapConnection: (connection) =>
              timedConnection(connection, (ms, ops) => {
                if (!counting) return;
                latencies.push(ms);
                opsSent += ops;
              }),
          },
        );
        current = { client, db, counting, before: { request_bytes: 0, server_cpu_us: null } };
        const share = await within(endpoint.createShare(`bench-${client.producerID}`), options.sample_deadline_ms, "createShare");
        client.bindShare(share.id, share.secret);
        const started = performance.now();
        for (const body of options.bodies) client.enqueue(body);
        if (counting) {
          enqueueMs += performance.now() - started;
          enqueued += n;
        }
        current.before = await within(endpoint.counters(), options.sample_deadline_ms, "server counters");
      },
      async afterEach() {
        const c = current!;
        if (c.counting) {
          const after = await within(endpoint.counters(), options.sample_deadline_ms, "server counters");
          requestBytes += after.request_bytes - c.before.request_bytes;
          serverCpuUs = serverCpuUs === null || after.server_cpu_us === null || c.before.server_cpu_us === null ? null : serverCpuUs + (after.server_cpu_us - c.before.server_cpu_us);
          measuredOps += n;
        }
        teardown();
      },
    },
  );
  try {
    await bench.run();
  } finally {
    teardown();
  }
  const result = bench.tasks[0]!.result;
  if (result.state !== "completed") throw new Error(`tinybench ended the cell as ${result.state}`);
  const samples = result.latency.samplesCount;
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  return {
    samples,
    ops_per_s: (n / result.latency.mean) * 1000,
    enqueue_ops_per_s: enqueueMs > 0 ? (enqueued / enqueueMs) * 1000 : 0,
    latency_ms: p50 === null || p99 === null ? null : { p50, p99 },
    calls: samples > 0 ? latencies.length / samples : 0,
    op_amplification: measuredOps > 0 ? opsSent / measuredOps : 0,
    request_bytes_per_op: measuredOps > 0 ? requestBytes / measuredOps : 0,
    server_cpu_us_per_op: serverCpuUs === null || measuredOps === 0 ? null : serverCpuUs / measuredOps,
  };
}
