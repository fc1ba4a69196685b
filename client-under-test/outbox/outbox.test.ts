import type Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OpBody } from "../../protocol/ops.ts";
import { noCrashPoints, type CrashPoint, type CrashPoints, type Ids } from "../../protocol/ports.ts";
import { Outbox, openOutboxDb } from "./outbox.ts";
import { OUTBOX_MIGRATIONS } from "./schema.ts";

// The client's durable outbox: seqs assigned in the enqueue transaction, acks
// and cursors that never move backwards, and state that survives a reopen.

function counterIds(prefix = ""): Ids {
  let n = 0;
  return { next: (kind) => `${kind}_${prefix}${++n}` };
}

const body = (text: string): OpBody => ({ kind: "part.append", part_id: "p1", message_id: "m1", text });

function rows(db: Database.Database): { seq: number; op_id: string; body: string }[] {
  return db.prepare(`SELECT seq, op_id, body FROM outbox ORDER BY seq`).all() as { seq: number; op_id: string; body: string }[];
}

describe("Outbox", () => {
  let db: Database.Database;
  let outbox: Outbox;
  beforeEach(() => {
    db = openOutboxDb();
    outbox = new Outbox(db, counterIds(), noCrashPoints);
  });
  afterEach(() => {
    if (db.open) db.close();
  });

  it("starts with a producer id and nothing pending", () => {
    expect(db.pragma("user_version", { simple: true })).toBe(OUTBOX_MIGRATIONS.length);
    expect(outbox.state()).toEqual({ producer_id: "prd_1", share_id: null, secret: null, epoch: 0, acked_seq: 0, cursor: 0, last_enqueued_seq: 0 });
    expect(outbox.pendingCount()).toBe(0);
  });

  it("enqueue assigns consecutive seqs and stores each op", () => {
    const ops = ["a", "b", "c"].map((t, i) => outbox.enqueue(body(t), `op-${t}`, 100 + i));
    expect(ops.map((o) => o.seq)).toEqual([1, 2, 3]);
    expect(outbox.state().last_enqueued_seq).toBe(3);
    expect(rows(db)).toEqual([
      { seq: 1, op_id: "op-a", body: JSON.stringify(body("a")) },
      { seq: 2, op_id: "op-b", body: JSON.stringify(body("b")) },
      { seq: 3, op_id: "op-c", body: JSON.stringify(body("c")) },
    ]);
    expect(outbox.pending(2, 10)).toEqual([
      { seq: 2, op_id: "op-b", body: body("b") },
      { seq: 3, op_id: "op-c", body: body("c") },
    ]);
    expect(outbox.pending(1, 1).map((o) => o.seq)).toEqual([1]);
  });

  it("assigns the seq in the same transaction that stores the op: a crash before commit leaves neither", () => {
    let armed = false;
    const crash: CrashPoints = {
      reach(point: CrashPoint) {
        if (armed && point === "client.before_enqueue_commit") throw new Error("crash");
      },
    };
    const crashing = new Outbox(db, counterIds(), crash);
    crashing.enqueue(body("a"), "op-a", 1);
    armed = true;
    expect(() => crashing.enqueue(body("b"), "op-b", 2)).toThrow("crash");
    expect(crashing.state().last_enqueued_seq).toBe(1);
    expect(rows(db).map((r) => r.op_id)).toEqual(["op-a"]);
    armed = false;
    // The seq the crashed enqueue would have taken is handed out again, so there is no hole.
    expect(crashing.enqueue(body("c"), "op-c", 3).seq).toBe(2);
  });

  it("a duplicate op id fails the whole enqueue and leaves the seq unassigned", () => {
    outbox.enqueue(body("a"), "op-a", 1);
    expect(() => outbox.enqueue(body("b"), "op-a", 2)).toThrow();
    expect(outbox.state().last_enqueued_seq).toBe(1);
    expect(outbox.pendingCount()).toBe(1);
  });

  it("markAcked trims acked ops and never goes backwards or past what was enqueued", () => {
    for (const t of ["a", "b", "c", "d", "e"]) outbox.enqueue(body(t), `op-${t}`, 1);
    expect(outbox.markAcked(3)).toBe(3);
    expect(outbox.state().acked_seq).toBe(3);
    expect(rows(db).map((r) => r.seq)).toEqual([4, 5]);

    expect(outbox.markAcked(1)).toBe(3);
    expect(outbox.markAcked(0)).toBe(3);
    expect(outbox.state().acked_seq).toBe(3);
    expect(outbox.pendingCount()).toBe(2);

    // An ack beyond what this outbox ever enqueued cannot mark more than exists.
    expect(outbox.markAcked(99)).toBe(5);
    expect(outbox.state().acked_seq).toBe(5);
    expect(outbox.pendingCount()).toBe(0);

    // Seqs keep counting after a full trim.
    expect(outbox.enqueue(body("f"), "op-f", 1).seq).toBe(6);
    expect(outbox.pending(outbox.state().acked_seq + 1, 10).map((o) => o.seq)).toEqual([6]);
  });

  it("recordCursor keeps the highest cursor seen", () => {
    expect(outbox.recordCursor(5)).toBe(5);
    expect(outbox.recordCursor(3)).toBe(5);
    expect(outbox.state().cursor).toBe(5);
    expect(outbox.recordCursor(8)).toBe(8);
    expect(outbox.recordCursor(0)).toBe(8);
    expect(outbox.state().cursor).toBe(8);
  });

  it("binds to one share; rebinding to the same share keeps the cursor, another share is refused", () => {
    outbox.bindShare("shr_1", "s1");
    outbox.recordCursor(7);
    outbox.recordEpoch(2);
    // e.g. the secret was rotated and the client is handed the new one
    outbox.bindShare("shr_1", "s2");
    expect(outbox.state()).toMatchObject({ share_id: "shr_1", secret: "s2", cursor: 7 });
    expect(() => outbox.bindShare("shr_2", "s3")).toThrow(/bound to share shr_1/);
    expect(outbox.state()).toMatchObject({ share_id: "shr_1", secret: "s2", cursor: 7 });
  });
});

