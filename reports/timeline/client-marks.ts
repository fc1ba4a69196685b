import type { HistoryEventOf } from "../../sim/history/events.ts";
import type { Keys } from "../timeline-keys.ts";
import { seqKeys } from "./canvas.ts";
import type { Drawing, Place } from "./context.ts";

// Marks on a client's lane, from its own probe events and its workload: ops
// enqueued (they fill its outbox chart), acks and cursors (they empty it),
// sessions redeemed and failed.

export function enqueueCommitted(d: Drawing, e: HistoryEventOf<"enqueue_committed">, p: Place): void {
  const { seq, op_id } = e.data;
  const keys = seqKeys(p.node, seq, seq);
  keys.ops.push(op_id);
  d.canvas.mark(p.at(p.own), "dot", `enq #${seq}`, `enqueue committed: seq ${seq}, ${op_id}`, keys);
  d.charts.moveOutbox(e.t, p.node, (o) => {
    o.seq = Math.max(o.seq, seq);
  });
}

export function enqueueInterrupted(d: Drawing, e: HistoryEventOf<"enqueue_interrupted">, p: Place): void {
  d.canvas.mark(p.at(p.own), "fault", "enq lost in crash", `enqueue of a ${e.data.kind} op died with the process`);
}

export function enqueueRefused(d: Drawing, e: HistoryEventOf<"enqueue_refused">, p: Place): void {
  const { code, message } = e.data;
  d.canvas.mark(p.at(p.own), "fault", `enq refused: ${code}`, `enqueue refused: ${code}: ${message}`);
}

export function ackReceived(d: Drawing, e: HistoryEventOf<"ack_received">, p: Place): void {
  const { last_seq, cursor, applied, duplicates, rejected } = e.data;
  const keys = seqKeys(p.node, last_seq, last_seq);
  const share = d.names.shareOfLane(p.node);
  if (share) keys.cursors.push({ share, lo: cursor, hi: cursor });
  const extra = [duplicates ? `${duplicates} dup` : "", rejected ? `${rejected} rejected` : ""].filter(Boolean).join(", ");
  d.canvas.mark(p.at(p.own), "ok", `ack ≤${last_seq} cur ${cursor}${extra ? ` (${extra})` : ""}`, `ack: last_seq ${last_seq}, cursor ${cursor}, applied ${applied}, duplicates ${duplicates}, rejected ${rejected}`, keys);
}

/** Labelled only when no ack or redeem in the same row said it already. */
export function markedAcked(d: Drawing, e: HistoryEventOf<"marked_acked">, p: Place): void {
  const row = p.at(p.own);
  const acked = e.data.acked_seq;
  const said = row.labels.some((l) => l.text.startsWith(`ack ≤${acked} `) || l.text.includes(`last #${acked} `));
  d.canvas.mark(row, "ok", said ? null : `acked ≤${acked}`, `marked acked: seq ≤ ${acked}`, seqKeys(p.node, acked, acked));
  d.charts.moveOutbox(e.t, p.node, (o) => {
    o.acked = Math.max(o.acked, acked);
  });
}

/** Labelled only when nothing in the same row named the cursor already. */
export function cursorRecorded(d: Drawing, e: HistoryEventOf<"cursor_recorded">, p: Place): void {
  const row = p.at(p.own);
  const cursor = e.data.cursor;
  const share = d.names.share(e.data.share);
  const said = row.labels.some((l) => l.text.includes(`cur ${cursor}`));
  d.canvas.mark(row, "ok", said ? null : `cur ${cursor}`, `cursor recorded: ${cursor}`, { seqs: [], ops: [], cursors: [{ share, lo: cursor, hi: cursor }] });
}

export function redeemed(d: Drawing, e: HistoryEventOf<"redeemed">, p: Place): void {
  const { epoch, last_seq, cursor } = e.data;
  const share = d.names.share(e.data.share);
  const keys: Keys = { seqs: [{ lane: p.node, lo: last_seq, hi: last_seq }], ops: [], cursors: [{ share, lo: cursor, hi: cursor }] };
  d.canvas.mark(p.at(p.own), "ok", `redeem${epoch > 0 ? ` epoch ${epoch}` : ""}: last #${last_seq} cur ${cursor}`, `redeemed ${share}: epoch ${epoch}, last_seq ${last_seq}, cursor ${cursor}`, keys);
}

export function sessionFailed(d: Drawing, e: HistoryEventOf<"session_failed">, p: Place): void {
  const { code, message } = e.data;
  d.canvas.mark(p.at(p.own), "fault", `session failed: ${code}`, `session failed: ${code}: ${message}`);
}

export function clientStopped(d: Drawing, e: HistoryEventOf<"client_stopped">, p: Place): void {
  const { code, message } = e.data;
  d.canvas.mark(p.at(p.own), "crash", `stopped: ${code}`, `client stopped for good: ${code}: ${message}`);
}
