import type { HistoryEvent } from "../history/history.ts";
import type { FinalClient, FinalShare, FinalViewer } from "../final-state.ts";
import type { CommittedOp, Outcome } from "../world.ts";
import type { CommitRow, Observed } from "../observe/observer.ts";

/** The checkers that judge a run's record, in the order they run. */
export const CHECKERS = ["exactly-once", "cursor-monotonic", "order", "ack-integrity", "capability", "convergence", "reader-prefix", "reader-convergence", "liveness"] as const;
export type JudgeName = (typeof CHECKERS)[number];

/**
 * Verdicts the bench gives outside the record: `harness` when the code under
 * test threw into the simulator or killed its worker, `determinism` when the
 * same seed gave two trace hashes. (`liveness/hang` comes from the watchdog.)
 */
export const BENCH_CHECKERS = ["harness", "determinism"] as const;
export const ALL_CHECKERS = [...CHECKERS, ...BENCH_CHECKERS] as const;
export type CheckerName = (typeof ALL_CHECKERS)[number];

/** A checker's finding: which invariant, which anomaly, the minimal witness, and when. */
export interface Violation {
  checker: CheckerName;
  anomaly: string;
  message: string;
  t_ms: number | null;
  witness: Record<string, unknown>;
}

/** Everything the checkers look at once a run has ended. */
export interface RunRecord {
  outcome: Outcome;
  end_t: number;
  healed_at: number | null;
  history: readonly HistoryEvent[];
  committed: readonly CommittedOp[];
  shares: readonly FinalShare[];
  clients: readonly FinalClient[];
  /** Every viewer as it ended, its SQLite read as committed. */
  viewers: readonly FinalViewer[];
  /** Shares whose secret a revoke rotated, and when. */
  rotated: readonly { share_index: number; t: number }[];
  /** Every revoke the world's admin made: the only ones there may be. */
  revokes: readonly { share_index: number; t: number }[];
  /** What the world saw: the wire and the processes' SQLite files. The evidence. */
  observed: Observed;
}

export type Checker = (record: RunRecord) => Violation[];

/** Keeps a checker's report short: the first few violations carry the story. */
export const VIOLATIONS_PER_CHECKER_MAX = 20;

export function opKey(producer: string, seq: number): string {
  return `${producer}#${seq}`;
}

/** The data of history events of one type, with time and node. */
export function eventsOf<T>(record: RunRecord, type: string): (T & { t: number; node: string })[] {
  const out: (T & { t: number; node: string })[] = [];
  for (const e of record.history) if (e.type === type) out.push({ ...(e.data as T), t: e.t, node: e.node });
  return out;
}

/** Every committed log row, with the time the world first saw it in the server's SQLite. */
export function committedRows(record: RunRecord): (CommitRow & { t: number; share: string })[] {
  const out: (CommitRow & { t: number; share: string })[] = [];
  for (const c of record.observed.commits) for (const row of c.rows) out.push({ ...row, t: c.t, share: c.share });
  return out;
}

/** The code under test's own report of a commit: a hint for explaining failures, never evidence. */
export interface AppliedEvent {
  share: string;
  producer: string;
  seq_from: number;
  seq_to: number;
  count: number;
  cursor_to: number;
  epoch: number;
  scope: string;
}
