import type { Violation } from "../../checker-names.ts";
import { VIOLATIONS_PER_CHECKER_MAX } from "../../checkers/checker.ts";
import type { A2ARecord, SendAttempt } from "../record.ts";

/**
 * One send, one task: a messageId (and its retries) creates at most one task.
 * `duplicate_task`: the messageId is in the history of two or more tasks of the
 * final store. `reply_names_other_task`: attempts of one messageId were answered
 * with different task ids.
 */
export function oneTaskPerSend(record: A2ARecord): Violation[] {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "one-task-per-send", ...v });

  const attempts = new Map<string, SendAttempt[]>();
  for (const send of record.sends) {
    const list = attempts.get(send.messageId) ?? [];
    list.push(send);
    attempts.set(send.messageId, list);
  }

  const tasksOf = new Map<string, string[]>();
  for (const task of record.store) {
    for (const messageId of new Set(task.history)) {
      const list = tasksOf.get(messageId) ?? [];
      list.push(task.id);
      tasksOf.set(messageId, list);
    }
  }
  for (const [messageId, tasks] of tasksOf) {
    if (tasks.length < 2) continue;
    const sends = attempts.get(messageId) ?? [];
    push({
      anomaly: "duplicate_task",
      message: `message ${messageId} is in the history of ${tasks.length} tasks (${tasks.join(", ")}); one send must make one task`,
      t_ms: sends[0]?.t ?? null,
      witness: { messageId, tasks, node: sends[0]?.node ?? null, attempts: sends.map((s) => ({ t: s.t, node: s.node, retry: s.retry, named: s.named, code: s.code })) },
    });
  }

  for (const [messageId, sends] of attempts) {
    const answered = sends.filter((s) => s.named !== null);
    const first = answered[0];
    if (!first) continue;
    const other = answered.find((s) => s.named !== first.named);
    if (!other) continue;
    const named = [...new Set(answered.map((s) => s.named))];
    push({
      anomaly: "reply_names_other_task",
      message: `attempts of message ${messageId} from ${first.node} were answered with different tasks: ${first.named} at ${first.t} ms, ${other.named} at ${other.t} ms`,
      t_ms: other.t,
      witness: { messageId, node: first.node, tasks: named, attempts: answered.map((s) => ({ t: s.t, node: s.node, retry: s.retry, named: s.named })) },
    });
  }
  return violations;
}
