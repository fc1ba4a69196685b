import type { RpcTransport } from "capnweb";
import type { Hono } from "hono";
import type { History } from "../history/history.ts";
import type { Incarnation, Scheduler } from "../kernel/scheduler.ts";
import type { Reachability } from "./reachability.ts";
import type { CoverageCondition } from "../coverage/conditions.ts";

/** What a client's WebSocket connection is fated to suffer, decided when it opens. */
export interface WsFate {
  refuse: boolean;
  cut?: { direction: "to_server" | "to_client"; after_frames: number };
  stall?: { direction: "to_server" | "to_client"; after_frames: number };
}

/** What one HTTP request is fated to suffer. */
export interface HttpFate {
  drop_request: boolean;
  drop_response: boolean;
  /** Deliver a second copy this long after the first. */
  duplicate_after_ms: number | null;
  extra_delay_ms: number;
  /** Skip FIFO ordering so later requests may overtake this one. */
  reorder: boolean;
}

export interface ServerEndpoint {
  incarnation: Incarnation;
  app: Hono;
  acceptSession(transport: RpcTransport): void;
}

/** The world as the network sees it. */
export interface NetworkHost {
  scheduler: Scheduler;
  history: History;
  reach: Reachability;
  latency(): number;
  server(): ServerEndpoint | undefined;
  wsFate(client: string, connection: number): WsFate;
  httpFate(client: string, request: number): HttpFate;
  countFault(kind: string): void;
  /** A coverage condition reached (sim/coverage). */
  reached(condition: CoverageCondition, node: string): void;
  /** A reply to a call that applied ops never reached its client. */
  lostReplyAfterApply(node: string): void;
  /** What crossed the wire, for the checkers' own eyes (sim/observe). */
  wire: {
    toServer(node: string, payload: string, meta?: { path?: string; link?: number; auth?: string }): void;
    /** What the server sent toward a node, the moment it sent it (before the network had its way with it). */
    fromServer(node: string, payload: string, meta?: { link?: number }): void;
    toClient(node: string, payload: string): void;
  };
  /** A fault cut a node's connection or lost one of its requests or replies. */
  disrupted(node: string): void;
}
