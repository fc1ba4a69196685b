import type { Parts } from "../../mutants/mutant.ts";
import { DEFAULT_LIMITS, opBodyBytesMax, type Limits } from "../../protocol/limits.ts";
import { Adversary } from "../adversary/adversary.ts";
import { CoverageWatch } from "../coverage/coverage-watch.ts";
import { FaultPlan } from "../faults/fault-plan.ts";
import { FaultScheduler } from "../faults/fault-scheduler.ts";
import { loseReplyIfPlanned } from "../faults/reply-loss.ts";
import { History } from "../history/history.ts";
import { CrashSignal } from "../kernel/crash-signal.ts";
import { drawInt } from "../kernel/draw.ts";
import { RandomStreams } from "../kernel/prng.ts";
import { runMonitor } from "../kernel/run-monitor.ts";
import { Scheduler } from "../kernel/scheduler.ts";
import type { NetworkDeps } from "../network/host.ts";
import { HttpNetwork } from "../network/http-network.ts";
import { attachHttpHandler } from "../network/msw-gateway.ts";
import { Reachability } from "../network/reachability.ts";
import { WsNetwork } from "../network/ws-network.ts";
import { ServerNode } from "../nodes/server-node.ts";
import { Observer } from "../observe/observer.ts";
import type { Outcome } from "../run-record.ts";
import type { Scenario } from "../scenario/schema.ts";
import { DiskFullWindows } from "../faults/disk-full.ts";
import { CommittedLedger } from "./committed-ledger.ts";
import { storageFor } from "./storage.ts";
import { Lifecycle } from "./lifecycle.ts";
import { NodePorts } from "./node-ports.ts";
import { Roster } from "./roster.ts";
import { RunLoop } from "./run-loop.ts";
import { setUp } from "./setup.ts";

/** What replaces the reference components in this world: a mutant's or a variant's parts. */
export type WorldParts = Parts;

/**
 * One simulated world: a real share server and real clients on virtual time,
 * a network that misbehaves on purpose, and a history of everything. This
 * class only composes; each job lives in a module of its own.
 */
export class World {
  readonly scenario: Scenario;
  readonly scheduler = new Scheduler();
  readonly history: History;
  readonly streams: RandomStreams;
  readonly limits: Limits = DEFAULT_LIMITS;
  readonly faults: FaultPlan;
  readonly reach: Reachability;
  readonly roster: Roster;
  readonly coverage: CoverageWatch;
  /** What the world saw with its own eyes: the evidence the checkers judge. */
  readonly observer: Observer;
  /** The world as an adversary: tries what no client may (sim/adversary). */
  readonly adversary: Adversary;
  readonly ledger: CommittedLedger;
  readonly lifecycle: Lifecycle;
  readonly loop: RunLoop;
  readonly #ws: WsNetwork;
  readonly #http: HttpNetwork;
  #detach: () => void = () => {};

