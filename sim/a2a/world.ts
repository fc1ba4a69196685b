import Database from "better-sqlite3";
import type { CoreParts } from "../../a2a-under-test/core/core-parts.ts";
import type { StreamItem, TaskView } from "../../a2a-under-test/protocol/model.ts";
import { eventKey } from "../../a2a-under-test/protocol/model.ts";
import type { A2AServer, SetupName } from "../../a2a-under-test/protocol/ports.ts";
import { History } from "../history/history.ts";
import { drawInt } from "../kernel/draw.ts";
import { RandomStreams } from "../kernel/prng.ts";
import { runMonitor } from "../kernel/run-monitor.ts";
import { Incarnation, Scheduler } from "../kernel/scheduler.ts";
import { settle } from "../kernel/settle.ts";
import { attachHttpHandler, SIM_ORIGIN } from "../network/msw-gateway.ts";
import type { Outcome } from "../run-record.ts";
import type { A2AConfig, Scenario } from "../scenario/schema.ts";
import { A2ADriver, ClientDisk, planMessages, type PlannedMessage } from "./driver.ts";
import { A2ANetwork } from "./network.ts";
import type { A2ARecord, FinalGet, SendAttempt, StreamSession } from "./record.ts";
import { installSdkGlobals } from "./sdk-globals.ts";
import { SETUP_FACTORIES } from "./setups.ts";

interface ServerProc {
  incarnation: Incarnation;
  server: A2AServer;
  db: Database.Database;
}

interface ClientProc {
  name: string;
  incarnation: Incarnation;
  disk: ClientDisk;
  messages: PlannedMessage[];
  close(): void;
}

/**
 * The A2A world: one agent server of the chosen setup and its clients, on
 * virtual time, over a network that drops, duplicates, delays and cuts, with
 * server and client processes that crash and restart. Same scenario, same
 * history. It leaves an A2A run record for the checkers (sim/a2a/record.ts).
 */
export class A2AWorld {
  readonly scenario: Scenario;
  readonly cfg: A2AConfig;
  readonly setup: SetupName;
  readonly scheduler = new Scheduler();
  readonly history: History;
  readonly streams: RandomStreams;
  readonly net: A2ANetwork;
  readonly faultCounts = new Map<string, number>();
  events = 0;
  #server: ServerProc | null = null;
  #serverImage: Buffer | null = null;
  #serverIncarnations = 0;
  readonly #clients: ClientProc[] = [];
  readonly #core: Partial<CoreParts>;
  readonly #record: Omit<A2ARecord, "end_t" | "store" | "running" | "setup" | "healed_at">;
  #sessions = 0;
  #healedAt: number | null = null;
  #heal!: () => void;
  readonly #healed: Promise<void>;
  #restoreGlobals: () => void = () => {};
  #detach: () => void = () => {};
  #progressAt = 0;
  /** The run has ended: late settlements in the clients change nothing. */
  #over = false;

  constructor(scenario: Scenario, core: Partial<CoreParts> = {}) {
    if (!scenario.a2a) throw new Error("not an A2A scenario");
    this.scenario = scenario;
    this.cfg = scenario.a2a;
    this.setup = scenario.a2a.setup;
    this.#core = core;
    const monitor = runMonitor();
    this.history = new History(monitor ? (line) => monitor.line(line) : undefined);
    this.streams = new RandomStreams(scenario.seed);
    this.#healed = new Promise((resolve) => (this.#heal = resolve));
    this.#record = { emitted: {}, sends: [], sessions: [], gets: [], recovered: [], server_crashes: [] };
    this.net = new A2ANetwork({
      scheduler: this.scheduler,
      history: this.history,
      random: this.streams.stream("network"),
      faults: scenario.faults,
      healed: () => this.#healedAt !== null,
      latency_ms: scenario.network.latency_ms,
      server: () => (this.#server?.incarnation.alive ? { incarnation: this.#server.incarnation, fetch: (r) => this.#server!.server.fetch(r), ...(this.#server.server.acceptWebSocket ? { acceptWebSocket: (t) => this.#server!.server.acceptWebSocket!(t) } : {}) } : null),
      client: (node) => this.#clients.find((c) => c.name === node)?.incarnation,
      reached: (condition, node) => this.#reached(condition, node),
    });
  }

  #count(kind: string): void {
    this.faultCounts.set(kind, (this.faultCounts.get(kind) ?? 0) + 1);
  }

