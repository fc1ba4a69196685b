import type { Op } from "../../protocol/ops.ts";
import type { Ack, ReadPage, Scope, ShareState, Snapshot, Subscribed, ViewerListener } from "../../protocol/rpc.ts";

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

/** What a viewer presents: the share, its secret, and its own id (for the server's logs, never for authority). */
export interface ViewerCredentials {
  share_id: string;
  secret: string;
  viewer_id: string;
}

/**
 * One live read session. As with writers, any failure ends it: the viewer
 * closes it and opens a new one. `subscribe` exists only where the server can
 * push (a WebSocket); elsewhere the viewer polls `read`.
 */
export interface ReadConnection {
  redeem(): Promise<ShareState>;
  snapshot(): Promise<Snapshot>;
  read(fromCursor: number, limit: number): Promise<ReadPage>;
  subscribe?(fromCursor: number, listener: ViewerListener): Promise<Subscribed>;
  close(): void;
}

export interface Transport {
  readonly name: TransportName;
  connect(credentials: Credentials): Promise<Connection>;
  follow(credentials: ViewerCredentials): Promise<ReadConnection>;
}
