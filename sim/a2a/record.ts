import type { SetupName } from "../../a2a-under-test/protocol/ports.ts";
import type { StreamItem, TaskView } from "../../a2a-under-test/protocol/model.ts";

// The A2A run record: what an A2A world leaves for its checkers. Like the share
// system's, the checkers read only this.

/** One send attempt of a client, and what came back. */
export interface SendAttempt {
  t: number;
  node: string;
  messageId: string;
  /** The task the message continues (a follow-up), or null for a new one. */
  to_task: string | null;
  /** This attempt repeats an earlier one with the same messageId. */
  retry: boolean;
  /** The task the server's reply named, if a reply arrived. */
  named: string | null;
  /** The error code, if the attempt failed. */
  code: string | null;
  /** The target task was terminal (the client saw it end) when this was sent. */
  to_terminal: boolean;
}

/** One stream a client opened (a streaming send or a resubscribe), and everything it received. */
export interface StreamSession {
  node: string;
  /** The client process incarnation that opened it. */
  incarnation: number;
  kind: "send" | "subscribe";
  /** The task the stream is about, once known. */
  task: string | null;
  opened_t: number;
  /** For a resubscribe: where it asked to resume (null: a snapshot first). */
  after_seq: number | null;
  items: { t: number; item: StreamItem }[];
  /** How it ended: terminal, input-required, closed by the server, a network failure, or the client's crash. */
  ended: "terminal" | "interrupted" | "closed" | "network" | "crashed" | "open";
}

export interface FinalGet {
  t: number;
  node: string;
  task: string;
  view: TaskView | null;
  code: string | null;
}

export interface A2ARecord {
  setup: SetupName;
  end_t: number;
  healed_at: number | null;
  /** The server's ground truth: per task, every event its task logic produced, in order (agent steps and cancels), across restarts. */
  emitted: Record<string, { t: number; key: string }[]>;
  sends: SendAttempt[];
  sessions: StreamSession[];
  /** After healing, each client reads every task it knows with GetTask. */
  gets: FinalGet[];
  /** The server's task store at the end, read by the world directly. */
  store: TaskView[];
  /** The store as read right after each server restart. */
  recovered: { t: number; store: TaskView[] }[];
  /** Tasks an agent still works on at the end. */
  running: string[];
  server_crashes: number[];
}
