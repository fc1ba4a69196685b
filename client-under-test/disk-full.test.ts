import type Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { realClock, realIds, realRandom } from "../real/adapters.ts";
import { errorCode } from "../protocol/errors.ts";
import { counterIds } from "../protocol/fake-ports.ts";
import { PushTransport } from "../protocol/message-transport.ts";
import type { OpBody } from "../protocol/ops.ts";
import type { Clock, ProbeEvent, Random } from "../protocol/ports.ts";
import { listen, type RunningServer } from "../server-under-test/node-server.ts";
import { createShareServer, openServerDb } from "../server-under-test/share-server.ts";
import { openOutboxDb } from "./outbox/outbox.ts";
import { ShareClient } from "./share-client.ts";
import { realTransport } from "./transports/by-name.ts";
import { TRANSPORT_NAMES, type Transport } from "./transports/transport.ts";
import { websocketTransport } from "./transports/websocket.ts";

// Disk full on the client (docs/design.md, "Fault model"): the outbox database
// refuses to grow (`PRAGMA max_page_count` pinned to its page count, so a write
// that needs a new page fails with SQLITE_FULL). enqueue throws `disk_full`
// with nothing written and no seq used up; an ack the client cannot record is
// recorded later, and the replay loop keeps running meanwhile.

/** SQLite's default cap: space is back. */
const ROOMY = 4294967294;

function fillDisk(db: Database.Database): void {
  const pages = db.pragma("page_count", { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
}

function freeDisk(db: Database.Database): void {
  db.pragma(`max_page_count = ${ROOMY}`);
}

const text = (t: string): OpBody => ({ kind: "part.append", part_id: "p1", message_id: "m1", text: t });

function rows(db: Database.Database): unknown[] {
  return db.prepare(`SELECT seq, op_id, body FROM outbox ORDER BY seq`).all();
}

function syncRow(db: Database.Database): unknown {
  return db.prepare(`SELECT * FROM sync_state`).get();
}

const stillClock: Clock = { now: () => 42, setTimer: () => ({ cancel() {} }) };
const halfRandom: Random = { next: () => 0.5 };
const idleTransport: Transport = {
  name: "rest",
  connect: () => Promise.reject(new Error("the loop is not started in this test")),
  follow: () => Promise.reject(new Error("no viewer in this test")),
};

const clients: ShareClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.stop();
});

describe("enqueue on a full disk", () => {
  it("throws disk_full, writes nothing, and the next enqueue once space returns gets the next seq", () => {
    const db = openOutboxDb();
    const events: ProbeEvent[] = [];
    const client = new ShareClient({ db, transport: idleTransport, clock: stillClock, random: halfRandom, ids: counterIds("a"), probe: { emit: (e) => events.push(e) } });
    clients.push(client);
    client.bindShare("shr_1", "secret");
    client.enqueue(text("before"));
    fillDisk(db);

    // Ops go into free space on the pages the outbox has, until one needs a new page.
    let refused: unknown;
    let taken = 1;
    for (let i = 0; i < 100 && refused === undefined; i++) {
      try {
        client.enqueue(text(`${i}:${"x".repeat(1500)}`));
        taken++;
      } catch (error) {
        refused = error;
      }
    }
    expect(errorCode(refused)).toBe("disk_full");
    expect((refused as Error).message).toMatch(/full/);
    expect(db.inTransaction).toBe(false);

    // Nothing of the refused op: no row, no seq, no event; and the same again while the disk stays full.
    const outboxBefore = rows(db);
    const stateBefore = syncRow(db);
    expect(outboxBefore).toHaveLength(taken);
    expect(client.outbox.state().last_enqueued_seq).toBe(taken);
    expect(stateBefore).toMatchObject({ last_enqueued_seq: taken });
    expect(events.filter((e) => e.type === "enqueue_committed")).toHaveLength(taken);
    expect(() => client.enqueue(text("y".repeat(3000)))).toThrow(expect.objectContaining({ code: "disk_full" }));
    expect(rows(db)).toEqual(outboxBefore);
    expect(syncRow(db)).toEqual(stateBefore);
    expect(client.status().pending).toBe(taken);

    freeDisk(db);
    const next = client.enqueue(text("after"));
    expect(next.seq).toBe(taken + 1);
    expect((rows(db) as { seq: number }[]).map((r) => r.seq)).toEqual(Array.from({ length: taken + 1 }, (_, i) => i + 1));
    // The window the sender reads from has no hole either.
    expect(client.outbox.pending(1, 1000).map((o) => o.seq)).toEqual(Array.from({ length: taken + 1 }, (_, i) => i + 1));
  });
});

