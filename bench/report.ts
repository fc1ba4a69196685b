import type { TransportName } from "../client-under-test/transports/transport.ts";
import type { BenchMatrix, Mode, StorageName, Synchronous } from "./matrix.ts";
import type { CellMeasure } from "./sync-cell.ts";

// What one `replaysim bench` run produced: one row per cell, per SQLite
// ceiling and per bare capnweb call rate. bench.json is exactly this.

/** One cell of the matrix: where it ran, what it measured (0 ops/s on error), and its ratio to the ceiling. */
export interface CellRow extends CellMeasure {
  kind: "cell";
  mode: Mode;
  transport: TransportName;
  batch: number;
  in_flight: number;
  storage: StorageName;
  synchronous: Synchronous | null;
  ops: number;
  /** ops_per_s ÷ the SQLite ceiling at the same batch size and storage. */
  ceiling_ratio: number | null;
  error: string | null;
}

export interface CeilingRow {
  kind: "ceiling";
  batch: number;
  storage: StorageName;
  synchronous: Synchronous | null;
  ops: number;
  samples: number;
  ops_per_s: number;
  error: string | null;
}

export interface BareCallRow {
  kind: "capnweb-call";
  mode: Mode;
  samples: number;
  /** Calls per second, one at a time. */
  ops_per_s: number;
  latency_ms: { p50: number; p99: number } | null;
  error: string | null;
}

export type BenchRow = CellRow | CeilingRow | BareCallRow;

export interface Goal {
  name: string;
  target: string;
  /** The measured ratios, one per transport or comparison. */
  ratios: Record<string, number | null>;
  met: boolean | null;
}

export interface BenchReport {
  matrix: BenchMatrix;
  quick: boolean;
  rows: BenchRow[];
  goals: Goal[];
  /** What the reference `configure` sets on file databases; the file cells run NORMAL and FULL. */
  reference: { journal_mode: string; synchronous: string };
  ops_per_call_max: number;
  machine: { cpus: number; node: string; platform: string };
  wall_ms: number;
  notes: string[];
}
