import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LIMITS, opBodyBytesMax } from "../../protocol/limits.ts";
import type { OpBody } from "../../protocol/ops.ts";
import { expectedLosses } from "../../sim/checkers/expected-loss.ts";
import { checkAll } from "../../sim/checkers/index.ts";
import type { Violation } from "../../sim/checker-names.ts";
import { History } from "../../sim/history/history.ts";
import { opsDigest, viewDigest } from "../../sim/view-digest.ts";
import { drawChance, drawInt, drawPick } from "../../sim/kernel/draw.ts";
import { RandomStreams } from "../../sim/kernel/prng.ts";
import { outboxAsCommitted } from "../../sim/nodes/client-node.ts";
import type { FinalClient, ForbiddenProbe, Outcome, RunRecord, ShareInfo } from "../../sim/run-record.ts";
import type { Scenario } from "../../sim/scenario/schema.ts";
import { agentSession, scriptSteps } from "../../sim/workload/agent-session.ts";
import { finalShares } from "../../sim/world/final-state.ts";
import { startClientProcess } from "../processes/client-process.ts";
import { startViewerProcess } from "../processes/viewer-process.ts";
import type { FromViewerChild } from "../processes/viewer-protocol.ts";
import type { FromClientChild } from "../processes/client-protocol.ts";
import type { CrashAt } from "../processes/crash-at.ts";
import { type ServerProcess, startServerProcess } from "../processes/server-process.ts";
import { type FaultProxy, startFaultProxy } from "../proxy/fault-proxy.ts";
import { proxyRulesFor } from "./proxy-rules.ts";
import { seqOfStep } from "../processes/workload-steps.ts";
import { CrashPlan } from "./crash-plan.ts";
import { readCopy } from "./read-copy.ts";
import { wireEvents } from "./wire-history.ts";
import { networkFaults, recordOf } from "./real-record.ts";
import type { ClientSlot, ViewerSlot } from "./slots.ts";
import { NotRealError, unsupported } from "./unsupported.ts";
import { DiskFullWindows } from "../../sim/faults/disk-full.ts";
import { powerLossOnFiles } from "./power-loss.ts";
import { startCommandServer, freePort } from "../processes/command-server.ts";
import { evidenceOf, readSharesOverHttp, readSharesWith, type ReadShare, type ReadShares } from "./black-box-read.ts";
import type { Synchronous } from "../../sim/storage/db-files.ts";

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
  /**
   * A server someone else wrote, run as a black box instead of the reference
   * server: a shell command line, `{port}` replaced by a port the harness
   * picked and `{db}` by a file in the run's folder. What needs the server's
   * insides (revokes, a full disk, the adversary, its crash points, power
   * loss) is skipped, each recorded as such; the final shares are read over
   * the protocol.
   */
  server_cmd?: string;
  /** With `server_cmd`: reads the final shares from (a copy of) the server's database file instead of over the protocol. */
  db_reader?: ReadShares;
}

/** Why a fault is skipped for a black box. */
const BLACK_BOX = "black box: needs the server's insides";

export interface RealRunResult {
  mode: "real";
  seed: number;
  transport: Scenario["transport"];
  verdict: "pass" | "fail";
  violations: Violation[];
  expected?: Violation[];
  outcome: Outcome;
  stats: {
    ops: number;
    applied: number;
    crashes: number;
    restarts: number;
    wall_ms: number;
    faults_by_kind: Record<string, number>;
    /** A server run as a black box (`server_cmd`): the faults not exercised for want of its insides, by kind. */
    skipped_by_kind?: Record<string, number>;
  };
  final: { clients: { node: string; producer: string; pending: number; acked_seq: number; stopped: FinalClient["stopped"] }[]; shares: { index: number; id: string; cursor: number; view_digest: string; ops_digest: string }[] };
  history: RunRecord["history"];
}

const WALL_MS_DEFAULT = 60_000;
/** Scenario time over which random crashes are drawn (the workload is over long before, in real time). */
const RANDOM_SPAN_MS = 120_000;

