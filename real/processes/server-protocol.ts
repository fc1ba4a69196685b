import type { CrashPoint } from "../../protocol/ports.ts";
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
}

export type ToServerChild = { type: "share"; id: number; session_id: string } | { type: "stop"; id: number };

export type FromServerChild =
  | { type: "ready"; url: string }
  | { type: "share"; id: number; share_id: string; secret: string }
  | { type: "stopped"; id: number }
  | { type: "error"; id: number; message: string };
