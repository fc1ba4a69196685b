import type Database from "better-sqlite3";
import { RpcSession, type RpcStub } from "capnweb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorCode } from "../protocol/errors.ts";
import { counterClock, counterIds, seededRandom } from "../protocol/fake-ports.ts";
import { PushTransport } from "../protocol/message-transport.ts";
import type { Op, OpBody } from "../protocol/ops.ts";
import type { Ack, ShareApi, ShareState, WriterApi } from "../protocol/rpc.ts";
import { createShareServer, openServerDb, type ServerParts, type ShareServer } from "./share-server.ts";
import { ShareStore, type Grant } from "./store/share-store.ts";

// Disk full (docs/design.md, "Fault model"): the server's database refuses to
// grow, modelled as SQLite does it with `PRAGMA max_page_count` pinned to the
// current page count, which makes any write that needs a new page fail with
// SQLITE_FULL. A refused call carries `disk_full` (capnweb and REST), applies
// nothing, and the same call succeeds once space returns.

/** SQLite's default cap: space is back. */
const ROOMY = 4294967294;

/** The database may not grow past the pages it has now. */
function fillDisk(db: Database.Database): void {
  const pages = db.pragma("page_count", { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  expect(db.pragma("max_page_count", { simple: true })).toBe(pages);
}

function freeDisk(db: Database.Database): void {
  db.pragma(`max_page_count = ${ROOMY}`);
}

/** Test-only: a trigger that makes a write which fits in place (an update, a small row) need new pages too. */
function growOn(db: Database.Database, event: string): void {
  db.exec(`CREATE TABLE ballast (b BLOB); CREATE TRIGGER grow AFTER ${event} BEGIN INSERT INTO ballast VALUES (zeroblob(20000)); END`);
}

const op = (seq: number, body: OpBody): Op => ({ seq, op_id: `op-${seq}`, body });
const appendText = (seq: number, text: string): Op => op(seq, { kind: "part.append", part_id: "p1", message_id: "m1", text });
const textPart = (seq: number): Op => op(seq, { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "text", text: "" });

/**
 * Small ops first (they fit in free space on pages the database has), then one
 * that needs new pages: a batch applied op by op would leave the first ones behind.
 */
const batch = (): Op[] => [appendText(3, "a"), appendText(4, "b"), appendText(5, "x".repeat(12_000))];

function stateOf(db: Database.Database, server: ShareServer, shareID: string): unknown {
  return {
    shares: db.prepare(`SELECT id, secret_hash, epoch, cursor FROM shares ORDER BY id`).all(),
    producers: db.prepare(`SELECT share_id, producer_id, last_seq FROM producers ORDER BY share_id, producer_id`).all(),
    log: db.prepare(`SELECT share_id, cursor, producer_id, seq, epoch, op FROM share_log ORDER BY share_id, cursor`).all(),
    tokens: db.prepare(`SELECT count(*) AS n FROM write_tokens`).get(),
    view: server.store.view(shareID),
  };
}

async function codeOf(work: () => unknown): Promise<string> {
  try {
    await work();
  } catch (error) {
    return errorCode(error) ?? `no code: ${String(error)}`;
  }
  throw new Error("expected the call to be refused, but it succeeded");
}

/** A variant whose append does not map SQLITE_FULL itself: the wire boundary still must. */
class UnmappedStore extends ShareStore {
  override appendOps(grant: Grant, producerID: string, ops: Op[]): Ack {
    return this.parts.transact(() => this.applyBatch(grant, producerID, ops)).ack;
  }
}
const unmapped: Partial<ServerParts> = { makeStore: (deps, parts) => new UnmappedStore(deps, parts) };

describe.each([
  ["reference", {}],
  ["a store that does not map SQLITE_FULL", unmapped],
] as const)("disk full, over capnweb (%s)", (_name, parts: Partial<ServerParts>) => {
  let db: Database.Database;
  let server: ShareServer;
  let main: RpcStub<ShareApi>;
  let close: () => void;
  let share: { id: string; secret: string };
  let writer: RpcStub<WriterApi>;

  beforeEach(async () => {
    db = openServerDb();
    server = createShareServer({ db, clock: counterClock(), random: seededRandom(7), ids: counterIds() }, parts);
    let clientSide!: PushTransport;
    let serverSide!: PushTransport;
    clientSide = new PushTransport((frame) => serverSide.deliver(frame), () => serverSide.fail());
    serverSide = new PushTransport((frame) => clientSide.deliver(frame), () => clientSide.fail());
    server.acceptSession(serverSide);
    main = new RpcSession<ShareApi>(clientSide).getRemoteMain();
    close = () => {
      main[Symbol.dispose]();
      clientSide.fail();
      serverSide.fail();
    };
    share = await main.createShare("sess-1");
    const redeemed = await main.redeem(share.id, share.secret, "write", "prd-a");
    writer = redeemed.capability as unknown as RpcStub<WriterApi>;
    // Some state to protect: last_seq 2, cursor 2.
    expect(await writer.appendOps([textPart(1), appendText(2, "base")])).toMatchObject({ cursor: 2, last_seq: 2, applied: 2 });
  });
  afterEach(() => {
    close();
    db.close();
  });

  it("refuses the batch with disk_full, applies none of it, and takes the same batch once space returns", async () => {
    const before = stateOf(db, server, share.id);
    fillDisk(db);
    expect(await codeOf(() => writer.appendOps(batch()))).toBe("disk_full");
    expect(db.inTransaction).toBe(false);
    expect(stateOf(db, server, share.id)).toEqual(before);
    expect(server.store.lastSeq(share.id, "prd-a")).toBe(2);
    expect(server.store.view(share.id).cursor).toBe(2);

    // Still full: refused again, still nothing.
    expect(await codeOf(() => writer.appendOps(batch()))).toBe("disk_full");
    expect(stateOf(db, server, share.id)).toEqual(before);

    // Space returns: the same writer, in the same session, gets the whole batch applied once.
    freeDisk(db);
    const ack = (await writer.appendOps(batch())) as Ack;
    expect(ack).toEqual({ cursor: 5, last_seq: 5, applied: 3, duplicates: 0, rejected: 0 });
    expect(server.store.view(share.id).parts[0]?.text).toBe(`baseab${"x".repeat(12_000)}`);
    // And the resend of it is a duplicate, as ever.
    expect(await writer.appendOps(batch())).toMatchObject({ applied: 0, duplicates: 3 });
  });

  it.skipIf(parts === unmapped)("the store itself throws disk_full (not a bare SqliteError) to in-process callers", () => {
    fillDisk(db);
    const grant = { share_id: share.id, epoch: 0, scope: "write" as const, producer_id: "prd-a" };
    let thrown: unknown;
    try {
      void server.store.appendOps(grant, "prd-a", batch());
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as { code?: unknown }).code).toBe("disk_full");
    expect(server.store.lastSeq(share.id, "prd-a")).toBe(2);
  });

  it("createShare and revoke are refused with disk_full too, and succeed once space returns", async () => {
    // New shares go into free space on the pages there are, until one needs a new page.
    fillDisk(db);
    let code = "";
    for (let i = 0; i < 500 && code === ""; i++) {
      try {
        await main.createShare(`more-${i}-${"s".repeat(60)}`);
      } catch (error) {
        code = errorCode(error) ?? `no code: ${String(error)}`;
      }
    }
    expect(code).toBe("disk_full");
    const shares = db.prepare(`SELECT count(*) FROM shares`).pluck().get();

    // A revoke rewrites the share row in place, which needs no new page; a test-only trigger makes it grow.
    const grant = { share_id: share.id, epoch: 0, scope: "write" as const };
    const epochBefore = server.store.redeem(share.id, share.secret).epoch;
    freeDisk(db);
    growOn(db, "UPDATE OF epoch ON shares");
    fillDisk(db);
    expect(await codeOf(() => writer.revoke())).toBe("disk_full");
    expect(await codeOf(() => server.store.revoke(grant, false))).toBe("disk_full");
    expect(server.store.redeem(share.id, share.secret).epoch).toBe(epochBefore);

    freeDisk(db);
    db.exec(`DROP TRIGGER grow`);
    expect((await main.createShare("after-space")).id).toMatch(/^shr_/);
    expect(db.prepare(`SELECT count(*) FROM shares`).pluck().get()).toBe((shares as number) + 1);
    expect(await writer.revoke()).toEqual({ epoch: epochBefore + 1 });
  });
});

describe.each([
  ["reference", {}],
  ["a store that does not map SQLITE_FULL", unmapped],
] as const)("disk full, over REST (%s)", (_name, parts: Partial<ServerParts>) => {
  let db: Database.Database;
  let server: ShareServer;
  let share: { id: string; secret: string };
  let token: string;

  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await server.app.request(path, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T };
  }

  beforeEach(async () => {
    db = openServerDb();
    server = createShareServer({ db, clock: counterClock(), random: seededRandom(3), ids: counterIds() }, parts);
    const created = await call<{ id: string; secret: string }>("POST", "/api/share", { session_id: "sess-1" });
    expect(created.status).toBe(201);
    share = created.body;
    const redeemed = await call<ShareState & { token: string }>("POST", `/api/share/${share.id}/redeem`, { secret: share.secret, producer_id: "prd-a" });
    expect(redeemed.status).toBe(200);
    token = redeemed.body.token;
    const first = await call<Ack>("POST", `/api/share/${share.id}/ops`, { token, ops: [textPart(1), appendText(2, "base")] });
    expect(first.body).toMatchObject({ cursor: 2, applied: 2 });
  });
  afterEach(() => db.close());

  it("POST /ops answers 507 with code disk_full, applies nothing, and takes the same batch once space returns", async () => {
    const before = stateOf(db, server, share.id);
    fillDisk(db);
    const refused = await call<{ error: { code: string; message: string } }>("POST", `/api/share/${share.id}/ops`, { token, ops: batch() });
    expect(refused.status).toBe(507);
    expect(refused.body.error.code).toBe("disk_full");
    expect(refused.body.error.message).toMatch(/full/);
    expect(stateOf(db, server, share.id)).toEqual(before);

    freeDisk(db);
    const accepted = await call<Ack>("POST", `/api/share/${share.id}/ops`, { token, ops: batch() });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ cursor: 5, last_seq: 5, applied: 3, duplicates: 0, rejected: 0 });
  });

  it("a REST redeem that cannot store its token answers 507 disk_full and stores nothing", async () => {
    growOn(db, "INSERT ON write_tokens");
    const tokens = db.prepare(`SELECT count(*) FROM write_tokens`).pluck().get();
    fillDisk(db);
    const refused = await call<{ error: { code: string } }>("POST", `/api/share/${share.id}/redeem`, { secret: share.secret, producer_id: "prd-b" });
    expect(refused).toEqual({ status: 507, body: { error: { code: "disk_full", message: expect.any(String) } } });
    expect(db.prepare(`SELECT count(*) FROM write_tokens`).pluck().get()).toBe(tokens);
    freeDisk(db);
    expect((await call("POST", `/api/share/${share.id}/redeem`, { secret: share.secret, producer_id: "prd-b" })).status).toBe(200);
  });
});