export async function runReal(scenario: Scenario, options: RealRunOptions = {}): Promise<RealRunResult> {
  const reasons = unsupported(scenario);
  if (reasons.length > 0) throw new NotRealError(`this scenario cannot run for real yet:\n  ${reasons.join("\n  ")}`);
  const wall_ms = options.wall_ms ?? WALL_MS_DEFAULT;
  const scale = options.time_scale ?? 0.1;
  const gapMax = options.gap_max_ms ?? 20;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "replaysim-real-"));
  mkdirSync(dir, { recursive: true });
  try {
    return await runRealIn(scenario, options, dir, wall_ms, scale, gapMax);
  } finally {
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function runRealIn(scenario: Scenario, options: RealRunOptions, dir: string, wall_ms: number, scale: number, gapMax: number): Promise<RealRunResult> {
  const started = performance.now();
  const now = () => Math.round(performance.now() - started);
  const history = new History();
  const timers = new Set<NodeJS.Timeout>();
  /** Set as the run ends: from then on nothing is scheduled or restarted (a process dying while others stop would come back after the run). */
  let ending = false;
  const later = (ms: number, fn: () => void) => {
    if (ending) return;
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
  /** Faults the harness itself made, by kind (the proxies count theirs). */
  const harnessFaults: Record<string, number> = {};
  const count = (kind: string) => void (harnessFaults[kind] = (harnessFaults[kind] ?? 0) + 1);
  /** A server run as a black box: what needs its insides is skipped, recorded and counted as such. */
  const blackBox = options.server_cmd !== undefined;
  const skippedFaults: Record<string, number> = {};
  const skip = (node: string, fault: string) => {
    skippedFaults[fault] = (skippedFaults[fault] ?? 0) + 1;
    history.record(now(), node, "fault_skipped", { fault, reason: BLACK_BOX });
  };
  const revokes: { share_index: number; t: number }[] = [];
  const forbidden: ForbiddenProbe[] = [];
  const streams0 = new RandomStreams(scenario.seed);
  const silentStream = streams0.stream("real/silent");
  /** Nodes the harness is killing with their host's power, and whether the WAL tears. */
  const powerLosses = new Map<string, { torn: boolean }>();
  /** A restart delay the action that killed a node set (scenario ms), used once. */
  const restartAfterOverride = new Map<string, number>();
  /** While the server is silently dead, every proxy black-holes; its restart ends that. */
  let blackholed = false;
  const blackholeAll = () => {
    blackholed = true;
    for (const proxy of proxies) proxy.blackhole();
  };
  const restoreAll = () => {
    if (!blackholed) return;
    blackholed = false;
    for (const proxy of proxies) proxy.restore();
  };
  const planOf = (node: string) => plans.get(node) ?? plans.set(node, new CrashPlan(scenario, node)).get(node)!;
  /** Where this node's next incarnation dies, if anywhere (its crash_at entries, one per incarnation). */
  const crashAtFor = (node: string): CrashAt | null => (blackBox && node === "server" ? null : planOf(node).arm());
  /** Nodes the harness is SIGKILLing itself (a timed or random crash): their death is no crash point. */
  const harnessKills = new Set<string>();
  const harnessKill = (node: string, kill: (() => void) | undefined) => {
    if (!kill) return;
    harnessKills.add(node);
    kill();
  };
  /** Why a node's process ended: its own crash point (its plan moves on), the harness's SIGKILL, or something else; and whether its host lost power. */
  const causeOf = (node: string, signal: NodeJS.Signals | null): { cause: string; power: { torn: boolean } | null } => {
    if (signal !== "SIGKILL") return { cause: `exit (${signal ?? "code"})`, power: null };
    if (harnessKills.delete(node)) {
      const power = powerLosses.get(node) ?? null;
      powerLosses.delete(node);
      return { cause: "harness", power };
    }
    const fired = planOf(node).fired();
    return { cause: "crash_point", power: fired?.power_loss ? { torn: fired.torn } : null };
  };
  /**
   * The host of a node the kernel just let go lost power: its files keep only
   * what was durable (real/world/power-loss.ts), before anything reopens them.
   */
  const losePower = (node: string, path: string, synchronous: Synchronous, torn: boolean, cause: string, committed: () => string[]) => {
    const before = committed();
    const ps = streams0.stream(`real/power/${node}`);
    let report: ReturnType<typeof powerLossOnFiles>;
    try {
      report = powerLossOnFiles(path, synchronous, (n) => drawInt(ps, 0, n - 1), { torn, killedAnywhere: true });
    } catch (error) {
      // The files stay as the kernel left them: a plain kill, said so.
      count("power_loss_not_applied");
      options.stderr?.(node, `power loss not applied: ${String((error as Error)?.message ?? error)}`);
      return;
    }
    count("power_loss");
    const after = new Set(committed());
    history.record(now(), node, "power_loss", { cause, synchronous, commits_kept: report.commits_kept, commits_lost: report.commits_lost, torn: report.torn, ops_lost: before.filter((op) => !after.has(op)) });
  };
  const restartStream = new RandomStreams(scenario.seed).stream("real/restart");
  const restartAfterFor = (node: string): number => {
    const override = restartAfterOverride.get(node);
    if (override !== undefined) {
      restartAfterOverride.delete(node);
      return Math.round(override * scale);
    }
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
    const full = diskFull.isFull("server");
    if (blackBox && serverPort === 0) serverPort = await freePort();
    const s = blackBox
      ? await startCommandServer({ command: options.server_cmd!, port: serverPort, db_path: serverDb, log_path: join(dir, "server-cmd.log") })
      : await startServerProcess({ db_path: serverDb, seed: scenario.seed, port: serverPort, crash_at, crash_chance: chanceFor("server"), variant: scenario.variant, mutant: scenario.mutant, options: scenario.options, disk_full: full, synchronous: scenario.storage.synchronous }, stderr("server"));
    started_kills.push(s.kill);
    serverPort = Number(new URL(s.url).port);
    server = s;
    // A disk-full window that opened or ended while it was starting.
    if (diskFull.isFull("server") !== full) void s.setDiskFull(!full).catch(() => {});
    void s.exited.then(({ signal }) => {
      if (serverStopping || server !== s) return;
      crashes++;
      const { cause, power } = causeOf("server", signal);
      history.record(now(), "server", "crash", power ? { cause, power_loss: true } : blackholed ? { cause, silent: true } : { cause });
      server = null;
      if (power && !blackBox) {
        blackholeAll();
        losePower("server", serverDb, s.synchronous, power.torn, cause, () => readCopy(dir, serverDb, (db) => db.prepare(`SELECT producer_id || '#' || seq FROM share_log ORDER BY cursor`).pluck().all() as string[]));
      }
      later(healed_at !== null ? 0 : restartAfterFor("server"), () => restartServer().catch(() => {}));
    });
    return s;
  };
  const serverStart: { starting: Promise<unknown> | null } = { starting: null };
  const restartServer = () =>
    restartOnce(serverStart, !ending && !server && !serverStopping, () =>
      startServer(crashAtFor("server")).then(() => {
        restarts++;
        history.record(now(), "server", "restart", { incarnation: serverIncarnation, cursors: {} });
        // The host is back: connections the dead one black-holed end in a reset.
        restoreAll();
        void keepAdversaryWriter();
      }),
    );

  const onMessage = (slot: ClientSlot, incarnation: number) => (m: FromClientChild) => {
    if (incarnation !== slot.incarnation) return;
    const t = now();
    if (m.type === "enqueuing") slot.enqueuing = m.index;
    else if (m.type === "enqueued") {
      slot.enqueuing = null;
      slot.enqueued.set(m.seq, { op_id: m.op_id, t });
    }
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
    const full = diskFull.isFull(slot.name);
    const p = await startClientProcess({ ...slot.config, incarnation, crash_at, crash_chance: chanceFor("client"), share: incarnation === 1 ? slot.config.share : null, disk_full: full }, onMessage(slot, incarnation), stderr(slot.name));
    slot.process = p;
    if (diskFull.isFull(slot.name) !== full) p.tell({ type: "disk_full", full: !full });
    started_kills.push(p.kill);
    slot.producer = p.ready.producer;
    void p.exited.then(({ signal }) => {
      if (slot.process !== p) return;
      slot.process = null;
      if (slot.expecting_exit) return;
      crashes++;
      const { cause, power } = causeOf(slot.name, signal);
      history.record(now(), slot.name, "crash", power ? { cause, power_loss: true } : { cause });
      if (power) {
        losePower(slot.name, slot.config.outbox_path, p.ready.synchronous, power.torn, cause, () => {
          const outbox = readCopy(dir, slot.config.outbox_path, outboxAsCommitted);
          return [...outbox.pending.map((op) => String(op.seq)), ...Array.from({ length: outbox.acked_seq }, (_, i) => String(i + 1))];
        });
      }
      // Died inside an enqueue that did not commit: the op is dropped, as the simulator's agent drops it.
      const interrupted = slot.enqueuing;
      slot.enqueuing = null;
      if (interrupted !== null && readCopy(dir, slot.config.outbox_path, outboxAsCommitted).last_enqueued_seq < seqOfStep(slot.config.steps, interrupted, slot.config.dropped)) slot.config.dropped.push(interrupted);
      later(healed_at !== null ? 0 : restartAfterFor(slot.name), () => restartClient(slot).catch(() => {}));
    });
  };
  const restartClient = (slot: ClientSlot) =>
    restartOnce(slot, !ending && !slot.process && !slot.expecting_exit, () =>
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
      history.record(now(), v.name, "crash", { cause: causeOf(v.name, signal).cause });
      later(healed_at !== null ? 0 : restartAfterFor(v.name), () => restartViewer(v).catch(() => {}));
    });
  };
  const restartViewer = (v: ViewerSlot) =>
    restartOnce(v, !ending && !v.process && !v.expecting_exit && !v.left && !v.stopped, () =>
      startViewer(v, crashAtFor(v.name)).then(() => {
        restarts++;
        history.record(now(), v.name, "restart", { cursor: v.cursor, joined: true });
      }),
    );

  // The simulator's disk-full windows, on the wall clock.
  const diskFull = new DiskFullWindows({ get now() { return now(); }, after: later }, history, (node, full) => {
    if (node === "server") void server?.setDiskFull(full).catch(() => {});
    else slots.find((x) => x.name === node)?.process?.tell({ type: "disk_full", full });
  });
  let shares: ShareInfo[] = [];
  const adversaryShare = (index: number) => {
    const share = shares[index]!;
    return { index, id: share.id, secret: share.secret, other: shares.find((x) => x && x.id !== share.id)?.id ?? null };
  };
  const staleAttempt = scenario.timeline.find((a) => a.action === "forbidden" && a.attempt === "stale_append");
  /** The adversary keeps an early writer when a stale attempt is planned (at the start and after each server restart). */
  const keepAdversaryWriter = async () => {
    if (!blackBox && staleAttempt?.action === "forbidden" && server && shares[staleAttempt.share]) await server.keepWriter(adversaryShare(staleAttempt.share)).catch(() => {});
  };
  /** The world's admin revokes a share through the server, rotating its secret when asked. */
  const revoke = async (index: number, rotate: boolean) => {
    const share = shares[index]!;
    const at = now();
    if (blackBox) {
      skippedFaults.revoke = (skippedFaults.revoke ?? 0) + 1;
      return history.record(at, "admin", "revoke_skipped", { share: share.id, reason: BLACK_BOX });
    }
    if (!server) return history.record(at, "admin", "revoke_skipped", { share: share.id, reason: "server down" });
    const answer = await server.revoke(share.id, share.secret, rotate).catch((e: unknown) => ({ skipped: `server died: ${String((e as Error)?.message ?? e)}`, epoch: 0, secret: null }));
    if (answer.skipped) return history.record(at, "admin", "revoke_skipped", { share: share.id, reason: answer.skipped });
    count("revoke");
    revokes.push({ share_index: index, t: at });
    if (answer.secret !== null) {
      share.secret = answer.secret;
      share.secret_rotated_at = at;
    }
  };
  const attemptForbidden = async (attempt: Extract<Scenario["timeline"][number], { action: "forbidden" }>) => {
    const t = now();
    const share = shares[attempt.share]!;
    const skipped = (message: string) => ({ attempt: attempt.attempt, share: share.id, outcome: "skipped" as const, code: null, message, state_changed: false });
    const data = blackBox ? skipped(BLACK_BOX) : server ? await server.forbidden(attempt.attempt, adversaryShare(attempt.share)).catch(() => skipped("the server went down")) : skipped("the server is down");
    forbidden.push({ t, ...data });
    history.record(now(), "adversary", "forbidden_probe", data);
  };

  let outcome: Outcome = "drained";
  let record: RunRecord | null = null;
  /** A black box's shares as it showed them at the end. */
  let finalRead: ReadShare[] | null = null;
  /** A black box's shares: over the protocol from the running server, or with the db reader from a copy of its file. */
  const readBlackBox = async (): Promise<ReadShare[]> => {
    if (options.db_reader) return readSharesWith(options.db_reader, dir, serverDb, shares);
    if (!server) throw new Error("the server under test is down: its shares cannot be read");
    return readSharesOverHttp(server.url, shares);
  };
  try {
    const s = await startServer(crashAtFor("server"));
    for (const index of [...new Set(scenario.clients.map((c, i) => c.share ?? i))].sort((a, b) => a - b)) {
      const created = await s.createShare(`session-${index}`);
      shares[index] = { index, id: created.share_id, secret: created.secret, secret_rotated_at: null };
    }
    history.record(now(), "server", "start", { shares: shares.filter(Boolean).map((sh) => sh.id) });
    await keepAdversaryWriter();
    if (blackBox) {
      // The server's own crash points are in its code, which the harness does not know.
      for (const a of scenario.timeline) if (a.action === "crash_at" && a.node === "server") skip("server", a.power_loss ? "crash_at_power_loss" : "crash_at");
      if (scenario.faults.crash_point > 0 && scenario.faults.crash_points.some((p) => p.startsWith("server."))) skip("server", "crash_point");
    }

    // Scenario time 0, on the run's clock: the timeline, the viewers' joins, random faults and the proxies' windows count from here.
    const origin = now();
    const atScenario = (ms: number, fn: () => void) => later(Math.max(0, origin + ms - now()), fn);
    /** The fault proxy in front of one client or viewer, on the run's clock; its log kept with --keep. */
    const proxyFor = async (name: string, onAppendCall?: (nth: number) => void) => {
      const proxy = await startFaultProxy({ target: s.url, rules: proxyRulesFor(scenario, name, scale, origin), now, ...(onAppendCall ? { onAppendCall } : {}), ...(options.dir ? { logFile: join(dir, `${name}.wire.jsonl`) } : {}) });
      proxies.push(proxy);
      return proxy;
    };
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
      const revokesAtCall = scenario.timeline.filter((a) => a.action === "revoke_at_call" && a.node === name);
      const onAppendCall = (nth: number) => {
        for (const a of revokesAtCall) if (a.action === "revoke_at_call" && a.nth === nth && healed_at === null) void revoke(a.share, a.rotate_secret);
      };
      const proxy = await proxyFor(name, onAppendCall);
      slots.push({
        index: i,
        name,
        share,
        incarnation: 0,
        process: null,
        proxy,
        producer: "",
        enqueued: new Map(),
        enqueuing: null,
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
          dropped: [],
          crash_at: null,
          crash_chance: null,
          variant: scenario.variant,
          mutant: scenario.mutant,
          options: scenario.options,
          disk_full: false,
          synchronous: scenario.storage.synchronous,
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
      const proxy = await proxyFor(name);
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
      atScenario(joinAt, () => {
        v.starting = startViewer(v, crashAtFor(name)).then(() =>
          history.record(now(), name, "start", { viewer: v.viewer_id, share: share.id, from_cursor: spec.from_cursor, secret: spec.secret }),
        );
        void v.starting.finally(() => (v.starting = null));
      });
      if (spec.leave_at_ms !== undefined) {
        atScenario(Math.round(spec.leave_at_ms * scale), () => {
          v.left = true;
          v.expecting_exit = true;
          void v.process?.stop();
          history.record(now(), name, "leave", {});
        });
      }
    }

    // The timeline's actions at a time, on the scaled clock, while faults last.
    const killOf = (node: string) => (node === "server" ? server : (slots.find((x) => x.name === node) ?? viewers.find((x) => x.name === node))?.process)?.kill;
    for (const a of scenario.timeline) {
      if (!("at_ms" in a)) continue;
      const at = Math.round(a.at_ms * scale);
      lastActionAt = Math.max(lastActionAt, at + Math.round(("restart_after_ms" in a ? a.restart_after_ms : 0) * scale), at + Math.round(("duration_ms" in a ? a.duration_ms : 0) * scale));
      atScenario(at, () => {
        if (healed_at !== null) return;
        switch (a.action) {
          case "crash":
            return crashNode(a.node, a.restart_after_ms);
          case "power_loss":
            if (blackBox && a.node === "server") return skip("server", "power_loss");
            if (!killOf(a.node)) return;
            powerLosses.set(a.node, { torn: a.torn });
            return crashNode(a.node, a.restart_after_ms);
          case "disk_full":
            if (blackBox && a.node === "server") return skip("server", "disk_full");
            count("disk_full");
            return diskFull.open(a.node, Math.round(a.duration_ms * scale));
          case "stall":
            // The proxy holds the traffic (its stall rules); this marks it on the history.
            count("stall");
            return history.record(now(), a.node, "stall", { duration_ms: Math.round(a.duration_ms * scale) });
          case "partition":
            return;
          case "revoke":
            return void revoke(a.share, a.rotate_secret);
          case "forbidden":
            if (blackBox) skip("adversary", "forbidden");
            return void attemptForbidden(a);
        }
      });
    }

    // Random crashes: Poisson in scenario time, per node, while the workload runs, as in the simulator.
    /**
     * The harness SIGKILLs a node (a timed or random crash, or a power loss
     * planned in `powerLosses`). A server whose host dies silently, or loses
     * power, black-holes first: the proxies swallow everything until it is back.
     */
    const crashNode = (node: string, restart_after_ms?: number) => {
      const kill = killOf(node);
      if (!kill) return;
      if (restart_after_ms !== undefined) restartAfterOverride.set(node, restart_after_ms);
      if (node === "server" && (powerLosses.has(node) || drawChance(silentStream, scenario.faults.crash_silent))) {
        if (!powerLosses.has(node)) count("crash_silent");
        blackholeAll();
      }
      harnessKill(node, kill);
    };
    const randomKills = (node: string, per_min: number, kill: () => void) => {
      if (per_min <= 0) return;
      const ps = new RandomStreams(scenario.seed).stream(`real/crash/${node}`);
      for (let t = Math.ceil(-Math.log(1 - ps.next()) * (60_000 / per_min)); t <= RANDOM_SPAN_MS; t += Math.ceil(-Math.log(1 - ps.next()) * (60_000 / per_min))) {
        atScenario(Math.round(t * scale), () => healed_at === null && kill());
      }
    };
    randomKills("server", scenario.faults.server_crash_per_min, () => crashNode("server"));
    for (const slot of slots) randomKills(slot.name, scenario.faults.client_crash_per_min, () => crashNode(slot.name));
    for (const v of viewers) randomKills(v.name, scenario.faults.viewer_crash_per_min, () => crashNode(v.name));
    const randomPowerLoss = (node: string) => () => {
      if (blackBox && node === "server") return skip("server", "power_loss");
      if (!killOf(node)) return;
      powerLosses.set(node, { torn: drawChance(streams0.stream(`real/torn/${node}`), scenario.faults.torn_wal) });
      crashNode(node);
    };
    randomKills("power_loss/server", scenario.faults.server_power_loss_per_min, randomPowerLoss("server"));
    for (const slot of slots) randomKills(`power_loss/${slot.name}`, scenario.faults.client_power_loss_per_min, randomPowerLoss(slot.name));
    const ds = streams0.stream("real/disk_full");
    randomKills("disk_full", scenario.faults.disk_full_per_min, () => {
      const node = drawPick(ds, ["server", ...slots.map((x) => x.name)]);
      const duration = Math.round(drawInt(ds, ...scenario.faults.disk_full_ms) * scale);
      if (blackBox && node === "server") return skip("server", "disk_full");
      count("disk_full");
      diskFull.open(node, duration);
    });

    // The workload, then the liveness phase: everything up, until every client drained or stopped, or the wall budget is spent.
    const deadline = started + wall_ms;
    const poll = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
    while (performance.now() < deadline && !(slots.every((x) => x.workload_done || x.stopped) && now() >= origin + lastActionAt)) await poll();
    healed_at = now();
    history.record(healed_at, "world", "heal", {});
    for (const proxy of proxies) proxy.heal();
    diskFull.transitionToLiveness();
    if (!server) await restartServer();
    for (const slot of slots) if (!slot.process && !slot.stopped) await restartClient(slot);
    // A viewer whose process is still starting has joined: wait for it.
    for (const v of viewers) await v.starting?.catch(() => {});
    for (const v of viewers) if (v.started && !v.process) await restartViewer(v);
    while (performance.now() < deadline && !slots.every((x) => (x.drained && x.process) || x.stopped)) await poll();
    if (!slots.every((x) => x.drained || x.stopped)) outcome = "liveness_deadline";
    // Every viewer still following catches up with its share, whose cursor no longer moves once the clients drained.
    if (outcome === "drained" && viewers.length > 0) {
      // A black box is read over the protocol: it must be up (it may have died on its own since the heal).
      if (blackBox && !options.db_reader && !(server as ServerProcess | null)) await restartServer();
      const cursors = blackBox
        ? new Map((await readBlackBox()).map((r) => [shares.find((sh) => sh?.id === r.id)?.index ?? -1, r.entries.at(-1)?.cursor ?? 0]))
        : new Map(readCopy(dir, serverDb, (db) => finalShares(db, shares.filter(Boolean))).map((sh) => [sh.index, sh.cursor]));
      const following = () => viewers.filter((v) => v.started && !v.left && !v.stopped);
      while (performance.now() < deadline && !following().every((v) => v.process && v.cursor >= (cursors.get(v.share.index) ?? 0))) await poll();
      if (!following().every((v) => v.cursor >= (cursors.get(v.share.index) ?? 0))) outcome = "liveness_deadline";
    }
    for (const v of viewers) v.up_at_end = v.process !== null;
    if (blackBox && !options.db_reader) {
      // A black box is read over the protocol while it still runs: everyone else stops first, so nothing moves under the read.
      for (const slot of [...slots, ...viewers]) slot.expecting_exit = true;
      for (const slot of [...slots, ...viewers]) await slot.process?.stop();
      if (!server) await restartServer();
      finalRead = await readBlackBox();
    }
  } finally {
    ending = true;
    for (const t of timers) clearTimeout(t);
    // A process still starting would come up after the stops below and keep the harness alive.
    await Promise.all([serverStart.starting, ...slots.map((x) => x.starting), ...viewers.map((x) => x.starting)].map((p) => p?.catch(() => {})));
    for (const slot of [...slots, ...viewers]) slot.expecting_exit = true;
    for (const slot of [...slots, ...viewers]) await slot.process?.stop();
    serverStopping = true;
    await (server as ServerProcess | null)?.stop();
    await Promise.all(proxies.map((p) => p.close()));
    // Nothing this run started outlives it, whatever happened above.
    for (const kill of started_kills) kill();
  }
  const end_t = now();
  // The wire, as the proxies saw it, joins the history in time order: the timeline page draws it.
  for (const slot of [...slots, ...viewers]) for (const w of wireEvents(slot.proxy.log())) history.record(w.t, slot.name, w.type, w.data);
  history.events.sort((a, b) => a.t - b.t);
  // A db reader reads the black box's file once it has stopped.
  if (blackBox && options.db_reader) finalRead = await readBlackBox();
  const evidence = finalRead ? evidenceOf(shares, finalRead) : undefined;
  record = { ...recordOf(scenario, dir, slots, viewers, history, outcome, end_t, healed_at, evidence), revokes, rotated: shares.filter((sh) => sh && sh.secret_rotated_at !== null).map((sh) => ({ share_index: sh.index, t: sh.secret_rotated_at! })) };
  record.observed.forbidden.push(...forbidden);
  const { violations, expected } = expectedLosses(record, scenario.storage.synchronous, checkAll(record));
  for (const v of violations) history.record(end_t, "checker", "violation", { checker: v.checker, anomaly: v.anomaly, message: v.message });
  const verdict = violations.length === 0 ? "pass" : "fail";
  history.record(end_t, "checker", "verdict", { verdict, outcome });
  return {
    mode: "real",
    seed: scenario.seed,
    transport: scenario.transport,
    verdict,
    violations,
    ...(expected.length > 0 ? { expected } : {}),
    outcome,
    stats: { ops: record.committed.length, applied: record.shares.reduce((n, s) => n + s.log.length, 0), crashes, restarts, wall_ms: end_t, faults_by_kind: { ...networkFaults([...slots, ...viewers]), ...harnessFaults }, ...(blackBox ? { skipped_by_kind: skippedFaults } : {}) },
    final: {
      clients: record.clients.map((c) => ({ node: c.node, producer: c.producer, pending: c.pending.length, acked_seq: c.acked_seq, stopped: c.stopped })),
      shares: record.shares.map((s) => ({ index: s.index, id: s.id, cursor: s.cursor, view_digest: viewDigest(s.view), ops_digest: opsDigest(s.log, record!.committed) })),
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
