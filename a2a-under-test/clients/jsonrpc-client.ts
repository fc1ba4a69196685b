import { A2AError, a2aError, type A2AErrorCode } from "../protocol/errors.ts";
import { isTerminal, type A2AMessage, type StreamItem, type TaskView } from "../protocol/model.ts";
import type { A2AClient, A2AClientPorts, StreamEnd } from "../protocol/ports.ts";
import { readSse } from "../protocol/sse.ts";
import { RESUME_EXTENSION, fromWireEvent, fromWireTask, toWireMessage } from "../protocol/wire.ts";

const CODES: readonly A2AErrorCode[] = ["task_not_found", "task_terminal", "invalid_request", "internal"];

function errorOf(error: { code?: number; message?: string; data?: { code?: unknown } }): A2AError {
  const ours = error.data?.code;
  const code = CODES.includes(ours as A2AErrorCode) ? (ours as A2AErrorCode) : error.code === -32001 ? "task_not_found" : error.code === -32002 ? "task_terminal" : "internal";
  return a2aError(code, error.message ?? "error");
}

/**
 * The hardened client of the JSON-RPC + SSE binding: every call has a
 * deadline on the injected clock, and streams carry sequence numbers, so a
 * subscription resumes after the last event received (the resume extension).
 */
export function jsonRpcClient(ports: A2AClientPorts): A2AClient {
  let nextId = 1;
  const aborts = new Set<AbortController>();

  /** POSTs one call; the reply's headers must arrive within the deadline, whatever the fetch underneath does with its signal. */
  const post = async (method: string, params: unknown): Promise<Response> => {
    const abort = new AbortController();
    aborts.add(abort);
    let timer: { cancel(): void } | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = ports.clock.setTimer(ports.deadline_ms, () => {
        abort.abort();
        reject(a2aError("network", `${method}: no reply within ${ports.deadline_ms} ms`));
      });
    });
    try {
      const request = ports.fetch(`${ports.baseUrl}/a2a/jsonrpc`, {
        method: "POST",
        headers: { "content-type": "application/json", ...ports.headers },
        body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
        signal: abort.signal,
      });
      request.catch(() => {});
      return await Promise.race([request, deadline]);
    } catch (error) {
      if (error instanceof A2AError) throw error;
      throw a2aError("network", `${method}: ${(error as Error)?.message ?? error}`);
    } finally {
      timer?.cancel();
      aborts.delete(abort);
    }
  };

  const unary = async (method: string, params: unknown): Promise<TaskView> => {
    const response = await post(method, params);
    let reply: { result?: unknown; error?: { code?: number; message?: string; data?: { code?: unknown } } };
    try {
      reply = (await response.json()) as typeof reply;
    } catch (error) {
      throw a2aError("network", `${method}: reply cut short (${(error as Error)?.message ?? error})`);
    }
    if (reply.error) throw errorOf(reply.error);
    return fromWireTask(reply.result);
  };

  const follow = async (method: string, params: unknown, onItem: (item: StreamItem) => void): Promise<StreamEnd> => {
    const response = await post(method, params);
    if (!(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      const reply = (await response.json().catch(() => null)) as { error?: { code?: number; message?: string; data?: { code?: unknown } } } | null;
      throw reply?.error ? errorOf(reply.error) : a2aError("network", `${method}: no stream`);
    }
    let taskId: string | null = null;
    try {
      for await (const frame of readSse(response.body!)) {
        const seq = frame.id === null ? null : Number(frame.id);
        const data = JSON.parse(frame.data) as { result?: { kind?: string }; error?: { code?: number; message?: string } };
        if (data.error) throw errorOf(data.error);
        if (data.result?.kind === "task") {
          const task = fromWireTask(data.result);
          taskId = task.id;
          onItem({ kind: "snapshot", task, seq });
          if (isTerminal(task.state)) return { taskId, ended: "terminal" };
          continue;
        }
        const event = fromWireEvent(data.result);
        if (!event) continue;
        taskId = event.taskId;
        onItem({ kind: "event", event, seq });
        if (event.kind === "status" && isTerminal(event.state)) return { taskId, ended: "terminal" };
        if (event.kind === "status" && event.state === "input-required") return { taskId, ended: "interrupted" };
      }
    } catch (error) {
      if (error instanceof A2AError) throw error;
      throw a2aError("network", `${method}: stream broken (${(error as Error)?.message ?? error})`);
    }
    return { taskId, ended: "closed" };
  };

  return {
    resumes: true,
    sendStream: (message: A2AMessage, onItem) => follow("SendStreamingMessage", { message: toWireMessage(message) }, onItem),
    subscribe: (taskId, afterSeq, onItem) =>
      follow("SubscribeToTask", { id: taskId, ...(afterSeq === null ? {} : { metadata: { [RESUME_EXTENSION]: { afterSeq } } }) }, onItem),
    getTask: (taskId) => unary("GetTask", { id: taskId }),
    cancel: (taskId) => unary("CancelTask", { id: taskId }),
    close() {
      for (const abort of aborts) abort.abort();
      aborts.clear();
    },
  };
}
