import type { Violation } from "../checker-names.ts";
import type { RunRecord } from "../run-record.ts";

/**
 * A scenario that runs the old `synchronous=NORMAL` settings on purpose has
 * asked for what NORMAL allows: a power loss may take commits that were
 * already acked (or enqueues that already returned, or a cursor already
 * recorded). Once a power loss in such a run took commits, what follows from that loss (lost ops, a cursor that
 * went back, a producer wedged behind the gap, a viewer ahead of the log) is
 * expected: it is reported as such, with the power loss that caused it, and
 * does not fail the run. A capability violation never follows from a power
 * loss and still fails it.
 */
export function expectedLosses(record: RunRecord, synchronous: "reference" | "NORMAL", violations: readonly Violation[]): { violations: Violation[]; expected: Violation[] } {
  if (synchronous !== "NORMAL") return { violations: [...violations], expected: [] };
  const lossy = record.history.find((e) => e.type === "power_loss" && e.data.commits_lost > 0);
  if (!lossy || lossy.type !== "power_loss") return { violations: [...violations], expected: [] };
  const because = `expected under synchronous=NORMAL: the power loss of ${lossy.node} at ${lossy.t} ms took ${lossy.data.commits_lost} commits (${lossy.data.ops_lost.length} ops)`;
  const expected: Violation[] = [];
  const kept: Violation[] = [];
  for (const v of violations) {
    if (v.checker === "capability") kept.push(v);
    else expected.push({ ...v, message: `${v.message} — ${because}` });
  }
  return { violations: kept, expected };
}
