import type { RpcTransport } from "capnweb";
import type { Hono } from "hono";
import type { History } from "../history/history.ts";
import type { Incarnation, Scheduler } from "../kernel/scheduler.ts";
import type { Reachability } from "./reachability.ts";
import type { CoverageWatch } from "../coverage/coverage-watch.ts";
import type { FaultPlan } from "../faults/fault-plan.ts";
export type { HttpFate, WsFate } from "../faults/fates.ts";
import type { Observer } from "../observe/observer.ts";
import type { TransportName } from "../scenario/schema.ts";

export interface ServerEndpoint {
  incarnation: Incarnation;
  app: Hono;
  acceptSession(transport: RpcTransport): void;
}

/** What a network is given: the clock, the history, the fault sources it obeys, the eyes it reports to, and the server of the moment. */
export interface NetworkDeps {
  scheduler: Scheduler;
  history: History;
  reach: Reachability;
  /** Decides each connection's and request's fate, and counts the faults that take effect. */
  faults: FaultPlan;
  /** What crossed the wire, for the checkers' own eyes (sim/observe). */
  observer: Observer;
  coverage: CoverageWatch;
  transport: TransportName;
  /** One hop's latency, drawn from the network stream. */
  latency(): number;
  /** The server process that is up now, if any. */
  server(): ServerEndpoint | undefined;
}

/** A reply to a call that applied ops never reached its client: the ambiguous case, per transport. */
export function lostReplyAfterApply(deps: NetworkDeps, node: string): void {
  deps.coverage.reached(`reply_lost_after_apply/${deps.transport}`, node);
}
