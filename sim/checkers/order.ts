import { VIOLATIONS_PER_CHECKER_MAX, type Checker, type Violation } from "./checker.ts";

/** Per producer, the applied seqs in log order are exactly 1..n. */
export const order: Checker = (record) => {
  const violations: Violation[] = [];
  for (const share of record.shares) {
    const expectedNext = new Map<string, number>();
    for (const row of share.log) {
      const want = expectedNext.get(row.producer_id) ?? 1;
      if (row.seq !== want && violations.length < VIOLATIONS_PER_CHECKER_MAX) {
        const anomaly = row.seq > want ? "gap" : row.seq === want - 1 ? "repeat" : "reordered";
        violations.push({
          checker: "order",
          anomaly,
          message: `${share.id} cursor ${row.cursor}: producer ${row.producer_id} applied seq ${row.seq} where seq ${want} was due`,
          t_ms: null,
          witness: { share: share.id, cursor: row.cursor, producer: row.producer_id, seq: row.seq, expected_seq: want },
        });
      }
      expectedNext.set(row.producer_id, Math.max(want, row.seq + 1));
    }
  }
  return violations;
};
