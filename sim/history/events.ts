import type { OpKind } from "../../protocol/ops.ts";
import type { ProbeEvent } from "../../protocol/ports.ts";
import type { ForbiddenProbeData } from "../adversary/attempts.ts";
import type { CheckerName } from "../checker-names.ts";

// What a history may hold: each event type and the data recorded with it.
// Writers record through History.record, typed by this map; readers narrow on
// `type` and read `data` without casts. The shapes describe what the writers
// write today: the canonical line of an event is [t, node, type, data], and the
// trace hash depends on every byte of it, so a change here is a change to the
// history's format, not a refactor.
//
// Imports stay at the bottom of the house (protocol types, the checker names,
// the attempt names): the checkers read the history, and run-record.ts holds
// it, so nothing here may import either.

/** An event that carries nothing but its type, node and time. */
export type NoData = Record<string, never>;

/** The probe events of the code under test, by type, recorded without their `type` (world: `recordProbe`). */
export type ProbeEventMap = { [E in ProbeEvent as E["type"]]: Omit<E, "type"> };

export type Scope = "write" | "read";
export type SecretKind = "valid" | "wrong";
export type WsDirection = "to_server" | "to_client";

// --- processes: written by the world ------------------------------------

export interface ServerStart {
  /** Share ids, in share-index order: share i is drawn as "share i". */
  shares: string[];
}
export interface ClientStart {
  producer: string;
  share: string;
  scope: Scope;
  secret: SecretKind;
}
export interface ViewerStart {
  viewer: string;
  share: string;
  from_cursor: 0 | "latest";
  secret: SecretKind;
}
export interface CrashData {
  cause: string;
  /** Present (and true) only when the crash was silent: its host black-holes. */
  silent?: true;
  /** Present (and true) when the host lost power: its files keep only what was durable. */
  power_loss?: true;
}
/** What a power loss took: the commits SQLite had not made durable, and the ops in them. */
export interface PowerLossData {
  cause: string;
  synchronous: string;
  commits_kept: number;
  commits_lost: number;
  torn: boolean;
  /** Ops that were committed before and are gone now, as producer#seq (server) or seq (client outbox). */
  ops_lost: string[];
}
export interface ServerRestart {
  incarnation: number;
  /** Share id → the cursor the server came back with. */
  cursors: Record<string, number>;
}
export interface ClientRestart {
  acked_seq: number;
  pending: number;
  cursor: number;
}
/** An A2A client's restart: how far through its messages its durable memory says it got. */
export interface A2AClientRestart {
  messages_done: number;
  messages: number;
}
export interface ViewerRestart {
  cursor: number;
  joined: boolean;
}

// --- the network ----------------------------------------------------------

export interface WsFrameFate {
  direction: WsDirection;
  after_frames: number;
}
export interface WsOpen {
  link: number;
  connection: number;
  /** The link's fate, as drawn when it opened (sim/network/host.ts WsFate, spread). */
  refuse: boolean;
  cut?: WsFrameFate;
  stall?: WsFrameFate;
}
export interface WsSegment {
  link: number;
  direction: WsDirection;
  segment: number;
}
export interface WsArrival extends WsSegment {
  /** Each frame's capnweb message kind ("push", "pull", "release", … or "?"). */
  frames: string[];
}
export interface WsLoss extends WsArrival {
  reason: "closed" | "black-holed" | "receiver down";
}

export type HttpDropped = { request: number; leg: "request" } | { request: number; leg: "response"; status: number };

// --- the map ----------------------------------------------------------------

/** Every history event type and the data recorded with it. */
export interface HistoryEventMap extends ProbeEventMap {
  // processes (sim/world)
  start: ServerStart | ClientStart | ViewerStart;
  leave: NoData;
  crash: CrashData;
  restart: ServerRestart | ClientRestart | ViewerRestart | A2AClientRestart;
  uncaught_exception: { message: string };
  /** The admin's revoke found no server to revoke on (node "admin"). */
  revoke_skipped: { share: string; reason: string };
  /** Real mode, a server run as a black box (`--server-cmd`): a fault that needs the server's insides, not exercised (node: where it would have struck). */
  fault_skipped: { fault: string; reason: string };
  /** Faults end, the liveness phase begins (node "world"). */
  heal: NoData;

