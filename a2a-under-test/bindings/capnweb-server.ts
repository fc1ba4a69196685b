import type { AgentCard } from "@a2a-js/sdk";
import { newHttpBatchRpcResponse, RpcSession, RpcTarget, type RpcSessionOptions, type RpcStub, type RpcTransport } from "capnweb";
import { Hono } from "hono";
import type { CoreParts } from "../core/core-parts.ts";
import { HardenedCore, type Accepted, type Deliver, type Subscription } from "../core/hardened-core.ts";
import { A2A_ERROR_CODES, a2aError, type A2AErrorCode } from "../protocol/errors.ts";
import { isTerminal, type A2AMessage, type TaskEvent, type TaskState, type TaskView } from "../protocol/model.ts";
import type { A2AServer, A2AServerPorts } from "../protocol/ports.ts";

// Setup 3: the hardened core behind a capnweb binding. A stream is a callback
// object the client passes in (`listener`): the server calls `event(seq, e)`
// per event and `end(state)` when the task stops for good or for input. The
// sequence numbers let a client resume after the last event it received.

/** The binding's identity in the Agent Card (`supportedInterfaces[].protocolBinding`). */
export const CAPNWEB_BINDING = "https://replaysim.dev/a2a/bindings/capnweb/v1";
/** Our extension: `subscribe(taskId, afterSeq, …)` resumes after a sequence number. */
export const RESUME_EXTENSION = "https://replaysim.dev/a2a/ext/resume/v1";
/** WebSocket sessions and HTTP batches both live here. */
export const CAPNWEB_PATH = "/a2a/capnweb";

/** What a client passes as a stream's listener. */
export interface CapnwebListener {
  event(seq: number, event: TaskEvent): void;
  end(state: TaskState): void;
}

/** The capnweb main object: the A2A operations. */
export interface CapnwebA2AApi {
  /** SendMessage; with a listener, also its stream (WebSocket only). */
  sendMessage(message: A2AMessage, listener?: CapnwebListener): Accepted;
  /** Resumes after `afterSeq` (0: from the start); answers the sequence number of the task as it is now. */
  subscribe(taskId: string, afterSeq: number, listener: CapnwebListener): { seq: number };
  getTask(taskId: string): TaskView;
  cancelTask(taskId: string): TaskView;
}

/** A stream ends where the task stops: a terminal state, or input-required (the client sends a follow-up). */
function endsStream(state: TaskState): boolean {
  return isTerminal(state) || state === "input-required";
}

/**
 * capnweb sends a thrown Error as a plain Error (class and stack dropped) but
 * keeps its own enumerable properties, so every error leaves with an A2A
 * `code`. Anything else is capnweb's own refusal (a TypeError: no such method)
 * or our bug.
 */
export const capnwebSessionOptions: RpcSessionOptions = {
  onSendError: (raw) => {
    const error = raw instanceof Error ? raw : new Error(String(raw));
    const own = (error as { code?: unknown }).code;
    const code: A2AErrorCode =
      typeof own === "string" && own !== "network" && (A2A_ERROR_CODES as readonly string[]).includes(own) ? (own as A2AErrorCode) : error instanceof TypeError ? "invalid_request" : "internal";
    const safe = new Error(error.message) as Error & { code: A2AErrorCode };
    safe.code = code;
    safe.stack = "";
    return safe;
  },
};

function isStub(value: unknown): value is RpcStub<CapnwebListener> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { dup?: unknown }).dup === "function";
}

function parseId(value: unknown, field: string): string {
  if (typeof value !== "string" || value === "") throw a2aError("invalid_request", `${field}: expected a non-empty string`);
  return value;
}

function parseMessage(value: unknown): A2AMessage {
  if (typeof value !== "object" || value === null) throw a2aError("invalid_request", "message: expected an object");
  const m = value as Record<string, unknown>;
  const message: A2AMessage = { messageId: parseId(m.messageId, "message.messageId"), text: "" };
  if (typeof m.text !== "string") throw a2aError("invalid_request", "message.text: expected a string");
  message.text = m.text;
  if (m.taskId !== undefined && m.taskId !== null) message.taskId = parseId(m.taskId, "message.taskId");
  if (m.contextId !== undefined && m.contextId !== null) message.contextId = parseId(m.contextId, "message.contextId");
  return message;
}

function parseSeq(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) throw a2aError("invalid_request", "afterSeq: expected a non-negative integer");
  return value;
}

