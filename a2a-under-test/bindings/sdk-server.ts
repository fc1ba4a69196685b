// Setup "sdk", server side: the official @a2a-js/sdk 1.3 used as it is.
// DefaultRequestHandler + JsonRpcTransportHandler over the SDK's own
// DatabaseTaskStore (Kysely over the world's better-sqlite3 database), with
// a Hono app that does what the SDK's Express `jsonRpcHandler` does (first
// item pulled before answering, then SSE, drained whether or not the client
// still listens). Only the agent is ours: an AgentExecutor that plays the
// deterministic script on the injected clock.

import { Hono } from "hono";
import { Kysely, SqliteDialect } from "kysely";
import { Role, SSE_HEADERS, Task, TaskState as SdkTaskState, formatSSEErrorEvent, formatSSEEvent } from "@a2a-js/sdk";
import type { AgentCard, Part } from "@a2a-js/sdk";
import {
  AgentEvent,
  DefaultRequestHandler,
  JsonRpcTransportHandler,
  UnauthenticatedUser,
  defaultServerCallContextBuilder,
  validateVersion,
  type AgentExecutor,
  type ExecutionEventBus,
  type RequestContext,
} from "@a2a-js/sdk/server";
import { DatabaseTaskStore, TASK_TABLE } from "@a2a-js/sdk/server/database";
import { AgentRun } from "../agent/runner.ts";
import { agentSteps } from "../agent/script.ts";
import type { TaskState, TaskView, ArtifactView } from "../protocol/model.ts";
import type { A2AServer, A2AServerPorts, AgentSink } from "../protocol/ports.ts";

export const DEFAULT_BASE_URL = "http://a2a.replaysim.test";
export const JSONRPC_PATH = "/a2a/jsonrpc";
export const AGENT_CARD_PATH = "/.well-known/agent-card.json";

// ---------------------------------------------------------------------------
// SDK model -> our model (shared with the sdk client, which sees the same
// proto-shaped objects after the SDK's fromJSON).

/** Our state for the SDK's TaskState enum. AUTH_REQUIRED (never used by our agent) is the other interrupted state, so it maps to input-required. */
export function stateOf(state: SdkTaskState | undefined): TaskState {
  switch (state) {
    case SdkTaskState.TASK_STATE_SUBMITTED:
      return "submitted";
    case SdkTaskState.TASK_STATE_WORKING:
      return "working";
    case SdkTaskState.TASK_STATE_INPUT_REQUIRED:
    case SdkTaskState.TASK_STATE_AUTH_REQUIRED:
      return "input-required";
    case SdkTaskState.TASK_STATE_COMPLETED:
      return "completed";
    case SdkTaskState.TASK_STATE_CANCELED:
      return "canceled";
    case SdkTaskState.TASK_STATE_REJECTED:
      return "rejected";
    case SdkTaskState.TASK_STATE_FAILED:
      return "failed";
    // A task with no status yet is as good as submitted; anything the enum does not know is a failure.
    case undefined:
    case SdkTaskState.TASK_STATE_UNSPECIFIED:
      return "submitted";
    default:
      return "failed";
  }
}

export function partTexts(parts: readonly Part[] | undefined): string[] {
  return (parts ?? []).flatMap((p) => (p.content?.$case === "text" ? [p.content.value] : []));
}

/**
 * A TaskView of an SDK Task. The SDK keeps an artifact merged: chunks sent
 * with `append` become further parts of one artifact, so each text part is
 * one chunk (our agent sends one part per chunk).
 */
export function taskViewOf(task: Task): TaskView {
  return {
    id: task.id,
    contextId: task.contextId,
    state: stateOf(task.status?.state),
    history: (task.history ?? []).filter((m) => m.role === Role.ROLE_USER).map((m) => m.messageId),
    artifacts: (task.artifacts ?? []).map((a): ArtifactView => ({ artifactId: a.artifactId, chunks: partTexts(a.parts) })),
  };
}

export function textPart(text: string): Part {
  return { content: { $case: "text", value: text }, mediaType: "text/plain", filename: "", metadata: undefined };
}

