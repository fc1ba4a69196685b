import { VIOLATIONS_PER_CHECKER_MAX, type Checker, type Violation } from "./checker.ts";

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
 * Nothing is marked acked on a client that the server has not applied. Both
 * sides are read from SQLite: whenever a reply reached a client, the world
 * reads the `acked_seq` its outbox committed, and compares it with the rows
 * the server's log had committed by then; at the end, with the final log.
 */
export const ackIntegrity: Checker = (record) => {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "ack-integrity", ...v });
  const producerOf = new Map(record.clients.map((c) => [c.node, c.producer]));
  const applied = new Map<string, SeqWatermark>();
  const reported = new Set<string>();
  const commits = record.observed.commits;
  let next = 0;
  for (const sample of record.observed.samples) {
    // Commits seen at the same instant were read first: the server's side, then the client's.
    for (; next < commits.length && commits[next]!.t <= sample.t; next++) {
      for (const row of commits[next]!.rows) {
        let mark = applied.get(row.producer_id);
        if (!mark) applied.set(row.producer_id, (mark = new SeqWatermark()));
        mark.add(row.seq);
      }
    }
    const producer = producerOf.get(sample.node) ?? "";
    const contiguous = applied.get(producer)?.contiguous ?? 0;
    if (sample.acked_seq <= contiguous || reported.has(producer)) continue;
    reported.add(producer);
    push({
      anomaly: "acked_unapplied",
      message: `${sample.node} committed seq <= ${sample.acked_seq} as acked, but the server had not committed seq ${contiguous + 1}`,
      t_ms: sample.t,
      witness: { node: sample.node, producer, acked_seq: sample.acked_seq, unapplied_seq: contiguous + 1 },
    });
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
