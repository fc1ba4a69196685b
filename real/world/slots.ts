import type { FinalClient, FinalViewer, ShareInfo } from "../../sim/run-record.ts";
import type { ClientProcess } from "../processes/client-process.ts";
import type { ClientChildConfig } from "../processes/client-protocol.ts";
import type { ViewerProcess } from "../processes/viewer-process.ts";
import type { ViewerChildConfig } from "../processes/viewer-protocol.ts";
import type { FaultProxy } from "../proxy/fault-proxy.ts";

// What a real run holds about each client and viewer across its incarnations.

export interface ClientSlot {
  index: number;
  name: string;
  share: ShareInfo;
  config: ClientChildConfig;
  incarnation: number;
  process: ClientProcess | null;
  /** Between this client and the server: the network faults, and the wire record. */
  proxy: FaultProxy;
  producer: string;
  /** The step it said it was enqueuing, until it says the enqueue returned. */
  enqueuing: number | null;
  /** seq → op id and when, from its reports. */
  enqueued: Map<number, { op_id: string; t: number }>;
  workload_done: boolean;
  drained: boolean;
  stopped: FinalClient["stopped"];
  /** Set once the harness stops it for good: its exit is then no crash. */
  expecting_exit: boolean;
  starting: Promise<unknown> | null;
}

export interface ViewerSlot {
  index: number;
  name: string;
  share: ShareInfo;
  secret: "valid" | "wrong";
  config: ViewerChildConfig;
  proxy: FaultProxy;
  incarnation: number;
  process: ViewerProcess | null;
  starting: Promise<unknown> | null;
  viewer_id: string;
  cursor: number;
  started: boolean;
  left: boolean;
  /** Up when the run ended (read before the harness stops everyone). */
  up_at_end: boolean;
  stopped: FinalViewer["stopped"];
  expecting_exit: boolean;
}

