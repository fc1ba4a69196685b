import type { TransportName } from "../client-under-test/transports/transport.ts";
import type { BenchMatrix, Mode, StorageName, Synchronous } from "./matrix.ts";

// What one `replaysim bench` run produced: one row per cell, per SQLite
// ceiling and per bare capnweb call rate. bench.json is exactly this.

export interface CellRow {
  kind: "cell";
  mode: Mode;
  transport: TransportName;
  batch: number;
  in_flight: number;
  storage: StorageName;
  synchronous: Synchronous | null;
  ops: number;
  samples: number;
  /** Sync throughput: ops per second from start of sync to drained, outbox filled beforehand. 0 on error. */
  ops_per_s: number;
  enqueue_ops_per_s: number;
  /** Per appendOps call. */
  latency_ms: { p50: number; p99: number } | null;
  /** appendOps calls per sample (ops ÷ batch when nothing is resent). */
  calls: number;
  /** Ops put on the wire ÷ ops synced: 1 unless calls were resent, e.g. after HTTP requests overtook each other. */
  op_amplification: number;
  request_bytes_per_op: number;
  /** Loopback only: the server process's CPU time per op. */
  server_cpu_us_per_op: number | null;
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
