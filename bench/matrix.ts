import { TRANSPORT_NAMES, type TransportName } from "../client-under-test/transports/transport.ts";

// What `replaysim bench` measures: the axes of the matrix, the cells they
// expand to, and the two presets (the full matrix and --quick for CI).

export type Mode = "in-process" | "loopback";
export const MODES: readonly Mode[] = ["in-process", "loopback"];

export type StorageName = "memory" | "file";
export const STORAGE_NAMES: readonly StorageName[] = ["memory", "file"];

/** SQLite's synchronous pragma for file databases (always WAL). */
export type Synchronous = "NORMAL" | "FULL";

/** Where both databases (the client's outbox and the server's store) live. */
export interface Storage {
  name: StorageName;
  /** null for memory. */
  synchronous: Synchronous | null;
}

export interface BenchMatrix {
  transports: readonly TransportName[];
  batches: readonly number[];
  in_flight: readonly number[];
  storages: readonly StorageName[];
  modes: readonly Mode[];
  /** Ops in the outbox at the start of each sample. */
  ops: number;
  /** tinybench's time budget per cell (after one warmup sample). */
  time_ms: number;
}

export interface Cell {
  mode: Mode;
  transport: TransportName;
  batch: number;
  in_flight: number;
  storage: Storage;
}

export const BATCH_MAX = 1000;

export const FULL_MATRIX: BenchMatrix = Object.freeze<BenchMatrix>({
  transports: TRANSPORT_NAMES,
  batches: [1, 10, 100, 1000],
  in_flight: [1, 4],
  storages: STORAGE_NAMES,
  modes: MODES,
  ops: 2000,
  time_ms: 1000,
});

/** Small enough for CI: every transport at batch 1 and 100 in both modes, in memory. */
export const QUICK_MATRIX: BenchMatrix = Object.freeze<BenchMatrix>({
  transports: TRANSPORT_NAMES,
  batches: [1, 100],
  in_flight: [1],
  storages: ["memory"],
  modes: MODES,
  ops: 300,
  time_ms: 300,
});

/** "file" is measured twice: WAL with synchronous=NORMAL and with FULL. */
export function storageSettings(names: readonly StorageName[]): Storage[] {
  const out: Storage[] = [];
  for (const name of names) {
    if (name === "memory") out.push({ name, synchronous: null });
    else out.push({ name, synchronous: "NORMAL" }, { name, synchronous: "FULL" });
  }
  return out;
}

export function storageLabel(storage: Storage): string {
  return storage.synchronous === null ? storage.name : `${storage.name}/${storage.synchronous}`;
}

/** Every cell, grouped so one mode's cells run together (loopback after in-process). */
export function cellsOf(matrix: BenchMatrix): Cell[] {
  const cells: Cell[] = [];
  for (const mode of matrix.modes)
    for (const storage of storageSettings(matrix.storages))
      for (const in_flight of matrix.in_flight)
        for (const batch of matrix.batches) for (const transport of matrix.transports) cells.push({ mode, transport, batch, in_flight, storage });
  return cells;
}

export function cellLabel(cell: Cell): string {
  return `${cell.mode} ${cell.transport} batch ${cell.batch} in-flight ${cell.in_flight} ${storageLabel(cell.storage)}`;
}
