import { committedRows, opKey, VIOLATIONS_PER_CHECKER_MAX, type Checker, type Violation } from "./checker.ts";

/**
 * Every op whose enqueue committed is applied exactly once (Jepsen's queue
 * checker, with duplicates counted as failures): `lost`, `duplicated`,
 * `unexpected`. An op still waiting in its outbox is not lost; liveness judges it.
 */
export const exactlyOnce: Checker = (record) => {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "exactly-once", ...v });
  const applied = new Map<string, { cursor: number; share: string; op_id: string }[]>();
  for (const share of record.shares) {
    for (const row of share.log) {
      const key = opKey(row.producer_id, row.seq);
      const rows = applied.get(key) ?? [];
      rows.push({ cursor: row.cursor, share: share.id, op_id: row.op_id });
      applied.set(key, rows);
    }
  }
  const pending = new Set<string>();
  for (const client of record.clients) for (const op of client.pending) pending.add(opKey(client.producer, op.seq));
  // When the world first saw each commit in the server's SQLite.
  const rows = committedRows(record);
  const appliedAt = (producer: string, seq: number, nth: number): number | null => {
    let seen = 0;
    for (const r of rows) if (r.producer_id === producer && r.seq === seq && ++seen === nth) return r.t;
    return null;
  };

  const expected = new Map<string, string>();
  for (const op of record.committed) {
    const key = opKey(op.producer, op.seq);
    expected.set(key, op.op_id);
    const rows = applied.get(key) ?? [];
    if (rows.length === 0 && !pending.has(key)) {
      push({
        anomaly: "lost",
        message: `${op.node} committed ${op.body.kind} seq ${op.seq} (${op.op_id}) at ${op.t} ms; it was never applied and is no longer in the outbox`,
        t_ms: op.t,
        witness: { producer: op.producer, seq: op.seq, op_id: op.op_id, kind: op.body.kind },
      });
    }
    if (rows.length > 1) {
      push({
        anomaly: "duplicated",
        message: `${op.node} seq ${op.seq} (${op.body.kind}) was applied ${rows.length} times, at cursors ${rows.map((r) => r.cursor).join(", ")}`,
        t_ms: appliedAt(op.producer, op.seq, 2),
        witness: { producer: op.producer, seq: op.seq, op_id: op.op_id, cursors: rows.map((r) => r.cursor) },
      });
    }
  }
  for (const [key, rows] of applied) {
    const want = expected.get(key);
    for (const row of rows) {
      if (want === row.op_id) continue;
      push({
        anomaly: "unexpected",
        message: want === undefined ? `op ${key} at cursor ${row.cursor} of ${row.share} was never committed by any client` : `op ${key} at cursor ${row.cursor} carries ${row.op_id}, but ${want} was committed under that seq`,
        t_ms: null,
        witness: { op: key, cursor: row.cursor, share: row.share, op_id: row.op_id, committed_op_id: want ?? null },
      });
    }
  }
  return violations;
};
