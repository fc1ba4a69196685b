import type { Violation } from "../checker-names.ts";
import type { CommitRow, RunRecord } from "../run-record.ts";

export type { Violation } from "../checker-names.ts";
export type { RunRecord } from "../run-record.ts";

// What every checker shares: its signature, its cap on findings, and the ways it reads the record.

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
