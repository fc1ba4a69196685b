import Database from "better-sqlite3";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_LIMITS, opBodyBytesMax } from "../../protocol/limits.ts";
import type { OpBody } from "../../protocol/ops.ts";
import type { CrashPoint } from "../../protocol/ports.ts";
import { expectedLosses } from "../../sim/checkers/expected-loss.ts";
import { checkAll } from "../../sim/checkers/index.ts";
import type { Violation } from "../../sim/checker-names.ts";
import { History } from "../../sim/history/history.ts";
import { RandomStreams } from "../../sim/kernel/prng.ts";
import { outboxAsCommitted } from "../../sim/nodes/client-node.ts";
import { emptyObserved, type CommittedOp, type FinalClient, type Outcome, type RunRecord, type ShareInfo } from "../../sim/run-record.ts";
import type { Scenario } from "../../sim/scenario/schema.ts";
import { agentSession, scriptSteps } from "../../sim/workload/agent-session.ts";
import { finalShares } from "../../sim/world/final-state.ts";
import { type ClientProcess, startClientProcess } from "../processes/client-process.ts";
import type { ClientChildConfig, FromClientChild } from "../processes/client-protocol.ts";
import type { CrashAt } from "../processes/crash-at.ts";
import { type ServerProcess, startServerProcess } from "../processes/server-process.ts";
import { type FaultProxy, startFaultProxy } from "../proxy/fault-proxy.ts";
import { jsonValues, scanWire } from "../../sim/observe/wire-parse.ts";
import { proxyRulesFor } from "./proxy-rules.ts";
import { seqBodies } from "../processes/workload-steps.ts";
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
  final: { clients: { node: string; producer: string; pending: number; acked_seq: number; stopped: FinalClient["stopped"] }[]; shares: { index: number; id: string; cursor: number }[] };
  history: RunRecord["history"];
}

