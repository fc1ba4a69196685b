import type { Op } from "../../protocol/ops.ts";
import type { Ack, Scope, ShareState } from "../../protocol/rpc.ts";

export type TransportName = "websocket" | "http-batch" | "rest";
export const TRANSPORT_NAMES: readonly TransportName[] = ["websocket", "http-batch", "rest"];

export interface Credentials {
  share_id: string;
  secret: string;
  producer_id: string;
  scope: Scope;
}

/**
 * One live session with the server. Any failure means the whole session is
 * dead: the replay loop closes it and opens a new one.
 */
export interface Connection {
  redeem(): Promise<ShareState>;
  append(ops: Op[]): Promise<Ack>;
  close(): void;
}

export interface Transport {
  readonly name: TransportName;
  connect(credentials: Credentials): Promise<Connection>;
}