  constructor(scenario: Scenario, parts: WorldParts) {
    const monitor = runMonitor();
    const scheduler = this.scheduler;
    this.scenario = scenario;
    this.history = new History(monitor ? (line) => monitor.line(line) : undefined);
    this.streams = new RandomStreams(scenario.seed);
    this.reach = new Reachability(scheduler, (kind, node) => this.history.record(scheduler.now, node, `${kind}_ended`, {}));
    this.faults = new FaultPlan(scenario.faults, scenario.timeline, this.streams);
    this.coverage = new CoverageWatch(this.history, () => scheduler.now, this.limits.push_in_flight_max);
    const ports = new NodePorts({
      scheduler,
      history: this.history,
      streams: this.streams,
      limits: this.limits,
      faults: this.faults,
      coverage: this.coverage,
      crash: (node, cause, point, how) => this.lifecycle.crash(node, cause, point, undefined, how),
      progressed: (t) => this.loop.progressed(t),
      callSent: (node) => faultScheduler.callSent(node),
      applied: (producer) => {
        const client = this.roster.byProducer(producer);
        if (client) loseReplyIfPlanned({ faults: this.faults, history: this.history, scheduler, network, ws: this.#ws, http: this.#http }, client.name);
      },
    });
    const storage = storageFor(scenario, parts, this.faults.canLosePower(scenario.timeline));
    const roster = (this.roster = new Roster(new ServerNode(ports, parts.server, storage.server, parts.serverFactory)));
    this.observer = this.#observer(roster);
    this.adversary = this.#adversary(roster);
    const network: NetworkDeps = {
      scheduler,
      history: this.history,
      reach: this.reach,
      faults: this.faults,
      observer: this.observer,
      coverage: this.coverage,
      transport: scenario.transport,
      latency: () => drawInt(this.streams.stream("network"), ...scenario.network.latency_ms),
      server: () => roster.server.endpoint(),
    };
    this.#ws = new WsNetwork(network);
    this.#http = new HttpNetwork(network, (id) => roster.sender(id));
    const faultScheduler = new FaultScheduler({
      scenario,
      scheduler,
      history: this.history,
      reach: this.reach,
      faults: this.faults,
      coverage: this.coverage,
      adversary: this.adversary,
      observer: this.observer,
      clientNames: () => roster.clients.map((c) => c.name),
      viewerNames: () => roster.viewers.map((v) => v.name),
      isUp: (node) => roster.node(node).up,
      viewerActive: (node) => {
        const viewer = roster.viewer(node);
        return viewer !== undefined && viewer.started && !viewer.left;
      },
      crash: (node, cause, point, restart_after_ms) => this.lifecycle.crash(node, cause, point, restart_after_ms),
      powerLoss: (node, cause, torn, restart_after_ms) => this.lifecycle.powerLoss(node, cause, null, torn, restart_after_ms),
      diskFull: (node, duration_ms) => diskFull.open(node, duration_ms),
      revoke: (share, rotate) => this.lifecycle.revoke(share, rotate),
    });
    const diskFull = new DiskFullWindows(scheduler, this.history, (node, full) => {
      roster.node(node).setDiskFull(full);
      this.coverage.diskFull(node, full);
    });
    const common = { scheduler, history: this.history, faults: this.faults, roster, coverage: this.coverage, observer: this.observer };
    this.lifecycle = new Lifecycle({ ...common, adversary: this.adversary, ws: this.#ws, http: this.#http, faultScheduler });
    this.ledger = new CommittedLedger(roster, scheduler, this.coverage);
    this.loop = new RunLoop({
      ...common,
      scenario,
      monitor,
      http: this.#http,
      faultSources: [this.faults, this.reach, faultScheduler, diskFull],
      lastActionAt: () => faultScheduler.lastActionAt(),
      restart: (name) => this.lifecycle.restart(name),
      setUp: (drivers) =>
        setUp({ ...common, scenario, streams: this.streams, limits: this.limits, parts, ports, outboxStorage: storage.outbox, ws: this.#ws, ledger: this.ledger, faultScheduler, workloadDone: () => this.loop.workloadDone() }, drivers),
    });
    scheduler.onUncaught = (owner, error) => {
      if (error instanceof CrashSignal) return;
      this.history.record(scheduler.now, owner.node, "uncaught_exception", { message: String((error as Error)?.message ?? error) });
      this.lifecycle.crash(owner.node, "uncaught exception", null);
    };
  }

  /** The world's eyes read the live databases of its processes, and the shares they are bound to. */
  #observer(roster: Roster): Observer {
    return new Observer({
      now: () => this.scheduler.now,
      bodyBytesMax: opBodyBytesMax(this.limits),
      reached: (condition, node) => this.coverage.reached(condition, node),
      serverDb: () => roster.server.liveDb,
      clientDb: (node) => roster.client(node)?.liveDb,
      shareIds: () => roster.liveShares().map((s) => s.id),
      shareOf: (node) => {
        const share = roster.shareOf(node);
        return share ? { id: share.id, secret: share.secret } : undefined;
      },
      viewerDb: (node) => roster.viewer(node)?.liveDb,
      isViewer: (node) => node.startsWith("viewer-"),
    });
  }

  #adversary(roster: Roster): Adversary {
    return new Adversary({
      now: () => this.scheduler.now,
      server: () => roster.server.endpoint(),
      serverDb: () => roster.server.liveDb,
      share: (index) => {
        const share = roster.shares[index];
        return share ? { id: share.id, secret: share.secret, epoch: this.observer.epochOf(share.id) } : undefined;
      },
      otherShare: (id) => roster.shares.find((s) => s && s.id !== id)?.id,
      createDecoy: () => roster.server.server.store.createShare("adversary-decoy").id,
    });
  }

  /** Runs to the end: drained, nothing left to happen, stuck, or a limit. Never hangs. */
  async run(): Promise<Outcome> {
    this.#detach = attachHttpHandler((request) => this.#http.handle(request));
    return this.loop.run();
  }

  /** Retires the world once judged; nothing of this run outlives it. */
  dispose(): void {
    this.lifecycle.dispose();
    this.#detach();
  }
}
