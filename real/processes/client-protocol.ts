import type { TransportName } from "../../client-under-test/transports/transport.ts";
import type { ClientSettings } from "../../client-under-test/settings.ts";
import type { OpBody } from "../../protocol/ops.ts";
import type { ProbeEvent } from "../../protocol/ports.ts";
import type { Synchronous } from "../../sim/storage/db-files.ts";
import type { ChildSeams, WriterStorage } from "./child-config.ts";

/** How the harness starts one incarnation of a real client process. */
export interface ClientChildConfig extends ChildSeams, WriterStorage {
  /** Its node name in the scenario (client-1 ...), and which incarnation this is: they make its ids. */
  name: string;
  incarnation: number;
  /** Where it reaches the server: the fault proxy in front of it. */
  url: string;
  transport: TransportName;
  outbox_path: string;
  /** The share to bind on the first start; a restart finds its binding in the outbox. */
  share: { share_id: string; secret: string } | null;
  settings: ClientSettings;
  /** The whole workload, in seq order. A restart resumes after the last op its outbox committed. */
  steps: { body: OpBody; gap_ms: number }[];
  /** Indexes of steps an earlier incarnation died enqueuing, uncommitted: they take no seq (real/processes/workload-steps.ts). */
  dropped: number[];
}

export type ToClientChild = { type: "stop" } | { type: "disk_full"; full: boolean };

export type FromClientChild =
  | { type: "ready"; producer: string; resumed_at: number; synchronous: Synchronous }
  | { type: "enqueuing"; index: number }
  | { type: "enqueued"; seq: number; op_id: string }
  | { type: "enqueue_refused"; code: string }
  | { type: "probe"; event: ProbeEvent }
  | { type: "workload_done" }
  | { type: "drained" }
  | { type: "client_stopped"; code: string; message: string }
  | { type: "stopped" };
