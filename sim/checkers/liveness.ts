import type { Checker, Violation } from "./checker.ts";

/**
 * After every fault healed, every outbox drains within the deadline. A client
 * may instead stop for good only for the reason its scenario gives it: a read
 * capability (read_only), a wrong secret, or a secret rotated by a revoke
 * (bad_secret). A run cut short by an event or time limit is a failure too.
 */
export const liveness: Checker = (record) => {
  const violations: Violation[] = [];
  if (record.outcome === "event_limit" || record.outcome === "time_limit") {
    violations.push({
      checker: "liveness",
      anomaly: record.outcome,
      message: `the run hit its ${record.outcome === "event_limit" ? "event" : "virtual time"} limit at ${record.end_t} ms before every outbox drained`,
      t_ms: record.end_t,
      witness: { outcome: record.outcome },
    });
  }
  for (const client of record.clients) {
    if (client.pending.length === 0) continue;
    const allowed = new Set<string>();
    if (client.scope === "read") allowed.add("read_only");
    if (client.secret === "wrong" || record.rotated.some((r) => r.share_index === client.share_index)) allowed.add("bad_secret");
    // The excuse must be on the wire: the server itself told this client so.
    if (client.stopped && allowed.has(client.stopped.code) && (record.observed.errors_told[client.node] ?? []).includes(client.stopped.code)) continue;
    const first = client.pending[0]!;
    violations.push(
      client.stopped
        ? {
            checker: "liveness",
            anomaly: "stopped",
            message: `${client.node} stopped with ${client.stopped.code} (${client.stopped.message}) holding ${client.pending.length} ops, from seq ${first.seq}`,
            t_ms: record.end_t,
            witness: { node: client.node, code: client.stopped.code, pending: client.pending.length, first_seq: first.seq },
          }
        : {
            checker: "liveness",
            anomaly: "not_drained",
            message: `${client.node} still holds ${client.pending.length} ops (from seq ${first.seq}) ${record.healed_at === null ? "and faults never healed" : `${record.end_t - record.healed_at} ms after faults healed`} (${record.outcome === "stuck" ? "no op applied or acked for a long while: stuck" : record.outcome})`,
            t_ms: record.end_t,
            witness: { node: client.node, pending: client.pending.length, first_seq: first.seq, outcome: record.outcome, up: client.up },
          },
    );
  }
  // Every viewer still following has caught up with its share's final cursor.
  for (const viewer of record.viewers) {
    if (!viewer.started || viewer.left) continue;
    const share = record.shares.find((s) => s.index === viewer.share_index);
    if (!share || (viewer.joined && viewer.cursor >= share.cursor)) continue;
    const allowed = viewer.secret === "wrong" || record.rotated.some((r) => r.share_index === viewer.share_index) ? "bad_secret" : null;
    if (viewer.stopped && viewer.stopped.code === allowed && (record.observed.errors_told[viewer.node] ?? []).includes(allowed)) continue;
    violations.push({
      checker: "liveness",
      anomaly: viewer.stopped ? "viewer_stopped" : "viewer_behind",
      message: viewer.stopped
        ? `${viewer.node} stopped with ${viewer.stopped.code} (${viewer.stopped.message}) at cursor ${viewer.cursor}, behind ${share.id}'s ${share.cursor}`
        : `${viewer.node} is at cursor ${viewer.cursor}${viewer.joined ? "" : " (never joined)"}, behind ${share.id}'s ${share.cursor} ${record.healed_at === null ? "and faults never healed" : `${record.end_t - record.healed_at} ms after faults healed`} (${record.outcome})`,
      t_ms: record.end_t,
      witness: { node: viewer.node, cursor: viewer.cursor, share_cursor: share.cursor, up: viewer.up, outcome: record.outcome },
    });
  }
  return violations;
};
