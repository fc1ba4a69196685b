import type { History } from "../history/history.ts";
import type { Scheduler } from "../kernel/scheduler.ts";
import { lostReplyAfterApply, type NetworkDeps } from "../network/host.ts";
import type { HttpNetwork } from "../network/http-network.ts";
import type { WsNetwork } from "../network/ws-network.ts";
import type { FaultPlan } from "./fault-plan.ts";

export interface ReplyLossDeps {
  faults: FaultPlan;
  history: History;
  scheduler: Scheduler;
  network: NetworkDeps;
  ws: WsNetwork;
  http: HttpNetwork;
}

/**
 * The server just applied a client's batch: when the timeline says so, its
 * reply is lost — the ambiguous "applied, ack lost" case. Over WebSocket the
 * connection is cut now; over HTTP the response to the request being handled is dropped.
 */
export function loseReplyIfPlanned(deps: ReplyLossDeps, client: string): void {
  if (!deps.faults.loseReplyAfterApply(client)) return;
  deps.faults.count("lose_reply");
  deps.history.record(deps.scheduler.now, client, "reply_lost", {});
  if (deps.network.transport === "websocket") {
    lostReplyAfterApply(deps.network, client);
    deps.ws.cut(client, "cut after apply");
  } else deps.http.loseReply(client);
}
