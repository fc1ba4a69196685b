import { httpBatchTransport } from "../client-under-test/transports/http-batch.ts";
import { restTransport } from "../client-under-test/transports/rest.ts";
import type { Transport } from "../client-under-test/transports/transport.ts";
import { websocketTransport } from "../client-under-test/transports/websocket.ts";
import { DEFAULT_LIMITS, opBodyBytesMax, type Limits } from "../protocol/limits.ts";
import type { Op, OpBody } from "../protocol/ops.ts";
import type { CrashPoint, CrashPoints, Probe, ProbeEvent } from "../protocol/ports.ts";
import { FaultPlan } from "./faults/fault-plan.ts";
import { FaultScheduler } from "./faults/fault-scheduler.ts";
import { History } from "./history/history.ts";
import { CrashSignal } from "./kernel/crash-signal.ts";
import { drawChance, drawInt } from "./kernel/draw.ts";
import { RandomStreams } from "./kernel/prng.ts";
import { runMonitor } from "./kernel/run-monitor.ts";
import { Incarnation, Scheduler } from "./kernel/scheduler.ts";
import { settle } from "./kernel/settle.ts";
import { prepared } from "./kernel/statement-cache.ts";
import type { HttpFate, NetworkHost, ServerEndpoint, WsFate } from "./network/host.ts";
import { HttpNetwork } from "./network/http-network.ts";
import { attachHttpHandler, SIM_ORIGIN } from "./network/msw-gateway.ts";
import { Reachability } from "./network/reachability.ts";
import { WsNetwork } from "./network/ws-network.ts";
import type { Parts } from "../mutants/mutant.ts";
import { ClientNode } from "./nodes/client-node.ts";
import type { NodeHost } from "./nodes/node-host.ts";
import { ServerNode } from "./nodes/server-node.ts";
import { ViewerNode } from "./nodes/viewer-node.ts";
import type { Scenario } from "./scenario/schema.ts";
import { eventsMax } from "./run-limits.ts";
import { agentSession, scriptSteps } from "./workload/agent-session.ts";
import { WorkloadDriver, type EnqueueOutcome } from "./workload/driver.ts";
import { Observer } from "./observe/observer.ts";
import { Adversary } from "./adversary/adversary.ts";
import type { CoverageCondition } from "./coverage/conditions.ts";
import { CoverageWatch } from "./coverage/coverage-watch.ts";

/** What replaces the reference components in this world: a mutant's or a variant's parts. */
export type WorldParts = Parts;

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

/**
 * One simulated world: a real share server and real clients on virtual time,
 * a network that misbehaves on purpose, and a history of everything.
 */
