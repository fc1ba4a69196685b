import { VIOLATIONS_PER_CHECKER_MAX, type AppliedEvent, type Checker, type Violation } from "./record.ts";

/** Per producer: the set of seqs seen and the highest n with 1..n all seen. */
class SeqWatermark {
  readonly #seen = new Set<number>();
  #contiguous = 0;

  add(seq: number): void {
    this.#seen.add(seq);
    while (this.#seen.has(this.#contiguous + 1)) this.#contiguous++;
  }

  get contiguous(): number {
    return this.#contiguous;
  }
}

/**
 * Nothing is marked acked on a client that the server has not applied: when a
 * client marks seq <= n acked, every one of those seqs was committed on the
 * server before, and is still in its log at the end.
 */
export const ackIntegrity: Checker = (record) => {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "ack-integrity", ...v });
  const applied = new Map<string, SeqWatermark>();
  const reported = new Set<string>();
  for (const e of record.history) {
    if (e.type === "applied") {
      const a = e.data as unknown as AppliedEvent;
      let mark = applied.get(a.producer);
      if (!mark) applied.set(a.producer, (mark = new SeqWatermark()));
      for (let s = a.seq_from; s <= a.seq_to; s++) mark.add(s);
    } else if (e.type === "marked_acked") {
      const { producer, acked_seq } = e.data as { producer: string; acked_seq: number };
      const contiguous = applied.get(producer)?.contiguous ?? 0;
      if (acked_seq <= contiguous || reported.has(producer)) continue;
      reported.add(producer);
      push({
        anomaly: "acked_unapplied",
        message: `${e.node} marked seq <= ${acked_seq} acked, but the server had not applied seq ${contiguous + 1}`,
        t_ms: e.t,
        witness: { node: e.node, producer, acked_seq, unapplied_seq: contiguous + 1 },
      });
    }
  }
  const durable = new Map<string, SeqWatermark>();
  for (const share of record.shares) {
    for (const row of share.log) {
      let mark = durable.get(row.producer_id);
      if (!mark) durable.set(row.producer_id, (mark = new SeqWatermark()));
      mark.add(row.seq);
    }
  }
  for (const client of record.clients) {
    const contiguous = durable.get(client.producer)?.contiguous ?? 0;
    if (client.acked_seq <= contiguous || reported.has(client.producer)) continue;
    push({
      anomaly: "acked_not_durable",
      message: `${client.node} holds seq <= ${client.acked_seq} as acked, but seq ${contiguous + 1} is not in the server's committed log`,
      t_ms: record.end_t,
      witness: { node: client.node, producer: client.producer, acked_seq: client.acked_seq, missing_seq: contiguous + 1 },
    });
  }
  return violations;
};
