import type Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorCode } from "../protocol/errors.ts";
import { DEFAULT_LIMITS, jsonBytes, opBodyBytesMax, type Limits } from "../protocol/limits.ts";
import type { OpBody } from "../protocol/ops.ts";
import type { Clock, Ids, ProbeEvent, Random } from "../protocol/ports.ts";
import { openOutboxDb } from "./outbox/outbox.ts";
import { ShareClient } from "./share-client.ts";
import type { Transport } from "./transports/transport.ts";

// ShareClient.enqueue: validation before anything is stored, and a client
// rebuilt over the same outbox file continuing the same producer's seqs.

const clock: Clock = { now: () => 42, setTimer: () => ({ cancel() {} }) };
const random: Random = { next: () => 0.5 };
function counterIds(prefix: string): Ids {
  let n = 0;
  return { next: (kind) => `${kind}_${prefix}${++n}` };
}

/** Never used: these tests do not start the replay loop. */
const idleTransport: Transport = {
  name: "rest",
  connect: () => Promise.reject(new Error("the loop is not started in these tests")),
  follow: () => Promise.reject(new Error("no viewer in these tests")),
};

const append = (text: string): OpBody => ({ kind: "part.append", part_id: "p1", message_id: "m1", text });

function thrownCode(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    return errorCode(error) ?? `no code: ${String(error)}`;
  }
  throw new Error("expected enqueue to throw");
}

function outboxRows(db: Database.Database): number {
  return db.prepare(`SELECT count(*) FROM outbox`).pluck().get() as number;
}

describe("ShareClient.enqueue", () => {
  const limits: Limits = { ...DEFAULT_LIMITS, op_bytes_max: 300 };
  let db: Database.Database;
  let client: ShareClient;
  let events: ProbeEvent[];
  beforeEach(() => {
    db = openOutboxDb();
    events = [];
    client = new ShareClient({ db, transport: idleTransport, clock, random, ids: counterIds("a"), limits, probe: { emit: (e) => events.push(e) } });
    client.bindShare("shr_1", "secret");
  });
  afterEach(() => {
    client.stop();
    db.close();
  });

  it("commits a valid op with the next seq and reports it", () => {
    const first = client.enqueue(append("a"));
    const second = client.enqueue({ kind: "session.upsert", title: "t" });
    expect([first.seq, second.seq]).toEqual([1, 2]);
    expect(first.op_id).not.toBe(second.op_id);
    expect(outboxRows(db)).toBe(2);
    expect(events.filter((e) => e.type === "enqueue_committed")).toEqual([
      { type: "enqueue_committed", producer: client.producerID, seq: 1, op_id: first.op_id },
      { type: "enqueue_committed", producer: client.producerID, seq: 2, op_id: second.op_id },
    ]);
  });

  const invalid: { name: string; body: unknown; code: string }[] = [
    { name: "unknown kind", body: { kind: "part.delete", part_id: "p1" }, code: "invalid_op" },
    { name: "missing field", body: { kind: "part.append", part_id: "p1", text: "x" }, code: "invalid_op" },
    { name: "extra field", body: { ...append("x"), extra: true }, code: "invalid_op" },
    { name: "empty append", body: append(""), code: "invalid_op" },
    { name: "wrong type", body: { kind: "diff.replace", path: "a", additions: -1, deletions: 0, patch: "" }, code: "invalid_op" },
    { name: "not an object", body: "part.append", code: "invalid_op" },
    { name: "an op over op_bytes_max", body: append("x".repeat(400)), code: "too_large" },
  ];

  it.each(invalid)("refuses $name with $code and stores nothing", ({ body, code }) => {
    client.enqueue(append("before"));
    const before = { state: client.outbox.state(), rows: outboxRows(db), events: events.length };
    expect(thrownCode(() => client.enqueue(body as OpBody))).toBe(code);
    expect({ state: client.outbox.state(), rows: outboxRows(db), events: events.length }).toEqual(before);
    // The next valid op takes the very next seq: the refused one left no hole.
    expect(client.enqueue(append("after")).seq).toBe(2);
  });

  it("counts bytes, not UTF-16 units: a body exactly at the limit in multi-byte text is taken, one byte more is too_large", () => {
    const max = opBodyBytesMax(limits);
    const base = jsonBytes(append(""));
    // "é" is 2 bytes, "中" 3, "😀" 4 (and 2 UTF-16 units): fill the rest with ASCII.
    const fill = (n: number) => {
      const chunks = ["😀", "中", "é"];
      let text = "";
      let left = n;
      for (const c of chunks) while (left - Buffer.byteLength(c) >= 1) (text += c), (left -= Buffer.byteLength(c));
      return text + "x".repeat(left);
    };
    const atLimit = append(fill(max - base));
    expect(jsonBytes(atLimit)).toBe(max);
    expect(atLimit.kind === "part.append" && atLimit.text.length).toBeLessThan(max - base);
    expect(client.enqueue(atLimit).seq).toBe(1);
    const over = append(fill(max - base + 1));
    expect(thrownCode(() => client.enqueue(over))).toBe("too_large");
    expect(outboxRows(db)).toBe(1);
  });
});

describe("ShareClient restarted over the same outbox file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "replaysim-client-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps its producer id, share binding and pending ops, and continues the seqs", () => {
    const file = join(dir, "outbox.db");
    const db1 = openOutboxDb(file);
    const first = new ShareClient({ db: db1, transport: idleTransport, clock, random, ids: counterIds("first-") });
    first.bindShare("shr_1", "secret");
    for (const t of ["a", "b", "c"]) first.enqueue(append(t));
    first.outbox.markAcked(1);
    const producerID = first.producerID;
    first.stop();
    db1.close();

    const db2 = openOutboxDb(file);
    const second = new ShareClient({ db: db2, transport: idleTransport, clock, random, ids: counterIds("second-") });
    expect(second.producerID).toBe(producerID);
    expect(second.status()).toMatchObject({
      state: "idle",
      pending: 2,
      sync: { producer_id: producerID, share_id: "shr_1", secret: "secret", acked_seq: 1, last_enqueued_seq: 3 },
    });
    expect(second.enqueue(append("d")).seq).toBe(4);
    expect(second.outbox.pending(2, 10).map((o) => (o.body as { text: string }).text)).toEqual(["b", "c", "d"]);
    second.stop();
    db2.close();
  });
});