describe("marking acks on a full disk", () => {
  it("keeps the replay loop running, loses nothing, and marks the acks once space returns", async () => {
    const server = createShareServer({ db: openServerDb(), clock: realClock, random: realRandom, ids: realIds });
    const share = server.store.createShare("s");
    const transport = websocketTransport(async () => {
      let clientEnd!: PushTransport;
      let serverEnd!: PushTransport;
      clientEnd = new PushTransport((f) => serverEnd.deliver(f), () => serverEnd.fail());
      serverEnd = new PushTransport((f) => clientEnd.deliver(f), () => clientEnd.fail());
      server.acceptSession(serverEnd);
      return clientEnd;
    });
    const db = openOutboxDb();
    // Marking an ack trims rows and updates one in place, which rarely needs a new page; a
    // test-only trigger makes it grow, so every attempt to mark meets the full disk.
    db.exec(`CREATE TABLE ballast (b BLOB); CREATE TRIGGER grow AFTER UPDATE OF acked_seq ON sync_state BEGIN INSERT INTO ballast VALUES (zeroblob(20000)); END`);
    const events: ProbeEvent[] = [];
    const client = new ShareClient({
      db,
      transport,
      clock: realClock,
      random: realRandom,
      ids: realIds,
      probe: { emit: (e) => events.push(e) },
      settings: { batch_size: 5, backoff_base_ms: 2, backoff_max_ms: 10, deadline_ms: 5_000 },
    });
    clients.push(client);
    client.bindShare(share.id, share.secret);
    for (let i = 0; i < 12; i++) client.enqueue(text(`chunk ${i} `));
    const outboxBefore = rows(db);
    let tries = 0;
    const mark = client.outbox.markAcked.bind(client.outbox);
    client.outbox.markAcked = (seq: number) => {
      tries++;
      return mark(seq);
    };
    fillDisk(db);
    client.start();

    // The server gets everything, in one session; the client cannot record a single ack, keeps running,
    // and keeps trying to record.
    await until(
      () => server.store.view(share.id).cursor === 12 && client.status().state === "backoff" && tries >= 5,
      () => JSON.stringify({ cursor: server.store.view(share.id).cursor, tries, status: client.status(), events: events.slice(-6) }),
    );
    expect(db.prepare(`SELECT count(*) FROM ballast`).pluck().get()).toBe(0);
    // It waits between tries rather than sending again what the server has: 12 ops in batches of 5, sent once.
    expect(events.filter((e) => e.type === "call_sent")).toHaveLength(3);
    const status = client.status();
    expect(status.error).toBeNull();
    expect(status.sessions).toBe(1);
    expect(status.pending).toBe(12);
    expect(rows(db)).toEqual(outboxBefore);
    expect(client.outbox.state().acked_seq).toBe(0);
    expect(events.some((e) => e.type === "marked_acked")).toBe(false);
    expect(events.some((e) => e.type === "client_stopped")).toBe(false);

    // Space returns: the next try records what is owed, the outbox drains, and the server applied each op once.
    freeDisk(db);
    await client.drained();
    expect(client.status()).toMatchObject({ pending: 0, error: null });
    expect(client.outbox.state()).toMatchObject({ acked_seq: 12, last_enqueued_seq: 12, cursor: 12 });
    expect(rows(db)).toEqual([]);
    expect(server.store.view(share.id).parts[0]?.text).toBe(Array.from({ length: 12 }, (_, i) => `chunk ${i} `).join(""));
  });
});

describe.each(TRANSPORT_NAMES)("the server's disk is full (%s)", (transport) => {
  let running: RunningServer | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it("the client takes disk_full as retryable: it backs off, keeps its ops, and delivers them once space returns", async () => {
    const serverDb = openServerDb();
    const server = createShareServer({ db: serverDb, clock: realClock, random: realRandom, ids: realIds });
    running = await listen(server, 0);
    const share = server.store.createShare("s");
    const events: ProbeEvent[] = [];
    const client = new ShareClient({
      db: openOutboxDb(),
      transport: realTransport(transport, running.url),
      clock: realClock,
      random: realRandom,
      ids: realIds,
      probe: { emit: (e) => events.push(e) },
      settings: { backoff_base_ms: 2, backoff_max_ms: 10 },
    });
    clients.push(client);
    client.bindShare(share.id, share.secret);
    // REST stores a write token at redeem: get one while there is room, so it is the batch that meets the full disk.
    client.enqueue(text("first "));
    client.start();
    await client.drained();
    for (let i = 0; i < 8; i++) client.enqueue(text(`${i}:${"x".repeat(3000)} `));
    fillDisk(serverDb);

    const refusals = () => events.filter((e) => e.type === "session_failed" && e.code === "disk_full").length;
    await until(() => refusals() >= 3, () => JSON.stringify({ status: client.status(), events: events.slice(-4) }));
    expect(client.status()).toMatchObject({ error: null, pending: 8 });
    expect(client.status().state).not.toBe("stopped");
    expect(server.store.view(share.id).cursor).toBe(1);

    freeDisk(serverDb);
    await client.drained();
    expect(client.status()).toMatchObject({ error: null, pending: 0 });
    expect(server.store.view(share.id).cursor).toBe(9);
    expect(server.store.view(share.id).parts[0]?.text).toBe(`first ${Array.from({ length: 8 }, (_, i) => `${i}:${"x".repeat(3000)} `).join("")}`);
  });
});

/** Waits (real time, bounded) until `ready` holds. */
async function until(ready: () => boolean, debug: () => string = () => "", ms = 5_000): Promise<void> {
  const start = realClock.now();
  while (!ready()) {
    if (realClock.now() - start > ms) throw new Error(`timed out waiting; ${debug()}`);
    await new Promise<void>((resolve) => void realClock.setTimer(5, resolve));
  }
}