// ---------------------------------------------------------------------------
// Schema: the SDK's stores expect their table to exist ("migrating is an
// operator step"), and its migrations live only in the `a2a-db` CLI bundle.
// This is the SQLite rendering of its migration 0001_create_tasks, made
// idempotent so a restarted process can run it again.
const TASKS_DDL = `
CREATE TABLE IF NOT EXISTS "${TASK_TABLE}" (
  "tenant" varchar(255) collate binary not null,
  "owner" varchar(255) collate binary not null,
  "id" varchar(36) collate binary not null,
  "context_id" varchar(36) collate binary not null,
  "status_last_updated" bigint not null,
  "status_state" varchar(255) collate binary,
  "status" text,
  "artifacts" text,
  "history" text,
  "metadata" text,
  "protocol_version" varchar(255),
  constraint "${TASK_TABLE}_pkey" primary key ("tenant", "owner", "id")
);
CREATE INDEX IF NOT EXISTS "${TASK_TABLE}_scope_updated_idx" ON "${TASK_TABLE}" ("tenant", "owner", "status_last_updated", "id");
CREATE INDEX IF NOT EXISTS "${TASK_TABLE}_scope_context_updated_idx" ON "${TASK_TABLE}" ("tenant", "owner", "context_id", "status_last_updated", "id");
`;

type TaskRowJson = { id: string; context_id: string; status: string | null; artifacts: string | null; history: string | null; metadata: string | null };

const parse = (value: string | null): unknown => (value ? JSON.parse(value) : undefined);

// ---------------------------------------------------------------------------

type Turn = { run: AgentRun; contextId: string; finish: () => void };

/** The executor the SDK drives: one AgentRun per execute() call, on the injected clock. */
class ScriptedAgentExecutor implements AgentExecutor {
  readonly turns = new Set<Turn>();
  #dead = false;

  constructor(private readonly ports: A2AServerPorts) {}

