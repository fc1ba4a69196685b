import { Hono } from "hono";
import { HardenedCore } from "../core/hardened-core.ts";
import type { CoreParts } from "../core/core-parts.ts";
import { A2AError, a2aError, codeOf } from "../protocol/errors.ts";
import { isTerminal, type TaskEvent } from "../protocol/model.ts";
import type { A2AServer, A2AServerPorts } from "../protocol/ports.ts";
import { sseFrame } from "../protocol/sse.ts";
import { RESUME_EXTENSION, fromWireMessage, rpcError, toWireEvent, toWireTask } from "../protocol/wire.ts";

/** Bodies past this are refused before parsing. */
const BODY_BYTES_MAX = 64 * 1024;

const endsStream = (event: TaskEvent) => event.kind === "status" && (isTerminal(event.state) || event.state === "input-required");

/**
 * Setup 2: A2A's JSON-RPC + SSE binding, unchanged on the wire, over the
 * hardened core. Stream frames carry the event's sequence number as the SSE
 * `id`; `SubscribeToTask` takes `afterSeq` in the resume extension's metadata
 * and then replays the log after it instead of sending a snapshot.
 */
export function hardenedJsonRpcServer(ports: A2AServerPorts, parts: Partial<CoreParts> = {}, baseUrl = "http://a2a.replaysim.test"): A2AServer {
  const core = new HardenedCore(ports, parts);
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();

  /** An SSE response that follows one task from `afterSeq`, optionally after a snapshot frame. */
  const stream = (rpcId: unknown, taskId: string, afterSeq: number, snapshot: boolean): Response => {
    let close = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        streams.add(controller);
        const finish = () => {
          close();
          streams.delete(controller);
          try {
            controller.close();
          } catch {
            // already closed by a cancel
          }
        };
        let from = afterSeq;
        if (snapshot) {
          const snap = core.snapshot(taskId);
          controller.enqueue(encoder.encode(sseFrame({ jsonrpc: "2.0", id: rpcId, result: toWireTask(snap.task) }, snap.seq)));
          from = snap.seq;
          if (isTerminal(snap.task.state)) return finish();
        }
        let ended = false;
        const sub = core.subscribe(taskId, from, (seq, event) => {
          if (ended) return;
          controller.enqueue(encoder.encode(sseFrame({ jsonrpc: "2.0", id: rpcId, result: toWireEvent(event) }, seq)));
          if (endsStream(event)) {
            ended = true;
            // Closed after the subscriber returns: the core may still be iterating its subscribers.
            queueMicrotask(finish);
          }
        });
        close = () => sub.close();
        if (ended) sub.close();
      },
      cancel() {
        close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
  };

  const dispatch = (rpcId: unknown, method: string, params: Record<string, unknown>): Response | unknown => {
    switch (method) {
      case "SendStreamingMessage": {
        const accepted = core.send(fromWireMessage(params.message));
        return stream(rpcId, accepted.taskId, accepted.afterSeq, false);
      }
      case "SendMessage": {
        const accepted = core.send(fromWireMessage(params.message));
        return toWireTask(core.snapshot(accepted.taskId).task);
      }
      case "SubscribeToTask": {
        const id = String(params.id ?? "");
        const resume = (params.metadata as Record<string, { afterSeq?: unknown }> | undefined)?.[RESUME_EXTENSION]?.afterSeq;
        const snap = core.snapshot(id);
        if (typeof resume === "number" && Number.isInteger(resume) && resume >= 0) return stream(rpcId, id, resume, false);
        if (isTerminal(snap.task.state)) throw a2aError("task_terminal", `task ${id} is ${snap.task.state}`);
        return stream(rpcId, id, 0, true);
      }
      case "GetTask":
        return toWireTask(core.snapshot(String(params.id ?? "")).task);
      case "CancelTask":
        return toWireTask(core.cancel(String(params.id ?? "")));
      default:
        throw a2aError("invalid_request", `unknown method ${method}`);
    }
  };

  const app = new Hono();
  app.get("/.well-known/agent-card.json", (c) =>
    c.json({
      name: "replaysim agent (hardened)",
      description: "A deterministic agent that streams its answers in chunks",
      version: "1.0.0",
      supportedInterfaces: [{ url: `${baseUrl}/a2a/jsonrpc`, protocolBinding: "JSONRPC", protocolVersion: "1.0" }],
      capabilities: { streaming: true, pushNotifications: false, extensions: [{ uri: RESUME_EXTENSION, description: "SubscribeToTask resumes after metadata.afterSeq; SSE ids are per-task sequence numbers", required: false }] },
      defaultInputModes: ["text/plain"],
      defaultOutputModes: ["text/plain"],
      skills: [],
    }),
  );
  app.post("/a2a/jsonrpc", async (c) => {
    const text = await c.req.text();
    let rpcId: unknown = null;
    try {
      if (text.length > BODY_BYTES_MAX) throw a2aError("invalid_request", `body over ${BODY_BYTES_MAX} bytes`);
      let request: { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
      try {
        request = JSON.parse(text);
      } catch {
        throw a2aError("invalid_request", "body is not JSON");
      }
      rpcId = request?.id ?? null;
      if (request?.jsonrpc !== "2.0" || typeof request.method !== "string") throw a2aError("invalid_request", "not a JSON-RPC 2.0 request");
      const result = dispatch(rpcId, request.method, (request.params ?? {}) as Record<string, unknown>);
      if (result instanceof Response) return result;
      return c.json({ jsonrpc: "2.0", id: rpcId, result });
    } catch (error) {
      const code = error instanceof A2AError ? error.code : codeOf(error) === "network" ? "internal" : codeOf(error);
      return c.json(rpcError(rpcId, code, (error as Error)?.message ?? String(error)));
    }
  });

  return {
    fetch: (request) => Promise.resolve(app.fetch(request)),
    stop() {
      core.stop();
      for (const controller of streams) {
        try {
          controller.error(new Error("server process died"));
        } catch {
          // already closed
        }
      }
      streams.clear();
    },
    storedTasks: () => Promise.resolve(core.tasks()),
    runningTasks: () => core.running(),
  };
}
