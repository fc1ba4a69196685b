import { VIOLATIONS_PER_CHECKER_MAX, type Checker, type Violation } from "./checker.ts";

/**
 * Cursors only move forward, and they count applied ops exactly. Judged from
 * the processes' SQLite files and the replies on the wire:
 * - each time the world reads the server's committed state, its cursor moved
 *   by exactly the rows added to the log, and never back, restarts included;
 * - a cursor a reply told a client (redeem or ack) is never below the position
 *   the client's own acknowledged ops already reached, nor above what the
 *   server had committed;
 * - the cursor a client's outbox committed never goes down;
 * - at the end, each share's cursor equals the ops in its log.
 * Anomalies: `nonmonotonic` (backwards or stale) and `skip` (ahead of the ops).
 */
export const cursorMonotonic: Checker = (record) => {
  const violations: Violation[] = [];
  const push = (anomaly: "nonmonotonic" | "skip", message: string, t_ms: number | null, witness: Record<string, unknown>) => {
    if (violations.length < VIOLATIONS_PER_CHECKER_MAX) violations.push({ checker: "cursor-monotonic", anomaly, message, t_ms, witness });
  };
  const producerOf = new Map(record.clients.map((c) => [c.node, c.producer]));
  const shareOf = new Map([...record.clients, ...record.viewers].map((c) => [c.node, record.shares.find((s) => s.index === c.share_index)?.id ?? ""]));
  /** Per producer: seq -> the log position it was committed at. */
  const positions = new Map<string, Map<number, number>>();
  /** Per share: log rows committed so far. */
  const logged = new Map<string, number>();

  const commits = record.observed.commits;
  let next = 0;
  const catchUp = (t: number) => {
    for (; next < commits.length && commits[next]!.t <= t; next++) {
      const c = commits[next]!;
      const want = c.cursor_before + c.rows.length;
      if (c.cursor_after !== want) {
        const backwards = c.cursor_after < c.cursor_before;
        push(c.cursor_after < want ? "nonmonotonic" : "skip", backwards
          ? `${c.share}: the committed cursor fell from ${c.cursor_before} to ${c.cursor_after}`
          : `${c.share}: ${c.rows.length} ops were committed to the log while the committed cursor moved from ${c.cursor_before} to ${c.cursor_after}, not ${want}`, c.t, {
          share: c.share,
          cursor_before: c.cursor_before,
          cursor_after: c.cursor_after,
          rows: c.rows.length,
        });
      }
      logged.set(c.share, (logged.get(c.share) ?? 0) + c.rows.length);
      for (const row of c.rows) {
        let seqs = positions.get(row.producer_id);
        if (!seqs) positions.set(row.producer_id, (seqs = new Map()));
        seqs.set(row.seq, row.cursor);
      }
    }
  };

  const told = record.observed.told;
  const samples = record.observed.samples;
  const recorded = new Map<string, number>();
  let i = 0;
  let j = 0;
  while (i < told.length || j < samples.length) {
    const takeTold = j >= samples.length || (i < told.length && told[i]!.t <= samples[j]!.t);
    if (takeTold) {
      const d = told[i++]!;
      catchUp(d.t);
      const producer = producerOf.get(d.node) ?? "";
      const share = shareOf.get(d.node) ?? "";
      const floor = positions.get(producer)?.get(d.last_seq) ?? 0;
      const ceiling = logged.get(share) ?? 0;
      if (d.cursor < floor) {
        push("nonmonotonic", `${d.node} was told cursor ${d.cursor}, but its seq ${d.last_seq} had already been committed at cursor ${floor}`, d.t, {
          node: d.node,
          cursor: d.cursor,
          last_seq: d.last_seq,
          cursor_of_last_seq: floor,
        });
      } else if (d.cursor > ceiling) {
        push("skip", `${d.node} was told cursor ${d.cursor}, but only ${ceiling} ops had been committed to ${share}`, d.t, { node: d.node, cursor: d.cursor, committed: ceiling });
      }
    } else {
      const s = samples[j++]!;
      const previous = recorded.get(s.node) ?? 0;
      if (s.cursor < previous) push("nonmonotonic", `${s.node} committed cursor ${s.cursor} after having committed ${previous}`, s.t, { node: s.node, previous, recorded: s.cursor });
      recorded.set(s.node, Math.max(previous, s.cursor));
    }
  }
  catchUp(Infinity);
  for (const share of record.shares) {
    if (share.cursor !== share.log.length) {
      push(share.cursor > share.log.length ? "skip" : "nonmonotonic", `${share.id} ends with cursor ${share.cursor} but ${share.log.length} applied ops in its log`, record.end_t, {
        share: share.id,
        cursor: share.cursor,
        applied: share.log.length,
      });
    }
  }
  return violations;
};
