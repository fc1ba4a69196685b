import Database from "better-sqlite3";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LIMITS, opBodyBytesMax } from "../../protocol/limits.ts";
import type { OpBody } from "../../protocol/ops.ts";
import { expectedLosses } from "../../sim/checkers/expected-loss.ts";
import { checkAll } from "../../sim/checkers/index.ts";
import type { Violation } from "../../sim/checker-names.ts";
import { History } from "../../sim/history/history.ts";
import { viewDigest } from "../../sim/view-digest.ts";
import { drawInt } from "../../sim/kernel/draw.ts";
import { RandomStreams } from "../../sim/kernel/prng.ts";
import { outboxAsCommitted } from "../../sim/nodes/client-node.ts";
import { emptyObserved, type CommittedOp, type FinalClient, type FinalViewer, type Outcome, type RunRecord, type ShareInfo } from "../../sim/run-record.ts";
import type { Scenario } from "../../sim/scenario/schema.ts";
import { agentSession, scriptSteps } from "../../sim/workload/agent-session.ts";
import { finalShares, serverViewFrom } from "../../sim/world/final-state.ts";
import { type ClientProcess, startClientProcess } from "../processes/client-process.ts";
import { type ViewerProcess, startViewerProcess } from "../processes/viewer-process.ts";
import type { FromViewerChild, ViewerChildConfig } from "../processes/viewer-protocol.ts";
import { viewerAsCommitted } from "../../sim/nodes/viewer-node.ts";
import type { ClientChildConfig, FromClientChild } from "../processes/client-protocol.ts";
import type { CrashAt } from "../processes/crash-at.ts";
import { type ServerProcess, startServerProcess } from "../processes/server-process.ts";
import { type FaultProxy, startFaultProxy } from "../proxy/fault-proxy.ts";
import { jsonValues, scanWire } from "../../sim/observe/wire-parse.ts";
import { proxyRulesFor } from "./proxy-rules.ts";
import { seqBodies } from "../processes/workload-steps.ts";
import { CrashPlan } from "./crash-plan.ts";
import { NotRealError, unsupported } from "./unsupported.ts";

// A scenario run for real: the server and every client as child processes on
// their own SQLite files, over real TCP on loopback, crashes as SIGKILL and
// restarts on the same files. What the checkers get is read from copies of
// those files at the end; the clients' reports over IPC are hints, except
// which op id each committed seq got (its outbox keeps that only until the ack).

export interface RealRunOptions {
  /** Wall budget of the whole run (default 60 s): past it, the liveness phase ends and the checkers judge what is there. */
  wall_ms?: number;
  /** Scenario times (timeline at_ms, restart delays) are multiplied by this (default 0.1: a 30 s scenario takes 3 s). */
  time_scale?: number;
  /** Longest wait between two ops of a workload, in ms (default 20): an agent's think time would make a real run minutes long. */
  gap_max_ms?: number;
  /** Keep the run's files here instead of a temporary folder that is removed. */
  dir?: string;
  /** A child's stderr lines (default: dropped). */
  stderr?: (node: string, line: string) => void;
}

export interface RealRunResult {
  mode: "real";
  seed: number;
  transport: Scenario["transport"];
  verdict: "pass" | "fail";
  violations: Violation[];
  expected?: Violation[];
  outcome: Outcome;
  stats: { ops: number; applied: number; crashes: number; restarts: number; wall_ms: number; faults_by_kind: Record<string, number> };
  final: { clients: { node: string; producer: string; pending: number; acked_seq: number; stopped: FinalClient["stopped"] }[]; shares: { index: number; id: string; cursor: number; view_digest: string }[] };
  history: RunRecord["history"];
}

const WALL_MS_DEFAULT = 60_000;
/** Scenario time over which random crashes are drawn (the workload is over long before, in real time). */
const RANDOM_SPAN_MS = 120_000;

