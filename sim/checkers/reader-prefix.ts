import { VIOLATIONS_PER_CHECKER_MAX, type Checker, type Violation } from "./checker.ts";

/**
 * What each viewer applied is exactly a stretch of its share's log: from where
 * it joined (0, or the cursor of a snapshot the server sent it) with no gap,
 * no duplicate and no reordering, each entry the op the server has at that
 * cursor; its durable cursor stands at the last entry it applied and never
 * moved back, across reconnects and restarts. Judged from the viewer's SQLite
 * (its local log, in the order applied) and the server's, never from probes.
 */
export const readerPrefix: Checker = (record) => {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "reader-prefix", ...v });
  for (const viewer of record.viewers) {
    const share = record.shares.find((s) => s.index === viewer.share_index);
    if (!share) continue;
    const opAt = new Map(share.log.map((r) => [r.cursor, r.op_id]));
    const node = viewer.node;
    // Where it may have started: the log's beginning, or a snapshot the server really sent it.
    const starts = new Set([0, ...record.observed.served.filter((s) => s.node === node && s.snapshot !== null).map((s) => s.snapshot!)]);
    const first = viewer.log[0];
    let expected = first === undefined ? viewer.cursor + 1 : first.cursor;
    if (first !== undefined && !starts.has(first.cursor - 1)) {
      push({
        anomaly: "gap",
        message: `${node} applied cursor ${first.cursor} first, yet it started neither at 0 nor from a snapshot at ${first.cursor - 1}`,
        t_ms: null,
        witness: { node, share: share.id, first_applied: first.cursor, snapshots_sent: [...starts].filter((c) => c > 0) },
      });
    }
    const seen = new Set<number>();
    for (const row of viewer.log) {
      const where = { node, share: share.id, n: row.n, cursor: row.cursor, op_id: row.op_id };
      if (seen.has(row.cursor)) {
        push({ anomaly: "duplicate", message: `${node} applied cursor ${row.cursor} (${row.op_id}) a second time`, t_ms: null, witness: where });
        continue;
      }
      seen.add(row.cursor);
      if (row.cursor < expected) {
        push({ anomaly: "reordered", message: `${node} applied cursor ${row.cursor} after cursor ${expected - 1}`, t_ms: null, witness: { ...where, after: expected - 1 } });
        continue;
      }
      if (row.cursor > expected) {
        push({ anomaly: "gap", message: `${node} applied cursor ${row.cursor} without ${expected === row.cursor - 1 ? `cursor ${expected}` : `cursors ${expected}..${row.cursor - 1}`}`, t_ms: null, witness: { ...where, missing_from: expected, missing_to: row.cursor - 1 } });
      }
      const op = opAt.get(row.cursor);
      if (op !== row.op_id) {
        push({ anomaly: "unexpected", message: `${node} applied ${row.op_id} at cursor ${row.cursor}, where the server's log has ${op ?? "nothing"}`, t_ms: null, witness: { ...where, server_op_id: op ?? null } });
      }
      expected = row.cursor + 1;
    }
    const last = viewer.log.length === 0 ? undefined : Math.max(...viewer.log.map((r) => r.cursor));
    if (last !== undefined && viewer.cursor !== last) {
      push({
        anomaly: viewer.cursor > last ? "gap" : "nonmonotonic",
        message: `${node}'s durable cursor is ${viewer.cursor}, but the highest entry it applied is at ${last}`,
        t_ms: null,
        witness: { node, share: share.id, cursor: viewer.cursor, last_applied: last },
      });
    }
    let before: { t: number; cursor: number } | undefined;
    for (const sample of record.observed.viewer_samples) {
      if (sample.node !== node) continue;
      if (before && sample.cursor < before.cursor) {
        push({ anomaly: "nonmonotonic", message: `${node}'s durable cursor went from ${before.cursor} (at ${before.t} ms) back to ${sample.cursor}`, t_ms: sample.t, witness: { node, share: share.id, from: before.cursor, to: sample.cursor, from_t: before.t } });
      }
      before = sample;
    }
  }
  return violations;
};
