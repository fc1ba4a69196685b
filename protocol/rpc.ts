import type { Op } from "./ops.ts";
import type { SessionView } from "./session-view.ts";

export type Scope = "write" | "read";

/** What `appendOps` returns. `cursor` is the share's, `last_seq` the calling producer's. */
export interface Ack {
  cursor: number;
  last_seq: number;
  applied: number;
  duplicates: number;
  rejected: number;
}

export interface CreatedShare {
  id: string;
  secret: string;
  url: string;
}

export interface ShareState {
  cursor: number;
  epoch: number;
  /** The calling producer's last applied seq; 0 when it has none or none was named. */
  last_seq: number;
}

/** What REST's `/redeem` answers for a write scope: the state, and a token bound to the producer and the epoch. */
export interface RestRedeemed extends ShareState {
  token?: string;
}

export interface Revoked {
  epoch: number;
  /** Present when the secret was rotated: the old one no longer redeems. */
  secret?: string;
}

export interface LogEntry {
  cursor: number;
  producer_id: string;
  seq: number;
  op: Op;
}

export interface ReadPage {
  entries: LogEntry[];
  cursor: number;
}

/** The capability `redeem(..., "write", producerID)` hands out, bound to one epoch and one producer. */
export interface WriterApi {
  /** Appends as the producer the capability was redeemed for; no other. */
  appendOps(ops: Op[]): Ack | Promise<Ack>;
  revoke(options?: { rotate_secret?: boolean }): Revoked | Promise<Revoked>;
}

/** The capability `redeem(..., "read")` hands out. */
export interface ReaderApi {
  read(fromCursor: number, limit: number): ReadPage | Promise<ReadPage>;
  session(): SessionView | Promise<SessionView>;
}

export interface RedeemResult<C> extends ShareState {
  capability: C;
}

/** The main capnweb interface the server exposes on /rpc. */
export interface ShareApi {
  createShare(sessionID: string): CreatedShare | Promise<CreatedShare>;
  redeem(shareID: string, secret: string, scope: "write", producerID: string): Promise<RedeemResult<WriterApi>> | RedeemResult<WriterApi>;
  redeem(shareID: string, secret: string, scope: "read", producerID?: string): Promise<RedeemResult<ReaderApi>> | RedeemResult<ReaderApi>;
  redeem(shareID: string, secret: string, scope: Scope, producerID?: string): Promise<RedeemResult<WriterApi | ReaderApi>> | RedeemResult<WriterApi | ReaderApi>;
}
