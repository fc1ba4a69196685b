import { a2aError, type A2AErrorCode } from "./errors.ts";
import { TASK_STATES, type A2AMessage, type TaskEvent, type TaskState, type TaskView } from "./model.ts";

// The hardened JSON-RPC binding's wire shapes: A2A's JSON-RPC methods and
// objects (Message with text parts, TaskStatusUpdateEvent, TaskArtifactUpdateEvent),
// plus the resume extension, declared in the Agent Card.

export const RESUME_EXTENSION = "https://replaysim.dev/a2a/ext/resume/v1";

/** JSON-RPC error codes of A2A (§ JSON-RPC binding), with our code in `data.code`. */
const RPC_CODES: Record<A2AErrorCode, number> = { task_not_found: -32001, task_terminal: -32002, invalid_request: -32600, internal: -32603, network: -32603 };

export function rpcError(id: unknown, code: A2AErrorCode, message: string): unknown {
  return { jsonrpc: "2.0", id, error: { code: RPC_CODES[code], message, data: { code } } };
}

export function toWireMessage(m: A2AMessage): unknown {
  return { kind: "message", role: "user", messageId: m.messageId, parts: [{ kind: "text", text: m.text }], ...(m.taskId ? { taskId: m.taskId } : {}), ...(m.contextId ? { contextId: m.contextId } : {}) };
}

export function fromWireMessage(value: unknown): A2AMessage {
  const m = value as { messageId?: unknown; parts?: { text?: unknown }[]; taskId?: unknown; contextId?: unknown } | null;
  if (!m || typeof m.messageId !== "string" || !Array.isArray(m.parts)) throw a2aError("invalid_request", "params.message needs messageId and parts");
  const text = m.parts.map((p) => (typeof p?.text === "string" ? p.text : "")).join("");
  return { messageId: m.messageId, text, ...(typeof m.taskId === "string" ? { taskId: m.taskId } : {}), ...(typeof m.contextId === "string" ? { contextId: m.contextId } : {}) };
}

export function toWireEvent(event: TaskEvent): unknown {
  return event.kind === "status"
    ? { kind: "status-update", taskId: event.taskId, status: { state: event.state } }
    : { kind: "artifact-update", taskId: event.taskId, artifact: { artifactId: event.artifactId, parts: [{ kind: "text", text: event.text }] }, append: event.chunk > 1, metadata: { chunk: event.chunk } };
}

const isState = (s: unknown): s is TaskState => (TASK_STATES as readonly unknown[]).includes(s);

export function fromWireEvent(value: unknown): TaskEvent | null {
  const e = value as { kind?: unknown; taskId?: unknown; status?: { state?: unknown }; artifact?: { artifactId?: unknown; parts?: { text?: unknown }[] }; metadata?: { chunk?: unknown } } | null;
  if (!e || typeof e.taskId !== "string") return null;
  if (e.kind === "status-update" && isState(e.status?.state)) return { kind: "status", taskId: e.taskId, state: e.status.state };
  if (e.kind === "artifact-update" && typeof e.artifact?.artifactId === "string") {
    const text = (e.artifact.parts ?? []).map((p) => (typeof p?.text === "string" ? p.text : "")).join("");
    return { kind: "artifact", taskId: e.taskId, artifactId: e.artifact.artifactId, chunk: Number(e.metadata?.chunk ?? 1), text };
  }
  return null;
}

export function toWireTask(task: TaskView): unknown {
  return {
    kind: "task",
    id: task.id,
    contextId: task.contextId,
    status: { state: task.state },
    history: task.history.map((messageId) => ({ kind: "message", role: "user", messageId, parts: [] })),
    artifacts: task.artifacts.map((a) => ({ artifactId: a.artifactId, parts: a.chunks.map((text) => ({ kind: "text", text })) })),
  };
}

export function fromWireTask(value: unknown): TaskView {
  const t = value as { id?: unknown; contextId?: unknown; status?: { state?: unknown }; history?: { messageId?: unknown; role?: unknown }[]; artifacts?: { artifactId?: unknown; parts?: { text?: unknown }[] }[] } | null;
  if (!t || typeof t.id !== "string" || !isState(t.status?.state)) throw a2aError("internal", "reply is not a task");
  return {
    id: t.id,
    contextId: typeof t.contextId === "string" ? t.contextId : "",
    state: t.status.state,
    history: (t.history ?? []).filter((m) => m.role !== "agent" && typeof m.messageId === "string").map((m) => m.messageId as string),
    artifacts: (t.artifacts ?? []).map((a) => ({ artifactId: String(a.artifactId), chunks: (a.parts ?? []).map((p) => String(p.text ?? "")) })),
  };
}
