import { RpcSession, RpcTarget, type RpcStub } from "capnweb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorCode, type ErrorCode } from "../protocol/errors.ts";
import { DEFAULT_LIMITS, jsonBytes, type Limits } from "../protocol/limits.ts";
import { PushTransport } from "../protocol/message-transport.ts";
import type { Op, OpBody } from "../protocol/ops.ts";
import type { Ack, LogEntry, ReaderApi, Revoked, ShareApi, ShareState, WriterApi } from "../protocol/rpc.ts";
import { referenceMinter } from "./rpc/capabilities.ts";
import { createShareServer, openServerDb, type ServerParts, type ShareServer } from "./share-server.ts";
import { counterClock, seededRandom, counterIds } from "../protocol/fake-ports.ts";

// The share server's RPC contract, driven through the real capnweb path: a
// client RpcSession talks to `server.acceptSession(...)` over an in-memory pair
// of PushTransports, so every error crosses capnweb and must keep its `code`.

// ---------------------------------------------------------------- harness

interface Harness {
  server: ShareServer;
  main: RpcStub<ShareApi>;
  /** Every table the server keeps, plus the materialized view, for before/after comparisons. */
  snapshot(shareID: string): unknown;
  close(): void;
}

/** The older two-argument form, `appendOps(producerID, ops)`: taken only when it names the bound producer. */
const legacy = (w: unknown) => w as { appendOps(producerID: string, ops: Op[]): Promise<Ack> };

function startServer(limits: Limits = DEFAULT_LIMITS, parts: Partial<ServerParts> = {}): Harness {
  const db = openServerDb();
  const server = createShareServer({ db, clock: counterClock(), random: seededRandom(7), ids: counterIds(), limits }, parts);
  let clientSide!: PushTransport;
  let serverSide!: PushTransport;
  clientSide = new PushTransport((frame) => serverSide.deliver(frame), () => serverSide.fail());
  serverSide = new PushTransport((frame) => clientSide.deliver(frame), () => clientSide.fail());
  server.acceptSession(serverSide);
  const main = new RpcSession<ShareApi>(clientSide).getRemoteMain();
  return {
    server,
    main,
    snapshot: (shareID) => ({
      shares: db.prepare(`SELECT id, secret_hash, epoch, cursor FROM shares ORDER BY id`).all(),
      producers: db.prepare(`SELECT share_id, producer_id, last_seq FROM producers ORDER BY share_id, producer_id`).all(),
      log: db.prepare(`SELECT share_id, cursor, producer_id, seq, epoch, op FROM share_log ORDER BY share_id, cursor`).all(),
      view: server.store.view(shareID),
    }),
    close() {
      main[Symbol.dispose]();
      clientSide.fail();
      serverSide.fail();
      db.close();
    },
  };
}

async function redeemWriter(h: Harness, shareID: string, secret: string, producer = "prd-a"): Promise<ShareState & { writer: RpcStub<WriterApi> }> {
  const result = await h.main.redeem(shareID, secret, "write", producer);
  return { cursor: result.cursor, epoch: result.epoch, last_seq: result.last_seq, writer: result.capability as unknown as RpcStub<WriterApi> };
}

async function redeemReader(h: Harness, shareID: string, secret: string): Promise<RpcStub<ReaderApi>> {
  const result = await h.main.redeem(shareID, secret, "read");
  return result.capability as unknown as RpcStub<ReaderApi>;
}

async function append(writer: RpcStub<WriterApi>, producer: string, ops: unknown): Promise<Ack> {
  return (await writer.appendOps(ops as Op[])) as Ack;
}

/** The code of the error `work` rejects with; fails the test if it resolves. */
async function refusal(work: Promise<unknown> | PromiseLike<unknown>): Promise<ErrorCode | "no code"> {
  try {
    await work;
  } catch (error) {
    return errorCode(error) ?? "no code";
  }
  throw new Error("expected the call to be refused, but it succeeded");
}

const op = (seq: number, body: OpBody): Op => ({ seq, op_id: `op-${seq}`, body });
const appendText = (seq: number, text: string, part_id = "p1"): Op => op(seq, { kind: "part.append", part_id, message_id: "m1", text });
const textPart = (seq: number, part_id = "p1"): Op => op(seq, { kind: "part.upsert", part_id, message_id: "m1", type: "text", text: "" });