/** One stream: a core subscription whose deliveries become calls on the client's listener. */
class ServerStream {
  #listener: RpcStub<CapnwebListener> | null;
  #sub: Subscription | null = null;
  #closed = false;
  readonly #onClosed: (stream: ServerStream) => void;

  /** `listener` is owned here (a dup: capnweb disposes the call's own copy when the call returns). */
  constructor(listener: RpcStub<CapnwebListener>, onClosed: (stream: ServerStream) => void) {
    this.#listener = listener;
    this.#onClosed = onClosed;
    // The session under the listener broke: nobody is left to tell.
    listener.onRpcBroken(() => this.close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The core's subscription; it may already have ended during its replay. */
  attach(sub: Subscription): void {
    if (this.#closed) sub.close();
    else this.#sub = sub;
  }

  readonly deliver: Deliver = (seq, event) => {
    if (this.#closed) return;
    this.#call((l) => l.event(seq, event));
    if (event.kind === "status" && endsStream(event.state)) this.end(event.state);
  };

  end(state: TaskState): void {
    if (this.#closed) return;
    this.#call((l) => l.end(state));
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sub?.close();
    this.#sub = null;
    const listener = this.#listener;
    this.#listener = null;
    listener?.[Symbol.dispose]();
    this.#onClosed(this);
  }

  /** A listener call that fails means the client is gone (or refused it): the stream ends. Never throws into the core. */
  #call(call: (listener: RpcStub<CapnwebListener>) => PromiseLike<unknown>): void {
    const listener = this.#listener;
    if (!listener) return;
    try {
      call(listener).then(undefined, () => this.close());
    } catch {
      this.close();
    }
  }
}

/**
 * The main object of one capnweb session. `streams` is null for an HTTP
 * batch: its stubs die with the batch, so it takes no listener.
 */
class A2AService extends RpcTarget implements CapnwebA2AApi {
  readonly #core: HardenedCore;
  readonly #streams: Set<ServerStream> | null;

  constructor(core: HardenedCore, streams: Set<ServerStream> | null) {
    super();
    this.#core = core;
    this.#streams = streams;
  }

  sendMessage(message: unknown, listener?: unknown): Accepted {
    const parsed = parseMessage(message);
    const stub = this.#listener(listener, false);
    const accepted = this.#core.send(parsed);
    if (stub) this.#open(accepted.taskId, accepted.afterSeq, stub);
    return { taskId: accepted.taskId, created: accepted.created, afterSeq: accepted.afterSeq };
  }

  subscribe(taskId: unknown, afterSeq: unknown, listener: unknown): { seq: number } {
    const id = parseId(taskId, "taskId");
    const after = parseSeq(afterSeq);
    const stub = this.#listener(listener, true)!;
    return { seq: this.#open(id, after, stub) };
  }

  getTask(taskId: unknown): TaskView {
    return this.#core.snapshot(parseId(taskId, "taskId")).task;
  }

  cancelTask(taskId: unknown): TaskView {
    return this.#core.cancel(parseId(taskId, "taskId"));
  }

  /** Checked before anything happens, so a refused call has no effect. */
  #listener(value: unknown, required: boolean): RpcStub<CapnwebListener> | null {
    if (value === undefined || value === null) {
      if (required) throw a2aError("invalid_request", "listener: expected an RpcTarget with event() and end()");
      return null;
    }
    if (!isStub(value)) throw a2aError("invalid_request", "listener: expected an RpcTarget with event() and end()");
    if (this.#streams === null) throw a2aError("invalid_request", "listener: streams need a WebSocket session, not an HTTP batch");
    return value;
  }

  /** Subscribes the listener after `afterSeq`; answers the task's seq as of the replay. */
  #open(taskId: string, afterSeq: number, listener: RpcStub<CapnwebListener>): number {
    const streams = this.#streams!;
    const stream = new ServerStream(listener.dup(), (s) => streams.delete(s));
    streams.add(stream);
    try {
      // Replays the log after afterSeq synchronously, then delivers live events as they commit.
      stream.attach(this.#core.subscribe(taskId, afterSeq, stream.deliver));
      const { task, seq } = this.#core.snapshot(taskId);
      // Already stopped and nothing left to replay: end now rather than leave a stream nobody will ever end.
      // (input-required with an agent running means a follow-up was accepted: its events are coming.)
      const stopped = isTerminal(task.state) || (task.state === "input-required" && !this.#core.running().includes(taskId));
      if (stopped) stream.end(task.state);
      return seq;
    } catch (error) {
      stream.close();
      throw error;
    }
  }
}

/**
 * A session's transport, watched: capnweb calls `abort` whenever the session
 * ends (the socket failed, a send failed, or either side shut it down), which
 * is where the session's streams are closed. `kill` ends it from our side.
 */
class WatchedTransport implements RpcTransport {
  readonly #inner: RpcTransport;
  readonly #onEnd: (reason: unknown) => void;
  readonly #killed: Promise<never>;
  #kill: (reason: unknown) => void = () => {};
  #dead = false;

  constructor(inner: RpcTransport, onEnd: (reason: unknown) => void) {
    this.#inner = inner;
    this.#onEnd = onEnd;
    this.#killed = new Promise<never>((_, reject) => {
      this.#kill = reject;
    });
    this.#killed.catch(() => {});
  }

  send(message: string): void | Promise<void> {
    // A dead process sends nothing, not even capnweb's abort message.
    if (this.#dead) throw new Error("server stopped");
    return this.#inner.send(message);
  }

  receive(): Promise<string> {
    return Promise.race([this.#inner.receive(), this.#killed]);
  }

  abort(reason: unknown): void {
    this.#onEnd(reason);
    this.#inner.abort?.(reason);
  }

  /** The process died: the session's read fails, capnweb aborts it and tells the socket's owner through `abort`. */
  kill(): void {
    this.#dead = true;
    this.#kill(a2aError("network", "server stopped"));
  }
}

function agentCard(baseUrl: string): AgentCard {
  const httpUrl = `${baseUrl}${CAPNWEB_PATH}`;
  const wsUrl = `${baseUrl.replace(/^http/, "ws")}${CAPNWEB_PATH}`;
  return {
    name: "replaysim agent",
    description: "A deterministic agent that answers in chunks; the hardened core behind a capnweb binding.",
    // The WebSocket first: it is the only interface that streams.
    supportedInterfaces: [
      { url: wsUrl, protocolBinding: CAPNWEB_BINDING, tenant: "", protocolVersion: "1.0" },
      { url: httpUrl, protocolBinding: CAPNWEB_BINDING, tenant: "", protocolVersion: "1.0" },
    ],
    provider: undefined,
    version: "1.0.0",
    capabilities: {
      streaming: true,
      pushNotifications: false,
      extensions: [{ uri: RESUME_EXTENSION, description: "subscribe(taskId, afterSeq, listener) resumes after a sequence number, with no gap or repeat", required: false, params: undefined }],
    },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [
      {
        id: "plan",
        name: "Chunked answer",
        description: "Answers `plan:<chunks>:<ask|done>` with that many chunks, then completes or asks for input.",
        tags: ["test"],
        examples: ["hello plan:3:done"],
        inputModes: ["text/plain"],
        outputModes: ["text/plain"],
        securityRequirements: [],
      },
    ],
    signatures: [],
  };
}

export function capnwebServer(ports: A2AServerPorts, parts?: Partial<CoreParts>, baseUrl = "http://a2a.replaysim.test"): A2AServer {
  const core = new HardenedCore(ports, parts);
  const sessions = new Set<WatchedTransport>();
  const card = agentCard(baseUrl);
  let stopped = false;

  const app = new Hono();
  app.get("/.well-known/agent-card.json", (c) => c.json(card));
  // HTTP batch: the calls that do not stream (a listener stub would die with its batch).
  app.post(CAPNWEB_PATH, async (c) => {
    try {
      return await newHttpBatchRpcResponse(c.req.raw, new A2AService(core, null), capnwebSessionOptions);
    } catch {
      return c.json({ error: { code: "invalid_request", message: "not a capnweb batch" } }, 400);
    }
  });

  return {
    fetch: async (request) => {
      // A dead process answers nothing: to the caller this is a failed connection, not a response.
      if (stopped) throw a2aError("network", "server stopped");
      return app.fetch(request);
    },
    acceptWebSocket(transport) {
      const streams = new Set<ServerStream>();
      const watched: WatchedTransport = new WatchedTransport(transport, () => {
        sessions.delete(watched);
        // Every stream of this session ends with it (their listener calls would only reject).
        for (const stream of [...streams]) stream.close();
      });
      sessions.add(watched);
      new RpcSession(watched, new A2AService(core, streams), capnwebSessionOptions);
      if (stopped) watched.kill();
    },
    stop() {
      stopped = true;
      core.stop();
      for (const session of [...sessions]) session.kill();
    },
    storedTasks: async () => core.tasks(),
    runningTasks: () => core.running(),
  };
}
