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

/** What REST's `/redeem` answers: the state, and a token bound to the epoch (and, for writing, to the producer). */
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

/** The materialized session and the cursor it stands at, read in one go: where a late joiner starts. */
export interface Snapshot {
  cursor: number;
  view: SessionView;
}

/** What `subscribe` answers: the share's cursor and the epoch the subscription lives in. */
export interface Subscribed {
  cursor: number;
  epoch: number;
}

/** Why the server ended a subscription: a revoke (`stale_epoch`), or the share is gone. */
export interface SubscriptionEnd {
  code: string;
  message: string;
}

/**
 * The viewer's own `RpcTarget`, passed to `subscribe`. The server calls
 * `entries` with log entries in cursor order, at most a bounded number of calls
 * outstanding; it waits for each to return before it counts it done.
 */
export interface ViewerListener {
  entries(entries: LogEntry[]): void | Promise<void>;
  ended(reason: SubscriptionEnd): void | Promise<void>;
}

/** The capability `redeem(..., "read")` hands out. */
export interface ReaderApi {
  read(fromCursor: number, limit: number): ReadPage | Promise<ReadPage>;
  session(): SessionView | Promise<SessionView>;
  snapshot(): Snapshot | Promise<Snapshot>;
  /** Push: every entry after `fromCursor`, then each new one as it is applied, until the session or the epoch ends. */
  subscribe(fromCursor: number, listener: ViewerListener): Subscribed | Promise<Subscribed>;
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
