import type { TransportName } from "../../client-under-test/transports/transport.ts";
import type { ViewerSettings } from "../../client-under-test/viewer/settings.ts";
import type { CrashPoint } from "../../protocol/ports.ts";
import type { CrashAt } from "./crash-at.ts";

/** How the harness starts one incarnation of a real viewer process. */
export interface ViewerChildConfig {
  name: string;
  incarnation: number;
  seed: number;
  url: string;
  transport: TransportName;
  db_path: string;
  /** Bound on the first start; a restart finds its binding in its database. */
  share: { share_id: string; secret: string } | null;
  settings: ViewerSettings;
  crash_at: CrashAt | null;
  /** The scenario's crash_point rate, for this process's own points; null in the liveness phase. */
  crash_chance: { p: number; points: CrashPoint[] } | null;
  variant: string;
  mutant: string | null;
  options: Record<string, number | string | boolean>;
}

export type ToViewerChild = { type: "stop" };

export type FromViewerChild =
  | { type: "ready"; viewer_id: string }
  /** Its durable cursor moved (a hint: the evidence is its database). */
  | { type: "cursor"; cursor: number }
  | { type: "viewer_stopped"; code: string; message: string }
  | { type: "stopped" };
