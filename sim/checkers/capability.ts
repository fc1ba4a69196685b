import type { Delivery } from "../run-record.ts";
import { committedRows, VIOLATIONS_PER_CHECKER_MAX, type Checker, type Violation } from "./checker.ts";

/**
 * Nothing is applied through a revoked epoch, a read-only capability or a
 * wrong secret; nothing is read through a revoked epoch or a wrong secret; no
 * one but the admin revokes. Judged from what the world saw, never from the server's report
 * of itself: each row the server committed (read from its SQLite) is traced to
 * the request that carried its op, and judged by what that client held when it
 * sent it (the epoch it sent or redeemed under, the scope it asked for, the
 * secret it used), against the share's epoch as committed at that moment.
 */
export const capability: Checker = (record) => {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "capability", ...v });
  const carriers = new Map<string, Delivery[]>();
  for (const d of record.observed.deliveries) {
    for (const id of d.op_ids) {
      const list = carriers.get(id) ?? [];
      list.push(d);
      carriers.set(id, list);
    }
  }
  const epochAt = new Map<string, { t: number; epoch: number }[]>();
  for (const c of record.observed.commits) {
    const list = epochAt.get(c.share) ?? [];
    list.push({ t: c.t, epoch: c.epoch });
    epochAt.set(c.share, list);
  }
  for (const c of record.observed.commits) {
    for (const row of c.rows) {
      // The request that carried this op last before the commit was seen: the one the server acted on.
      const delivery = (carriers.get(row.op_id) ?? []).filter((d) => d.t <= c.t).at(-1);
      const cred = delivery?.credential;
      if (!delivery || !cred) continue;
      const where = { share: c.share, producer: row.producer_id, seq: row.seq, cursor: row.cursor, node: delivery.node, transport: delivery.transport, sent_at: delivery.t };
      if (cred.scope !== null && cred.scope !== "write") {
        push({ anomaly: "read_only_write", message: `${c.share} committed seq ${row.seq} of ${row.producer_id}, carried by ${delivery.node} under a ${cred.scope} capability`, t_ms: c.t, witness: { ...where, scope: cred.scope } });
      }
      if (cred.secret_ok === false) {
        push({ anomaly: "unauthorized_write", message: `${c.share} committed seq ${row.seq} of ${row.producer_id}, carried by ${delivery.node} with a secret that was not the share's`, t_ms: c.t, witness: where });
      }
      if (cred.epoch !== null && cred.epoch < c.epoch) {
        push({
          anomaly: "stale_epoch_write",
          message: `${c.share} committed seq ${row.seq} of ${row.producer_id} at epoch ${c.epoch}, carried by ${delivery.node} under epoch ${cred.epoch} (obtained at ${cred.since} ms)`,
          t_ms: c.t,
          witness: { ...where, credential_epoch: cred.epoch, share_epoch: c.epoch },
        });
      }
    }
  }
  const firstSeen = new Map(committedRows(record).map((r) => [`${r.share}/${r.cursor}`, r.t]));
  for (const client of record.clients) {
    const why = client.scope === "read" ? "holds only a read capability" : client.secret === "wrong" ? "never had the right secret" : null;
    if (why === null) continue;
    for (const share of record.shares) {
      const row = share.log.find((r) => r.producer_id === client.producer);
      if (row) {
        push({
          anomaly: "unauthorized_write",
          message: `${client.node} ${why}, yet ${share.id} applied its seq ${row.seq} at cursor ${row.cursor}`,
          t_ms: firstSeen.get(`${share.id}/${row.cursor}`) ?? null,
          witness: { node: client.node, producer: client.producer, share: share.id, seq: row.seq, cursor: row.cursor },
        });
      }
    }
  }
  // Reads: nothing served to a viewer through a revoked epoch or with a wrong secret, judged when the server sent it.
  for (const served of record.observed.served) {
    const cred = served.credential;
    const viewer = record.viewers.find((v) => v.node === served.node);
    const what = served.cursors.length > 0 ? `entries ${served.cursors[0]}..${served.cursors.at(-1)}` : `a snapshot at ${served.snapshot}`;
    const where = { node: served.node, share: served.share, cursors: served.cursors.slice(0, 20), snapshot: served.snapshot, sent_at: served.t };
    if (cred?.secret_ok === false || (viewer?.secret === "wrong" && cred?.secret_ok !== true)) {
      push({ anomaly: "unauthorized_read", message: `${served.share} sent ${what} to ${served.node}, which never had the share's secret`, t_ms: served.t, witness: where });
    }
    if (cred && cred.epoch !== null && cred.epoch < served.share_epoch) {
      push({
        anomaly: "stale_epoch_read",
        message: `${served.share} sent ${what} to ${served.node} at epoch ${served.share_epoch}, under a read capability of epoch ${cred.epoch} (obtained at ${cred.since} ms)`,
        t_ms: served.t,
        witness: { ...where, credential_epoch: cred.epoch, share_epoch: served.share_epoch },
      });
    }
  }
  // Only the admin revokes: a share whose epoch moved further than the admin moved it was revoked by someone else.
  for (const share of record.shares) {
    const made = record.revokes.filter((r) => r.share_index === share.index).length;
    if (share.epoch > made) {
      push({ anomaly: "unauthorized_revoke", message: `${share.id} is at epoch ${share.epoch}, yet the admin revoked it ${made} times`, t_ms: null, witness: { share: share.id, epoch: share.epoch, admin_revokes: made } });
    }
  }
  // What the adversary tried: a refusal with a code that changed nothing, every time.
  for (const probe of record.observed.forbidden) {
    if (probe.outcome === "skipped") continue;
    const witness = { attempt: probe.attempt, share: probe.share, code: probe.code, message: probe.message, state_changed: probe.state_changed };
    if (probe.outcome === "accepted") {
      push({ anomaly: "forbidden_accepted", message: `the server accepted a forbidden ${probe.attempt} on ${probe.share}`, t_ms: probe.t, witness });
    } else if (probe.code === null) {
      push({ anomaly: "refusal_without_code", message: `the server refused a ${probe.attempt} on ${probe.share} with no code: ${probe.message}`, t_ms: probe.t, witness });
    }
    if (probe.state_changed) {
      push({ anomaly: "refusal_changed_state", message: `a ${probe.attempt} on ${probe.share} changed the server's committed state`, t_ms: probe.t, witness });
    }
  }
  return violations;
};
