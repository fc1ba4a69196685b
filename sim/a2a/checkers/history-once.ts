import type { Violation } from "../../checker-names.ts";
import { VIOLATIONS_PER_CHECKER_MAX } from "../../checkers/checker.ts";
import type { TaskView } from "../../../a2a-under-test/protocol/model.ts";
import type { A2ARecord } from "../record.ts";

/**
 * A user message enters a task's history once: `repeated_message` when a
 * messageId occurs more than once in one task's history, in the final store or
 * in a client's final GetTask. One violation per (task, messageId), naming every
 * place that showed the repeat.
 */
export function historyOnce(record: A2ARecord): Violation[] {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "history-once", ...v });

  const found = new Map<string, { task: string; messageId: string; t: number; seen_in: { source: string; count: number; history: string[] }[] }>();
  const scan = (view: TaskView, source: string, t: number) => {
    const counts = new Map<string, number>();
    for (const m of view.history) counts.set(m, (counts.get(m) ?? 0) + 1);
    for (const [messageId, count] of counts) {
      if (count < 2) continue;
      const key = `${view.id}\u0000${messageId}`;
      const entry = found.get(key) ?? { task: view.id, messageId, t, seen_in: [] };
      entry.t = Math.min(entry.t, t);
      entry.seen_in.push({ source, count, history: view.history });
      found.set(key, entry);
    }
  };
  for (const task of record.store) scan(task, "store", record.end_t);
  for (const get of record.gets) if (get.view) scan(get.view, `get:${get.node}`, get.t);

  for (const entry of found.values()) {
    const most = Math.max(...entry.seen_in.map((s) => s.count));
    push({
      anomaly: "repeated_message",
      message: `message ${entry.messageId} occurs ${most} times in the history of task ${entry.task} (${entry.seen_in.map((s) => s.source).join(", ")})`,
      t_ms: entry.t,
      witness: { task: entry.task, messageId: entry.messageId, seen_in: entry.seen_in },
    });
  }
  return violations;
}
