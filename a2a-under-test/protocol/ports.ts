import type Database from "better-sqlite3";
import type { RpcTransport } from "capnweb";
import type { Clock, Ids } from "../../protocol/ports.ts";
import type { StreamItem, TaskView, A2AMessage } from "./model.ts";

// The seams of the A2A system under test. Like the share system, it never
// imports the simulator: clock, ids, storage and transports come through here.

export type SetupName = "sdk" | "hardened" | "capnweb";
export const SETUPS: readonly SetupName[] = ["sdk", "hardened", "capnweb"];

/** Where an agent's events go: the server under test persists and delivers them. */
export interface AgentSink {
  status(taskId: string, state: "working" | "input-required" | "completed" | "failed"): void;
  artifact(taskId: string, artifactId: string, chunk: number, text: string): void;
}

/** What a server process gets from its world. */
export interface A2AServerPorts {
  clock: Clock;
  ids: Ids;
  /** The process's database; its committed content survives a crash. */
  db: Database.Database;
  /** How long the agent waits between two steps. */
  step_ms: number;
  /** Told each event the agent hands to the server, before the server does anything with it (the world's ground truth). */
  agentEmitted(taskId: string, key: string): void;
}

/** A server process of one setup. */
export interface A2AServer {
  /** The HTTP side: agent card, JSON-RPC, SSE, capnweb batch. */
  fetch(request: Request): Promise<Response>;
  /** A WebSocket connection arrived (capnweb setup only). */
  acceptWebSocket?(transport: RpcTransport): void;
  /** The process dies: stop every agent run and timer; the database stays as committed. */
  stop(): void;
  /** The world's own look at the task store (not through the protocol): every task as stored now. */
  storedTasks(): Promise<TaskView[]>;
  /** Tasks an agent is working on right now in this process. */
  runningTasks(): string[];
}

export type StreamEnd = { taskId: string | null; ended: "terminal" | "closed" | "interrupted" };

/** What a client process gets from its world. */
export interface A2AClientPorts {
  clock: Clock;
  /** The server's base URL (fetch is intercepted by the world). */
  baseUrl: string;
  /** The fetch to use: the world's intercepted global fetch, or a test's direct route into a server. */
  fetch: typeof fetch;
  /** Headers every request carries (the world routes by them). */
  headers: Record<string, string>;
  /** Opens a WebSocket to the server as a capnweb transport (capnweb setup only). */
  openWebSocket?(): RpcTransport;
  /** Every call's deadline. */
  deadline_ms: number;
}

/**
 * The operations a workload drives, the same for every setup. Streams call
 * `onItem` per item and settle when the stream ends; a transport failure
 * rejects with an A2AError whose code is `network`.
 */
export interface A2AClient {
  /** SendStreamingMessage. Settles with the task the server named, or rejects. */
  sendStream(message: A2AMessage, onItem: (item: StreamItem) => void): Promise<StreamEnd>;
  /** Resubscribe to a task: `afterSeq` null asks for a snapshot first (the spec's SubscribeToTask); a number resumes after it (our extension). */
  subscribe(taskId: string, afterSeq: number | null, onItem: (item: StreamItem) => void): Promise<StreamEnd>;
  getTask(taskId: string): Promise<TaskView>;
  cancel(taskId: string): Promise<TaskView>;
  /** Whether `subscribe` can resume after a sequence number. */
  readonly resumes: boolean;
  close(): void;
}

/** One setup: how to start its server process and its client process. */
export interface A2ASetup {
  name: SetupName;
  /** `parts` lets a mutant replace a component of the hardened core. */
  server(ports: A2AServerPorts, parts?: Record<string, unknown>): A2AServer;
  client(ports: A2AClientPorts): A2AClient;
}
