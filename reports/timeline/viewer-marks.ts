import type { HistoryEventOf } from "../../sim/history/events.ts";
import type { Keys } from "../timeline-keys.ts";
import type { Drawing, Place } from "./context.ts";

// Marks on a viewer's lane, from its probe events: what it redeemed, applied
// and installed, and why its session failed or it stopped.

export function viewerApplied(d: Drawing, e: HistoryEventOf<"viewer_applied">, p: Place): void {
  const { cursor_from, cursor_to: hi, count } = e.data;
  const lo = cursor_from + 1;
  const share = d.names.share(e.data.share);
  const keys: Keys = { seqs: [], ops: [], cursors: [{ share, lo, hi }] };
  d.canvas.mark(p.at(p.own), "ok", `applied cur ${lo === hi ? lo : `${lo}–${hi}`}`, `viewer applied ${count} entr${count === 1 ? "y" : "ies"} of ${share}: cursor ${lo}..${hi}`, keys);
}

export function viewerRedeemed(d: Drawing, e: HistoryEventOf<"viewer_redeemed">, p: Place): void {
  const { epoch, cursor, from } = e.data;
  d.canvas.mark(p.at(p.own), "ok", `redeem read${epoch > 0 ? ` epoch ${epoch}` : ""}: from cur ${from}`, `viewer redeemed for reading: epoch ${epoch}, share cursor ${cursor}, follows from ${from}`);
}

export function viewerSnapshot(d: Drawing, e: HistoryEventOf<"viewer_snapshot">, p: Place): void {
  d.canvas.mark(p.at(p.own), "ok", `snapshot at cur ${e.data.cursor}`, `late joiner installed a snapshot at cursor ${e.data.cursor}`);
}

export function viewerSessionFailed(d: Drawing, e: HistoryEventOf<"viewer_session_failed">, p: Place): void {
  const { code, message } = e.data;
  d.canvas.mark(p.at(p.own), "fault", `session failed: ${code}`, `viewer session failed: ${code}: ${message}`);
}

export function viewerStopped(d: Drawing, e: HistoryEventOf<"viewer_stopped">, p: Place): void {
  const { code, message } = e.data;
  d.canvas.mark(p.at(p.own), "crash", `stopped: ${code}`, `viewer stopped for good: ${code}: ${message}`);
}
