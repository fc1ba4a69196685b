import { describe, expect, it } from "vitest";
import type { Op, OpBody } from "../../protocol/ops.ts";
import { openServerDb } from "../../server-under-test/share-server.ts";
import { Materializer } from "../../protocol/materialize.ts";
import type { CommittedOp, FinalClient, FinalShare, LogRow } from "../run-record.ts";
import type { HistoryEventMap, HistoryEventType } from "../history/events.ts";
import type { HistoryEvent } from "../history/history.ts";
import { emptyObserved, type Observed } from "../run-record.ts";
import { ackIntegrity } from "./ack-integrity.ts";
import { capability } from "./capability.ts";
import { convergence } from "./convergence.ts";
import { cursorMonotonic } from "./cursor-monotonic.ts";
import { exactlyOnce } from "./exactly-once.ts";
import { CHECKER_FNS, CHECKERS, checkAll, type RunRecord, type Violation } from "./index.ts";
import { liveness } from "./liveness.ts";
import { order } from "./order.ts";

// "Each checker is proved able to fail": every checker gets a clean hand-made
// record it must accept, then hand-made bad ones that must produce exactly the
// anomaly it is about, with a witness naming the ops or cursors involved.

// --- a tiny record builder ---------------------------------------------------

const shareID = (index: number) => `sh_${index}`;
const producerOf = (node: string) => `prd_${node}`;
const opID = (node: string, seq: number) => `op_${node}_${seq}`;

interface ClientSpec {
  share?: number;
  scope?: "write" | "read";
  secret?: "valid" | "wrong";
}

interface ApplyOptions {
  /** The epoch the request carrying these ops travelled under (default: the share's current epoch). */
  epoch?: number;
  /** The scope the carrying request asked for (default: the client's). */
  scope?: string;
  /** Whether the carrying request's secret was the share's (default: the client's). */
  secret_ok?: boolean;
  /** Record the server's own `applied` probe event, a mere hint (default true). */
  event?: boolean;
  /** What the server's own probe claims, when it lies about itself. */
  probe?: { epoch?: number; scope?: string; cursor_to?: number };
  /** The committed cursor after this commit, when the server keeps a wrong one. */
  cursor_to?: number;
  /** Override the op id stored in the log (a forged or foreign op). */
  op_id?: string;
}

/**
 * Builds a RunRecord the way a run would have produced it: history events in
 * time order with the probe's shapes, log rows with consecutive cursors, and a
 * final materialized view computed by the server's own Materializer.
 */
class RunBuilder {
  #t = 0;
  readonly #history: HistoryEvent[] = [];
  readonly #committed: CommittedOp[] = [];
  readonly #clients = new Map<string, FinalClient & { pendingOverride?: Op[] }>();
  readonly #logs = new Map<number, { row: LogRow; body: OpBody }[]>();
  readonly #epochs = new Map<number, number>();
  readonly #rotated: { share_index: number; t: number }[] = [];
  readonly #revokes: { share_index: number; t: number }[] = [];
  readonly #observed: Observed = emptyObserved();
  /** The committed cursor per share, as the world last read it. */
  readonly #committedCursor = new Map<number, number>();

  at(t: number): this {
    this.#t = t;
    return this;
  }

