import { eventsOf, VIOLATIONS_PER_CHECKER_MAX, type AppliedEvent, type Checker, type Violation } from "./record.ts";

/**
 * Nothing is applied through a revoked epoch, a read-only capability or a
 * wrong secret. The server's own report (epoch and scope of each commit) is
 * checked against the revocations in the history, and the final log against
 * what each client was allowed to do.
 */
export const capability: Checker = (record) => {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "capability", ...v });
  const epochs = new Map<string, number>();
  for (const e of record.history) {
    if (e.type === "revoked") {
      const d = e.data as { share: string; epoch: number };
      epochs.set(d.share, Math.max(epochs.get(d.share) ?? 0, d.epoch));
    } else if (e.type === "applied") {
      const a = e.data as unknown as AppliedEvent;
      const current = epochs.get(a.share) ?? 0;
      if (a.scope !== "write") {
        push({ anomaly: "read_only_write", message: `${a.share}: seq ${a.seq_from}..${a.seq_to} of ${a.producer} applied through a ${a.scope} capability`, t_ms: e.t, witness: { ...a } });
      }
      if (a.epoch < current) {
        push({
          anomaly: "stale_epoch_write",
          message: `${a.share}: seq ${a.seq_from}..${a.seq_to} of ${a.producer} applied through epoch ${a.epoch} after the share moved to epoch ${current}`,
          t_ms: e.t,
          witness: { ...a, share_epoch: current },
        });
      }
    }
  }
  for (const client of record.clients) {
    const why = client.scope === "read" ? "holds only a read capability" : client.secret === "wrong" ? "never had the right secret" : null;
    if (why === null) continue;
    for (const share of record.shares) {
      const row = share.log.find((r) => r.producer_id === client.producer);
      if (row) {
        push({
          anomaly: "unauthorized_write",
          message: `${client.node} ${why}, yet ${share.id} applied its seq ${row.seq} at cursor ${row.cursor}`,
          t_ms: eventsOf<AppliedEvent>(record, "applied").find((a) => a.producer === client.producer)?.t ?? null,
          witness: { node: client.node, producer: client.producer, share: share.id, seq: row.seq, cursor: row.cursor },
        });
      }
    }
  }
  return violations;
};
