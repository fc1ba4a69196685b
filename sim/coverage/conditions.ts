import { CRASH_POINTS } from "../../protocol/ports.ts";

// Coverage conditions: "sometimes" assertions in the style of FoundationDB's
// CODE_PROBE. A checker only judges what happened; these record that the cases
// that matter happened at all. Each is written to the history the first time a
// run reaches it, `explore` counts the runs that reached each, and the CI gate
// fails when one is never reached over its seeds.

export const COVERAGE_CONDITIONS = {
  "reply_lost_after_apply/websocket": "the server applied a batch and its reply never reached the client (websocket)",
  "reply_lost_after_apply/http-batch": "the server applied a batch and its reply never reached the client (http-batch)",
  "reply_lost_after_apply/rest": "the server applied a batch and its reply never reached the client (rest)",
  duplicate_after_reredeem: "a late copy of a request reached the server after its client had redeemed again",
  revoke_with_batch_in_flight: "a revoke happened while a client had an appendOps call in flight",
  ...Object.fromEntries(CRASH_POINTS.map((p) => [`crash_point/${p}`, `a process crashed at the crash point ${p}`])),
  restart_with_pending: "a client restarted with ops still pending in its outbox",
  outbox_drained_refilled: "a client's outbox drained to empty and then took a new op",
  gap_rejected: "the server rejected ops after a gap and said so in its reply",
  snapshot_after_appends: "the server committed a full-text part upsert after appends to the same part",
  metadata_update: "the server committed a metadata-only update of a text or reasoning part (no text field)",
  message_finished: "the server committed a message update with a finish reason",
  title_change: "the server committed a second session upsert: the title changed during the session",
  removal: "the server committed a message or part removal",
  op_at_byte_limit: "the server committed an op of multi-byte text within 16 bytes of the body limit",
  too_large_at_enqueue: "enqueue refused an op over the byte limit with too_large",
  silent_crash_escaped_by_deadline: "after a silent server crash, a client's call ended by its own deadline",
  forbidden_refused: "the adversary tried what it must not, and the server refused it with a code and changed nothing",
  reader_write_refused: "a reader tried to append or revoke, and the server refused it with a code and changed nothing",
  viewer_resumed_after_cut: "a viewer whose connection a fault cut (or whose request or reply was lost) resumed and applied more entries",
  viewer_resumed_after_crash: "a viewer restarted over its committed state and applied more entries",
  viewer_ended_by_revoke: "a revoke ended a viewer's subscription or read with stale_epoch",
  late_joiner_caught_up: "a viewer that joined at `latest` installed a snapshot past cursor 0 and then applied entries after it",
  push_backpressure: "the server held a subscriber's pushes at the in-flight limit: backpressure, not a queue",
  poll_page_full: "a polling viewer got a page exactly as long as it asked for, and asked again",
  crash_delivered_sent: "a crashed process's kernel still delivered what it had sent: a frame or reply arrived after its sender died",
  crash_reset: "a crashed process's connection ended in a reset (RST), seen by a live peer",
  power_loss_server_lost_commits: "the server lost power and its SQLite files lost commits that were not yet durable",
  power_loss_client: "a client lost power and came back over what its outbox files kept",
  torn_wal_tail: "a power loss left a torn frame at the WAL's end, and recovery kept a prefix",
  "disk_full/server": "the server's database could not grow: a write failed with disk_full and nothing of it applied",
  "disk_full/client": "a client's outbox could not grow: an enqueue failed with disk_full and wrote nothing",
} as const satisfies Record<string, string>;

export type CoverageCondition = keyof typeof COVERAGE_CONDITIONS;
export const COVERAGE_NAMES = Object.keys(COVERAGE_CONDITIONS) as CoverageCondition[];

/** Runs per condition, every condition present (zero when never reached). */
/** The A2A world's conditions (sim/a2a/): each fault and each recovery path its clients take. */
export const A2A_COVERAGE_NAMES = [
  "a2a.reply_lost_after_handled",
  "a2a.duplicate_delivered",
  "a2a.stream_cut",
  "a2a.server_crash_mid_task",
  "a2a.client_crash",
  "a2a.send_retried",
  "a2a.resubscribe",
  "a2a.followup",
  "a2a.cancel",
  "a2a.send_to_terminal",
] as const;

export function countCoverage(runs: readonly (readonly string[])[], names: readonly string[] = COVERAGE_NAMES): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const reached of runs) for (const name of reached) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

export function unreached(counts: Record<string, number>): string[] {
  return Object.keys(counts).filter((n) => counts[n] === 0);
}
