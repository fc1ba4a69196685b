import type { Violation } from "../../checker-names.ts";
import { VIOLATIONS_PER_CHECKER_MAX } from "../../checkers/checker.ts";
import { eventKey, isTerminal, TASK_STATES, type TaskState, type TaskView } from "../../../a2a-under-test/protocol/model.ts";
import type { A2ARecord, StreamSession } from "../record.ts";

/** The task a session is about: its own, or the first item's. */
export function sessionTask(session: StreamSession): string | null {
  if (session.task !== null) return session.task;
  for (const { item } of session.items) return item.kind === "snapshot" ? item.task.id : item.event.taskId;
  return null;
}

/** Each client's stream sessions per task, in the order it opened them (by time, then incarnation). */
export function clientStreams(record: A2ARecord): { node: string; task: string; sessions: StreamSession[] }[] {
  const groups = new Map<string, { node: string; task: string; sessions: StreamSession[] }>();
  for (const session of record.sessions) {
    const task = sessionTask(session);
    if (task === null) continue;
    const key = `${session.node}\u0000${task}`;
    const group = groups.get(key) ?? { node: session.node, task, sessions: [] };
    group.sessions.push(session);
    groups.set(key, group);
  }
  const out = [...groups.values()];
  for (const g of out) g.sessions.sort((a, b) => a.opened_t - b.opened_t || a.incarnation - b.incarnation);
  return out;
}

/** State and per-artifact chunk counts after folding ground-truth keys 1..i, for every i (index 0: nothing yet). */
interface Prefix {
  state: TaskState;
  counts: Map<string, number>;
}

function isState(s: string): s is TaskState {
  return (TASK_STATES as readonly string[]).includes(s);
}

/** The ground truth end: the first terminal status (what follows it is terminal-final's business), else every event. */
export function groundTruthEnd(keys: readonly string[]): number {
  const i = keys.findIndex((k) => k.startsWith("status:") && isState(k.slice(7)) && isTerminal(k.slice(7) as TaskState));
  return i < 0 ? keys.length : i + 1;
}

function prefixes(keys: readonly string[]): Prefix[] {
  let cur: Prefix = { state: "submitted", counts: new Map() };
  const out = [cur];
  for (const key of keys) {
    cur = { state: cur.state, counts: new Map(cur.counts) };
    if (key.startsWith("status:")) {
      const s = key.slice(7);
      if (isState(s)) cur.state = s;
    } else if (key.startsWith("artifact:")) {
      const rest = key.slice(9);
      const id = rest.slice(0, rest.lastIndexOf(":"));
      cur.counts.set(id, (cur.counts.get(id) ?? 0) + 1);
    }
    out.push(cur);
  }
  return out;
}

function matches(prefix: Prefix, task: TaskView): boolean {
  if (prefix.state !== task.state) return false;
  const ids = new Set([...prefix.counts.keys(), ...task.artifacts.map((a) => a.artifactId)]);
  for (const id of ids) {
    const have = task.artifacts.filter((a) => a.artifactId === id).reduce((n, a) => n + a.chunks.length, 0);
    if (have !== (prefix.counts.get(id) ?? 0)) return false;
  }
  return true;
}

const summary = (task: TaskView) => ({ state: task.state, chunks: Object.fromEntries(task.artifacts.map((a) => [a.artifactId, a.chunks.length])) });
const MISSING_SHOWN = 10;

/**
 * Each client gets every event of a task it follows, once, in order, across all
 * its streams for the task (resubscribes and client restarts included): against
 * the server's ground truth (`record.emitted`), an event the client already had
 * is a `repeat`, one that skips events is a `gap`; a snapshot no prefix of the
 * ground truth makes is a `foreign_snapshot`, one older than what the client had
 * is a `rewind`; an event not in the ground truth at all is a `foreign_event`;
 * a stream that ended on a terminal status before the client had reached the
 * ground truth's end is a `missing_end`.
 * Per client and task, only the first violation of each anomaly is reported, with
 * how many more there were.
 */
