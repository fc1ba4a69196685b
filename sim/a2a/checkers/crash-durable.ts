import type { Violation } from "../../checker-names.ts";
import { VIOLATIONS_PER_CHECKER_MAX } from "../../checkers/checker.ts";
import { isTerminal, type TaskState } from "../../../a2a-under-test/protocol/model.ts";
import type { A2ARecord } from "../record.ts";

/** How far a task has got: submitted < working < input-required < any terminal state. */
const rank = (state: TaskState): number => (isTerminal(state) ? 3 : state === "input-required" ? 2 : state === "working" ? 1 : 0);

interface Seen {
  state: TaskState;
  node: string;
  t: number;
  /** Per artifact: the most chunks a client saw, and the texts it saw. */
  artifacts: Map<string, { count: number; node: string; t: number; texts: Set<string> }>;
  /** User messageIds a client saw in a snapshot's history. */
  history: Map<string, { node: string; t: number }>;
}

/**
 * What a client saw stays: every task any client saw is in the final store
 * (`lost_task`), at least as far along and with at least the chunks seen
 * (`lost_state`); and a task left submitted or working with no agent running it
 * is `orphaned`. A follow-up legitimately takes a task from input-required back
 * to working, so that is not counted as going back when the store's history has
 * more than one message.
 */
export function crashDurable(record: A2ARecord): Violation[] {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "crash-durable", ...v });

  const seen = new Map<string, Seen>();
  const entry = (task: string, state: TaskState | null, node: string, t: number): Seen => {
    let s = seen.get(task);
    if (!s) seen.set(task, (s = { state: state ?? "submitted", node, t, artifacts: new Map(), history: new Map() }));
    else if (state !== null && rank(state) > rank(s.state)) Object.assign(s, { state, node, t });
    return s;
  };
  const sawChunks = (s: Seen, artifactId: string, count: number, texts: string[], node: string, t: number) => {
    const a = s.artifacts.get(artifactId) ?? { count: 0, node, t, texts: new Set<string>() };
    if (count > a.count) Object.assign(a, { count, node, t });
    for (const text of texts) a.texts.add(text);
    s.artifacts.set(artifactId, a);
  };
  for (const session of record.sessions) {
    for (const { t, item } of session.items) {
      if (item.kind === "snapshot") {
        const s = entry(item.task.id, item.task.state, session.node, t);
        for (const a of item.task.artifacts) sawChunks(s, a.artifactId, a.chunks.length, a.chunks, session.node, t);
        for (const m of item.task.history) if (!s.history.has(m)) s.history.set(m, { node: session.node, t });
      } else {
        const ev = item.event;
        const s = entry(ev.taskId, ev.kind === "status" ? ev.state : null, session.node, t);
        if (ev.kind === "artifact") sawChunks(s, ev.artifactId, ev.chunk, [ev.text], session.node, t);
      }
    }
  }

  const store = new Map(record.store.map((task) => [task.id, task]));
  for (const [task, s] of seen) {
    const stored = store.get(task);
    if (!stored) {
      push({
        anomaly: "lost_task",
        message: `${s.node} saw task ${task} ${s.state} at ${s.t} ms, but the final store has no such task`,
        t_ms: s.t,
        witness: { task, node: s.node, seen_state: s.state },
      });
      continue;
    }
    const followUp = s.state === "input-required" && rank(stored.state) < 2 && stored.history.length > 1;
    if (rank(stored.state) < rank(s.state) && !followUp) {
      push({
        anomaly: "lost_state",
        message: `${s.node} saw task ${task} ${s.state} at ${s.t} ms, but the final store has it ${stored.state}`,
        t_ms: s.t,
        witness: { task, node: s.node, seen_state: s.state, store_state: stored.state },
      });
    }
    for (const [artifactId, a] of s.artifacts) {
      const chunks = stored.artifacts.filter((x) => x.artifactId === artifactId).flatMap((x) => x.chunks);
      if (chunks.length >= a.count) continue;
      // A store that merges chunk texts still covers them if it holds every text seen.
      const text = chunks.join("");
      if (chunks.length > 0 && [...a.texts].every((x) => text.includes(x))) continue;
      push({
        anomaly: "lost_state",
        message: `${a.node} saw ${a.count} chunk(s) of ${artifactId} in task ${task} by ${a.t} ms, but the final store has ${chunks.length}`,
        t_ms: a.t,
        witness: { task, node: a.node, artifactId, seen_chunks: a.count, store_chunks: chunks.length },
      });
    }
    const missing = [...s.history].filter(([m]) => !stored.history.includes(m));
    if (missing.length > 0) {
      const [m, at] = missing[0]!;
      push({
        anomaly: "lost_state",
        message: `${at.node} saw message ${m} in task ${task}'s history at ${at.t} ms, but the final store's history lacks it`,
        t_ms: at.t,
        witness: { task, node: at.node, messageIds: missing.map(([id]) => id), store_history: stored.history },
      });
    }
  }

  const running = new Set(record.running);
  for (const task of record.store) {
    if ((task.state !== "submitted" && task.state !== "working") || running.has(task.id)) continue;
    push({
      anomaly: "orphaned",
      message: `task ${task.id} is left ${task.state} at the end, and no agent runs it`,
      t_ms: record.end_t,
      witness: { task: task.id, state: task.state, history: task.history },
    });
  }
  return violations;
}
