import { VIOLATIONS_PER_CHECKER_MAX, type AppliedEvent, type Checker, type Violation } from "./record.ts";

/**
 * Cursors only move forward, and they count applied ops exactly:
 * - the server's cursor grows by exactly the ops each commit applied, and a
 *   restart never brings back a lower one;
 * - a cursor a client is told (redeem or ack) is never below the position its
 *   own acknowledged ops already reached, nor above what the server applied;
 * - the cursor a client records never goes down;
 * - at the end, each share's cursor equals the ops in its log.
 * Anomalies: `nonmonotonic` (backwards or stale) and `skip` (ahead of the ops).
 */
export const cursorMonotonic: Checker = (record) => {
  const violations: Violation[] = [];
  const push = (anomaly: "nonmonotonic" | "skip", message: string, t_ms: number | null, witness: Record<string, unknown>) => {
    if (violations.length < VIOLATIONS_PER_CHECKER_MAX) violations.push({ checker: "cursor-monotonic", anomaly, message, t_ms, witness });
  };
  const shareOfProducer = new Map(record.clients.map((c) => [c.producer, record.shares.find((s) => s.index === c.share_index)?.id ?? ""]));
  const shareCursor = new Map<string, number>();
  /** Per producer: seq -> the share cursor right after that op was applied. */
  const positions = new Map<string, Map<number, number>>();
  const recorded = new Map<string, number>();

  for (const e of record.history) {
    if (e.type === "applied") {
      const a = e.data as unknown as AppliedEvent;
      const before = shareCursor.get(a.share) ?? 0;
      const want = before + a.count;
      if (a.cursor_to !== want) {
        push(a.cursor_to < want ? "nonmonotonic" : "skip", `${a.share}: a commit of ${a.count} ops moved the cursor from ${before} to ${a.cursor_to}, not ${want}`, e.t, {
          share: a.share,
          producer: a.producer,
          cursor_before: before,
          cursor_after: a.cursor_to,
          applied: a.count,
        });
      }
      shareCursor.set(a.share, Math.max(before, a.cursor_to));
      let seqs = positions.get(a.producer);
      if (!seqs) positions.set(a.producer, (seqs = new Map()));
      if (a.count === a.seq_to - a.seq_from + 1) for (let s = a.seq_from; s <= a.seq_to; s++) seqs.set(s, a.cursor_to - (a.seq_to - s));
    } else if (e.type === "restart" && e.node === "server") {
      const cursors = (e.data.cursors as Record<string, number> | undefined) ?? {};
      record.shares.forEach((share) => {
        const after = cursors[share.id] ?? 0;
        const before = shareCursor.get(share.id) ?? 0;
        if (after < before) push("nonmonotonic", `${share.id}: the server restarted with cursor ${after}, below the ${before} it had committed`, e.t, { share: share.id, before, after });
      });
    } else if (e.type === "redeemed" || e.type === "ack_received") {
      const d = e.data as { producer: string; cursor: number; last_seq: number };
      const share = shareOfProducer.get(d.producer) ?? "";
      const floor = positions.get(d.producer)?.get(d.last_seq) ?? 0;
      const ceiling = shareCursor.get(share) ?? 0;
      const via = e.type === "redeemed" ? "redeem" : "ack";
      if (d.cursor < floor) {
        push("nonmonotonic", `${e.node} was told cursor ${d.cursor} by ${via}, but its seq ${d.last_seq} had already been applied at cursor ${floor}`, e.t, {
          node: e.node,
          via,
          cursor: d.cursor,
          last_seq: d.last_seq,
          cursor_of_last_seq: floor,
        });
      } else if (d.cursor > ceiling) {
        push("skip", `${e.node} was told cursor ${d.cursor} by ${via}, but only ${ceiling} ops had been applied to ${share}`, e.t, { node: e.node, via, cursor: d.cursor, applied: ceiling });
      }
    } else if (e.type === "cursor_recorded") {
      const d = e.data as { producer: string; cursor: number };
      const previous = recorded.get(d.producer) ?? 0;
      if (d.cursor < previous) push("nonmonotonic", `${e.node} recorded cursor ${d.cursor} after having recorded ${previous}`, e.t, { node: e.node, previous, recorded: d.cursor });
      recorded.set(d.producer, Math.max(previous, d.cursor));
    }
  }
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