const WALL_MS_DEFAULT = 60_000;

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
  const proxies: FaultProxy[] = [];
  const crashAtFor = (node: string): CrashAt | null => {
    const a = scenario.timeline.find((x) => x.action === "crash_at" && x.node === node);
    return a && a.action === "crash_at" ? { point: a.point as CrashPoint, nth: a.nth } : null;
  };
  const restartAfterFor = (node: string): number => {
    const a = scenario.timeline.find((x) => (x.action === "crash_at" || x.action === "crash") && x.node === node);
    return Math.round((a && "restart_after_ms" in a ? a.restart_after_ms : 1000) * scale);
  };
  const stderr = (node: string) => (options.stderr ? { stderr: (line: string) => options.stderr!(node, line) } : {});
  const serverDb = join(dir, "server.db");
  let serverPort = 0;
  let serverIncarnation = 0;
  let serverStopping = false;

  const startServer = async (crash_at: CrashAt | null) => {
    serverIncarnation++;
    const s = await startServerProcess({ db_path: serverDb, port: serverPort, crash_at, variant: scenario.variant, mutant: scenario.mutant, options: scenario.options }, stderr("server"));
    serverPort = Number(new URL(s.url).port);
    server = s;
    void s.exited.then(({ signal }) => {
      if (serverStopping || server !== s) return;
      crashes++;
      history.record(now(), "server", "crash", { cause: signal === "SIGKILL" ? "crash_point" : `exit (${signal ?? "code"})` });
      server = null;
      later(healed_at !== null ? 0 : restartAfterFor("server"), () => void restartServer());
    });
    return s;
  };
  let serverStarting: Promise<unknown> | null = null;
  const restartServer = async () => {
    if (serverStarting) return serverStarting;
    if (server || serverStopping) return;
    serverStarting = startServer(null).then(() => {
      restarts++;
      history.record(now(), "server", "restart", { incarnation: serverIncarnation, cursors: {} });
    });
    try {
      await serverStarting;
    } finally {
      serverStarting = null;
    }
  };

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
    const p = await startClientProcess({ ...slot.config, incarnation, crash_at, share: incarnation === 1 ? slot.config.share : null }, onMessage(slot, incarnation), stderr(slot.name));
    slot.process = p;
    slot.producer = p.producer;
    void p.exited.then(({ signal }) => {
      if (slot.process !== p) return;
      slot.process = null;
      if (slot.expecting_exit) return;
      crashes++;
      history.record(now(), slot.name, "crash", { cause: signal === "SIGKILL" ? "crash_point" : `exit (${signal ?? "code"})` });
      later(healed_at !== null ? 0 : restartAfterFor(slot.name), () => void restartClient(slot));
    });
  };
  const restartClient = async (slot: ClientSlot) => {
    if (slot.starting) return slot.starting;
    if (slot.process || slot.expecting_exit) return;
    slot.starting = startClient(slot, null).then(() => {
      restarts++;
      history.record(now(), slot.name, "restart", { acked_seq: 0, pending: 0, cursor: 0 });
    });
    try {
      await slot.starting;
    } finally {
      slot.starting = null;
    }
  };

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

    // Timed crashes, on the scaled clock.
    let lastActionAt = 0;
    for (const a of scenario.timeline) {
      if (a.action !== "crash") continue;
      const at = Math.round(a.at_ms * scale);
      lastActionAt = Math.max(lastActionAt, at + Math.round(a.restart_after_ms * scale));
      later(at, () => {
        if (a.node === "server") server?.kill();
        else {
          const slot = slots.find((x) => x.name === a.node);
          slot?.process?.kill();
        }
      });
    }

    // The workload, then the liveness phase: everything up, until every client drained or stopped, or the wall budget is spent.
    const deadline = started + wall_ms;
    const poll = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
    while (performance.now() < deadline && !(slots.every((x) => x.workload_done || x.stopped) && now() >= lastActionAt)) await poll();
    healed_at = now();
    history.record(healed_at, "world", "heal", {});
    for (const proxy of proxies) proxy.heal();
    if (!server) await restartServer();
    for (const slot of slots) if (!slot.process && !slot.stopped) await restartClient(slot);
    while (performance.now() < deadline && !slots.every((x) => (x.drained && x.process) || x.stopped)) await poll();
    if (!slots.every((x) => x.drained || x.stopped)) outcome = "liveness_deadline";
  } finally {
    for (const t of timers) clearTimeout(t);
    for (const slot of slots) {
      slot.expecting_exit = true;
      await slot.process?.stop();
    }
    serverStopping = true;
    await (server as ServerProcess | null)?.stop();
    await Promise.all(proxies.map((p) => p.close()));
  }
  const end_t = now();
  record = recordOf(scenario, dir, slots, history, outcome, end_t, healed_at);
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
    stats: { ops: record.committed.length, applied: record.shares.reduce((n, s) => n + s.log.length, 0), crashes, restarts, wall_ms: end_t, faults_by_kind: networkFaults(slots) },
    final: {
      clients: record.clients.map((c) => ({ node: c.node, producer: c.producer, pending: c.pending.length, acked_seq: c.acked_seq, stopped: c.stopped })),
      shares: record.shares.map((s) => ({ index: s.index, id: s.id, cursor: s.cursor })),
    },
    history: history.events,
  };
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

function recordOf(scenario: Scenario, dir: string, slots: readonly ClientSlot[], history: History, outcome: Outcome, end_t: number, healed_at: number | null): RunRecord {
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
  return { outcome, end_t, healed_at, history: history.events, committed, shares: finals, clients, viewers: [], rotated: [], revokes: [], observed: { ...emptyObserved(), errors_told: errorsTold(slots) } };
}

/** What reached each client from the server, read off its proxy's log: the error codes it was told. */
function errorsTold(slots: readonly ClientSlot[]): Record<string, string[]> {
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

/** The network faults that took effect, by kind, from every proxy's log. */
function networkFaults(slots: readonly ClientSlot[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const slot of slots) for (const e of slot.proxy.log()) if (e.fault && e.fault !== "discarded") counts[e.fault] = (counts[e.fault] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}