describe("Outbox over a reopened database", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function fill(outbox: Outbox): void {
    outbox.bindShare("shr_1", "secret");
    for (const t of ["a", "b", "c"]) outbox.enqueue(body(t), `op-${t}`, 1);
    outbox.markAcked(1);
    outbox.recordCursor(7);
    outbox.recordEpoch(1);
  }

  function expectCarriesOn(outbox: Outbox, producerID: string): void {
    expect(outbox.state()).toEqual({ producer_id: producerID, share_id: "shr_1", secret: "secret", epoch: 1, acked_seq: 1, cursor: 7, last_enqueued_seq: 3 });
    expect(outbox.pending(2, 10).map((o) => o.op_id)).toEqual(["op-b", "op-c"]);
    expect(outbox.enqueue(body("d"), "op-d", 2).seq).toBe(4);
    expect(outbox.pendingCount()).toBe(3);
  }

  it("a new Outbox over a serialized copy carries on with the same producer and the next seq", () => {
    const db = openOutboxDb();
    const first = new Outbox(db, counterIds("first-"), noCrashPoints);
    fill(first);
    const producerID = first.state().producer_id;
    const bytes = db.serialize();
    db.close();

    const reopened = openOutboxDb(bytes);
    // A different Ids source: if the outbox minted a new producer id, it would differ.
    expectCarriesOn(new Outbox(reopened, counterIds("second-"), noCrashPoints), producerID);
    reopened.close();
  });

  it("a new Outbox over the same file carries on", () => {
    const dir = mkdtempSync(join(tmpdir(), "replaysim-outbox-"));
    dirs.push(dir);
    const file = join(dir, "outbox.db");
    const db = openOutboxDb(file);
    const first = new Outbox(db, counterIds("first-"), noCrashPoints);
    fill(first);
    const producerID = first.state().producer_id;
    db.close();

    const reopened = openOutboxDb(file);
    expect(reopened.pragma("user_version", { simple: true })).toBe(OUTBOX_MIGRATIONS.length);
    expectCarriesOn(new Outbox(reopened, counterIds("second-"), noCrashPoints), producerID);
    reopened.close();
  });
});
