import type { HistoryEventOf } from "../../sim/history/events.ts";
import type { Drawing, Place } from "./context.ts";

// Marks of the A2A world (sim/a2a/): what a client sent and received, and
// what the server's task logic produced. Task ids are shortened to their first
// eight characters; the full id is in each mark's detail.

const short = (task: string | null) => (task === null ? "?" : task.length > 12 ? task.slice(0, 8) : task);

export function a2aSend(d: Drawing, e: HistoryEventOf<"a2a_send">, p: Place): void {
  const { message, to_task, retry, to_terminal } = e.data;
  const what = `${retry ? "retry " : "send "}${message}${to_task ? ` → ${short(to_task)}` : ""}${to_terminal ? " (finished task)" : ""}`;
  d.canvas.mark(p.at(p.own), "dot", what, `${p.node} sent message ${message}${to_task ? ` to task ${to_task}` : " (new task)"}${retry ? ", a retry with the same messageId" : ""}`);
}

export function a2aReply(d: Drawing, e: HistoryEventOf<"a2a_reply">, p: Place): void {
  const { message, task, code } = e.data;
  d.canvas.mark(p.at(p.own), code ? "fault" : "ok", code ? `${message}: ${code}` : `${message} → task ${short(task)}`, code ? `send of ${message} failed: ${code}` : `the reply to ${message} named task ${task}`);
}

export function a2aItem(d: Drawing, e: HistoryEventOf<"a2a_item">, p: Place): void {
  const { task, item, seq, session } = e.data;
  d.canvas.mark(p.at(p.own), "arrive", `${item}${seq === null ? "" : ` #${seq}`}`, `stream ${session} delivered ${item} of task ${task}${seq === null ? "" : ` (seq ${seq})`}`);
}

export function a2aEmitted(d: Drawing, e: HistoryEventOf<"a2a_emitted">, p: Place): void {
  d.canvas.mark(p.at(p.own), "dot", `${short(e.data.task)} ${e.data.key}`, `the server's task logic produced ${e.data.key} for task ${e.data.task}`);
}

export function a2aStreamOpened(d: Drawing, e: HistoryEventOf<"a2a_stream_opened">, p: Place): void {
  const { session, kind, task, after_seq } = e.data;
  const label = kind === "send" ? null : `resubscribe ${short(task)}${after_seq === null ? " (snapshot)" : ` after #${after_seq}`}`;
  d.canvas.mark(p.at(p.own), "dot", label, `stream ${session} opened: ${kind}${task ? ` of task ${task}` : ""}${after_seq === null ? "" : `, resuming after seq ${after_seq}`}`);
}

export function a2aStreamEnded(d: Drawing, e: HistoryEventOf<"a2a_stream_ended">, p: Place): void {
  const { session, ended } = e.data;
  const bad = ended === "network" || ended === "closed";
  d.canvas.mark(p.at(p.own), bad ? "fault" : "dot", bad ? `stream ${ended}` : null, `stream ${session} ended: ${ended}`);
}

export function a2aGet(d: Drawing, e: HistoryEventOf<"a2a_get">, p: Place): void {
  const { task, state, code } = e.data;
  d.canvas.mark(p.at(p.own), code ? "fault" : "ok", `GetTask ${short(task)}: ${state ?? code}`, `GetTask ${task} answered ${state ?? `error ${code}`}`);
}

export function a2aCancel(d: Drawing, e: HistoryEventOf<"a2a_cancel">, p: Place): void {
  const { task, code } = e.data;
  d.canvas.mark(p.at(p.own), "dot", `cancel ${short(task)}${code ? `: ${code}` : ""}`, `CancelTask ${task}${code ? ` failed: ${code}` : " done"}`);
}

export function a2aCut(d: Drawing, e: HistoryEventOf<"a2a_cut">, p: Place): void {
  d.canvas.mark(p.at(p.own), "cut", `cut after ${e.data.after_frames} frames`, `the network cut ${e.data.request === 0 ? "the WebSocket" : `request ${e.data.request}'s stream`} after ${e.data.after_frames} frames`);
}