interface ClientSlot {
  index: number;
  name: string;
  share: ShareInfo;
  config: ClientChildConfig;
  incarnation: number;
  process: ClientProcess | null;
  /** Between this client and the server: the network faults, and the wire record. */
  proxy: FaultProxy;
  producer: string;
  /** seq → op id and when, from its reports. */
  enqueued: Map<number, { op_id: string; t: number }>;
  workload_done: boolean;
  drained: boolean;
  stopped: FinalClient["stopped"];
  /** Set once the harness stops it for good: its exit is then no crash. */
  expecting_exit: boolean;
  starting: Promise<unknown> | null;
}

interface ViewerSlot {
  index: number;
  name: string;
  share: ShareInfo;
  secret: "valid" | "wrong";
  config: ViewerChildConfig;
  proxy: FaultProxy;
  incarnation: number;
  process: ViewerProcess | null;
  starting: Promise<unknown> | null;
  viewer_id: string;
  cursor: number;
  started: boolean;
  left: boolean;
  /** Up when the run ended (read before the harness stops everyone). */
  up_at_end: boolean;
  stopped: FinalViewer["stopped"];
  expecting_exit: boolean;
}

export async function runReal(scenario: Scenario, options: RealRunOptions = {}): Promise<RealRunResult> {
  const reasons = unsupported(scenario);
  if (reasons.length > 0) throw new NotRealError(`this scenario cannot run for real yet:\n  ${reasons.join("\n  ")}`);
  const wall_ms = options.wall_ms ?? WALL_MS_DEFAULT;
  const scale = options.time_scale ?? 0.1;
  const gapMax = options.gap_max_ms ?? 20;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "replaysim-real-"));
  mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const now = () => Math.round(performance.now() - started);
  const history = new History();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  let crashes = 0;
  let restarts = 0;
  let healed_at: number | null = null;
  let server: ServerProcess | null = null;
  const slots: ClientSlot[] = [];
  const viewers: ViewerSlot[] = [];
  /** The kill of every process this run started (a kill of one that exited does nothing). */
  const started_kills: (() => void)[] = [];
  const proxies: FaultProxy[] = [];
  const plans = new Map<string, CrashPlan>();
  const planOf = (node: string) => plans.get(node) ?? plans.set(node, new CrashPlan(scenario, node)).get(node)!;
  /** Where this node's next incarnation dies, if anywhere (its crash_at entries, one per incarnation). */
  const crashAtFor = (node: string): CrashAt | null => planOf(node).arm();
  /** Nodes the harness is SIGKILLing itself (a timed or random crash): their death is no crash point. */
  const harnessKills = new Set<string>();
  const harnessKill = (node: string, kill: (() => void) | undefined) => {
    if (!kill) return;
    harnessKills.add(node);
    kill();
  };
  /** Why a node's process ended: its own crash point (its plan moves on), the harness's SIGKILL, or something else. */
  const causeOf = (node: string, signal: NodeJS.Signals | null): string => {
    if (signal !== "SIGKILL") return `exit (${signal ?? "code"})`;
    if (harnessKills.delete(node)) return "harness";
    planOf(node).fired();
    return "crash_point";
  };
  const restartStream = new RandomStreams(scenario.seed).stream("real/restart");
  const restartAfterFor = (node: string): number => {
    const a = scenario.timeline.find((x) => (x.action === "crash_at" || x.action === "crash") && x.node === node);
    return Math.round((a && "restart_after_ms" in a ? a.restart_after_ms : drawInt(restartStream, ...scenario.faults.restart_after_ms)) * scale);
  };
  /** The crash_point rate at this kind of process's own points, while faults last. */
  const chanceFor = (kind: "server" | "client" | "viewer") => {
    const points = scenario.faults.crash_points.filter((p) => p.startsWith(`${kind}.`));
    return healed_at === null && scenario.faults.crash_point > 0 && points.length > 0 ? { p: scenario.faults.crash_point, points } : null;
  };
  const stderr = (node: string) => (options.stderr ? { stderr: (line: string) => options.stderr!(node, line) } : {});
  const serverDb = join(dir, "server.db");
  let serverPort = 0;
  let serverIncarnation = 0;
  let serverStopping = false;

  const startServer = async (crash_at: CrashAt | null) => {
    serverIncarnation++;
    const s = await startServerProcess({ db_path: serverDb, seed: scenario.seed, port: serverPort, crash_at, crash_chance: chanceFor("server"), variant: scenario.variant, mutant: scenario.mutant, options: scenario.options }, stderr("server"));
    serverPort = Number(new URL(s.url).port);
    server = s;
    started_kills.push(s.kill);
    void s.exited.then(({ signal }) => {
      if (serverStopping || server !== s) return;
      crashes++;
      history.record(now(), "server", "crash", { cause: causeOf("server", signal) });
      server = null;
      later(healed_at !== null ? 0 : restartAfterFor("server"), () => restartServer().catch(() => {}));
    });
    return s;
  };
  const serverStart: { starting: Promise<unknown> | null } = { starting: null };
  const restartServer = () =>
    restartOnce(serverStart, !server && !serverStopping, () =>
      startServer(crashAtFor("server")).then(() => {
        restarts++;
        history.record(now(), "server", "restart", { incarnation: serverIncarnation, cursors: {} });
      }),
    );

  const onMessage = (slot: ClientSlot, incarnation: number) => (m: FromClientChild) => {
    if (incarnation !== slot.incarnation) return;
    const t = now();
    if (m.type === "enqueued") slot.enqueued.set(m.seq, { op_id: m.op_id, t });
    else if (m.type === "probe") history.recordProbe(t, slot.name, m.event);
    else if (m.type === "workload_done") slot.workload_done = true;
    else if (m.type === "drained") slot.drained = true;
    else if (m.type === "client_stopped") slot.stopped = { code: m.code, message: m.message };
  };
  const startClient = async (slot: ClientSlot, crash_at: CrashAt | null) => {
    slot.incarnation++;
    slot.drained = false;
    slot.workload_done = false;
    const incarnation = slot.incarnation;
    const p = await startClientProcess({ ...slot.config, incarnation, crash_at, crash_chance: chanceFor("client"), share: incarnation === 1 ? slot.config.share : null }, onMessage(slot, incarnation), stderr(slot.name));
    slot.process = p;
    started_kills.push(p.kill);
    slot.producer = p.ready.producer;
    void p.exited.then(({ signal }) => {
      if (slot.process !== p) return;
      slot.process = null;
      if (slot.expecting_exit) return;
      crashes++;
      history.record(now(), slot.name, "crash", { cause: causeOf(slot.name, signal) });
      later(healed_at !== null ? 0 : restartAfterFor(slot.name), () => restartClient(slot).catch(() => {}));
    });
  };
  const restartClient = (slot: ClientSlot) =>
    restartOnce(slot, !slot.process && !slot.expecting_exit, () =>
      startClient(slot, crashAtFor(slot.name)).then(() => {
        restarts++;
        history.record(now(), slot.name, "restart", { acked_seq: 0, pending: 0, cursor: 0 });
      }),
    );

  const onViewerMessage = (v: ViewerSlot, incarnation: number) => (m: FromViewerChild) => {
    if (incarnation !== v.incarnation) return;
    if (m.type === "cursor") v.cursor = m.cursor;
    else if (m.type === "viewer_stopped") v.stopped = { code: m.code, message: m.message };
  };
  const startViewer = async (v: ViewerSlot, crash_at: CrashAt | null) => {
    v.incarnation++;
    const incarnation = v.incarnation;
    const p = await startViewerProcess({ ...v.config, incarnation, crash_at, crash_chance: chanceFor("viewer"), share: incarnation === 1 ? v.config.share : null }, onViewerMessage(v, incarnation), stderr(v.name));
    v.process = p;
    started_kills.push(p.kill);
    v.started = true;
    v.viewer_id = p.ready.viewer_id;
    void p.exited.then(({ signal }) => {
      if (v.process !== p) return;
      v.process = null;
      if (v.expecting_exit) return;
      crashes++;
      history.record(now(), v.name, "crash", { cause: causeOf(v.name, signal) });
      later(healed_at !== null ? 0 : restartAfterFor(v.name), () => restartViewer(v).catch(() => {}));
    });
  };
  const restartViewer = (v: ViewerSlot) =>
    restartOnce(v, !v.process && !v.expecting_exit && !v.left && !v.stopped, () =>
      startViewer(v, crashAtFor(v.name)).then(() => {
        restarts++;
        history.record(now(), v.name, "restart", { cursor: v.cursor, joined: true });
      }),
    );

  let outcome: Outcome = "drained";
  let record: RunRecord | null = null;
  try {
    const s = await startServer(crashAtFor("server"));
    const shares: ShareInfo[] = [];
    for (const index of [...new Set(scenario.clients.map((c, i) => c.share ?? i))].sort((a, b) => a - b)) {
      const created = await s.createShare(`session-${index}`);
      shares[index] = { index, id: created.share_id, secret: created.secret, secret_rotated_at: null };
    }
    history.record(now(), "server", "start", { shares: shares.filter(Boolean).map((sh) => sh.id) });

    const streams = new RandomStreams(scenario.seed);
    const bodyMax = opBodyBytesMax(DEFAULT_LIMITS);
    for (const [i, spec] of scenario.clients.entries()) {
      const name = `client-${i + 1}`;
      const shareIndex = spec.share ?? i;
      const owner = scenario.clients.findIndex((c, j) => (c.share ?? j) === shareIndex) === i;
      const steps = spec.script
        ? scriptSteps(spec.script, scenario.workload.chunk_gap_ms)
        : agentSession(streams.stream(`workload/${name}`), {
            tag: `c${i + 1}`,
            ops: spec.ops,
            owns_session: owner,
            chunk_gap_ms: scenario.workload.chunk_gap_ms,
            think_ms: scenario.workload.think_ms,
            body_bytes_max: bodyMax,
            ...(scenario.workload.mix ? { mix: scenario.workload.mix } : {}),
          });
      const share = shares[shareIndex]!;
      const proxy = await startFaultProxy({ target: s.url, rules: proxyRulesFor(scenario, name, scale), ...(options.dir ? { logFile: join(dir, `${name}.wire.jsonl`) } : {}) });
      proxies.push(proxy);
      slots.push({
        index: i,
        name,
        share,
        incarnation: 0,
        process: null,
        proxy,
        producer: "",
        enqueued: new Map(),
        workload_done: false,
        drained: false,
        stopped: null,
        expecting_exit: false,
        starting: null,
        config: {
          name,
          incarnation: 1,
          seed: scenario.seed,
          url: proxy.url,
          transport: scenario.transport,
          outbox_path: join(dir, `${name}.db`),
          share: { share_id: share.id, secret: spec.secret === "valid" ? share.secret : `wrong-${share.secret}` },
          settings: { ...scenario.client, scope: spec.scope },
          steps: [...steps].map((st: { body: OpBody; gap_ms: number }) => ({ body: st.body, gap_ms: Math.min(st.gap_ms, gapMax) })),
          crash_at: null,
          crash_chance: null,
          variant: scenario.variant,
          mutant: scenario.mutant,
          options: scenario.options,
        },
      });
    }
    for (const slot of slots) {
      await startClient(slot, crashAtFor(slot.name));
      history.record(now(), slot.name, "start", { producer: slot.producer, share: slot.share.id, scope: scenario.clients[slot.index]!.scope, secret: scenario.clients[slot.index]!.secret });
    }

    // Viewers: each joins at its time and may leave; a proxy of its own in front of it.
    let lastActionAt = 0;
    for (const [i, spec] of scenario.viewers.entries()) {
      const name = `viewer-${i + 1}`;
      const share = shares[spec.share]!;
      const proxy = await startFaultProxy({ target: s.url, rules: proxyRulesFor(scenario, name, scale), ...(options.dir ? { logFile: join(dir, `${name}.wire.jsonl`) } : {}) });
      proxies.push(proxy);
      const v: ViewerSlot = {
        index: i,
        name,
        share,
        secret: spec.secret,
        proxy,
        incarnation: 0,
        process: null,
        starting: null,
        viewer_id: "",
        cursor: 0,
        started: false,
        left: false,
        up_at_end: false,
        stopped: null,
        expecting_exit: false,
        config: {
          name,
          incarnation: 1,
          seed: scenario.seed,
          url: proxy.url,
          transport: scenario.transport,
          db_path: join(dir, `${name}.db`),
          share: { share_id: share.id, secret: spec.secret === "valid" ? share.secret : `wrong-${share.secret}` },
          settings: { ...scenario.viewer, from: spec.from_cursor === "latest" ? "latest" : "start" },
          crash_at: null,
          crash_chance: null,
          variant: scenario.variant,
          mutant: scenario.mutant,
          options: scenario.options,
        },
      };
      viewers.push(v);
      const joinAt = Math.round(spec.join_at_ms * scale);
      lastActionAt = Math.max(lastActionAt, joinAt, Math.round((spec.leave_at_ms ?? 0) * scale));
      later(joinAt, () => {
        v.starting = startViewer(v, crashAtFor(name)).then(() =>
          history.record(now(), name, "start", { viewer: v.viewer_id, share: share.id, from_cursor: spec.from_cursor, secret: spec.secret }),
        );
        void v.starting.finally(() => (v.starting = null));
      });
      if (spec.leave_at_ms !== undefined) {
        later(Math.round(spec.leave_at_ms * scale), () => {
          v.left = true;
          v.expecting_exit = true;
          void v.process?.stop();
          history.record(now(), name, "leave", {});
        });
      }
    }

    // Timed crashes, on the scaled clock.
    for (const a of scenario.timeline) {
      if (a.action !== "crash") continue;
      const at = Math.round(a.at_ms * scale);
      lastActionAt = Math.max(lastActionAt, at + Math.round(a.restart_after_ms * scale));
      later(at, () => {
        const target = a.node === "server" ? server : (slots.find((x) => x.name === a.node) ?? viewers.find((x) => x.name === a.node))?.process;
        harnessKill(a.node, target?.kill);
      });
    }

    // Random crashes: Poisson in scenario time, per node, while the workload runs, as in the simulator.
    const randomKills = (node: string, per_min: number, kill: () => void) => {
      if (per_min <= 0) return;
      const ps = new RandomStreams(scenario.seed).stream(`real/crash/${node}`);
      for (let t = Math.ceil(-Math.log(1 - ps.next()) * (60_000 / per_min)); t <= RANDOM_SPAN_MS; t += Math.ceil(-Math.log(1 - ps.next()) * (60_000 / per_min))) {
        later(Math.round(t * scale), () => healed_at === null && kill());
      }
    };
    randomKills("server", scenario.faults.server_crash_per_min, () => harnessKill("server", server?.kill));
    for (const slot of slots) randomKills(slot.name, scenario.faults.client_crash_per_min, () => harnessKill(slot.name, slot.process?.kill));
    for (const v of viewers) randomKills(v.name, scenario.faults.viewer_crash_per_min, () => harnessKill(v.name, v.process?.kill));

    // The workload, then the liveness phase: everything up, until every client drained or stopped, or the wall budget is spent.
    const deadline = started + wall_ms;
    const poll = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
    while (performance.now() < deadline && !(slots.every((x) => x.workload_done || x.stopped) && now() >= lastActionAt)) await poll();
    healed_at = now();
    history.record(healed_at, "world", "heal", {});
    for (const proxy of proxies) proxy.heal();
    if (!server) await restartServer();
    for (const slot of slots) if (!slot.process && !slot.stopped) await restartClient(slot);
    // A viewer whose process is still starting has joined: wait for it.
    for (const v of viewers) await v.starting?.catch(() => {});
    for (const v of viewers) if (v.started && !v.process) await restartViewer(v);
    while (performance.now() < deadline && !slots.every((x) => (x.drained && x.process) || x.stopped)) await poll();
    if (!slots.every((x) => x.drained || x.stopped)) outcome = "liveness_deadline";
    // Every viewer still following catches up with its share, whose cursor no longer moves once the clients drained.
    if (outcome === "drained" && viewers.length > 0) {
      const cursors = new Map(readCopy(dir, serverDb, (db) => finalShares(db, shares.filter(Boolean))).map((sh) => [sh.index, sh.cursor]));
      const following = () => viewers.filter((v) => v.started && !v.left && !v.stopped);
      while (performance.now() < deadline && !following().every((v) => v.process && v.cursor >= (cursors.get(v.share.index) ?? 0))) await poll();
      if (!following().every((v) => v.cursor >= (cursors.get(v.share.index) ?? 0))) outcome = "liveness_deadline";
    }
    for (const v of viewers) v.up_at_end = v.process !== null;
  } finally {
    for (const t of timers) clearTimeout(t);
    // A process still starting would come up after the stops below and keep the harness alive.
    await Promise.all([serverStart.starting, ...slots.map((x) => x.starting), ...viewers.map((x) => x.starting)].map((p) => p?.catch(() => {})));
    for (const slot of [...slots, ...viewers]) {
      slot.expecting_exit = true;
      await slot.process?.stop();
    }
    serverStopping = true;
    await (server as ServerProcess | null)?.stop();
    await Promise.all(proxies.map((p) => p.close()));
    // Nothing this run started outlives it, whatever happened above.
    for (const kill of started_kills) kill();
  }
  const end_t = now();
  record = recordOf(scenario, dir, slots, viewers, history, outcome, end_t, healed_at);
  const { violations, expected } = expectedLosses(record, scenario.storage.synchronous, checkAll(record));
  for (const v of violations) history.record(end_t, "checker", "violation", { checker: v.checker, anomaly: v.anomaly, message: v.message });
  const verdict = violations.length === 0 ? "pass" : "fail";
  history.record(end_t, "checker", "verdict", { verdict, outcome });
  if (!options.dir) rmSync(dir, { recursive: true, force: true });
  return {
    mode: "real",
    seed: scenario.seed,
    transport: scenario.transport,
    verdict,
    violations,
    ...(expected.length > 0 ? { expected } : {}),
    outcome,
    stats: { ops: record.committed.length, applied: record.shares.reduce((n, s) => n + s.log.length, 0), crashes, restarts, wall_ms: end_t, faults_by_kind: networkFaults([...slots, ...viewers]) },
    final: {
      clients: record.clients.map((c) => ({ node: c.node, producer: c.producer, pending: c.pending.length, acked_seq: c.acked_seq, stopped: c.stopped })),
      shares: record.shares.map((s) => ({ index: s.index, id: s.id, cursor: s.cursor, view_digest: viewDigest(s.view) })),
    },
    history: history.events,
  };
}

