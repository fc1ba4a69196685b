import type { Limits } from "../protocol/limits.ts";
import type { Synchronous } from "./matrix.ts";

// What the bench and its loopback server child say to each other over IPC.

export interface ChildConfig {
  /** null for an in-memory database. */
  db_path: string | null;
  synchronous: Synchronous | null;
  limits: Limits;
}

export type Ask = { type: "share"; session_id: string } | { type: "counters" };
export type ToChild = Ask & { id: number };

export type FromChild =
  | { type: "ready"; url: string; ping_url: string }
  | { type: "share"; id: number; share_id: string; secret: string }
  | { type: "counters"; id: number; request_bytes: number; server_cpu_us: number }
  | { type: "error"; id: number | null; message: string };