function textOf(h: Harness, shareID: string, part_id = "p1"): string | undefined {
  return h.server.store.view(shareID).parts.find((p) => p.part_id === part_id)?.text;
}

// ---------------------------------------------------------------- appendOps

describe("appendOps over capnweb", () => {
  let h: Harness;
  let share: { id: string; secret: string };
  beforeEach(async () => {
    h = startServer();
    share = await h.main.createShare("sess-1");
  });
  afterEach(() => h.close());

  it("applies the same batch once when it is sent twice", async () => {
    const { writer } = await redeemWriter(h, share.id, share.secret);
    const batch = [
      op(1, { kind: "session.upsert", title: "t", directory: "/d" }),
      textPart(2),
      appendText(3, "hello "),
      appendText(4, "world"),
    ];

    const first = await append(writer, "prd-a", batch);
    expect(first).toEqual({ cursor: 4, last_seq: 4, applied: 4, duplicates: 0, rejected: 0 });
    expect(textOf(h, share.id)).toBe("hello world");
    const before = h.snapshot(share.id);

    const second = await append(writer, "prd-a", batch);
    expect(second).toEqual({ cursor: 4, last_seq: 4, applied: 0, duplicates: 4, rejected: 0 });
    expect(h.snapshot(share.id)).toEqual(before);
    expect(textOf(h, share.id)).toBe("hello world");
  });

  it("settles a lost response: a new session redeems last_seq and a resend counts as duplicates", async () => {
    const first = await redeemWriter(h, share.id, share.secret);
    await append(first.writer, "prd-a", [textPart(1), appendText(2, "once")]);

    const again = await redeemWriter(h, share.id, share.secret);
    expect({ cursor: again.cursor, epoch: again.epoch, last_seq: again.last_seq }).toEqual({ cursor: 2, epoch: 0, last_seq: 2 });
    // A batch overlapping what was applied: only the new op applies.
    const ack = await append(again.writer, "prd-a", [appendText(2, "once"), appendText(3, "+more")]);
    expect(ack).toEqual({ cursor: 3, last_seq: 3, applied: 1, duplicates: 1, rejected: 0 });
    expect(textOf(h, share.id)).toBe("once+more");
  });

  it("rejects a gap together with everything after it", async () => {
    const { writer } = await redeemWriter(h, share.id, share.secret);
    await append(writer, "prd-a", [textPart(1), appendText(2, "a")]);

    // 3 applies; 5 is a gap, so 5 and 6 are rejected even though 6 would follow 5.
    const ack = await append(writer, "prd-a", [
      appendText(3, "b"),
      appendText(5, "GAP"),
      op(6, { kind: "model.upsert", model_id: "mdl", provider: "x", name: "n" }),
    ]);
    expect(ack).toEqual({ cursor: 3, last_seq: 3, applied: 1, duplicates: 0, rejected: 2 });
    expect(textOf(h, share.id)).toBe("ab");
    expect(h.server.store.view(share.id).models).toEqual([]);
    const logged = (h.snapshot(share.id) as { log: { seq: number }[] }).log.map((r) => r.seq);
    expect(logged).toEqual([1, 2, 3]);

    // A batch that is all gap changes nothing.
    const before = h.snapshot(share.id);
    expect(await append(writer, "prd-a", [appendText(5, "GAP")])).toEqual({ cursor: 3, last_seq: 3, applied: 0, duplicates: 0, rejected: 1 });
    expect(h.snapshot(share.id)).toEqual(before);

    // Once the missing op arrives, the rest applies.
    expect(await append(writer, "prd-a", [appendText(4, "c"), appendText(5, "d")])).toEqual({ cursor: 5, last_seq: 5, applied: 2, duplicates: 0, rejected: 0 });
    expect(textOf(h, share.id)).toBe("abcd");
  });

  it("takes ops in the order sent: an op out of seq order is a gap, and it and everything after it are rejected", async () => {
    const { writer } = await redeemWriter(h, share.id, share.secret);
    const before = h.snapshot(share.id);
    const ack = await append(writer, "prd-a", [appendText(3, "c"), textPart(1), appendText(2, "b")]);
    expect(ack).toEqual({ cursor: 0, last_seq: 0, applied: 0, duplicates: 0, rejected: 3 });
    expect(h.snapshot(share.id)).toEqual(before);
    // Sent in order, the same ops apply.
    expect(await append(writer, "prd-a", [textPart(1), appendText(2, "b"), appendText(3, "c")])).toEqual({ cursor: 3, last_seq: 3, applied: 3, duplicates: 0, rejected: 0 });
    expect(textOf(h, share.id)).toBe("bc");
  });

  it("keeps seqs per producer while the cursor counts every applied op of the share", async () => {
    const a = await redeemWriter(h, share.id, share.secret, "prd-a");
    const b = await redeemWriter(h, share.id, share.secret, "prd-b");
    expect(await append(a.writer, "prd-a", [textPart(1, "pa"), appendText(2, "A", "pa")])).toMatchObject({ cursor: 2, last_seq: 2, applied: 2 });
    expect(await append(b.writer, "prd-b", [textPart(1, "pb")])).toMatchObject({ cursor: 3, last_seq: 1, applied: 1, duplicates: 0 });
    const again = await redeemWriter(h, share.id, share.secret, "prd-b");
    expect(again.last_seq).toBe(1);
    expect(again.cursor).toBe(3);
  });
});

