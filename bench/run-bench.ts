import { availableParallelism } from "node:os";
import { DEFAULT_LIMITS, type Limits } from "../protocol/limits.ts";
import { inMemoryPingSession, measureBareCalls } from "./bare-call.ts";
import { measureCeiling } from "./ceiling.ts";
import { within } from "./deadline.ts";
import type { Endpoint } from "./endpoint.ts";
import { goals } from "./goals.ts";
import { inProcessEndpoint } from "./in-process.ts";
import { loopbackEndpoint } from "./loopback.ts";
import { cellLabel, cellsOf, storageLabel, storageSettings, type BenchMatrix, type Cell, type Mode, type Storage } from "./matrix.ts";
import type { BareCallRow, BenchReport, BenchRow, CeilingRow, CellRow } from "./report.ts";
import { referenceFileSettings, scratch, type Scratch } from "./storage.ts";
import { measureCell } from "./sync-cell.ts";
import { benchBodies, benchOps } from "./workload.ts";

// Runs the whole matrix: the SQLite ceilings first, then the bare capnweb call
// rates, then every cell. Each unit has its own bound and ends as an error row
// when it fails or runs past it, so a run always finishes.

export interface BenchProgress {
  done: number;
  total: number;
  label: string;
}

export interface BenchOptions {
  quick: boolean;
  onProgress?: (progress: BenchProgress) => void;
}

const LOOPBACK_START_MS = 20_000;

function message(error: unknown): string {
  return String((error as Error)?.message ?? error);
}

/** Each sample may take this long before it counts as hung: generous, since FULL fsyncs every commit. */
export function sampleDeadlineMs(ops: number): number {
  return 10_000 + 20 * ops;
}

async function withEndpoint<T>(mode: Mode, storage: Storage, limits: Limits, fn: (endpoint: Endpoint, files: Scratch | null) => Promise<T>): Promise<T> {
  const files = storage.synchronous === null ? null : scratch();
  let endpoint: Endpoint | undefined;
  try {
    endpoint = mode === "in-process" ? inProcessEndpoint(storage, files, limits) : await loopbackEndpoint(storage, files, limits, LOOPBACK_START_MS);
    return await fn(endpoint, files);
  } finally {
    await endpoint?.close();
    files?.dispose();
  }
}

async function cellRow(cell: Cell, matrix: BenchMatrix, limits: Limits, bodies: Parameters<typeof measureCell>[2]["bodies"]): Promise<CellRow> {
  const base = {
    kind: "cell" as const,
    mode: cell.mode,
    transport: cell.transport,
    batch: cell.batch,
    in_flight: cell.in_flight,
    storage: cell.storage.name,
    synchronous: cell.storage.synchronous,
    ops: bodies.length,
  };
  const deadline = sampleDeadlineMs(bodies.length);
  try {
    const m = await within(
      withEndpoint(cell.mode, cell.storage, limits, (endpoint, files) =>
        measureCell(cell, endpoint, { bodies, time_ms: matrix.time_ms, limits, files, sample_deadline_ms: deadline }),
      ),
      matrix.time_ms + 3 * deadline + LOOPBACK_START_MS,
      cellLabel(cell),
    );
    return { ...base, ...m, ceiling_ratio: null, error: null };
  } catch (error) {
    return {
      ...base,
      samples: 0,
      ops_per_s: 0,
      enqueue_ops_per_s: 0,
      latency_ms: null,
      calls: 0,
      op_amplification: 0,
      request_bytes_per_op: 0,
      server_cpu_us_per_op: null,
      ceiling_ratio: null,
      error: message(error),
    };
  }
}

