import type { TransportName } from "../../client-under-test/transports/transport.ts";
import type { ViewerSettings } from "../../client-under-test/viewer/settings.ts";
import type { ChildSeams } from "./child-config.ts";

/** How the harness starts one incarnation of a real viewer process. */
export interface ViewerChildConfig extends ChildSeams {
  name: string;
  incarnation: number;
  url: string;
  transport: TransportName;
  db_path: string;
  /** Bound on the first start; a restart finds its binding in its database. */
  share: { share_id: string; secret: string } | null;
  settings: ViewerSettings;
}

export type ToViewerChild = { type: "stop" };

export type FromViewerChild =
  | { type: "ready"; viewer_id: string }
  /** Its durable cursor moved (a hint: the evidence is its database). */
  | { type: "cursor"; cursor: number }
  | { type: "viewer_stopped"; code: string; message: string }
  | { type: "stopped" };