// ---------------------------------------------------------------- capabilities

describe("capabilities", () => {
  let h: Harness;
  let share: { id: string; secret: string };
  beforeEach(async () => {
    h = startServer();
    share = await h.main.createShare("sess-1");
  });
  afterEach(() => h.close());

  it("revoke bumps the epoch and refuses every older capability with stale_epoch", async () => {
    const old = await redeemWriter(h, share.id, share.secret);
    const sibling = await redeemWriter(h, share.id, share.secret, "prd-b");
    const reader = await redeemReader(h, share.id, share.secret);
    expect(old.epoch).toBe(0);
    await append(old.writer, "prd-a", [textPart(1), appendText(2, "before")]);

    const revoked = (await old.writer.revoke()) as Revoked;
    expect(revoked).toEqual({ epoch: 1 });
    const before = h.snapshot(share.id);

    expect(await refusal(old.writer.appendOps([appendText(3, "after")]))).toBe("stale_epoch");
    expect(await refusal(sibling.writer.appendOps([appendText(1, "after", "pb")]))).toBe("stale_epoch");
    expect(await refusal(old.writer.revoke())).toBe("stale_epoch");
    expect(await refusal(reader.read(0, 10))).toBe("stale_epoch");
    expect(await refusal(reader.session())).toBe("stale_epoch");
    expect(h.snapshot(share.id)).toEqual(before);
    expect(textOf(h, share.id)).toBe("before");

    // The secret is the sturdy reference: redeeming it again gives a live writer in the new epoch.
    const fresh = await redeemWriter(h, share.id, share.secret);
    expect(fresh).toMatchObject({ epoch: 1, cursor: 2, last_seq: 2 });
    expect(await append(fresh.writer, "prd-a", [appendText(3, "+after")])).toEqual({ cursor: 3, last_seq: 3, applied: 1, duplicates: 0, rejected: 0 });
    expect(textOf(h, share.id)).toBe("before+after");
    expect((h.snapshot(share.id) as { log: { epoch: number }[] }).log.map((r) => r.epoch)).toEqual([0, 0, 1]);
  });

  it("revoke with rotate_secret makes the old secret fail with bad_secret", async () => {
    const { writer } = await redeemWriter(h, share.id, share.secret);
    const revoked = (await writer.revoke({ rotate_secret: true })) as Revoked;
    expect(revoked.epoch).toBe(1);
    expect(typeof revoked.secret).toBe("string");
    expect(revoked.secret).not.toBe(share.secret);
    const before = h.snapshot(share.id);

    expect(await refusal(h.main.redeem(share.id, share.secret, "write", "prd-a"))).toBe("bad_secret");
    expect(await refusal(h.main.redeem(share.id, share.secret, "read"))).toBe("bad_secret");
    expect(h.snapshot(share.id)).toEqual(before);

    const fresh = await redeemWriter(h, share.id, revoked.secret!);
    expect(fresh.epoch).toBe(1);
    expect(await append(fresh.writer, "prd-a", [textPart(1)])).toMatchObject({ applied: 1 });
  });

  it("a read-only capability cannot write: read_only, nothing applied", async () => {
    const { writer } = await redeemWriter(h, share.id, share.secret);
    await append(writer, "prd-a", [textPart(1), appendText(2, "x")]);
    const reader = await redeemReader(h, share.id, share.secret);
    const before = h.snapshot(share.id);

    const asWriter = reader as unknown as RpcStub<WriterApi>;
    expect(await refusal(asWriter.appendOps([appendText(3, "y")]))).toBe("read_only");
    expect(await refusal(asWriter.revoke())).toBe("read_only");
    expect(h.snapshot(share.id)).toEqual(before);

    // The reader still reads.
    const page = await reader.read(0, 10);
    expect(page.cursor).toBe(2);
    expect(page.entries.map((e) => e.seq)).toEqual([1, 2]);
    expect((await reader.session()).parts.map((p) => p.text)).toEqual(["x"]);
  });

  it("the store refuses a read grant that reaches appendOps (minter handing out writers for reads)", async () => {
    // A mistaken minter gives a read grant a writer object; the store's own scope check must still hold.
    h.close();
    h = startServer(DEFAULT_LIMITS, { minter: { writer: referenceMinter.writer, reader: referenceMinter.writer } });
    share = await h.main.createShare("sess-1");
    const { writer } = await redeemWriter(h, share.id, share.secret);
    await append(writer, "prd-a", [textPart(1)]);
    const readGrant = (await h.main.redeem(share.id, share.secret, "read", "prd-a")).capability as unknown as RpcStub<WriterApi>;
    const before = h.snapshot(share.id);

    expect(await refusal(readGrant.appendOps([appendText(2, "y")]))).toBe("read_only");
    expect(await refusal(readGrant.revoke())).toBe("read_only");
    expect(h.snapshot(share.id)).toEqual(before);
  });
});

