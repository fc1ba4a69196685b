import type { HistoryEventOf } from "../../sim/history/events.ts";
import type { Keys } from "../timeline-keys.ts";
import { range } from "./canvas.ts";
import type { Drawing, Place } from "./context.ts";

// Marks on the server's lane: ops applied (they move the share's cursor
// chart), entries served to readers, and what the admin and the faults did to
// the server: revokes, and replies fated to be lost.

export function applied(d: Drawing, e: HistoryEventOf<"applied">, p: Place): void {
  const { seq_from: lo, seq_to: hi, cursor_to: cursor, count, epoch, scope } = e.data;
  const producer = d.names.producer(e.data.producer);
  const share = d.names.share(e.data.share);
  const keys: Keys = { seqs: [{ lane: producer, lo, hi }], ops: [], cursors: [{ share, lo: cursor - count + 1, hi: cursor }] };
  // The share is the producer's own (its lane says which); only an unusual epoch or scope is worth the room.
  const odd = [epoch > 0 ? `epoch ${epoch}` : "", scope !== "write" ? `via ${scope}` : ""].filter(Boolean).join(", ");
  d.canvas.mark(p.at(p.own), "ok", `apply ${producer} ${range(lo, hi)} → cur ${cursor}${odd ? ` (${odd})` : ""}`, `applied ${count} op(s) of ${producer}: seq ${lo}..${hi}, ${share} cursor → ${cursor}, epoch ${epoch}, scope ${scope}`, keys);
  d.charts.cursorPoint(e.t, share, cursor);
}

export function served(d: Drawing, e: HistoryEventOf<"served">, p: Place): void {
  const { cursor_from: lo, cursor_to: hi, count, via, epoch, scope } = e.data;
  const share = d.names.share(e.data.share);
  const keys: Keys = { seqs: [], ops: [], cursors: [{ share, lo, hi }] };
  d.canvas.mark(p.at(p.own), "dot", `serve ${via} cur ${lo === hi ? lo : `${lo}–${hi}`}`, `served ${count} entr${count === 1 ? "y" : "ies"} of ${share} by ${via}: cursor ${lo}..${hi}, epoch ${epoch}, scope ${scope}`, keys);
}

export function revoked(d: Drawing, e: HistoryEventOf<"revoked">, p: Place): void {
  const { epoch, secret_rotated } = e.data;
  const share = d.names.share(e.data.share);
  d.canvas.mark(p.at(p.own), "fault", `revoke ${share} → e${epoch}${secret_rotated ? ", new secret" : ""}`, `revoked ${share}: epoch ${epoch}, secret rotated: ${String(secret_rotated)}`);
}

export function revokeSkipped(d: Drawing, e: HistoryEventOf<"revoke_skipped">, p: Place): void {
  d.canvas.mark(p.at(p.own), "fault", `revoke skipped: ${e.data.reason}`, `revoke skipped: ${e.data.reason}`);
}

/** Recorded on the client's node, drawn on the server's lane: it is the server's reply that will be lost. */
export function replyLost(d: Drawing, _e: HistoryEventOf<"reply_lost">, p: Place): void {
  d.canvas.mark(p.at(p.server), "fault", `reply to ${p.node} will be lost`, `fault: the reply to ${p.node}'s apply is lost`);
}
