import type { CrashPoint } from "../../protocol/ports.ts";
import type { ForbiddenAttempt, ForbiddenProbeData } from "../../sim/adversary/attempts.ts";
import type { Synchronous } from "../../sim/storage/db-files.ts";
import type { CrashAt } from "./crash-at.ts";

/** How the harness starts a real server process. */
export interface ServerChildConfig {
  /** The server's SQLite file; a restart opens the same one. */
  db_path: string;
  seed: number;
  /** 0 on the first start; a restart asks for the port the last incarnation had, so clients find it where it was. */
  port: number;
  crash_at: CrashAt | null;
  /** The scenario's crash_point rate, for this process's own points; null in the liveness phase. */
  crash_chance: { p: number; points: CrashPoint[] } | null;
  /** The scenario's variant, mutant and options: the same seams as in the simulator. */
  variant: string;
  mutant: string | null;
  options: Record<string, number | string | boolean>;
  /** A disk-full window is open on this node: its database cannot grow (SQLITE_FULL), from its first write. */
  disk_full: boolean;
  /** The scenario's storage settings: "NORMAL" runs the old synchronous=NORMAL on top of the opener. */
  synchronous: "reference" | "NORMAL";
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