export function streamGapFree(record: A2ARecord): Violation[] {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "stream-gap-free", ...v });

  for (const { node, task, sessions } of clientStreams(record)) {
    const emitted = record.emitted[task] ?? [];
    const keys = emitted.map((e) => e.key);
    /** How many events the server had produced by `t`: nothing received at `t` can be later than that. */
    const producedBy = (t: number) => {
      let n = 0;
      while (n < emitted.length && emitted[n]!.t <= t) n++;
      return n;
    };
    const positions = new Map<string, number[]>();
    keys.forEach((k, i) => positions.set(k, [...(positions.get(k) ?? []), i + 1]));
    const folds = prefixes(keys);
    const end = groundTruthEnd(keys);
    const first = new Map<string, { v: Omit<Violation, "checker">; more: number }>();
    const report = (v: Omit<Violation, "checker">) => {
      const seen = first.get(v.anomaly);
      if (seen) seen.more++;
      else first.set(v.anomaly, { v, more: 0 });
    };

    // The client keeps what it received durably, so a new incarnation goes on from where the last one got.
    let pos = 0;
    /** The points a snapshot just received could stand for, when it fits more than one. */
    let snapshotAt: number[] | null = null;
    sessions.forEach((session) => {
      const where = { node, task, incarnation: session.incarnation, session_kind: session.kind, opened_t: session.opened_t };
      for (const { t, item } of session.items) {
        if (item.kind === "event") {
          const key = eventKey(item.event);
          const occ = positions.get(key);
          if (!occ) {
            report({ anomaly: "foreign_event", message: `${node} received ${key} for task ${task}, which the server never emitted`, t_ms: t, witness: { ...where, key, seq: item.seq, reached: pos } });
            continue;
          }
          const bound = producedBy(t);
          // Right after a snapshot that fits several points, take the point this event continues, if any does.
          const fits = snapshotAt?.find((c) => occ.includes(c + 1) && c + 1 <= bound);
          if (fits !== undefined) pos = fits;
          else if (snapshotAt) pos = snapshotAt.at(-1)!;
          snapshotAt = null;
          const q = occ.find((i) => i > pos && i <= bound) ?? occ.filter((i) => i <= pos).at(-1) ?? occ[0]!;
          if (q <= pos) {
            report({ anomaly: "repeat", message: `${node} received ${key} of task ${task} again (event ${q} of the ground truth; it already had ${pos})`, t_ms: t, witness: { ...where, key, seq: item.seq, position: q, reached: pos } });
            continue;
          }
          if (q > pos + 1) {
            const missing = keys.slice(pos, q - 1);
            report({
              anomaly: "gap",
              message: `${node} received ${key} of task ${task} (event ${q}) after event ${pos}; ${missing.length} event(s) in between never reached it`,
              t_ms: t,
              witness: { ...where, key, seq: item.seq, position: q, reached: pos, missing: missing.slice(0, MISSING_SHOWN) },
            });
          }
          pos = q;
        } else {
          // Two points of a task can look alike (working with the same chunks before and after another turn starts).
          // Only what was produced by then counts, and of the points left the checker takes the one that accuses least:
          // the earliest at or after where the client stood, else the latest before it (a rewind).
          const candidates: number[] = [];
          for (let i = 0; i <= Math.min(folds.length - 1, producedBy(t)); i++) if (matches(folds[i]!, item.task)) candidates.push(i);
          const ahead = candidates.filter((i) => i >= pos);
          // Undecided until the next event shows which of them it was.
          snapshotAt = ahead.length > 1 ? ahead : null;
          const p = ahead[0] ?? candidates.at(-1) ?? -1;
          if (p < 0) {
            report({ anomaly: "foreign_snapshot", message: `${node} received a snapshot of task ${task} (${item.task.state}) that no prefix of the server's events makes`, t_ms: t, witness: { ...where, seq: item.seq, snapshot: summary(item.task), reached: pos } });
            continue;
          }
          if (p < pos) {
            report({ anomaly: "rewind", message: `${node} received a snapshot of task ${task} as of event ${p}, after it had already reached event ${pos}`, t_ms: t, witness: { ...where, seq: item.seq, snapshot: summary(item.task), position: p, reached: pos } });
          }
          pos = Math.max(pos, p);
        }
      }
      if (session.ended === "terminal" && pos < end) {
        const missing = keys.slice(pos, end);
        report({
          anomaly: "missing_end",
          message: `${node}'s ${session.kind} stream of task ${task} ended as terminal at event ${pos} of ${end}; ${missing.length} event(s) never reached it`,
          t_ms: session.items.at(-1)?.t ?? session.opened_t,
          witness: { ...where, reached: pos, end, missing: missing.slice(0, MISSING_SHOWN) },
        });
      }
    });

    for (const { v, more } of first.values()) push(more === 0 ? v : { ...v, message: `${v.message} (and ${more} more like it)`, witness: { ...v.witness, more } });
  }
  return violations;
}