export class World implements NetworkHost, NodeHost {
  readonly scenario: Scenario;
  readonly scheduler = new Scheduler();
  readonly #monitor = runMonitor();
  readonly history = new History(this.#monitor ? (line) => this.#monitor!.line(line) : undefined);
  readonly reach: Reachability;
  readonly streams: RandomStreams;
  readonly limits: Limits = DEFAULT_LIMITS;
  readonly faults: FaultPlan;
  readonly serverNode: ServerNode;
  readonly clients: ClientNode[] = [];
  /** People following shares live (DESIGN.md, "Viewers"). */
  readonly viewers: ViewerNode[] = [];
  readonly shares: ShareInfo[] = [];
  readonly committed: CommittedOp[] = [];
  /** The admin's revokes, as the world made them. */
  readonly revokes: { share_index: number; t: number }[] = [];
  readonly #ws: WsNetwork;
  readonly #http: HttpNetwork;
  readonly #drivers: WorkloadDriver[] = [];
  readonly coverage: CoverageWatch;
  readonly #faultScheduler: FaultScheduler;
  /** What the world saw with its own eyes: the evidence the checkers judge. */
  readonly observer: Observer;
  /** The world as an adversary: tries what no client may (sim/adversary). */
  readonly adversary: Adversary;
  #phase: "workload" | "liveness" = "workload";
  #healedAt: number | null = null;
  #events = 0;
  /** When an op was last applied or acked anywhere. */
  #progressAt = 0;

  constructor(scenario: Scenario, parts: WorldParts) {
    this.scenario = scenario;
    this.streams = new RandomStreams(scenario.seed);
    this.reach = new Reachability(this.scheduler, (kind, node) => this.history.record(this.scheduler.now, node, `${kind}_ended`, {}));
    this.faults = new FaultPlan(scenario.faults, scenario.timeline, this.streams);
    this.#ws = new WsNetwork(this);
    this.#http = new HttpNetwork(this, (id) => {
      const node = this.clients.find((c) => c.producerID === id) ?? this.viewers.find((v) => v.viewerID === id);
      return node?.incarnation ? { node: node.name, incarnation: node.incarnation } : undefined;
    });
    this.serverNode = new ServerNode(this, parts.server);
    this.coverage = new CoverageWatch(this.history, () => this.scheduler.now, this.limits.push_in_flight_max);
    this.adversary = new Adversary({
      now: () => this.scheduler.now,
      server: () => this.serverNode.endpoint(),
      serverDb: () => this.serverNode.liveDb,
      share: (index) => {
        const share = this.shares[index];
        return share ? { id: share.id, secret: share.secret, epoch: this.observer.epochOf(share.id) } : undefined;
      },
      otherShare: (id) => this.shares.find((s) => s && s.id !== id)?.id,
      createDecoy: () => this.serverNode.server.store.createShare("adversary-decoy").id,
    });
    this.observer = new Observer({
      now: () => this.scheduler.now,
      bodyBytesMax: opBodyBytesMax(this.limits),
      reached: (condition, node) => this.reached(condition, node),
      serverDb: () => this.serverNode.liveDb,
      clientDb: (node) => this.clients.find((c) => c.name === node)?.liveDb,
      shareIds: () => this.shares.filter(Boolean).map((s) => s.id),
      shareOf: (node) => {
        const client = this.clients.find((c) => c.name === node) ?? this.viewers.find((v) => v.name === node);
        const share = client ? this.shares[client.binding.share_index] : undefined;
        return share ? { id: share.id, secret: share.secret } : undefined;
      },
      viewerDb: (node) => this.viewers.find((v) => v.name === node)?.liveDb,
      isViewer: (node) => node.startsWith("viewer-"),
    });
    this.#faultScheduler = new FaultScheduler({
      scenario,
      scheduler: this.scheduler,
      history: this.history,
      reach: this.reach,
      faults: this.faults,
      coverage: this.coverage,
      adversary: this.adversary,
      clientNames: () => this.clients.map((c) => c.name),
      viewerNames: () => this.viewers.map((v) => v.name),
      isUp: (node) => this.#node(node).up,
      viewerActive: (node) => {
        const viewer = this.viewers.find((v) => v.name === node);
        return viewer !== undefined && viewer.started && !viewer.left;
      },
      crash: (node, cause, point, restart_after_ms) => this.crash(node, cause, point, restart_after_ms),
      revoke: (share, rotate) => this.revoke(share, rotate),
      countFault: (kind) => this.countFault(kind),
      forbidden: (probe) => {
        this.observer.observed.forbidden.push(probe);
        const { t: _t, ...data } = probe;
        this.history.record(this.scheduler.now, "adversary", "forbidden_probe", data);
        if (probe.outcome === "refused" && probe.code !== null && !probe.state_changed) {
          this.coverage.reached("forbidden_refused", "adversary");
          if (probe.attempt === "reader_append" || probe.attempt === "reader_revoke") this.coverage.reached("reader_write_refused", "adversary");
        }
      },
    });
    this.scheduler.onUncaught = (owner, error) => {
      if (error instanceof CrashSignal) return;
      this.history.record(this.scheduler.now, owner.node, "uncaught_exception", { message: String((error as Error)?.message ?? error) });
      this.crash(owner.node, "uncaught exception", null);
    };
    this.#parts = parts;
  }

  readonly #parts: WorldParts;

  get phase(): "workload" | "liveness" {
    return this.#phase;
  }

  get healedAt(): number | null {
    return this.#healedAt;
  }

  get events(): number {
    return this.#events;
  }

  // --- NetworkHost -------------------------------------------------------

  latency(): number {
    return drawInt(this.streams.stream("network"), ...this.scenario.network.latency_ms);
  }

  server(): ServerEndpoint | undefined {
    return this.serverNode.endpoint();
  }

  wsFate(client: string, connection: number): WsFate {
    return this.faults.wsFate(client, connection);
  }

  httpFate(client: string, request: number): HttpFate {
    return this.faults.httpFate(client, request);
  }

  countFault(kind: string): void {
    this.faults.count(kind);
  }

  reached(condition: CoverageCondition, node: string): void {
    this.coverage.reached(condition, node);
  }

  lostReplyAfterApply(node: string): void {
    this.coverage.reached(`reply_lost_after_apply/${this.scenario.transport}`, node);
  }

  readonly wire = {
    toServer: (node: string, payload: string, meta: { path?: string; link?: number; auth?: string } = {}) => this.observer.toServer(node, this.scenario.transport, payload, meta),
    fromServer: (node: string, payload: string, meta: { link?: number } = {}) => this.observer.fromServer(node, this.scenario.transport, payload, meta),
    toClient: (node: string, payload: string) => this.observer.toClient(node, payload),
  };

  /** A fault cut a node's connection or lost one of its requests or replies. */
  disrupted(node: string): void {
    this.observer.disrupted(node);
  }

  // --- NodeHost ----------------------------------------------------------

  crashPoints(node: string, incarnation: Incarnation): CrashPoints {
    return {
      reach: (point: CrashPoint) => {
        if (!incarnation.alive) throw new CrashSignal(node, point);
        if (!this.faults.crashAtPoint(node, point)) return;
        this.countFault("crash_point");
        this.coverage.reached(`crash_point/${point}`, node);
        if (point === "client.after_send_before_ack") {
          // The request must really be on the wire first; capnweb's batch client sends on setImmediate.
          this.scheduler.after(0, () => incarnation.alive && this.crash(node, point, point));
          return;
        }
        this.crash(node, point, point);
        throw new CrashSignal(node, point);
      },
    };
  }

  probe(node: string, incarnation: Incarnation): Probe {
    return {
      emit: (event: ProbeEvent) => {
        if (!incarnation.alive) return;
        const { type, ...data } = event;
        this.history.record(this.scheduler.now, node, type, data);
        if (event.type === "applied" || event.type === "marked_acked" || event.type === "viewer_applied") this.#progressAt = this.scheduler.now;
        this.coverage.probe(node, event);
        if (event.type === "call_sent") this.#faultScheduler.callSent(node);
        if (event.type === "applied") this.#onApplied(event.producer);
      },
    };
  }

  /** Loses the reply to an apply when the timeline says so: the ambiguous "applied, ack lost" case. */
  #onApplied(producer: string): void {
    const client = this.clients.find((c) => c.producerID === producer);
    if (!client || !this.faults.loseReplyAfterApply(client.name)) return;
    this.countFault("lose_reply");
    this.history.record(this.scheduler.now, client.name, "reply_lost", {});
    if (this.scenario.transport === "websocket") {
      this.lostReplyAfterApply(client.name);
      this.#ws.cut(client.name, "cut after apply");
    }
    else this.#http.loseReply(client.name);
  }

  /**
   * An op the agent handed over: enqueue returned it, or the process died
   * inside enqueue and the op is in what its outbox committed. Ground truth,
   * not the client's probe.
   */
  #onEnqueued(node: string, outcome: EnqueueOutcome): void {
    const client = this.clients.find((c) => c.name === node);
    if (!client) return;
    const record = (op: Op) => this.committed.push({ node, producer: client.producerID, share_index: client.binding.share_index, seq: op.seq, op_id: op.op_id, body: op.body, t: this.scheduler.now });
    if ("refused" in outcome) {
      if (outcome.refused === "too_large") this.reached("too_large_at_enqueue", node);
      return;
    }
    if ("op" in outcome) {
      record(outcome.op);
      if (outcome.op.seq > 1 && this.#onePending(client)) this.reached("outbox_drained_refilled", node);
      return;
    }
    const known = Math.max(0, ...this.committed.filter((c) => c.node === node).map((c) => c.seq));
    for (const op of client.inspect().pending) if (op.seq > known) record(op);
  }

  /** The client's outbox holds exactly one op beyond its acked seq, as committed. */
  #onePending(client: ClientNode): boolean {
    const db = client.liveDb;
    if (!db || db.inTransaction) return false;
    try {
      // At most two rows of the index, not a count: the outbox can hold thousands of pending ops.
      return prepared(db, `SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE seq > (SELECT acked_seq FROM sync_state WHERE id = 1) LIMIT 2)`).pluck().get() === 1;
    } catch {
      return false; // a seed design without the reference outbox
    }
  }

  // --- processes ---------------------------------------------------------

  #node(name: string): ServerNode | ClientNode | ViewerNode {
    if (name === "server") return this.serverNode;
    const client = this.clients.find((c) => c.name === name) ?? this.viewers.find((v) => v.name === name);
    if (!client) throw new Error(`no node ${name}`);
    return client;
  }

  /** Kills a process: its sessions, pending calls and timers are gone; its committed state stays. */
  crash(name: string, cause: string, point: CrashPoint | null, restart_after_ms?: number): void {
    const node = this.#node(name);
    if (!node.up) return;
    // A host that dies silently sends no reset: its peers hear nothing until their deadlines.
    const silent = node instanceof ServerNode && !this.faults.healed && drawChance(this.faults.stream("crash_silent"), this.scenario.faults.crash_silent);
    this.history.record(this.scheduler.now, name, "crash", silent ? { cause, silent } : { cause });
    if (silent) {
      this.countFault("crash_silent");
      this.#http.blackhole(node.endpoint()!.incarnation);
    }
    this.#ws.dropNode(name, silent);
    this.coverage.crashed(name, silent);
    if (name === "server") this.adversary.serverDown();
    node.crash();
    const delay = this.#phase === "liveness" ? 0 : (restart_after_ms ?? this.faults.restartDelayFor(name, point));
    this.scheduler.after(delay, () => this.restart(name));
  }

  restart(name: string): void {
    const node = this.#node(name);
    if (node.up) return;
    // A viewer that closed the page while down stays closed.
    if (node instanceof ViewerNode && node.left) return;
    node.start();
    this.history.record(this.scheduler.now, name, "restart", this.#restartFacts(node));
    if (node instanceof ServerNode) this.#faultScheduler.serverRestarted();
    if (node instanceof ViewerNode) this.observer.restarted(name);
    if (node instanceof ClientNode) {
      this.observer.sampleClient(name);
      if (node.inspect().pending.length > 0) this.reached("restart_with_pending", name);
      node.resume();
    }
  }

  #restartFacts(node: ServerNode | ClientNode | ViewerNode): Record<string, unknown> {
    if (node instanceof ViewerNode) {
      const state = node.viewer.status().view;
      return { cursor: state.cursor, joined: state.joined };
    }
    if (node instanceof ServerNode) {
      const store = node.server.store;
      return { incarnation: node.incarnations, cursors: Object.fromEntries(this.shares.filter(Boolean).map((s) => [s.id, store.parts.cursors.get(s.id)])) };
    }
    const status = node.client.status();
    return { acked_seq: status.sync.acked_seq, pending: status.pending, cursor: status.sync.cursor };
  }

  // --- setup -------------------------------------------------------------

  #transportFor(node: string, incarnation: Incarnation): Transport {
    switch (this.scenario.transport) {
      case "websocket":
        return websocketTransport(this.#ws.opener(node, incarnation));
      case "http-batch":
        return httpBatchTransport(SIM_ORIGIN);
      case "rest":
        return restTransport(SIM_ORIGIN);
    }
  }

  #setup(): void {
    const s = this.scenario;
    const server = this.serverNode;
    server.start();
    const shareOf = (i: number) => s.clients[i]!.share ?? i;
    for (const index of [...new Set(s.clients.map((_, i) => shareOf(i)))].sort((a, b) => a - b)) {
      const { id, secret } = server.server.store.createShare(`session-${index}`);
      this.shares[index] = { index, id, secret, secret_rotated_at: null };
    }
    this.history.record(0, "server", "start", { shares: this.shares.filter(Boolean).map((sh) => sh.id) });
    s.clients.forEach((spec, i) => {
      const share = this.shares[shareOf(i)]!;
      const name = `client-${i + 1}`;
      const node = new ClientNode(
        this,
        name,
        { share_index: share.index, share_id: share.id, secret: spec.secret === "valid" ? share.secret : `wrong-${share.secret}` },
        { ...s.client, scope: spec.scope },
        this.#parts.client,
        (n, inc) => this.#transportFor(n, inc),
        this.#parts.clientFactory,
      );
      this.clients.push(node);
      node.start();
      this.history.record(0, name, "start", { producer: node.producerID, share: share.id, scope: spec.scope, secret: spec.secret });
      const owner = s.clients.findIndex((_, j) => shareOf(j) === shareOf(i)) === i;
      const steps = spec.script
        ? scriptSteps(spec.script, s.workload.chunk_gap_ms)
        : agentSession(this.streams.stream(`workload/${name}`), {
            tag: `c${i + 1}`,
            ops: spec.ops,
            owns_session: owner,
            chunk_gap_ms: s.workload.chunk_gap_ms,
            think_ms: s.workload.think_ms,
            body_bytes_max: opBodyBytesMax(this.limits),
            ...(s.workload.mix ? { mix: s.workload.mix } : {}),
          });
      const driver = new WorkloadDriver(
        node,
        steps,
        this.scheduler,
        this.history,
        (n, outcome) => this.#onEnqueued(n, outcome),
        () => this.#maybeHeal(),
      );
      this.#drivers.push(driver);
    });
    for (const driver of this.#drivers) driver.start();
    s.viewers.forEach((spec, i) => this.#setupViewer(spec, i));
    this.#faultScheduler.start();
  }

  /** A viewer opens the share at `join_at_ms` and closes it at `leave_at_ms`, if ever. */
  #setupViewer(spec: Scenario["viewers"][number], i: number): void {
    const share = this.shares[spec.share]!;
    const name = `viewer-${i + 1}`;
    const node = new ViewerNode(
      this,
      name,
      { share_index: share.index, share_id: share.id, secret: spec.secret === "valid" ? share.secret : `wrong-${share.secret}` },
      { ...this.scenario.viewer, from: spec.from_cursor === "latest" ? "latest" : "start" },
      this.#parts.viewer ?? {},
      (n, inc) => this.#transportFor(n, inc),
    );
    this.viewers.push(node);
    this.scheduler.at(spec.join_at_ms, () => {
      // The share's secret now: a viewer given the link after a rotation gets the new one.
      node.binding.secret = spec.secret === "valid" ? share.secret : `wrong-${share.secret}`;
      node.start();
      this.history.record(this.scheduler.now, name, "start", { viewer: node.viewerID, share: share.id, from_cursor: spec.from_cursor, secret: spec.secret });
    });
    if (spec.leave_at_ms !== undefined) {
      this.scheduler.at(spec.leave_at_ms, () => {
        node.leave();
        this.history.record(this.scheduler.now, name, "leave", {});
      });
    }
  }

  /** The world's admin revokes a share, rotating its secret when asked. */
  revoke(index: number, rotate: boolean): void {
    const share = this.shares[index]!;
    const t = this.scheduler.now;
    if (!this.serverNode.up) {
      this.history.record(t, "admin", "revoke_skipped", { share: share.id, reason: "server down" });
      return;
    }
    this.coverage.revoking();
    const store = this.serverNode.server.store;
    const { epoch } = store.redeem(share.id, share.secret);
    const revoked = store.revoke({ share_id: share.id, epoch, scope: "write" }, rotate);
    this.revokes.push({ share_index: index, t });
    this.countFault("revoke");
    if (revoked.secret !== undefined) {
      share.secret = revoked.secret;
      share.secret_rotated_at = t;
    }
  }

  // --- phases ------------------------------------------------------------

  #maybeHeal(): void {
    if (!this.#drivers.every((d) => d.done)) return;
    // Heal once every timed action happened: timeline faults, and every viewer's join and leave.
    const viewersAt = this.scenario.viewers.map((v) => Math.max(v.join_at_ms, v.leave_at_ms ?? 0));
    this.scheduler.at(Math.max(this.#faultScheduler.lastActionAt(), ...viewersAt), () => this.#heal());
  }

  /** The liveness phase: every fault healed, every crashed node restarted. */
  #heal(): void {
    if (this.#phase === "liveness") return;
    this.#phase = "liveness";
    this.#healedAt = this.scheduler.now;
    this.faults.heal();
    this.reach.healAll();
    this.history.record(this.scheduler.now, "world", "heal", {});
    if (!this.serverNode.up) this.restart("server");
    for (const client of this.clients) if (!client.up) this.restart(client.name);
    for (const viewer of this.viewers) if (viewer.started && !viewer.up && !viewer.left) this.restart(viewer.name);
  }

  /**
   * True when every client has drained its outbox or stopped for good, and no
   * request or late copy is still on its way to change the server's state.
   */
  #settled(): boolean {
    if (this.#http.inFlight) return false;
    for (const client of this.clients) {
      if (!client.up) return false;
      const status = client.client.status();
      if (status.state !== "stopped" && status.pending > 0) return false;
    }
    // Every viewer still following has caught up with its share's log.
    for (const viewer of this.viewers) {
      if (viewer.left || !viewer.started) continue;
      if (!viewer.up || !this.serverNode.up) return false;
      const status = viewer.viewer.status();
      if (status.state === "stopped") continue;
      const share = this.shares[viewer.binding.share_index]!;
      if (!status.view.joined || status.view.cursor < this.serverNode.server.store.parts.cursors.get(share.id)) return false;
    }
    return true;
  }

  /**
   * After healing, a healthy client makes progress at least once per backoff
   * and deadline; this long without any means the world is stuck for good.
   */
  #stuckAfter(): number {
    const c = this.scenario.client;
    return Math.max(30_000, 3 * (c.backoff_max_ms + c.deadline_ms));
  }

  /** Runs to the end: drained, nothing left to happen, stuck, or a limit. Never hangs. */
  async run(): Promise<Outcome> {
    this.#detach = attachHttpHandler((request) => this.#http.handle(request));
    this.#setup();
    await settle();
    const sim_time_ms_max = this.scenario.limits.sim_time_ms_max;
    const events_max = eventsMax(this.scenario);
    for (;;) {
      if (this.#phase === "liveness" && this.#settled()) return "drained";
      const event = this.scheduler.queue.pop();
      if (!event) return "quiescent";
      if (this.#healedAt !== null) {
        const deadline = this.#healedAt + this.scenario.liveness.deadline_ms;
        const stuckAt = Math.max(this.#healedAt, this.#progressAt) + this.#stuckAfter();
        if (event.time > Math.min(deadline, stuckAt)) {
          this.scheduler.advanceTo(Math.min(deadline, stuckAt));
          return stuckAt < deadline ? "stuck" : "liveness_deadline";
        }
      }
      if (event.time > sim_time_ms_max) return "time_limit";
      if (++this.#events > events_max) return "event_limit";
      this.scheduler.advanceTo(event.time);
      this.#monitor?.progress(event.time, this.#events);
      event.run();
      await settle();
      this.observer.afterEvent();
    }
  }

  #detach: () => void = () => {};

  /**
   * Retires the world once judged: every process dies where it stands, then
   * fetches still in flight fail, so nothing of this run outlives it.
   */
  dispose(): void {
    this.serverNode.retire();
    for (const client of this.clients) client.retire();
    for (const viewer of this.viewers) viewer.retire();
    this.#http.end();
    this.#detach();
  }
}
