import { httpBatchTransport } from "../../client-under-test/transports/http-batch.ts";
import { restTransport } from "../../client-under-test/transports/rest.ts";
import type { Transport } from "../../client-under-test/transports/transport.ts";
import { websocketTransport } from "../../client-under-test/transports/websocket.ts";
import type { Parts } from "../../mutants/mutant.ts";
import { opBodyBytesMax, type Limits } from "../../protocol/limits.ts";
import type { FaultScheduler } from "../faults/fault-scheduler.ts";
import type { History } from "../history/history.ts";
import type { RandomStreams } from "../kernel/prng.ts";
import type { Incarnation, Scheduler } from "../kernel/scheduler.ts";
import { SIM_ORIGIN } from "../network/msw-gateway.ts";
import type { WsNetwork } from "../network/ws-network.ts";
import { ClientNode } from "../nodes/client-node.ts";
import type { NodeStorage } from "../nodes/disk.ts";
import type { NodeHost } from "../nodes/node-host.ts";
import { ViewerNode } from "../nodes/viewer-node.ts";
import type { Scenario } from "../scenario/schema.ts";
import { agentSession, scriptSteps } from "../workload/agent-session.ts";
import { WorkloadDriver } from "../workload/driver.ts";
import type { CommittedLedger } from "./committed-ledger.ts";
import type { Roster } from "./roster.ts";

export interface SetupDeps {
  scenario: Scenario;
  scheduler: Scheduler;
  history: History;
  streams: RandomStreams;
  limits: Limits;
  parts: Parts;
  ports: NodeHost;
  /** How each client process keeps its outbox. */
  outboxStorage: NodeStorage;
  roster: Roster;
  ws: WsNetwork;
  ledger: CommittedLedger;
  faultScheduler: FaultScheduler;
  /** A client's workload ran out. */
  workloadDone(): void;
}

/** The transport a process incarnation is given, per the scenario. */
function transportFor(d: SetupDeps, node: string, incarnation: Incarnation): Transport {
  switch (d.scenario.transport) {
    case "websocket":
      return websocketTransport(d.ws.opener(node, incarnation));
    case "http-batch":
      return httpBatchTransport(SIM_ORIGIN);
    case "rest":
      return restTransport(SIM_ORIGIN);
  }
}

/**
 * Builds the world's processes at time 0: the server and its shares, each
 * client with its workload, each viewer at its join time; then puts the faults on the clock.
 * The workload drivers go into `drivers` before any starts: a driver that is
 * done at once must find its peers there.
 */
export function setUp(d: SetupDeps, drivers: WorkloadDriver[]): void {
  const s = d.scenario;
  const server = d.roster.server;
  server.start();
  const shareOf = (i: number) => s.clients[i]!.share ?? i;
  for (const index of [...new Set(s.clients.map((_, i) => shareOf(i)))].sort((a, b) => a - b)) {
    const { id, secret } = server.server.store.createShare(`session-${index}`);
    d.roster.shares[index] = { index, id, secret, secret_rotated_at: null };
  }
  d.history.record(0, "server", "start", { shares: d.roster.liveShares().map((sh) => sh.id) });
  s.clients.forEach((spec, i) => drivers.push(setUpClient(d, spec, i, shareOf(i), s.clients.findIndex((_, j) => shareOf(j) === shareOf(i)) === i)));
  for (const driver of drivers) driver.start();
  s.viewers.forEach((spec, i) => setUpViewer(d, spec, i));
  d.faultScheduler.start();
}

/** A client process bound to its share, started, with the agent that feeds it (not started yet). */
function setUpClient(d: SetupDeps, spec: Scenario["clients"][number], i: number, shareIndex: number, owner: boolean): WorkloadDriver {
  const s = d.scenario;
  const share = d.roster.shares[shareIndex]!;
  const name = `client-${i + 1}`;
  const node = new ClientNode(
    d.ports,
    name,
    { share_index: share.index, share_id: share.id, secret: spec.secret === "valid" ? share.secret : `wrong-${share.secret}` },
    { ...s.client, scope: spec.scope },
    d.parts.client,
    (n, inc) => transportFor(d, n, inc),
    d.parts.clientFactory,
    d.outboxStorage,
  );
  d.roster.clients.push(node);
  node.start();
  d.history.record(0, name, "start", { producer: node.producerID, share: share.id, scope: spec.scope, secret: spec.secret });
  const steps = spec.script
    ? scriptSteps(spec.script, s.workload.chunk_gap_ms)
    : agentSession(d.streams.stream(`workload/${name}`), {
        tag: `c${i + 1}`,
        ops: spec.ops,
        owns_session: owner,
        chunk_gap_ms: s.workload.chunk_gap_ms,
        think_ms: s.workload.think_ms,
        body_bytes_max: opBodyBytesMax(d.limits),
        ...(s.workload.mix ? { mix: s.workload.mix } : {}),
      });
  return new WorkloadDriver(node, steps, d.scheduler, d.history, (n, outcome) => d.ledger.enqueued(n, outcome), () => d.workloadDone());
}

/** A viewer opens the share at `join_at_ms` and closes it at `leave_at_ms`, if ever. */
function setUpViewer(d: SetupDeps, spec: Scenario["viewers"][number], i: number): void {
  const share = d.roster.shares[spec.share]!;
  const name = `viewer-${i + 1}`;
  const node = new ViewerNode(
    d.ports,
    name,
    { share_index: share.index, share_id: share.id, secret: spec.secret === "valid" ? share.secret : `wrong-${share.secret}` },
    { ...d.scenario.viewer, from: spec.from_cursor === "latest" ? "latest" : "start" },
    d.parts.viewer ?? {},
    (n, inc) => transportFor(d, n, inc),
    d.parts.viewerFactory,
  );
  d.roster.viewers.push(node);
  d.scheduler.at(spec.join_at_ms, () => {
    // The share's secret now: a viewer given the link after a rotation gets the new one.
    node.binding.secret = spec.secret === "valid" ? share.secret : `wrong-${share.secret}`;
    node.start();
    d.history.record(d.scheduler.now, name, "start", { viewer: node.viewerID, share: share.id, from_cursor: spec.from_cursor, secret: spec.secret });
  });
  if (spec.leave_at_ms !== undefined) {
    d.scheduler.at(spec.leave_at_ms, () => {
      node.leave();
      d.history.record(d.scheduler.now, name, "leave", {});
    });
  }
}
