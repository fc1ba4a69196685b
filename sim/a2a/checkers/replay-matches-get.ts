import type { Violation } from "../../checker-names.ts";
import { VIOLATIONS_PER_CHECKER_MAX } from "../../checkers/checker.ts";
import { foldEvent, type TaskView } from "../../../a2a-under-test/protocol/model.ts";
import type { A2ARecord, FinalGet } from "../record.ts";
import { clientStreams } from "./stream-gap-free.ts";

/** What two views are compared on: the state, and each artifact's whole text (chunk boundaries may differ by binding). */
function summarize(view: TaskView): { state: string; artifacts: Record<string, string> } {
  const artifacts: Record<string, string> = {};
  for (const a of view.artifacts) artifacts[a.artifactId] = (artifacts[a.artifactId] ?? "") + a.chunks.join("");
  return { state: view.state, artifacts };
}

/**
 * What a client rebuilt from its streams equals what GetTask says: per client
 * and task, everything received across the client's sessions is folded (a
 * snapshot replaces the view, events fold in) and compared with the client's
 * final GetTask — state, and each artifact's concatenated text. Judged only when
 * the client's last stream for the task ended on a terminal status.
 * Anomaly: `diverged`.
 */
export function replayMatchesGet(record: A2ARecord): Violation[] {
  const violations: Violation[] = [];
  const push = (v: Omit<Violation, "checker">) => violations.length < VIOLATIONS_PER_CHECKER_MAX && violations.push({ checker: "replay-matches-get", ...v });

  const lastGet = new Map<string, FinalGet & { view: TaskView }>();
  for (const get of record.gets) {
    if (!get.view) continue;
    const key = `${get.node}\u0000${get.task}`;
    const prev = lastGet.get(key);
    if (!prev || prev.t <= get.t) lastGet.set(key, { ...get, view: get.view });
  }

  for (const { node, task, sessions } of clientStreams(record)) {
    const get = lastGet.get(`${node}\u0000${task}`);
    const last = sessions.at(-1);
    if (!get || !last || last.ended !== "terminal") continue;
    let view: TaskView | null = null;
    for (const session of sessions) {
      for (const { item } of session.items) {
        if (item.kind === "snapshot") view = item.task;
        else view = foldEvent(view ?? { id: task, contextId: "", state: "submitted", history: [], artifacts: [] }, item.event);
      }
    }
    if (!view) continue;
    const replayed = summarize(view);
    const got = summarize(get.view);
    const differing: string[] = [];
    if (replayed.state !== got.state) differing.push("state");
    for (const id of new Set([...Object.keys(replayed.artifacts), ...Object.keys(got.artifacts)])) {
      if ((replayed.artifacts[id] ?? "") !== (got.artifacts[id] ?? "")) differing.push(`artifact ${id}`);
    }
    if (differing.length === 0) continue;
    push({
      anomaly: "diverged",
      message: `${node}'s streams of task ${task} fold to a different task than its GetTask (${differing.join(", ")}): ${replayed.state} vs ${got.state}`,
      t_ms: get.t,
      witness: { node, task, differing, replayed, get: got },
    });
  }
  return violations;
}
