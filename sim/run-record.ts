import type { ForbiddenProbeData } from "./adversary/attempts.ts";
import type { HistoryEvent } from "./history/history.ts";
import type { Op, OpBody } from "../protocol/ops.ts";
import type { SessionView } from "../protocol/session-view.ts";

// The run record: everything a world leaves behind for the checkers. A world,
// simulated or real, produces one; the checkers read only this, so the same
// checkers judge every world. Types, and the empty observation to start from.

export type Outcome = "drained" | "quiescent" | "stuck" | "liveness_deadline" | "time_limit" | "event_limit";

export interface CommittedOp {
  node: string;
  producer: string;
  share_index: number;
  seq: number;
  op_id: string;
  body: OpBody;
  t: number;
}

export interface ShareInfo {
  index: number;
  id: string;
  secret: string;
  /** Set when a revoke rotated the secret: its clients may stop with bad_secret. */
  secret_rotated_at: number | null;
}

/** What a viewer's SQLite holds, read as committed: its position, its local log in the order applied, and its view. */
export interface ViewerCommitted {
  viewer_id: string;
  cursor: number;
  epoch: number;
  joined: boolean;
  log: { n: number; cursor: number; producer_id: string; seq: number; op_id: string }[];
  view: SessionView | null;
}

export interface LogRow {
  cursor: number;
  producer_id: string;
  seq: number;
  epoch: number;
  op_id: string;
}

export interface FinalShare {
  index: number;
  id: string;
  cursor: number;
  epoch: number;
  log: LogRow[];
  producers: { producer_id: string; last_seq: number }[];
  view: SessionView;
}

export interface FinalClient {
  node: string;
  producer: string;
  share_index: number;
  scope: "write" | "read";
  secret: "valid" | "wrong";
  up: boolean;
  pending: Op[];
  acked_seq: number;
  cursor: number;
  stopped: { code: string; message: string } | null;
}

/** Where a viewer ended: what its SQLite committed, and how it stood in the world. */
export interface FinalViewer extends ViewerCommitted {
  node: string;
  share_index: number;
  secret: "valid" | "wrong";
  /** It opened the share at some point. */
  started: boolean;
  /** It closed the share on purpose. */
  left: boolean;
  up: boolean;
  stopped: { code: string; message: string } | null;
  /** The server's session at this viewer's cursor, materialized afresh from the server's log; null before it joined. */
  expected_view: SessionView | null;
}

export interface ForbiddenProbe extends ForbiddenProbeData {
  t: number;
}

export type WireTransport = "websocket" | "http-batch" | "rest";

/** What a client held when it sent a request: the secret it used, the scope it asked for, the epoch it had. */
export interface Credential {
  secret_ok: boolean | null;
  scope: string | null;
  /** The epoch the request acts under: the one the client sent (REST), or the share's when its session was redeemed (capnweb). */
  epoch: number | null;
  /** When that credential was obtained. */
  since: number;
}

/** Ops that reached the server, and the credential they travelled under. */
export interface Delivery {
  t: number;
  node: string;
  transport: WireTransport;
  op_ids: string[];
  credential: Credential | null;
}

export interface CommitRow {
  cursor: number;
  producer_id: string;
  seq: number;
  epoch: number;
  op_id: string;
}

/** A change in the server's committed state of one share, read from its SQLite after an event. */
export interface CommitObservation {
  t: number;
  share: string;
  /** `shares.cursor` before and after, as committed. */
  cursor_before: number;
  cursor_after: number;
  /** New rows in the share's log. */
  rows: CommitRow[];
  /** `shares.epoch` as committed at the same moment. */
  epoch: number;
}

/** A cursor the server told a client, read off the reply that reached it. */
export interface ToldCursor {
  t: number;
  node: string;
  cursor: number;
  last_seq: number;
}

/** A client's committed sync state, read from its outbox after something reached it. */
export interface ClientSample {
  t: number;
  node: string;
  acked_seq: number;
  cursor: number;
}

/** Log entries (or a snapshot) the server sent a viewer, judged at the moment it sent them. */
export interface Served {
  t: number;
  node: string;
  share: string;
  /** Cursors of the entries sent. */
  cursors: number[];
  /** The cursor of a snapshot sent, if one was. */
  snapshot: number | null;
  /** What the viewer held: the secret, scope and epoch of the redeem (or token) the server answered. */
  credential: Credential | null;
  /** The share's epoch as committed when the server sent them. */
  share_epoch: number;
}

/** A viewer's durable cursor, read from its SQLite after something reached it. */
export interface ViewerSample {
  t: number;
  node: string;
  cursor: number;
}

export interface EpochChange {
  t: number;
  share: string;
  epoch: number;
}

export interface Observed {
  deliveries: Delivery[];
  commits: CommitObservation[];
  told: ToldCursor[];
  samples: ClientSample[];
  epochs: EpochChange[];
  /** Error codes the server sent each client. */
  errors_told: Record<string, string[]>;
  /** What the adversary tried and what it got (sim/adversary). */
  forbidden: ForbiddenProbe[];
  /** What the server sent viewers. */
  served: Served[];
  viewer_samples: ViewerSample[];
}

export function emptyObserved(): Observed {
  return { deliveries: [], commits: [], told: [], samples: [], epochs: [], errors_told: {}, forbidden: [], served: [], viewer_samples: [] };
}

/** Everything the checkers look at once a run has ended. */
export interface RunRecord {
  outcome: Outcome;
  end_t: number;
  healed_at: number | null;
  history: readonly HistoryEvent[];
  committed: readonly CommittedOp[];
  shares: readonly FinalShare[];
  clients: readonly FinalClient[];
  /** Every viewer as it ended, its SQLite read as committed. */
  viewers: readonly FinalViewer[];
  /** Shares whose secret a revoke rotated, and when. */
  rotated: readonly { share_index: number; t: number }[];
  /** Every revoke the world's admin made: the only ones there may be. */
  revokes: readonly { share_index: number; t: number }[];
  /** What the world saw: the wire and the processes' SQLite files. The evidence. */
  observed: Observed;
}