  // faults (sim/faults, sim/network/reachability via the world)
  /** On a client or viewer, or on "all". */
  partition: { duration_ms: number };
  stall: { duration_ms: number };
  partition_ended: NoData;
  stall_ended: NoData;
  /** A host lost power (after its `crash` event): what its files lost. */
  power_loss: PowerLossData;
  /** The node's database cannot grow for a while. */
  disk_full: { duration_ms: number };
  disk_full_ended: NoData;
  /** The reply to the client's next apply will be lost. */
  reply_lost: NoData;
  /** What one forbidden attempt of the adversary got (node "adversary"). */
  forbidden_probe: ForbiddenProbeData;

  // WebSocket links (sim/network/ws-network.ts); the node is the client's
  ws_open: WsOpen;
  ws_refused: { connection: number; server_up: boolean };
  ws_sent: WsSegment;
  ws_delivered: WsArrival;
  ws_lost: WsLoss;
  ws_stalled: { link: number; direction: WsDirection; after_frames: number };
  ws_blackholed: { link: number };
  ws_closed: { link: number; reason: string; close?: "fin" | "rst" };

  // HTTP requests (sim/network/http-network.ts), numbered per client
  http_sent: { request: number; method: string; path: string };
  http_dropped: HttpDropped;
  http_duplicate_delivered: { request: number };
  /** `status` null: no server took it. */
  http_handled: { request: number; status: number | null };
  /** `status` null: a network error. */
  http_received: { request: number; status: number | null };

  // the workload (sim/workload/driver.ts)
  enqueue_refused: { kind: OpKind; code: string; message: string };
  enqueue_interrupted: { kind: OpKind };

  // the A2A world (sim/a2a/); the node is the client's unless said
  /** Node "world": which setup runs. */
  a2a_start: { setup: string; clients: number };
  a2a_send: { message: string; to_task: string | null; retry: boolean; to_terminal: boolean };
  /** The reply to a send: the task it named, or the error code. */
  a2a_reply: { message: string; task: string | null; code: string | null };
  a2a_stream_opened: { session: number; kind: "send" | "subscribe"; task: string | null; after_seq: number | null };
  /** One item a stream delivered: an event's key, or `snapshot:<state>`. */
  a2a_item: { session: number; task: string; item: string; seq: number | null };
  a2a_stream_ended: { session: number; ended: string };
  /** Node "server": an event the server's task logic produced (the ground truth of the event log). */
  a2a_emitted: { task: string; key: string };
  a2a_get: { task: string; state: string | null; code: string | null };
  a2a_cancel: { task: string; code: string | null };
  /** A stream or connection cut by the network after `after_frames` frames (node: the client). */
  a2a_cut: { request: number; after_frames: number };

  // coverage and judgement
  /** A condition of sim/coverage/conditions.ts, or one named after a transport or crash point ("crash_point/…"). */
  coverage: { condition: string };
  /** Node "checker". */
  violation: { checker: CheckerName; anomaly: string; message: string };
  /** Node "checker": a finding the scenario's storage settings allow (sim/checkers/expected-loss.ts). */
  expected_loss: { checker: CheckerName; anomaly: string; message: string };
  /** Node "checker"; `outcome` is how the world ended (sim/run-record.ts Outcome). */
  verdict: { verdict: "pass" | "fail"; outcome: string };
}

export type HistoryEventType = keyof HistoryEventMap;

/** Any history event: narrowing on `type` narrows `data`. */
export type TypedHistoryEvent = { [K in HistoryEventType]: { t: number; node: string; type: K; data: HistoryEventMap[K] } }[HistoryEventType];

/** The event of type K (of each type in K, when K is a union). */
export type HistoryEventOf<K extends HistoryEventType> = Extract<TypedHistoryEvent, { type: K }>;

/** A filter that keeps the events of one type, typed: `history.filter(isEvent("crash"))`. */
export function isEvent<K extends HistoryEventType>(type: K): (e: TypedHistoryEvent) => e is HistoryEventOf<K> {
  return (e): e is HistoryEventOf<K> => e.type === type;
}
