import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Clock, Ids, Random } from "../../protocol/ports.ts";
import { migrate } from "../../protocol/sqlite-migrations.ts";
import { createShareServer, openServerDb } from "../share-server.ts";
import { SERVER_MIGRATIONS } from "./schema.ts";

// The server schema is versioned by PRAGMA user_version; reopening a database
// must keep its data and must not run a migration twice.

const clock: Clock = { now: () => 1_000, setTimer: () => ({ cancel() {} }) };
function counterRandom(): Random {
  let n = 0;
  return { next: () => ((n++ * 0.6180339887) % 1) };
}
function counterIds(): Ids {
  let n = 0;
  return { next: (prefix) => `${prefix}_${++n}` };
}

const appendOp = (seq: number, text: string) => ({ seq, op_id: `op-${seq}`, body: { kind: "part.append" as const, part_id: "p1", message_id: "m1", text } });

describe("server schema migrations", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("sets user_version to the number of migrations and creates every table", () => {
    const db = openServerDb();
    expect(SERVER_MIGRATIONS.length).toBeGreaterThan(0);
    expect(db.pragma("user_version", { simple: true })).toBe(SERVER_MIGRATIONS.length);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all() as string[]);
    expect(tables).toEqual(["diffs", "messages", "models", "parts", "producers", "read_tokens", "sessions", "share_log", "shares", "write_tokens"]);
    db.close();
  });

  it("reopening a serialized database keeps its data, its version and its rules", () => {
    const db = openServerDb();
    const server = createShareServer({ db, clock, random: counterRandom(), ids: counterIds() });
    const share = server.store.createShare("sess-1");
    const grant = { share_id: share.id, epoch: 0, scope: "write" as const };
    server.store.appendOps(grant, "prd-a", [appendOp(1, "a"), appendOp(2, "b")]);
    const bytes = db.serialize();
    db.close();

    const reopened = openServerDb(bytes);
    expect(reopened.pragma("user_version", { simple: true })).toBe(SERVER_MIGRATIONS.length);
    const again = createShareServer({ db: reopened, clock, random: counterRandom(), ids: counterIds() });
    expect(again.store.view(share.id)).toMatchObject({ cursor: 2, parts: [{ part_id: "p1", text: "ab" }] });
    expect(again.store.redeem(share.id, share.secret, "prd-a")).toEqual({ cursor: 2, epoch: 0, last_seq: 2 });
    // The producer's last_seq survived: a resend is a duplicate, the next seq applies.
    expect(again.store.appendOps(grant, "prd-a", [appendOp(2, "b"), appendOp(3, "c")])).toEqual({ cursor: 3, last_seq: 3, applied: 1, duplicates: 1, rejected: 0 });
    expect(again.store.view(share.id).parts[0]?.text).toBe("abc");
    reopened.close();
  });

  it("reopening a database file keeps its data and uses WAL", () => {
    const dir = mkdtempSync(join(tmpdir(), "replaysim-schema-"));
    dirs.push(dir);
    const file = join(dir, "server.db");
    const db = openServerDb(file);
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    const server = createShareServer({ db, clock, random: counterRandom(), ids: counterIds() });
    const share = server.store.createShare("sess-1");
    server.store.appendOps({ share_id: share.id, epoch: 0, scope: "write" }, "prd-a", [appendOp(1, "kept")]);
    db.close();

    const reopened = openServerDb(file);
    expect(reopened.pragma("user_version", { simple: true })).toBe(SERVER_MIGRATIONS.length);
    const again = createShareServer({ db: reopened, clock, random: counterRandom(), ids: counterIds() });
    expect(again.store.view(share.id)).toMatchObject({ cursor: 1, parts: [{ text: "kept" }] });
    reopened.close();
  });

  it("refuses a database whose schema is newer than the code", () => {
    const db = new Database(":memory:");
    db.pragma(`user_version = ${SERVER_MIGRATIONS.length + 1}`);
    expect(() => migrate(db, SERVER_MIGRATIONS)).toThrow(/newer/);
    db.close();
  });

  it("runs only the migrations a database has not had yet", () => {
    const ran: number[] = [];
    const migrations = [() => void ran.push(1), () => void ran.push(2)];
    const db = new Database(":memory:");
    migrate(db, migrations.slice(0, 1));
    migrate(db, migrations);
    migrate(db, migrations);
    expect(ran).toEqual([1, 2]);
    expect(db.pragma("user_version", { simple: true })).toBe(2);
    db.close();
  });
});