// ---------------------------------------------------------------- input validation

describe("every malformed or oversized input is refused with its code and changes nothing", () => {
  // Small limits so that each size limit can be crossed on its own.
  const limits: Limits = { ...DEFAULT_LIMITS, ops_per_call_max: 5, op_bytes_max: 400, call_bytes_max: 1000 };
  const chunk = (seq: number, length: number): Op => appendText(seq, "x".repeat(length));

  let h: Harness;
  let share: { id: string; secret: string };
  let writer: RpcStub<WriterApi>;
  beforeEach(async () => {
    h = startServer(limits);
    share = await h.main.createShare("sess-1");
    writer = (await redeemWriter(h, share.id, share.secret)).writer;
    // Some state to protect: producer prd-a at last_seq 2, cursor 2.
    await append(writer, "prd-a", [textPart(1), appendText(2, "base")]);
  });
  afterEach(() => h.close());

  // Each case starts with valid next ops (3, 4) so that a partial apply would show.
  const cases: { name: string; code: ErrorCode; call: (h: Harness, w: RpcStub<WriterApi>, s: { id: string; secret: string }) => PromiseLike<unknown> }[] = [
    { name: "op with an unknown kind", code: "invalid_op", call: (_h, w) => w.appendOps([appendText(3, "a"), { seq: 4, op_id: "o4", body: { kind: "part.delete", part_id: "p1" } }] as Op[]) },
    { name: "op with a missing field", code: "invalid_op", call: (_h, w) => w.appendOps([appendText(3, "a"), { seq: 4, op_id: "o4", body: { kind: "part.append", part_id: "p1", text: "z" } }] as Op[]) },
    { name: "op with an extra field", code: "invalid_op", call: (_h, w) => w.appendOps([appendText(3, "a"), { ...appendText(4, "b"), extra: 1 }] as Op[]) },
    { name: "op with seq 0", code: "invalid_op", call: (_h, w) => w.appendOps([appendText(3, "a"), appendText(0, "b")]) },
    { name: "op with a fractional seq", code: "invalid_op", call: (_h, w) => w.appendOps([appendText(3, "a"), appendText(3.5, "b")]) },
    { name: "op with an empty append", code: "invalid_op", call: (_h, w) => w.appendOps([appendText(3, "a"), appendText(4, "")]) },
    { name: "op that is not an object", code: "invalid_op", call: (_h, w) => w.appendOps([appendText(3, "a"), "op" as unknown as Op]) },
    { name: "too many ops in one call", code: "too_large", call: (_h, w) => w.appendOps([3, 4, 5, 6, 7, 8].map((s) => appendText(s, "a"))) },
    { name: "an op over op_bytes_max", code: "too_large", call: (_h, w) => w.appendOps([appendText(3, "a"), chunk(4, 450)]) },
    { name: "a call over call_bytes_max", code: "too_large", call: (_h, w) => w.appendOps([chunk(3, 300), chunk(4, 300), chunk(5, 300)]) },
    { name: "non-array ops", code: "invalid_request", call: (_h, w) => w.appendOps({ 0: appendText(3, "a") } as unknown as Op[]) },
    { name: "empty ops", code: "invalid_request", call: (_h, w) => w.appendOps([]) },
    { name: "bad producer id (space)", code: "invalid_request", call: (_h, w) => legacy(w).appendOps("prd a", [appendText(3, "a")]) },
    { name: "bad producer id (empty)", code: "invalid_request", call: (_h, w) => legacy(w).appendOps("", [appendText(3, "a")]) },
    { name: "bad producer id (not a string)", code: "invalid_request", call: (_h, w) => legacy(w).appendOps(42 as unknown as string, [appendText(3, "a")]) },
    { name: "append naming another producer than the one redeemed for", code: "wrong_producer", call: (_h, w) => legacy(w).appendOps("prd-b", [appendText(3, "a")]) },
    { name: "redeem a writer without a producer", code: "invalid_request", call: (h, _w, s) => (h.main.redeem as (...args: unknown[]) => Promise<unknown>)(s.id, s.secret, "write") },
    { name: "revoke with a non-boolean rotate_secret", code: "invalid_request", call: (_h, w) => w.revoke({ rotate_secret: "yes" as unknown as boolean }) },
    { name: "redeem an unknown share", code: "unknown_share", call: (h) => h.main.redeem("shr_nope", "secret", "write", "prd-a") },
    { name: "redeem with a bad secret", code: "bad_secret", call: (h, _w, s) => h.main.redeem(s.id, `${s.secret}0`, "write", "prd-a") },
    { name: "redeem with a bad scope", code: "invalid_request", call: (h, _w, s) => h.main.redeem(s.id, s.secret, "admin" as "write", "prd-a") },
    { name: "redeem with a bad share id", code: "invalid_request", call: (h, _w, s) => h.main.redeem("../etc", s.secret, "write", "prd-a") },
    { name: "redeem with a bad producer id", code: "invalid_request", call: (h, _w, s) => h.main.redeem(s.id, s.secret, "write", "prd/a") },
    { name: "redeem with an empty secret", code: "invalid_request", call: (h, _w, s) => h.main.redeem(s.id, "", "write", "prd-a") },
    { name: "createShare with a bad session id", code: "invalid_request", call: (h) => h.main.createShare("") },
  ];

  it.each(cases)("$name -> $code", async ({ code, call }) => {
    const before = h.snapshot(share.id);
    expect(await refusal(call(h, writer, share))).toBe(code);
    expect(h.snapshot(share.id)).toEqual(before);
    expect(textOf(h, share.id)).toBe("base");
  });

  it("control: the same sizes just under each limit are accepted", async () => {
    // Proves the limits above are what refused those calls, not something else.
    const ops = [chunk(3, 200), chunk(4, 200), appendText(5, "a"), appendText(6, "b"), appendText(7, "c")];
    expect(ops.length).toBe(limits.ops_per_call_max);
    expect(Math.max(...ops.map(jsonBytes))).toBeLessThanOrEqual(limits.op_bytes_max);
    expect(ops.reduce((sum, o) => sum + jsonBytes(o), 0)).toBeLessThanOrEqual(limits.call_bytes_max);
    expect(await append(writer, "prd-a", ops)).toEqual({ cursor: 7, last_seq: 7, applied: 5, duplicates: 0, rejected: 0 });
  });
});

