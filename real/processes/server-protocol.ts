import type { ForbiddenAttempt, ForbiddenProbeData } from "../../sim/adversary/attempts.ts";
import type { Synchronous } from "../../sim/storage/db-files.ts";
import type { ChildSeams, WriterStorage } from "./child-config.ts";

/** How the harness starts a real server process. */
export interface ServerChildConfig extends ChildSeams, WriterStorage {
  /** The server's SQLite file; a restart opens the same one. */
  db_path: string;
  /** 0 on the first start; a restart asks for the port the last incarnation had, so clients find it where it was. */
  port: number;
}

/** What the adversary is told of a share: its id and secret now, and another share nobody of it was given. */
export interface AdversaryShare {
  index: number;
  id: string;
  secret: string;
  other: string | null;
}

export type ToServerChild =
  | { type: "share"; id: number; session_id: string }
  | { type: "stop"; id: number }
  | { type: "revoke"; id: number; share_id: string; secret: string; rotate: boolean }
  | { type: "disk_full"; id: number; full: boolean }
  | { type: "keep_writer"; id: number; share: AdversaryShare }
  | { type: "forbidden"; id: number; attempt: ForbiddenAttempt; share: AdversaryShare };

export type FromServerChild =
  | { type: "ready"; url: string; synchronous: Synchronous }
  | { type: "revoked"; id: number; epoch: number; secret: string | null; skipped: string | null }
  | { type: "done"; id: number }
  | { type: "probe"; id: number; probe: ForbiddenProbeData }
  | { type: "share"; id: number; share_id: string; secret: string }
  | { type: "stopped"; id: number }
  | { type: "error"; id: number; message: string };