  #reached(condition: string, node: string): void {
    this.history.record(this.scheduler.now, node, "coverage", { condition });
    if (condition === "a2a.stream_cut") this.#count("cut");
    if (condition === "a2a.reply_lost_after_handled") this.#count("drop_response");
    if (condition === "a2a.duplicate_delivered") this.#count("duplicate");
  }

  // --- processes -------------------------------------------------------------

  #startServer(): void {
    const incarnation = new Incarnation("server", ++this.#serverIncarnations);
    const db = this.#serverImage ? new Database(this.#serverImage) : new Database(":memory:");
    let ids = 0;
    const server = SETUP_FACTORIES[this.setup].server(
      {
        clock: this.scheduler.clockFor(incarnation),
        ids: { next: (prefix) => `${prefix}-${incarnation.number}.${++ids}` },
        db,
        step_ms: this.cfg.step_ms,
        agentEmitted: (task, key) => {
          if (!incarnation.alive) return;
          (this.#record.emitted[task] ??= []).push({ t: this.scheduler.now, key });
          this.history.record(this.scheduler.now, "server", "a2a_emitted", { task, key });
          this.#progressAt = this.scheduler.now;
        },
      },
      SIM_ORIGIN,
      this.#core,
    );
    this.#server = { incarnation, server, db };
    this.history.record(this.scheduler.now, "server", "restart", { incarnation: incarnation.number, cursors: {} });
  }

  #crashServer(restart_after_ms: number): void {
    const proc = this.#server;
    if (!proc?.incarnation.alive) return;
    if (proc.server.runningTasks().length > 0) this.#reached("a2a.server_crash_mid_task", "server");
    this.history.record(this.scheduler.now, "server", "crash", { cause: "random" });
    this.#count("crash");
    this.#record.server_crashes.push(this.scheduler.now);
    proc.incarnation.alive = false;
    proc.server.stop();
    this.net.serverDied();
    this.#serverImage = proc.db.serialize();
    proc.db.close();
    this.#server = null;
    this.scheduler.after(restart_after_ms, () => this.#startServer());
  }

  #startClient(index: number): void {
    const name = `client-${index + 1}`;
    let proc = this.#clients[index];
    if (!proc) {
      const messages = planMessages(name, this.scenario.clients[index]!.ops, this.cfg, this.streams.stream(`workload/${name}`));
      proc = { name, incarnation: new Incarnation(name, 0), disk: new ClientDisk(), messages, close: () => {} };
      this.#clients[index] = proc;
    }
    const incarnation = new Incarnation(name, proc.incarnation.number + 1);
    proc.incarnation = incarnation;
    const clock = this.scheduler.clockFor(incarnation);
    const client = SETUP_FACTORIES[this.setup].client({
      clock,
      baseUrl: SIM_ORIGIN,
      fetch: (input, init) => globalThis.fetch(input, init),
      headers: { "x-a2a-node": name },
      openWebSocket: () => this.net.openWebSocket(name, incarnation),
      deadline_ms: this.scenario.client.deadline_ms,
    });
    proc.close = () => client.close();
    this.history.record(this.scheduler.now, name, "restart", { messages_done: proc.disk.next, messages: proc.messages.length });
    const driver = new A2ADriver({
      node: name,
      incarnation: incarnation.number,
      clock,
      random: this.streams.stream(`client/${name}/${incarnation.number}`),
      cfg: this.cfg,
      messages: proc.messages,
      disk: proc.disk,
      client,
      healed: this.#healed,
      record: this.#recorder(name),
    });
    void driver.run().catch((error) => {
      if (!incarnation.alive) return;
      this.history.record(this.scheduler.now, name, "uncaught_exception", { message: String((error as Error)?.message ?? error) });
    });
  }

  #crashClient(index: number, restart_after_ms: number): void {
    const proc = this.#clients[index];
    if (!proc?.incarnation.alive || proc.disk.finished) return;
    this.history.record(this.scheduler.now, proc.name, "crash", { cause: "random" });
    this.#count("crash");
    this.#reached("a2a.client_crash", proc.name);
    proc.incarnation.alive = false;
    for (const s of this.#record.sessions) if (s.node === proc.name && s.ended === "open") s.ended = "crashed";
    this.net.clientDied(proc.name);
    this.scheduler.after(restart_after_ms, () => this.#startClient(index));
  }

  /** What a client's workload reports; nothing once the run is over (a reply may still settle while the world is judged). */
  #recorder(node: string) {
    const now = () => this.scheduler.now;
    const recorder = {
      send: (attempt: SendAttempt) => {
        this.#record.sends.push(attempt);
        this.history.record(now(), node, "a2a_send", { message: attempt.messageId, to_task: attempt.to_task, retry: attempt.retry, to_terminal: attempt.to_terminal });
      },
      reply: (messageId: string, task: string | null, code: string | null) => {
        const attempt = [...this.#record.sends].reverse().find((s) => s.node === node && s.messageId === messageId);
        if (attempt) {
          attempt.named = task;
          attempt.code = code;
        }
        this.history.record(now(), node, "a2a_reply", { message: messageId, task, code });
      },
      open: (session: StreamSession) => {
        this.#record.sessions.push(session);
        const n = ++this.#sessions;
        this.history.record(now(), node, "a2a_stream_opened", { session: n, kind: session.kind, task: session.task, after_seq: session.after_seq });
        return n;
      },
      item: (n: number, item: StreamItem) => {
        const session = this.#record.sessions[n - 1]!;
        session.items.push({ t: now(), item });
        const task = item.kind === "snapshot" ? item.task.id : item.event.taskId;
        session.task ??= task;
        this.#progressAt = now();
        this.history.record(now(), node, "a2a_item", { session: n, task, item: item.kind === "snapshot" ? `snapshot:${item.task.state}` : eventKey(item.event), seq: item.seq });
      },
      ended: (n: number, ended: StreamSession["ended"]) => {
        const session = this.#record.sessions[n - 1]!;
        if (session.ended === "open") session.ended = ended;
        this.history.record(now(), node, "a2a_stream_ended", { session: n, ended });
      },
      get: (task: string, view: TaskView | null, code: string | null) => {
        const get: FinalGet = { t: now(), node, task, view, code };
        this.#record.gets.push(get);
        this.history.record(now(), node, "a2a_get", { task, state: view?.state ?? null, code });
      },
      cancel: (task: string, code: string | null) => this.history.record(now(), node, "a2a_cancel", { task, code }),
      reached: (condition: string) => this.#reached(condition, node),
    };
    return Object.fromEntries(Object.entries(recorder).map(([k, fn]) => [k, (...args: never[]) => (this.#over ? undefined : (fn as (...a: never[]) => unknown)(...args))])) as typeof recorder;
  }

  // --- faults ------------------------------------------------------------------

  /** Random crashes as a Poisson process per node, drawn from the faults stream; none after healing. */
  #scheduleCrashes(node: string, perMin: number, crash: (restart_after_ms: number) => void): void {
    if (perMin <= 0) return;
    const random = this.streams.stream(`faults/${node}`);
    const next = () => {
      const gap = Math.max(1, Math.round((-Math.log(1 - random.next()) / perMin) * 60_000));
      this.scheduler.after(gap, () => {
        if (this.#healedAt !== null) return;
        const [lo, hi] = this.scenario.faults.restart_after_ms;
        crash(drawInt(random, lo, hi));
        next();
      });
    };
    next();
  }

  #healNow(): void {
    if (this.#healedAt !== null) return;
    this.#healedAt = this.scheduler.now;
    this.history.record(this.scheduler.now, "world", "heal", {});
    this.#heal();
  }

  #workloadOver(): boolean {
    return this.#clients.every((c) => c.disk.next >= c.messages.length);
  }

  #drained(): boolean {
    return this.#healedAt !== null && this.#clients.every((c) => c.disk.finished) && this.net.inFlight === 0 && this.#server?.incarnation.alive === true;
  }

  // --- the run -------------------------------------------------------------------

  async run(): Promise<Outcome> {
    this.#restoreGlobals = installSdkGlobals(this.streams.stream("sdk-uuid"), () => this.scheduler.now);
    this.#detach = attachHttpHandler((request) => this.net.handle(request));
    this.history.record(0, "world", "a2a_start", { setup: this.setup, clients: this.scenario.clients.length });
    this.#startServer();
    this.scenario.clients.forEach((_, i) => this.#startClient(i));
    this.#scheduleCrashes("server", this.scenario.faults.server_crash_per_min, (after) => this.#crashServer(after));
    this.scenario.clients.forEach((c, i) => this.#scheduleCrashes(`client-${i + 1}`, this.scenario.faults.client_crash_per_min, (after) => this.#crashClient(i, after)));
    await settle();
    const monitor = runMonitor();
    const { sim_time_ms_max } = this.scenario.limits;
    const events_max = this.scenario.limits.events_max ?? 200_000 + 20_000 * this.scenario.clients.reduce((n, c) => n + c.ops, 0);
    for (;;) {
      if (this.#healedAt === null && this.#workloadOver()) {
        this.#healNow();
        // Everything crashed comes back once healed; what healing woke up runs before the next event.
        if (!this.#server) this.#startServer();
        this.#clients.forEach((c, i) => !c.incarnation.alive && this.#startClient(i));
        await settle();
      }
      if (this.#drained()) return "drained";
      const event = this.scheduler.queue.pop();
      if (!event) return "quiescent";
      if (this.#healedAt !== null && event.time > this.#healedAt + this.scenario.liveness.deadline_ms) {
        this.scheduler.advanceTo(this.#healedAt + this.scenario.liveness.deadline_ms);
        return "liveness_deadline";
      }
      if (this.#healedAt === null && event.time > Math.max(this.#progressAt, 0) + 600_000) {
        // Nothing moved for ten virtual minutes during the workload: heal, and let liveness judge.
        this.#healNow();
      }
      if (event.time > sim_time_ms_max) return "time_limit";
      if (++this.events > events_max) return "event_limit";
      this.scheduler.advanceTo(event.time);
      monitor?.progress(event.time, this.events);
      event.run();
      await settle();
    }
  }

  /** The record for the checkers: what the world saw, and the store as it is now. */
  async record(): Promise<A2ARecord> {
    this.#over = true;
    const store = this.#server?.incarnation.alive ? await this.#server.server.storedTasks() : [];
    return {
      ...this.#record,
      setup: this.setup,
      end_t: this.scheduler.now,
      healed_at: this.#healedAt,
      store,
      running: this.#server?.incarnation.alive ? this.#server.server.runningTasks() : [],
    };
  }

  dispose(): void {
    this.net.end();
    for (const c of this.#clients) {
      c.incarnation.alive = false;
      try {
        c.close();
      } catch {
        // retiring
      }
    }
    if (this.#server) {
      this.#server.incarnation.alive = false;
      this.#server.server.stop();
      this.#server.db.close();
    }
    this.#detach();
    this.#restoreGlobals();
  }
}