  client(node: string, spec: ClientSpec = {}): this {
    const share_index = spec.share ?? Number(node.replace("client-", "")) - 1;
    this.#clients.set(node, {
      node,
      producer: producerOf(node),
      share_index,
      scope: spec.scope ?? "write",
      secret: spec.secret ?? "valid",
      up: true,
      pending: [],
      acked_seq: 0,
      cursor: 0,
      stopped: null,
    });
    if (!this.#logs.has(share_index)) this.#logs.set(share_index, []);
    return this;
  }

  event<K extends HistoryEventType>(node: string, type: K, data: HistoryEventMap[K]): this {
    this.#history.push({ t: this.#t, node, type, data } as HistoryEvent);
    return this;
  }

  /** Enqueue commits: each body gets the node's next seq. */
  commit(node: string, ...bodies: OpBody[]): this {
    const c = this.#client(node);
    for (const body of bodies) {
      const seq = this.#committed.filter((op) => op.node === node).length + 1;
      this.#committed.push({ node, producer: c.producer, share_index: c.share_index, seq, op_id: opID(node, seq), body, t: this.#t });
      this.event(node, "enqueue_committed", { producer: c.producer, seq, op_id: opID(node, seq) });
    }
    return this;
  }

  /**
   * A request of the node carrying these seqs reaches the server, which commits
   * them in this order in one transaction: the world sees the delivery on the
   * wire and the new rows in the server's SQLite.
   */
  apply(node: string, seqs: number[], options: ApplyOptions = {}): this {
    const c = this.#client(node);
    const log = this.#logs.get(c.share_index)!;
    const shareEpoch = this.#epochs.get(c.share_index) ?? 0;
    const epoch = options.epoch ?? shareEpoch;
    const rows = [];
    for (const seq of seqs) {
      const op = this.#committed.find((o) => o.node === node && o.seq === seq);
      const body: OpBody = op?.body ?? { kind: "model.upsert", model_id: `forged-${node}-${seq}`, provider: "x", name: "x" };
      const row = { cursor: log.length + 1, producer_id: c.producer, seq, epoch, op_id: options.op_id ?? opID(node, seq) };
      log.push({ row, body });
      rows.push({ ...row });
    }
    this.#observed.deliveries.push({
      t: this.#t,
      node,
      transport: "websocket",
      op_ids: rows.map((r) => r.op_id),
      credential: { secret_ok: options.secret_ok ?? c.secret === "valid", scope: options.scope ?? c.scope, epoch, since: this.#t },
    });
    const before = this.#committedCursor.get(c.share_index) ?? log.length - seqs.length;
    const after = options.cursor_to ?? before + seqs.length;
    this.#committedCursor.set(c.share_index, after);
    this.#observed.commits.push({ t: this.#t, share: shareID(c.share_index), cursor_before: before, cursor_after: after, rows, epoch: shareEpoch });
    if (options.event !== false) {
      this.event("server", "applied", {
        share: shareID(c.share_index),
        producer: c.producer,
        seq_from: seqs[0]!,
        seq_to: seqs[seqs.length - 1]!,
        count: seqs.length,
        cursor_to: options.probe?.cursor_to ?? log.length,
        epoch: options.probe?.epoch ?? epoch,
        scope: options.probe?.scope ?? options.scope ?? "write",
      });
    }
    return this;
  }

  /** A reply reaches the node telling it a cursor (an ack or a redeem result), as read off the wire. */
  told(node: string, cursor: number, last_seq: number): this {
    this.#observed.told.push({ t: this.#t, node, cursor, last_seq });
    return this;
  }

  /** The world reads the node's outbox: what it committed as acked, and its cursor. */
  sample(node: string, acked_seq: number, cursor: number): this {
    this.#observed.samples.push({ t: this.#t, node, acked_seq, cursor });
    return this;
  }

  /** A log row from a producer no client knows. */
  foreign(share_index: number, producer_id: string, seq: number, op_id: string): this {
    const log = this.#logs.get(share_index)!;
    log.push({ row: { cursor: log.length + 1, producer_id, seq, epoch: 0, op_id }, body: { kind: "model.upsert", model_id: op_id, provider: "x", name: "x" } });
    return this;
  }

  /** The ack reaches the client: it records the cursor and marks seq <= last_seq acked. */
  ack(node: string, last_seq: number): this {
    const c = this.#client(node);
    const cursor = this.cursorOf(c.share_index);
    this.event(node, "ack_received", { producer: c.producer, last_seq, cursor, applied: 1, duplicates: 0, rejected: 0 });
    this.event(node, "marked_acked", { producer: c.producer, acked_seq: last_seq });
    this.event(node, "cursor_recorded", { producer: c.producer, share: shareID(c.share_index), cursor });
    c.acked_seq = Math.max(c.acked_seq, last_seq);
    c.cursor = Math.max(c.cursor, cursor);
    return this.told(node, cursor, last_seq).sample(node, c.acked_seq, c.cursor);
  }

  redeem(node: string): this {
    const c = this.#client(node);
    const log = this.#logs.get(c.share_index)!;
    const last_seq = Math.max(0, ...log.filter((e) => e.row.producer_id === c.producer).map((e) => e.row.seq));
    const cursor = this.cursorOf(c.share_index);
    this.event(node, "redeemed", { producer: c.producer, share: shareID(c.share_index), epoch: this.#epochs.get(c.share_index) ?? 0, last_seq, cursor });
    c.acked_seq = Math.max(c.acked_seq, last_seq);
    c.cursor = Math.max(c.cursor, cursor);
    return this.told(node, cursor, last_seq).sample(node, c.acked_seq, c.cursor);
  }

  revoke(share_index: number, rotate = false): this {
    const epoch = (this.#epochs.get(share_index) ?? 0) + 1;
    this.#epochs.set(share_index, epoch);
    this.event("server", "revoked", { share: shareID(share_index), epoch, secret_rotated: rotate });
    this.#observed.epochs.push({ t: this.#t, share: shareID(share_index), epoch });
    if (rotate) this.#rotated.push({ share_index, t: this.#t });
    this.#revokes.push({ share_index, t: this.#t });
    return this;
  }

  /** A server restart; with `cursors`, the world reads lower committed cursors than before (a cursor that was never durable). */
  serverRestart(cursors?: Record<string, number>): this {
    const committed = Object.fromEntries([...this.#logs.keys()].map((i) => [shareID(i), this.cursorOf(i)]));
    for (const [share, cursor] of Object.entries(cursors ?? {})) {
      const index = Number(share.replace("sh_", ""));
      const before = this.#committedCursor.get(index) ?? this.cursorOf(index);
      if (cursor === before) continue;
      this.#committedCursor.set(index, cursor);
      this.#observed.commits.push({ t: this.#t, share, cursor_before: before, cursor_after: cursor, rows: [], epoch: this.#epochs.get(index) ?? 0 });
    }
    return this.event("server", "restart", { incarnation: 2, cursors: cursors ?? committed });
  }

  /** The client stops for good with `code`; by default because the server told it so on the wire. */
  stop(node: string, code: string, options: { told?: boolean } = {}): this {
    this.#client(node).stopped = { code, message: `${code} (test)` };
    this.event(node, "client_stopped", { producer: producerOf(node), code, message: `${code} (test)` });
    if (options.told !== false) (this.#observed.errors_told[node] ??= []).push(code);
    return this;
  }

  /** Overrides what is left in the node's outbox at the end (default: committed seqs above acked_seq). */
  outbox(node: string, seqs: number[]): this {
    this.#client(node).pendingOverride = seqs.map((seq) => this.#op(node, seq));
    return this;
  }

  cursorOf(share_index: number): number {
    return this.#logs.get(share_index)?.length ?? 0;
  }

  build(overrides: Partial<RunRecord> = {}): RunRecord {
    const clients: FinalClient[] = [...this.#clients.values()].map(({ pendingOverride, ...c }) => ({
      ...c,
      pending: pendingOverride ?? this.#committed.filter((op) => op.node === c.node && op.seq > c.acked_seq).map((op) => this.#op(c.node, op.seq)),
    }));
    const db = openServerDb();
    const materializer = new Materializer(db);
    const shares: FinalShare[] = [...this.#logs.keys()]
      .sort((a, b) => a - b)
      .map((index) => {
        const id = shareID(index);
        db.prepare(`INSERT INTO shares (id, session_id, secret_hash, epoch, cursor, created_ms) VALUES (?, ?, 'hash', 0, 0, 0)`).run(id, `session-${index}`);
        const log = this.#logs.get(index)!;
        for (const { body } of log) materializer.apply(id, body);
        const last = new Map<string, number>();
        for (const { row } of log) last.set(row.producer_id, Math.max(last.get(row.producer_id) ?? 0, row.seq));
        return {
          index,
          id,
          cursor: log.length,
          epoch: this.#epochs.get(index) ?? 0,
          log: log.map((e) => ({ ...e.row })),
          producers: [...last].sort(([a], [b]) => (a < b ? -1 : 1)).map(([producer_id, last_seq]) => ({ producer_id, last_seq })),
          view: materializer.view(id),
        };
      });
    db.close();
    return {
      outcome: "drained",
      end_t: this.#t,
      healed_at: 0,
      history: [...this.#history],
      committed: [...this.#committed],
      shares,
      clients,
      viewers: [],
      rotated: [...this.#rotated],
      revokes: [...this.#revokes],
      observed: structuredClone(this.#observed),
      ...overrides,
    };
  }

  #client(node: string) {
    const c = this.#clients.get(node);
    if (!c) throw new Error(`test bug: no client ${node}`);
    return c;
  }

  #op(node: string, seq: number): Op {
    const op = this.#committed.find((o) => o.node === node && o.seq === seq);
    if (!op) throw new Error(`test bug: ${node} never committed seq ${seq}`);
    return { seq, op_id: op.op_id, body: op.body };
  }
}

const run = () => new RunBuilder();

// Op bodies of one agent turn, namespaced per node like the real workload.
const msg = (node: string): OpBody => ({ kind: "message.upsert", message_id: `m_${node}`, role: "assistant" });
const part = (node: string): OpBody => ({ kind: "part.upsert", part_id: `p_${node}`, message_id: `m_${node}`, type: "text", text: "" });
const append = (node: string, text: string): OpBody => ({ kind: "part.append", part_id: `p_${node}`, message_id: `m_${node}`, text });
const model = (node: string, name: string): OpBody => ({ kind: "model.upsert", model_id: `model_${node}`, provider: "anthropic", name });

/** One client, five ops, applied in two batches and acked: every checker must accept it. */
function cleanRun(): RunBuilder {
  return run()
    .client("client-1")
    .at(10)
    .commit("client-1", msg("client-1"), part("client-1"), append("client-1", "hello "), append("client-1", "world"))
    .at(20)
    .redeem("client-1")
    .at(30)
    .apply("client-1", [1, 2, 3])
    .at(40)
    .ack("client-1", 3)
    .at(45)
    .commit("client-1", model("client-1", "opus"))
    .at(50)
    .apply("client-1", [4, 5])
    .at(60)
    .ack("client-1", 5)
    .at(100);
}

/**
 * Everything that is allowed at once: two producers interleaved on one share,
 * a revoke followed by writes at the new epoch, a server restart that kept its
 * cursors, a redeem that acknowledges, a read-only client and a wrong-secret
 * client that stop for their allowed reasons while keeping their outboxes.
 */
function richCleanRun(): RunBuilder {
  return run()
    .client("client-1", { share: 0 })
    .client("client-2", { share: 0 })
    .client("client-3", { share: 1, scope: "read" })
    .client("client-4", { share: 2, secret: "wrong" })
    .at(5)
    .commit("client-1", { kind: "session.upsert", title: "shared", directory: "/w" }, msg("client-1"), part("client-1"))
    .commit("client-2", msg("client-2"), part("client-2"))
    .commit("client-3", msg("client-3"))
    .commit("client-4", msg("client-4"), append("client-4", "x"))
    .at(10)
    .redeem("client-1")
    .redeem("client-2")
    .at(20)
    .apply("client-1", [1, 2])
    .apply("client-2", [1])
    .at(25)
    .ack("client-1", 2)
    .at(30)
    .revoke(0)
    .at(31)
    .stop("client-3", "read_only")
    .stop("client-4", "bad_secret")
    .at(40)
    .redeem("client-1")
    .redeem("client-2")
    .apply("client-2", [2], { epoch: 1 })
    .apply("client-1", [3], { epoch: 1 })
    .at(45)
    .ack("client-2", 2)
    .ack("client-1", 3)
    .at(50)
    .commit("client-2", append("client-2", "late"))
    .serverRestart()
    .at(60)
    .redeem("client-2")
    .apply("client-2", [3], { epoch: 1 })
    .at(70)
    .ack("client-2", 3)
    .at(200);
}

function withShare(record: RunRecord, index: number, patch: Partial<FinalShare>): RunRecord {
  return { ...record, shares: record.shares.map((s) => (s.index === index ? { ...s, ...patch } : s)) };
}

function withClient(record: RunRecord, node: string, patch: Partial<FinalClient>): RunRecord {
  return { ...record, clients: record.clients.map((c) => (c.node === node ? { ...c, ...patch } : c)) };
}

const anomalies = (violations: Violation[]) => violations.map((v) => `${v.checker}/${v.anomaly}`);

// --- the clean records -----------------------------------------------------

describe("clean records", () => {
  it("the builder's clean runs look like real ones", () => {
    const record = richCleanRun().build();
    expect(record.shares.map((s) => [s.id, s.cursor, s.log.map((r) => `${r.producer_id}#${r.seq}`)])).toEqual([
      ["sh_0", 6, ["prd_client-1#1", "prd_client-1#2", "prd_client-2#1", "prd_client-2#2", "prd_client-1#3", "prd_client-2#3"]],
      ["sh_1", 0, []],
      ["sh_2", 0, []],
    ]);
    expect(record.shares[0]!.view.parts.map((p) => [p.part_id, p.text])).toEqual([
      ["p_client-1", ""],
      ["p_client-2", "late"],
    ]);
    expect(record.clients.map((c) => [c.node, c.acked_seq, c.pending.map((op) => op.seq)])).toEqual([
      ["client-1", 3, []],
      ["client-2", 3, []],
      ["client-3", 0, [1]],
      ["client-4", 0, [1, 2]],
    ]);
  });

  it.each(CHECKERS)("%s accepts the simple clean run", (name) => {
    expect(CHECKER_FNS[name](cleanRun().build())).toEqual([]);
  });

  it.each(CHECKERS)("%s accepts the rich clean run", (name) => {
    expect(CHECKER_FNS[name](richCleanRun().build())).toEqual([]);
  });

  it("checkAll accepts both", () => {
    expect(checkAll(cleanRun().build())).toEqual([]);
    expect(checkAll(richCleanRun().build())).toEqual([]);
  });
});

// --- exactly-once ----------------------------------------------------------

describe("exactly-once", () => {
  it("reports an op that was committed, never applied and is gone from the outbox as lost", () => {
    const record = cleanRun().at(70).commit("client-1", append("client-1", "!")).at(100).outbox("client-1", []).build();
    expect(exactlyOnce(record)).toEqual([
      {
        checker: "exactly-once",
        anomaly: "lost",
        message: expect.stringContaining("seq 6"),
        t_ms: 70,
        witness: { producer: "prd_client-1", seq: 6, op_id: "op_client-1_6", kind: "part.append" },
      },
    ]);
  });

  it("does not call an op still pending in the outbox lost (liveness judges it)", () => {
    const record = cleanRun().at(70).commit("client-1", append("client-1", "!")).at(100).build();
    expect(record.clients[0]!.pending.map((op) => op.seq)).toEqual([6]);
    expect(exactlyOnce(record)).toEqual([]);
    expect(anomalies(liveness(record))).toEqual(["liveness/not_drained"]);
  });

  it("reports an op applied twice as duplicated, at the time of the second apply, with both cursors", () => {
    const record = cleanRun().at(80).apply("client-1", [5]).build();
    const violations = exactlyOnce(record);
    expect(violations).toEqual([
      {
        checker: "exactly-once",
        anomaly: "duplicated",
        message: expect.stringContaining("applied 2 times"),
        t_ms: 80,
        witness: { producer: "prd_client-1", seq: 5, op_id: "op_client-1_5", cursors: [5, 6] },
      },
    ]);
  });

  it("reports a log row no client ever committed as unexpected", () => {
    const record = cleanRun().foreign(0, "prd_ghost", 1, "op_ghost_1").build();
    expect(exactlyOnce(record)).toEqual([
      {
        checker: "exactly-once",
        anomaly: "unexpected",
        message: expect.stringContaining("never committed"),
        t_ms: null,
        witness: { op: "prd_ghost#1", cursor: 6, share: "sh_0", op_id: "op_ghost_1", committed_op_id: null },
      },
    ]);
  });

  it("reports a log row whose op_id differs from the one committed under that seq as unexpected", () => {
    const record = run()
      .client("client-1")
      .at(10)
      .commit("client-1", msg("client-1"), part("client-1"))
      .at(20)
      .apply("client-1", [1])
      .apply("client-1", [2], { op_id: "op_forged" })
      .ack("client-1", 2)
      .build();
    expect(exactlyOnce(record)).toEqual([
      {
        checker: "exactly-once",
        anomaly: "unexpected",
        message: expect.stringMatching(/carries op_forged, but op_client-1_2 was committed/),
        t_ms: null,
        witness: { op: "prd_client-1#2", cursor: 2, share: "sh_0", op_id: "op_forged", committed_op_id: "op_client-1_2" },
      },
    ]);
  });
});

// --- cursor-monotonic --------------------------------------------------------

describe("cursor-monotonic", () => {
  const violation = (anomaly: "nonmonotonic" | "skip", t_ms: number | null, witness: Record<string, unknown>) => ({
    checker: "cursor-monotonic",
    anomaly,
    message: expect.any(String),
    t_ms,
    witness,
  });

  it("reports a server restart that brings back a lower committed cursor as nonmonotonic", () => {
    const record = cleanRun().at(70).serverRestart({ sh_0: 3 }).build();
    expect(cursorMonotonic(record)).toEqual([violation("nonmonotonic", 70, { share: "sh_0", cursor_before: 5, cursor_after: 3, rows: 0 })]);
  });

  it("reports a client told on the wire a cursor below where its own last_seq was committed as nonmonotonic", () => {
    const record = cleanRun().at(70).told("client-1", 4, 5).build();
    expect(cursorMonotonic(record)).toEqual([violation("nonmonotonic", 70, { node: "client-1", cursor: 4, last_seq: 5, cursor_of_last_seq: 5 })]);
  });

  it("reports a client told a stale cursor by a redeem result as nonmonotonic", () => {
    const record = cleanRun().at(70).told("client-1", 2, 3).build();
    expect(cursorMonotonic(record)).toEqual([violation("nonmonotonic", 70, { node: "client-1", cursor: 2, last_seq: 3, cursor_of_last_seq: 3 })]);
  });

  it("reports a cursor the client's outbox committed going down as nonmonotonic", () => {
    const record = cleanRun().at(70).sample("client-1", 5, 2).build();
    expect(cursorMonotonic(record)).toEqual([violation("nonmonotonic", 70, { node: "client-1", previous: 5, recorded: 2 })]);
  });

  it("reports a final cursor below the log length as nonmonotonic", () => {
    const record = withShare(cleanRun().build(), 0, { cursor: 4 });
    expect(cursorMonotonic(record)).toEqual([violation("nonmonotonic", 100, { share: "sh_0", cursor: 4, applied: 5 })]);
  });

  it("reports a commit whose committed cursor moves by less than the rows it added as nonmonotonic", () => {
    const record = cleanRun().at(70).commit("client-1", append("client-1", "!")).at(80).apply("client-1", [6], { cursor_to: 5 }).build();
    expect(cursorMonotonic(record)).toEqual([violation("nonmonotonic", 80, { share: "sh_0", cursor_before: 5, cursor_after: 5, rows: 1 })]);
  });

  it("reports a commit that jumps the committed cursor ahead of its rows as skip", () => {
    const record = cleanRun().at(70).commit("client-1", append("client-1", "!")).at(80).apply("client-1", [6], { cursor_to: 8 }).build();
    expect(cursorMonotonic(record)).toEqual([violation("skip", 80, { share: "sh_0", cursor_before: 5, cursor_after: 8, rows: 1 })]);
  });

  it("reports a client told a cursor above what the server had committed as skip", () => {
    const record = cleanRun().at(70).told("client-1", 9, 5).build();
    expect(cursorMonotonic(record)).toEqual([violation("skip", 70, { node: "client-1", cursor: 9, committed: 5 })]);
  });

  it("judges a told cursor against what was committed at that moment, not at the end", () => {
    // Told cursor 5 at t=35, when only 3 ops had been committed.
    const record = cleanRun().at(35).told("client-1", 5, 3).build();
    const inOrder = { ...record, observed: { ...record.observed, told: [...record.observed.told].sort((a, b) => a.t - b.t) } };
    expect(cursorMonotonic(inOrder)).toEqual([violation("skip", 35, { node: "client-1", cursor: 5, committed: 3 })]);
  });

  it("reports a final cursor above the log length as skip", () => {
    const record = withShare(cleanRun().build(), 0, { cursor: 7 });
    expect(cursorMonotonic(record)).toEqual([violation("skip", 100, { share: "sh_0", cursor: 7, applied: 5 })]);
  });

  it("judges a cursor by the share of the client that was told it", () => {
    // client-2 writes to share 1; a cursor of 5 is fine on share 0 but not on share 1 (1 op committed).
    const record = cleanRun().client("client-2").at(110).commit("client-2", msg("client-2")).apply("client-2", [1]).ack("client-2", 1).told("client-2", 5, 1).build();
    expect(cursorMonotonic(record)).toEqual([violation("skip", 110, { node: "client-2", cursor: 5, committed: 1 })]);
  });

  it("takes nothing from the code under test's own reports: a lying probe alone is no violation, a wrong cursor on the wire is", () => {
    const c = producerOf("client-1");
    const lying = cleanRun().at(70).event("client-1", "ack_received", { producer: c, last_seq: 5, cursor: 1, applied: 0, duplicates: 1, rejected: 0 }).event("client-1", "cursor_recorded", { producer: c, share: "sh_0", cursor: 1 });
    expect(cursorMonotonic(lying.build())).toEqual([]);
    expect(anomalies(cursorMonotonic(lying.told("client-1", 1, 5).build()))).toEqual(["cursor-monotonic/nonmonotonic"]);
    // A probe claiming the right cursor does not hide a committed cursor that stood still.
    const quiet = cleanRun().at(70).commit("client-1", append("client-1", "!")).at(80).apply("client-1", [6], { cursor_to: 5, probe: { cursor_to: 6 } }).build();
    expect(anomalies(cursorMonotonic(quiet))).toEqual(["cursor-monotonic/nonmonotonic"]);
  });
});

// --- order -----------------------------------------------------------------

describe("order", () => {
  const threeOps = () =>
    run()
      .client("client-1")
      .at(10)
      .commit("client-1", msg("client-1"), part("client-1"), append("client-1", "a"), append("client-1", "b"));

  it("reports a seq applied ahead of its predecessor as a gap", () => {
    const record = threeOps().at(20).apply("client-1", [1, 3]).build();
    expect(order(record)).toEqual([
      { checker: "order", anomaly: "gap", message: expect.stringContaining("seq 3 where seq 2 was due"), t_ms: null, witness: { share: "sh_0", cursor: 2, producer: "prd_client-1", seq: 3, expected_seq: 2 } },
    ]);
  });

  it("reports the same seq applied twice in a row as a repeat", () => {
    const record = threeOps().at(20).apply("client-1", [1, 2]).apply("client-1", [2]).build();
    expect(order(record)).toEqual([
      { checker: "order", anomaly: "repeat", message: expect.any(String), t_ms: null, witness: { share: "sh_0", cursor: 3, producer: "prd_client-1", seq: 2, expected_seq: 3 } },
    ]);
  });

  it("reports a swapped pair as a gap, then the late one as reordered", () => {
    const record = threeOps().at(20).apply("client-1", [1, 3, 2, 4]).build();
    expect(order(record).map((v) => [v.anomaly, v.witness])).toEqual([
      ["gap", { share: "sh_0", cursor: 2, producer: "prd_client-1", seq: 3, expected_seq: 2 }],
      ["reordered", { share: "sh_0", cursor: 3, producer: "prd_client-1", seq: 2, expected_seq: 4 }],
    ]);
  });

  it("reports an old seq coming back after later ones as reordered", () => {
    const record = threeOps().at(20).apply("client-1", [1, 2, 3, 1]).build();
    expect(order(record)).toEqual([
      { checker: "order", anomaly: "reordered", message: expect.any(String), t_ms: null, witness: { share: "sh_0", cursor: 4, producer: "prd_client-1", seq: 1, expected_seq: 4 } },
    ]);
  });

  it("counts seqs per producer, so two interleaved producers are in order", () => {
    const record = threeOps()
      .client("client-2", { share: 0 })
      .commit("client-2", msg("client-2"), part("client-2"))
      .apply("client-2", [1])
      .apply("client-1", [1])
      .apply("client-2", [2])
      .apply("client-1", [2])
      .build();
    expect(order(record)).toEqual([]);
    // ...and a gap in one of them is still seen.
    const gap = threeOps().client("client-2", { share: 0 }).commit("client-2", msg("client-2"), part("client-2")).apply("client-1", [1]).apply("client-2", [2]).build();
    expect(order(gap).map((v) => [v.anomaly, v.witness.producer, v.witness.seq])).toEqual([["gap", "prd_client-2", 2]]);
  });
});

// --- ack-integrity -----------------------------------------------------------

describe("ack-integrity", () => {
  it("reports a client whose outbox committed ops as acked before the server committed them as acked_unapplied", () => {
    const record = run()
      .client("client-1")
      .at(10)
      .commit("client-1", msg("client-1"), part("client-1"), append("client-1", "a"))
      .at(20)
      .apply("client-1", [1])
      .at(25)
      .sample("client-1", 3, 1)
      .at(30)
      .apply("client-1", [2, 3])
      .at(40)
      .ack("client-1", 3)
      .build();
    expect(ackIntegrity(record)).toEqual([
      {
        checker: "ack-integrity",
        anomaly: "acked_unapplied",
        message: expect.stringContaining("had not committed seq 2"),
        t_ms: 25,
        witness: { node: "client-1", producer: "prd_client-1", acked_seq: 3, unapplied_seq: 2 },
      },
    ]);
  });

  it("names the first hole when the committed seqs are not contiguous", () => {
    const record = run()
      .client("client-1")
      .at(10)
      .commit("client-1", msg("client-1"), part("client-1"), append("client-1", "a"))
      .at(20)
      .apply("client-1", [1])
      .apply("client-1", [3])
      .at(30)
      .sample("client-1", 3, 2)
      .build();
    const violations = ackIntegrity(record);
    expect(violations.map((v) => [v.anomaly, v.t_ms, v.witness.unapplied_seq])).toEqual([["acked_unapplied", 30, 2]]);
  });

  it("reports an acked seq missing from the server's final committed log as acked_not_durable", () => {
    // The commits were seen, but the final log lost seq 3.
    const clean = cleanRun().build();
    const record = withShare(clean, 0, { log: clean.shares[0]!.log.filter((r) => r.seq !== 3) });
    expect(ackIntegrity(record)).toEqual([
      {
        checker: "ack-integrity",
        anomaly: "acked_not_durable",
        message: expect.stringContaining("seq 3 is not in the server's committed log"),
        t_ms: 100,
        witness: { node: "client-1", producer: "prd_client-1", acked_seq: 5, missing_seq: 3 },
      },
    ]);
  });

  it("reports each producer once", () => {
    const record = run().client("client-1").at(10).commit("client-1", msg("client-1"), part("client-1")).at(20).sample("client-1", 1, 0).sample("client-1", 2, 0).build();
    // Never committed at all, and acked 2 at the end: one acked_unapplied, no acked_not_durable.
    expect(anomalies(ackIntegrity(withClient(record, "client-1", { acked_seq: 2 })))).toEqual(["ack-integrity/acked_unapplied"]);
  });

  it("takes nothing from the client's own reports: a marked_acked probe alone is no violation", () => {
    const record = run()
      .client("client-1")
      .at(10)
      .commit("client-1", msg("client-1"), part("client-1"))
      .at(20)
      .event("client-1", "marked_acked", { producer: producerOf("client-1"), acked_seq: 2 })
      .at(30)
      .apply("client-1", [1, 2])
      .ack("client-1", 2)
      .build();
    expect(ackIntegrity(record)).toEqual([]);
  });
});

// --- capability ----------------------------------------------------------------

describe("capability", () => {
  const where = { share: "sh_0", producer: "prd_client-1", seq: 6, cursor: 6, node: "client-1", transport: "websocket", sent_at: 80 };

  it("reports a commit carried under a read capability as read_only_write", () => {
    const record = cleanRun().at(70).commit("client-1", append("client-1", "!")).at(80).apply("client-1", [6], { scope: "read" }).ack("client-1", 6).build();
    expect(capability(record)).toEqual([
      { checker: "capability", anomaly: "read_only_write", message: expect.stringContaining("read capability"), t_ms: 80, witness: { ...where, scope: "read" } },
    ]);
  });

  it("reports a commit carried under an epoch older than a revoke as stale_epoch_write", () => {
    const record = cleanRun().at(70).revoke(0).commit("client-1", append("client-1", "!")).at(80).apply("client-1", [6], { epoch: 0 }).ack("client-1", 6).build();
    expect(capability(record)).toEqual([
      {
        checker: "capability",
        anomaly: "stale_epoch_write",
        message: expect.stringContaining("at epoch 1, carried by client-1 under epoch 0"),
        t_ms: 80,
        witness: { ...where, credential_epoch: 0, share_epoch: 1 },
      },
    ]);
  });

  it("reports a commit carried with a secret that was not the share's as unauthorized_write", () => {
    const record = cleanRun().at(70).commit("client-1", append("client-1", "!")).at(80).apply("client-1", [6], { secret_ok: false }).ack("client-1", 6).build();
    expect(anomalies(capability(record))).toEqual(["capability/unauthorized_write"]);
  });

  it("accepts commits at the old epoch before the revoke and at the new one after", () => {
    const record = cleanRun().at(70).revoke(0).commit("client-1", append("client-1", "!")).at(80).apply("client-1", [6], { epoch: 1 }).ack("client-1", 6).build();
    expect(capability(record)).toEqual([]);
  });

  it("does not believe the server's own report: a probe claiming a current epoch and write scope hides nothing", () => {
    const stale = cleanRun().at(70).revoke(0).commit("client-1", append("client-1", "!")).at(80).apply("client-1", [6], { epoch: 0, probe: { epoch: 1, scope: "write" } }).build();
    expect(anomalies(capability(stale))).toEqual(["capability/stale_epoch_write"]);
    const reader = cleanRun().at(70).commit("client-1", append("client-1", "!")).at(80).apply("client-1", [6], { scope: "read", probe: { scope: "write" } }).build();
    expect(anomalies(capability(reader))).toEqual(["capability/read_only_write"]);
    // ...and with no probe at all, the commit is judged just the same.
    const silent = cleanRun().at(70).revoke(0).commit("client-1", append("client-1", "!")).at(80).apply("client-1", [6], { epoch: 0, event: false }).build();
    expect(anomalies(capability(silent))).toEqual(["capability/stale_epoch_write"]);
  });

  it("reports a read-scope client whose op reached the log as unauthorized_write", () => {
    const record = run().client("client-1", { scope: "read" }).at(10).commit("client-1", msg("client-1")).at(20).apply("client-1", [1]).ack("client-1", 1).build();
    expect(capability(record)).toEqual([
      {
        checker: "capability",
        anomaly: "read_only_write",
        message: expect.stringContaining("under a read capability"),
        t_ms: 20,
        witness: { share: "sh_0", producer: "prd_client-1", seq: 1, cursor: 1, node: "client-1", transport: "websocket", sent_at: 20, scope: "read" },
      },
      {
        checker: "capability",
        anomaly: "unauthorized_write",
        message: expect.stringContaining("holds only a read capability"),
        t_ms: 20,
        witness: { node: "client-1", producer: "prd_client-1", share: "sh_0", seq: 1, cursor: 1 },
      },
    ]);
  });

  it("reports a wrong-secret client whose op reached the log as unauthorized_write, at the moment the world saw the commit", () => {
    const record = run()
      .client("client-1")
      .client("client-2", { share: 0, secret: "wrong" })
      .at(10)
      .commit("client-1", msg("client-1"))
      .commit("client-2", msg("client-2"))
      .at(20)
      .apply("client-1", [1])
      .apply("client-2", [1], { event: false })
      .ack("client-1", 1)
      .build();
    expect(capability(record).map((v) => [v.anomaly, v.t_ms, v.witness.node])).toEqual([
      ["unauthorized_write", 20, "client-2"],
      ["unauthorized_write", 20, "client-2"],
    ]);
    expect(capability(record)[1]!.message).toContain("never had the right secret");
  });

  it("reports what the adversary got away with: an accepted forbidden attempt, a refusal without a code, a refusal that changed state", () => {
    const built = cleanRun().build();
    const probe = (over: Partial<Observed["forbidden"][number]>) => ({ t: 50, attempt: "reader_append" as const, share: "sh_0", outcome: "refused" as const, code: "read_only", message: "no", state_changed: false, ...over });
    const record = {
      ...built,
      observed: {
        ...built.observed,
        forbidden: [probe({}), probe({ outcome: "accepted", code: null }), probe({ code: null }), probe({ state_changed: true }), probe({ outcome: "skipped", code: null })],
      },
    };
    expect(anomalies(capability(record))).toEqual(["capability/forbidden_accepted", "capability/refusal_without_code", "capability/refusal_changed_state"]);
  });
});

// --- convergence -----------------------------------------------------------------

describe("convergence", () => {
  it("passes when the server's session equals the reference model", () => {
    const record = cleanRun().build();
    expect(record.shares[0]!.view.parts).toEqual([{ part_id: "p_client-1", message_id: "m_client-1", type: "text", text: "hello world", state: null }]);
    expect(convergence(record)).toEqual([]);
  });

  it("reports a doubled part.append as diverged, naming parts[<id>].text", () => {
    const record = cleanRun().at(80).apply("client-1", [4]).at(100).build();
    expect(convergence(record)).toEqual([
      {
        checker: "convergence",
        anomaly: "diverged",
        message: expect.stringContaining("parts[p_client-1].text"),
        t_ms: 100,
        witness: { share: "sh_0", path: "parts[p_client-1].text", expected: "hello world", actual: "hello worldworld", ops_expected: 5 },
      },
    ]);
  });

  it("reports a committed op missing from the server as diverged (a missing row)", () => {
    const record = cleanRun().at(70).commit("client-1", { kind: "diff.replace", path: "src/a.ts", additions: 1, deletions: 0, patch: "@@" }).at(100).outbox("client-1", []).build();
    const [v, ...rest] = convergence(record);
    expect(rest).toEqual([]);
    expect(v).toMatchObject({ checker: "convergence", anomaly: "diverged", t_ms: 100, witness: { share: "sh_0", path: "diffs[src/a.ts]", actual: null, ops_expected: 6 } });
    expect(v!.witness.expected).toEqual({ path: "src/a.ts", additions: 1, deletions: 0, patch: "@@" });
  });

  it("leaves ops still pending in an outbox out of the reference", () => {
    const record = cleanRun().at(70).commit("client-1", append("client-1", "!")).at(100).build();
    expect(record.clients[0]!.pending).toHaveLength(1);
    expect(convergence(record)).toEqual([]);
  });

  it("reports a difference in the session row, and only for the share that differs", () => {
    const record = richCleanRun().build();
    const bad = withShare(record, 0, { view: { ...record.shares[0]!.view, session: { title: "other", directory: "/w" } } });
    expect(convergence(bad)).toEqual([
      {
        checker: "convergence",
        anomaly: "diverged",
        message: expect.stringContaining("sh_0 session"),
        t_ms: 200,
        witness: { share: "sh_0", path: "session", expected: { title: "shared", directory: "/w" }, actual: { title: "other", directory: "/w" }, ops_expected: 6 },
      },
    ]);
  });

  it("reports a row the reference does not have (an op no client committed)", () => {
    const record = cleanRun().foreign(0, "prd_ghost", 1, "ghost").build();
    expect(convergence(record).map((v) => [v.anomaly, v.witness.path, v.witness.expected])).toEqual([["diverged", "models[ghost]", null]]);
  });
});

// --- liveness ----------------------------------------------------------------------

describe("liveness", () => {
  it.each(["event_limit", "time_limit"] as const)("reports a run cut short by its %s", (outcome) => {
    const record = cleanRun().build({ outcome });
    expect(liveness(record)).toEqual([{ checker: "liveness", anomaly: outcome, message: expect.stringContaining("limit at 100 ms"), t_ms: 100, witness: { outcome } }]);
  });

  it("reports a client still holding ops at the end as not_drained", () => {
    const record = cleanRun().at(70).commit("client-1", append("client-1", "!"), append("client-1", "?")).at(5000).build({ outcome: "liveness_deadline", healed_at: 1000 });
    expect(liveness(record)).toEqual([
      {
        checker: "liveness",
        anomaly: "not_drained",
        message: expect.stringContaining("4000 ms after faults healed"),
        t_ms: 5000,
        witness: { node: "client-1", pending: 2, first_seq: 6, outcome: "liveness_deadline", up: true },
      },
    ]);
  });

  it("says when faults never healed", () => {
    const record = cleanRun().at(70).commit("client-1", append("client-1", "!")).build({ outcome: "quiescent", healed_at: null });
    expect(liveness(record)[0]?.message).toContain("faults never healed");
  });

  it("reports a client that stopped for a reason its scenario does not give it as stopped", () => {
    const record = cleanRun().at(70).commit("client-1", append("client-1", "!")).stop("client-1", "stale_epoch").at(100).build();
    expect(liveness(record)).toEqual([
      {
        checker: "liveness",
        anomaly: "stopped",
        message: expect.stringContaining("stopped with stale_epoch"),
        t_ms: 100,
        witness: { node: "client-1", code: "stale_epoch", pending: 1, first_seq: 6 },
      },
    ]);
  });

  it("allows read_only for a read client, bad_secret for a wrong secret or after a rotating revoke, and nothing else", () => {
    const record = run()
      .client("client-1", { scope: "read" })
      .client("client-2", { secret: "wrong" })
      .client("client-3")
      .client("client-4", { scope: "read" })
      .client("client-5", { share: 0 })
      .client("client-6", { share: 0, secret: "wrong" })
      .at(10)
      .commit("client-1", msg("client-1"))
      .commit("client-2", msg("client-2"))
      .commit("client-3", msg("client-3"))
      .commit("client-4", msg("client-4"))
      .commit("client-5", msg("client-5"))
      .commit("client-6", msg("client-6"))
      .at(20)
      .revoke(2, true)
      .stop("client-1", "read_only") // allowed: read scope
      .stop("client-2", "bad_secret") // allowed: wrong secret
      .stop("client-3", "bad_secret") // allowed: share 2's secret was rotated
      .stop("client-4", "bad_secret") // NOT allowed: read scope, valid secret, share 3 not rotated
      .stop("client-5", "bad_secret") // NOT allowed: share 0 was not rotated (share 2 was)
      .stop("client-6", "read_only") // NOT allowed: a write client with a wrong secret
      .at(100)
      .build();
    expect(record.rotated).toEqual([{ share_index: 2, t: 20 }]);
    expect(liveness(record).map((v) => [v.anomaly, v.witness.node, v.witness.code])).toEqual([
      ["stopped", "client-4", "bad_secret"],
      ["stopped", "client-5", "bad_secret"],
      ["stopped", "client-6", "read_only"],
    ]);
  });

  it("takes an allowed reason only when the server said so on the wire", () => {
    const record = run().client("client-1", { secret: "wrong" }).at(10).commit("client-1", msg("client-1")).at(20).stop("client-1", "bad_secret", { told: false }).at(100).build();
    expect(liveness(record).map((v) => [v.anomaly, v.witness.code])).toEqual([["stopped", "bad_secret"]]);
  });

  it("does not report a stopped client with an empty outbox", () => {
    const record = cleanRun().stop("client-1", "stale_epoch").build();
    expect(liveness(record)).toEqual([]);
  });
});

// --- checkAll ----------------------------------------------------------------------

describe("checkAll", () => {
  it("runs the checkers in CHECKERS order", () => {
    expect(Object.keys(CHECKER_FNS)).toEqual([...CHECKERS]);
  });

  it("lists violations in checker order, then by time, with untimed ones last", () => {
    // seq 5 applied twice (t=300), seq 6 committed at t=70 and lost, a stray row, and a final cursor too high.
    const built = cleanRun().at(70).commit("client-1", append("client-1", "!")).at(300).apply("client-1", [5]).at(400).outbox("client-1", []).foreign(0, "prd_ghost", 1, "ghost").build();
    const record = withShare(built, 0, { cursor: 99 });
    const raw = exactlyOnce(record);
    // The checker itself reports in committed-seq order: the duplicate (t=300) before the loss (t=70).
    expect(raw.map((v) => [v.anomaly, v.t_ms])).toEqual([
      ["duplicated", 300],
      ["lost", 70],
      ["unexpected", null],
    ]);
    const all = checkAll(record);
    expect(all.map((v) => [v.checker, v.anomaly, v.t_ms])).toEqual([
      ["exactly-once", "lost", 70],
      ["exactly-once", "duplicated", 300],
      ["exactly-once", "unexpected", null],
      ["cursor-monotonic", "skip", 400],
      ["order", "repeat", null],
      ["convergence", "diverged", 400],
    ]);
    // Exactly what each checker says, nothing lost or added.
    expect(all).toHaveLength(Object.values(CHECKER_FNS).reduce((n, check) => n + check(record).length, 0));
  });

  it("keeps a checker's violations with equal times in the checker's own order", () => {
    const withTwoStops = run()
      .client("client-1")
      .client("client-2")
      .at(10)
      .commit("client-1", msg("client-1"))
      .commit("client-2", msg("client-2"))
      .stop("client-2", "invalid_op")
      .at(50)
      .build({ outcome: "event_limit" });
    expect(checkAll(withTwoStops).map((v) => [v.checker, v.anomaly, v.witness.node ?? v.witness.outcome])).toEqual([
      ["liveness", "event_limit", "event_limit"],
      ["liveness", "not_drained", "client-1"],
      ["liveness", "stopped", "client-2"],
    ]);
  });
});