export async function runBench(matrix: BenchMatrix, options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const bodies = benchBodies(matrix.ops);
  const ops = benchOps(bodies);
  const batchMax = Math.max(...matrix.batches);
  const limits: Limits = { ...DEFAULT_LIMITS, ops_per_call_max: Math.max(DEFAULT_LIMITS.ops_per_call_max, batchMax) };
  const storages = storageSettings(matrix.storages);
  const cells = cellsOf(matrix);
  const total = storages.length * matrix.batches.length + matrix.modes.length + cells.length;
  let done = 0;
  const step = (label: string) => options.onProgress?.({ done: done++, total, label });
  const rows: BenchRow[] = [];

  for (const storage of storages) {
    for (const batch of matrix.batches) {
      step(`SQLite ceiling batch ${batch} ${storageLabel(storage)}`);
      const base = { kind: "ceiling" as const, batch, storage: storage.name, synchronous: storage.synchronous, ops: ops.length };
      const files = storage.synchronous === null ? null : scratch();
      try {
        const m = await within(measureCeiling(ops, batch, storage, files, matrix.time_ms), matrix.time_ms + 3 * sampleDeadlineMs(ops.length), "ceiling");
        rows.push({ ...base, ...m, error: null } satisfies CeilingRow);
      } catch (error) {
        rows.push({ ...base, samples: 0, ops_per_s: 0, error: message(error) } satisfies CeilingRow);
      } finally {
        files?.dispose();
      }
    }
  }

  for (const mode of matrix.modes) {
    step(`bare capnweb calls ${mode}`);
    try {
      const m = await within(
        mode === "in-process"
          ? inMemoryPingSession().then((t) => measureBareCalls(t, matrix.time_ms))
          : withEndpointLoopbackPing(limits, matrix.time_ms),
        matrix.time_ms * 4 + LOOPBACK_START_MS + 10_000,
        "bare capnweb calls",
      );
      rows.push({ kind: "capnweb-call", mode, ...m, error: null } satisfies BareCallRow);
    } catch (error) {
      rows.push({ kind: "capnweb-call", mode, samples: 0, ops_per_s: 0, latency_ms: null, error: message(error) } satisfies BareCallRow);
    }
  }

  for (const cell of cells) {
    step(cellLabel(cell));
    const row = await cellRow(cell, matrix, limits, bodies);
    const ceiling = rows.find((r): r is CeilingRow => r.kind === "ceiling" && r.batch === cell.batch && r.storage === cell.storage.name && r.synchronous === cell.storage.synchronous);
    if (row.error === null && ceiling && ceiling.ops_per_s > 0) row.ceiling_ratio = row.ops_per_s / ceiling.ops_per_s;
    rows.push(row);
  }
  options.onProgress?.({ done, total, label: "done" });

  const reference = referenceFileSettings();
  return {
    matrix,
    quick: options.quick,
    rows,
    goals: goals(rows),
    reference,
    ops_per_call_max: limits.ops_per_call_max,
    machine: { cpus: availableParallelism(), node: process.version, platform: `${process.platform}-${process.arch}` },
    wall_ms: Math.round(performance.now() - started),
    notes: [
      `file storage: WAL, measured with synchronous=NORMAL and =FULL; the reference (protocol/sqlite-migrations.ts configure) uses journal_mode=${reference.journal_mode}, synchronous=${reference.synchronous}.`,
      "in-process: client and server in one process, no sockets (websocket: capnweb over an in-memory pair; http-batch and rest: real fetch intercepted by msw into the Hono app). Request bytes are counted as HTTP/1.1 or WebSocket frames would carry them.",
      "loopback: the server in a child process on 127.0.0.1, real sockets; request bytes are what the server's sockets read; server CPU is the child's user+system time.",
      ...(limits.ops_per_call_max !== DEFAULT_LIMITS.ops_per_call_max
        ? [`ops_per_call_max raised from ${DEFAULT_LIMITS.ops_per_call_max} to ${limits.ops_per_call_max} on both sides so batch ${batchMax} is one call.`]
        : []),
    ],
  };
}

async function withEndpointLoopbackPing(limits: Limits, time_ms: number) {
  const endpoint = await loopbackEndpoint({ name: "memory", synchronous: null }, null, limits, LOOPBACK_START_MS);
  try {
    return await measureBareCalls(await endpoint.openPing(), time_ms);
  } finally {
    await endpoint.close();
  }
}