  execute = async (ctx: RequestContext, bus: ExecutionEventBus): Promise<void> => {
    if (this.#dead) return new Promise<void>(() => {});
    const message = ctx.userMessage;
    const taskId = ctx.taskId;
    const contextId = ctx.contextId;
    let turn: number;
    if (!ctx.task) {
      // A new task: publish it as submitted first, as the SDK's samples do.
      this.ports.agentEmitted(taskId, "status:submitted");
      bus.publish(
        AgentEvent.task({
          id: taskId,
          contextId,
          status: { state: SdkTaskState.TASK_STATE_SUBMITTED, message: undefined, timestamp: undefined },
          artifacts: [],
          history: [message],
          metadata: undefined,
        }),
      );
      turn = 0;
    } else {
      // SDK 1.3 rejects a stream whose first event is not a Task or Message,
      // follow-ups included: republish the task the SDK loaded (its history
      // already holds this message). Not a new state, so not agentEmitted.
      bus.publish(AgentEvent.task(ctx.task));
      turn = Math.max(0, ctx.task.history.filter((m) => m.role === Role.ROLE_USER).length - 1);
    }
    const steps = agentSteps(message.messageId, partTexts(message.parts).join(""), turn);
    // lastChunk needs the number of chunks of each artifact, known from the script.
    const chunksOf = new Map<string, number>();
    for (const s of steps) if (s.kind === "artifact") chunksOf.set(s.artifactId, Math.max(chunksOf.get(s.artifactId) ?? 0, s.chunk));

    const sink: AgentSink = {
      status: (id, state) => {
        this.ports.agentEmitted(id, `status:${state}`);
        bus.publish(AgentEvent.statusUpdate({ taskId: id, contextId, status: { state: sdkStateOf(state), message: undefined, timestamp: undefined }, metadata: undefined }));
      },
      artifact: (id, artifactId, chunk, text) => {
        this.ports.agentEmitted(id, `artifact:${artifactId}:${chunk}`);
        bus.publish(
          AgentEvent.artifactUpdate({
            taskId: id,
            contextId,
            artifact: { artifactId, name: "", description: "", parts: [textPart(text)], metadata: undefined, extensions: [] },
            append: chunk > 1,
            lastChunk: chunk === chunksOf.get(artifactId),
            metadata: undefined,
          }),
        );
      },
    };
    // execute() must not return before the run ends: DefaultRequestHandler
    // settles (finishes) the bus when it does, which would end the stream.
    await new Promise<void>((resolve) => {
      const entry: Turn = { run: null as unknown as AgentRun, contextId, finish: resolve };
      entry.run = new AgentRun(this.ports.clock, sink, taskId, steps, this.ports.step_ms, 0, () => {
        this.turns.delete(entry);
        resolve();
      });
      if (entry.run.running) this.turns.add(entry);
    });
  };

  cancelTask = async (taskId: string, bus: ExecutionEventBus): Promise<void> => {
    if (this.#dead) return;
    let contextId = "";
    const ended: Turn[] = [];
    for (const t of this.turns) {
      if (t.run.taskId !== taskId) continue;
      t.run.stop();
      contextId = t.contextId;
      ended.push(t);
    }
    // DefaultRequestHandler.cancelTask waits on this bus for a terminal
    // status; with none it would hang, so publish canceled even when no run
    // is going (an input-required task whose bus the SDK kept alive).
    this.ports.agentEmitted(taskId, "status:canceled");
    bus.publish(AgentEvent.statusUpdate({ taskId, contextId, status: { state: SdkTaskState.TASK_STATE_CANCELED, message: undefined, timestamp: undefined }, metadata: undefined }));
    for (const t of ended) {
      this.turns.delete(t);
      t.finish();
    }
  };

  /** The process died: no run goes on, and pending execute() calls never return. */
  die(): void {
    this.#dead = true;
    for (const t of this.turns) t.run.stop();
    this.turns.clear();
  }
}

function sdkStateOf(state: "working" | "input-required" | "completed" | "failed"): SdkTaskState {
  switch (state) {
    case "working":
      return SdkTaskState.TASK_STATE_WORKING;
    case "input-required":
      return SdkTaskState.TASK_STATE_INPUT_REQUIRED;
    case "completed":
      return SdkTaskState.TASK_STATE_COMPLETED;
    case "failed":
      return SdkTaskState.TASK_STATE_FAILED;
  }
}

export function agentCardFor(baseUrl: string): AgentCard {
  return {
    name: "replaysim scripted agent",
    description: "Deterministic agent: answers `plan:<chunks>:<ask|done>` in chunks.",
    supportedInterfaces: [{ url: `${baseUrl}${JSONRPC_PATH}`, protocolBinding: "JSONRPC", tenant: "", protocolVersion: "1.0" }],
    provider: undefined,
    version: "1.0.0",
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {},
    securityRequirements: [],
    defaultInputModes: ["text/plain"],
    defaultOutputModes: ["text/plain"],
    skills: [],
    signatures: [],
  };
}

const encoder = new TextEncoder();

export function sdkServer(ports: A2AServerPorts, baseUrl: string = DEFAULT_BASE_URL): A2AServer {
  ports.db.exec(TASKS_DDL);
  let dead = false;
  // Kysely sees the database through this guard: a write the SDK still has
  // in flight when the process "dies" must not reach the surviving file.
  const guarded = {
    close() {},
    prepare(sql: string) {
      if (dead) throw new Error("server process stopped");
      return ports.db.prepare(sql);
    },
  };
  // Kysely is never destroy()ed: that would close the world's database.
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: guarded }) });
  const store = new DatabaseTaskStore(kysely);
  const executor = new ScriptedAgentExecutor(ports);
  const card = agentCardFor(baseUrl);
  const handler = new DefaultRequestHandler(card, store, executor);
  const transport = new JsonRpcTransportHandler(handler);
  const openStreams = new Set<ReadableStreamDefaultController<Uint8Array>>();

  const json = (body: unknown, status = 200): Response => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

  /** SSE over a stream we write ourselves, like the SDK's Express handler: errors after the first item become an `event: error`. */
  function sse(first: IteratorResult<unknown>, rest: AsyncIterator<unknown>, requestId: unknown): Response {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let listening = true;
    const write = (chunk: string) => {
      if (listening && !dead) controller.enqueue(encoder.encode(chunk));
    };
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        controller = c;
        openStreams.add(c);
      },
      // The client went away. Express keeps draining the SDK's generator
      // (res.write on a closed socket is a no-op), so do we: the SDK only
      // persists streamed events while someone drains them.
      cancel() {
        listening = false;
        openStreams.delete(controller);
      },
    });
    void (async () => {
      try {
        if (!first.done) write(formatSSEEvent(first.value));
        for (;;) {
          const next = await rest.next();
          if (next.done) break;
          write(formatSSEEvent(next.value));
        }
      } catch (error) {
        write(formatSSEErrorEvent({ jsonrpc: "2.0", id: requestId ?? null, error: JsonRpcTransportHandler.mapToJSONRPCError(error) }));
      } finally {
        if (listening && !dead) {
          openStreams.delete(controller);
          controller.close();
        }
      }
    })();
    return new Response(body, { status: 200, headers: { ...SSE_HEADERS } });
  }

  const app = new Hono();
  app.get(AGENT_CARD_PATH, async (c) => c.json(await handler.getAgentCard()));
  app.post(JSONRPC_PATH, async (c) => {
    const text = await c.req.text();
    let requestId: unknown = null;
    try {
      requestId = (JSON.parse(text) as { id?: unknown })?.id ?? null;
    } catch {
      // handle() answers a parse error itself.
    }
    try {
      const context = defaultServerCallContextBuilder({
        extensions: undefined,
        user: new UnauthenticatedUser(),
        headers: Object.fromEntries(c.req.raw.headers),
        requestedVersion: c.req.header("A2A-Version") || undefined,
      });
      validateVersion(context.requestedVersion, card, "JSONRPC");
      const result = await transport.handle(text, context);
      if (result && typeof (result as AsyncGenerator<unknown>)[Symbol.asyncIterator] === "function") {
        const iterator = (result as AsyncGenerator<unknown>)[Symbol.asyncIterator]();
        let first: IteratorResult<unknown>;
        try {
          first = await iterator.next();
        } catch (error) {
          // Before the first item the SDK's Express handler answers plain JSON.
          return json({ jsonrpc: "2.0", id: requestId, error: JsonRpcTransportHandler.mapToJSONRPCError(error) });
        }
        return sse(first, iterator, requestId);
      }
      return json(result);
    } catch (error) {
      const mapped = JsonRpcTransportHandler.mapToJSONRPCError(error);
      return json({ jsonrpc: "2.0", id: requestId, error: mapped }, mapped.code === -32603 ? 500 : 200);
    }
  });

  return {
    async fetch(request: Request): Promise<Response> {
      if (dead) throw new TypeError("fetch failed: server process stopped");
      return app.fetch(request);
    },
    stop(): void {
      dead = true;
      executor.die();
      // The connections die with the process: a client reading an SSE stream sees it break, not end.
      for (const c of openStreams) {
        try {
          c.error(new TypeError("terminated: server process stopped"));
        } catch {
          // already closed
        }
      }
      openStreams.clear();
    },
    async storedTasks(): Promise<TaskView[]> {
      // Straight from the SDK's table, parsed the way its DatabaseTaskStore does (Task.fromJSON of the JSON columns).
      const rows = ports.db.prepare(`SELECT id, context_id, status, artifacts, history, metadata FROM "${TASK_TABLE}" ORDER BY rowid`).all() as TaskRowJson[];
      return rows.map((row) =>
        taskViewOf(
          Task.fromJSON({ id: row.id, contextId: row.context_id, status: parse(row.status), artifacts: parse(row.artifacts), history: parse(row.history), metadata: parse(row.metadata) }),
        ),
      );
    },
    runningTasks(): string[] {
      const ids: string[] = [];
      for (const t of executor.turns) if (t.run.running && !ids.includes(t.run.taskId)) ids.push(t.run.taskId);
      return ids;
    },
  };
}
