import type { Violation } from "../../checker-names.ts";
import { VIOLATIONS_PER_CHECKER_MAX } from "../../checkers/checker.ts";
import { isTerminal, TASK_STATES, type TaskState, type TaskView } from "../../../a2a-under-test/protocol/model.ts";
import type { A2ARecord } from "../record.ts";
import { clientStreams } from "./stream-gap-free.ts";

const statusOf = (key: string): TaskState | null => {
  if (!key.startsWith("status:")) return null;
  const s = key.slice(7);
  return (TASK_STATES as readonly string[]).includes(s) ? (s as TaskState) : null;
};

/**
 * A terminal state is final. `event_after_terminal`: the server emitted an event
 * for a task after its first terminal status, or a client's streams moved a task
 * from a terminal state to another. `terminal_overwritten`: the store or a
 * GetTask shows a task non-terminal, or in another terminal state, though its
 * ground truth reached a terminal state. `send_to_terminal_accepted`: a message
 * sent to a task the client had seen end was accepted.
 */
export function terminalFinal(record: A2ARecord): Violation[] {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "terminal-final", ...v });

  const finalState = new Map<string, { state: TaskState; t: number }>();
  for (const [task, events] of Object.entries(record.emitted)) {
    const i = events.findIndex((e) => {
      const s = statusOf(e.key);
      return s !== null && isTerminal(s);
    });
    if (i < 0) continue;
    const terminal = events[i]!;
    finalState.set(task, { state: statusOf(terminal.key)!, t: terminal.t });
    const after = events.slice(i + 1);
    if (after.length === 0) continue;
    push({
      anomaly: "event_after_terminal",
      message: `the server emitted ${after.length} event(s) for task ${task} after ${terminal.key} at ${terminal.t} ms, first ${after[0]!.key} at ${after[0]!.t} ms`,
      t_ms: after[0]!.t,
      witness: { task, terminal: terminal.key, terminal_t: terminal.t, after: after.slice(0, 10) },
    });
  }

  const judgeView = (view: TaskView, where: string, node: string | null, t: number) => {
    const truth = finalState.get(view.id);
    if (!truth || view.state === truth.state) return;
    push({
      anomaly: "terminal_overwritten",
      message: isTerminal(view.state)
        ? `${where} shows task ${view.id} ${view.state}, but it first ended ${truth.state} at ${truth.t} ms`
        : `${where} shows task ${view.id} ${view.state}, though it ended ${truth.state} at ${truth.t} ms`,
      t_ms: t,
      witness: { task: view.id, node, where, state: view.state, terminal: truth.state, terminal_t: truth.t },
    });
  };
  for (const task of record.store) judgeView(task, "the store", null, record.end_t);
  for (const get of record.gets) if (get.view) judgeView(get.view, `${get.node}'s GetTask`, get.node, get.t);

  for (const send of record.sends) {
    if (!send.to_terminal || send.code !== null || send.named === null) continue;
    push({
      anomaly: "send_to_terminal_accepted",
      message: `${send.node} sent ${send.messageId} to task ${send.to_task ?? "?"}, which it had seen end, and the server accepted it (reply named ${send.named})`,
      t_ms: send.t,
      witness: { node: send.node, messageId: send.messageId, task: send.to_task, named: send.named, retry: send.retry },
    });
  }

  for (const { node, task, sessions } of clientStreams(record)) {
    let state: TaskState | null = null;
    let found = false;
    for (const session of sessions) {
      for (const { t, item } of session.items) {
        const next = item.kind === "snapshot" ? item.task.state : item.event.kind === "status" ? item.event.state : null;
        if (next === null) continue;
        if (!found && state !== null && isTerminal(state) && next !== state) {
          found = true;
          push({
            anomaly: "event_after_terminal",
            message: `${node}'s stream moved task ${task} from ${state} to ${next}`,
            t_ms: t,
            witness: { node, task, incarnation: session.incarnation, session_kind: session.kind, from: state, to: next, item },
          });
        }
        state = next;
      }
    }
  }
  return violations;
}