/**
 * Starts a node again unless a start is under way (its callers then share that
 * one) or it needs none: a crash's timer and the heal may both ask at once.
 */
async function restartOnce(holder: { starting: Promise<unknown> | null }, needed: boolean, start: () => Promise<unknown>): Promise<unknown> {
  if (holder.starting) return holder.starting;
  if (!needed) return;
  holder.starting = start();
  try {
    await holder.starting;
  } finally {
    holder.starting = null;
  }
}

/** Opens a copy of a database's files (the process's own stay as the kernel left them). */
function readCopy<T>(dir: string, path: string, read: (db: Database.Database) => T): T {
  const copies = join(dir, "copies");
  mkdirSync(copies, { recursive: true });
  const copy = join(copies, `${path.split("/").pop()}-${Math.random().toString(36).slice(2)}`);
  for (const suffix of ["", "-wal"]) if (existsSync(path + suffix)) cpSync(path + suffix, copy + suffix);
  const db = new Database(copy);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

function recordOf(scenario: Scenario, dir: string, slots: readonly ClientSlot[], viewers: readonly ViewerSlot[], history: History, outcome: Outcome, end_t: number, healed_at: number | null): RunRecord {
  const shares = [...new Map(slots.map((s) => [s.share.index, s.share])).values()];
  const finals = readCopy(dir, join(dir, "server.db"), (db) => finalShares(db, shares));
  const committed: CommittedOp[] = [];
  const clients: FinalClient[] = slots.map((slot) => {
    const bodies = seqBodies(slot.config.steps);
    const outbox = readCopy(dir, slot.config.outbox_path, outboxAsCommitted);
    const applied = new Map(finals.flatMap((sh) => sh.log.filter((r) => r.producer_id === slot.producer).map((r) => [r.seq, r.op_id] as const)));
    const pending = new Map(outbox.pending.map((op) => [op.seq, op.op_id]));
    for (let seq = 1; seq <= outbox.last_enqueued_seq; seq++) {
      const told = slot.enqueued.get(seq);
      const op_id = told?.op_id ?? pending.get(seq) ?? applied.get(seq) ?? `unknown_${slot.name}_${seq}`;
      committed.push({ node: slot.name, producer: slot.producer, share_index: slot.share.index, seq, op_id, body: bodies[seq - 1]!, t: told?.t ?? end_t });
    }
    const spec = scenario.clients[slot.index]!;
    return { node: slot.name, producer: slot.producer, share_index: slot.share.index, scope: spec.scope, secret: spec.secret, up: true, pending: outbox.pending, acked_seq: outbox.acked_seq, cursor: outbox.cursor, stopped: slot.stopped };
  });
  committed.sort((a, b) => a.t - b.t);
  const finalViewers: FinalViewer[] = viewers.map((v) => {
    const committed = v.started ? readCopy(dir, v.config.db_path, viewerAsCommitted) : { viewer_id: "", cursor: 0, epoch: 0, joined: false, log: [], view: null };
    const expected_view = committed.joined ? readCopy(dir, join(dir, "server.db"), (db) => serverViewFrom(db, v.share.id, committed.cursor)) : null;
    return { ...committed, expected_view, node: v.name, share_index: v.share.index, secret: v.secret, started: v.started, left: v.left, up: v.up_at_end, stopped: v.stopped };
  });
  return { outcome, end_t, healed_at, history: history.events, committed, shares: finals, clients, viewers: finalViewers, rotated: [], revokes: [], observed: { ...emptyObserved(), errors_told: errorsTold([...slots, ...viewers]), served: servedToViewers(viewers) } };
}

/** What reached each client from the server, read off its proxy's log: the error codes it was told. */
function errorsTold(slots: readonly { name: string; proxy: FaultProxy }[]): Record<string, string[]> {
  const told: Record<string, string[]> = {};
  for (const slot of slots) {
    for (const e of slot.proxy.log()) {
      const toClient = (e.kind === "ws_frame" && e.direction === "to_client") || e.kind === "http_response";
      if (!toClient || e.body === undefined || e.detail === "duplicate" || e.detail === "binary") continue;
      for (const code of scanWire(jsonValues(e.body)).codes) if (!(told[slot.name] ??= []).includes(code)) told[slot.name]!.push(code);
    }
  }
  return told;
}

/** Log entries and snapshots the server sent each viewer, read off its proxy's log (credentials are not read yet: null). */
function servedToViewers(viewers: readonly ViewerSlot[]): RunRecord["observed"]["served"] {
  const served: RunRecord["observed"]["served"] = [];
  for (const v of viewers) {
    for (const e of v.proxy.log()) {
      const toViewer = (e.kind === "ws_frame" && e.direction === "to_client") || e.kind === "http_response";
      if (!toViewer || e.body === undefined || e.detail === "duplicate" || e.detail === "binary") continue;
      const scan = scanWire(jsonValues(e.body));
      if (scan.entries.length === 0 && scan.snapshots.length === 0) continue;
      served.push({ t: Math.round(e.t_ms), node: v.name, share: v.share.id, cursors: scan.entries, snapshot: scan.snapshots[0] ?? null, credential: null, share_epoch: 0 });
    }
  }
  return served;
}

/** The network faults that took effect, by kind, from every proxy's log. */
function networkFaults(slots: readonly { proxy: FaultProxy }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const slot of slots) for (const e of slot.proxy.log()) if (e.fault && e.fault !== "discarded") counts[e.fault] = (counts[e.fault] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}