// ---------------------------------------------------------------- subscribe (push to viewers)

/** A viewer's listener that records what it was pushed; `hold` keeps each push unanswered until released. */
class RecordingListener extends RpcTarget {
  readonly pushes: number[][] = [];
  readonly ends: { code: string; message: string }[] = [];
  readonly #held: (() => void)[] = [];
  hold = false;

  entries(entries: LogEntry[]): Promise<void> | void {
    this.pushes.push(entries.map((e) => e.cursor));
    if (this.hold) return new Promise((resolve) => this.#held.push(resolve));
  }

  ended(reason: { code: string; message: string }): void {
    this.ends.push(reason);
  }

  release(): void {
    this.hold = false;
    for (const resolve of this.#held.splice(0)) resolve();
  }
}

/** Lets capnweb's message loop run until nothing is left to deliver. */
const drain = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("subscribe over capnweb", () => {
  let h: Harness;
  let share: { id: string; secret: string };
  const limits = { ...DEFAULT_LIMITS, push_entries_max: 3, push_in_flight_max: 2 };
  beforeEach(async () => {
    h = startServer(limits);
    share = await h.main.createShare("sess-1");
    const { writer } = await redeemWriter(h, share.id, share.secret);
    await append(writer, "prd-a", [textPart(1), ...[2, 3, 4, 5, 6, 7, 8].map((n) => appendText(n, String(n)))]);
  });
  afterEach(() => h.close());

  it("pushes every entry after fromCursor in cursor order, then each new one as it is applied", async () => {
    const reader = await redeemReader(h, share.id, share.secret);
    const listener = new RecordingListener();
    const subscribed = await reader.subscribe(2, listener);
    expect(subscribed).toEqual({ cursor: 8, epoch: 0 });
    await drain();
    expect(listener.pushes.flat()).toEqual([3, 4, 5, 6, 7, 8]);
    expect(Math.max(...listener.pushes.map((p) => p.length))).toBe(3);
    const { writer } = await redeemWriter(h, share.id, share.secret, "prd-b");
    await append(writer, "prd-b", [appendText(1, "x", "p2")]);
    await drain();
    expect(listener.pushes.flat()).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it("holds back when push_in_flight_max pushes are unanswered, and goes on when they return", async () => {
    const reader = await redeemReader(h, share.id, share.secret);
    const listener = new RecordingListener();
    listener.hold = true;
    await reader.subscribe(0, listener);
    await drain();
    expect(listener.pushes).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    listener.release();
    await drain();
    expect(listener.pushes.flat()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("ends a subscription of the old epoch with stale_epoch on revoke, and pushes nothing after", async () => {
    const reader = await redeemReader(h, share.id, share.secret);
    const listener = new RecordingListener();
    await reader.subscribe(8, listener);
    const { writer } = await redeemWriter(h, share.id, share.secret);
    await writer.revoke();
    await drain();
    expect(listener.ends.map((e) => e.code)).toEqual(["stale_epoch"]);
    const fresh = await redeemWriter(h, share.id, share.secret, "prd-b");
    await append(fresh.writer, "prd-b", [appendText(1, "after", "p2")]);
    await drain();
    expect(listener.pushes.flat()).toEqual([]);
    expect(h.server.store.feed.watchers(share.id)).toBe(0);
    expect(await refusal(reader.subscribe(0, new RecordingListener()))).toBe("stale_epoch");
  });

  it("dies with its session: nothing is left watching the share", async () => {
    const reader = await redeemReader(h, share.id, share.secret);
    await reader.subscribe(0, new RecordingListener());
    await drain();
    expect(h.server.store.feed.watchers(share.id)).toBe(1);
    h.main[Symbol.dispose]();
    reader[Symbol.dispose]();
    await drain();
    expect(h.server.store.feed.watchers(share.id)).toBe(0);
  });

  it("refuses a listener that is not a stub, and more subscriptions than the limit, with codes", async () => {
    const reader = await redeemReader(h, share.id, share.secret);
    expect(await refusal(reader.subscribe(0, "not a listener" as never))).toBe("invalid_request");
    expect(await refusal(reader.subscribe(-1, new RecordingListener()))).toBe("invalid_request");
    for (let i = 0; i < DEFAULT_LIMITS.subscriptions_per_session_max; i++) await reader.subscribe(8, new RecordingListener());
    expect(await refusal(reader.subscribe(8, new RecordingListener()))).toBe("too_large");
  });

  it("gives a snapshot: the session and the cursor it stands at", async () => {
    const reader = await redeemReader(h, share.id, share.secret);
    const snap = await reader.snapshot();
    expect(snap.cursor).toBe(8);
    expect(snap.view.parts[0]?.text).toBe("2345678");
  });
});
