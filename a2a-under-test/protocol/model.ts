// The A2A data model as the workload, the clients and the checkers see it: a
// task, its status events and its artifact chunks. Each binding maps its own
// wire form (the SDK's JSON-RPC objects, our capnweb calls) onto these, so one
// set of checkers judges every setup.

export const TASK_STATES = ["submitted", "working", "input-required", "completed", "canceled", "failed", "rejected"] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const TERMINAL_STATES: readonly TaskState[] = ["completed", "canceled", "failed", "rejected"];
export const isTerminal = (state: TaskState): boolean => TERMINAL_STATES.includes(state);

/** A message a client sends. `taskId` continues an existing task (a follow-up). */
export interface A2AMessage {
  messageId: string;
  text: string;
  taskId?: string;
  contextId?: string;
}

/** One artifact, as the chunks received so far make it. */
export interface ArtifactView {
  artifactId: string;
  /** Chunk texts in the order appended. */
  chunks: string[];
}

/** A task as a snapshot (a `Task` on the wire, or GetTask's answer). */
export interface TaskView {
  id: string;
  contextId: string;
  state: TaskState;
  /** The messageIds of the user messages in the task's history, in order. */
  history: string[];
  artifacts: ArtifactView[];
}

export type TaskEvent =
  | { kind: "status"; taskId: string; state: TaskState }
  | { kind: "artifact"; taskId: string; artifactId: string; chunk: number; text: string };

/** What a stream delivers: a snapshot or an event, with the server's sequence number when the binding has one. */
export type StreamItem = { kind: "snapshot"; task: TaskView; seq: number | null } | { kind: "event"; event: TaskEvent; seq: number | null };

/** A stable key of an event's content, independent of the wire form. */
export function eventKey(event: TaskEvent): string {
  return event.kind === "status" ? `status:${event.state}` : `artifact:${event.artifactId}:${event.chunk}`;
}

/** A task after folding `event` into it (status replaces state; a chunk is appended to its artifact). */
export function foldEvent(task: TaskView, event: TaskEvent): TaskView {
  if (event.kind === "status") return { ...task, state: event.state };
  const artifacts = task.artifacts.map((a) => ({ ...a, chunks: [...a.chunks] }));
  let artifact = artifacts.find((a) => a.artifactId === event.artifactId);
  if (!artifact) artifacts.push((artifact = { artifactId: event.artifactId, chunks: [] }));
  artifact.chunks.push(event.text);
  return { ...task, artifacts };
}
