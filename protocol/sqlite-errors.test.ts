import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, errorCode, httpStatus } from "./errors.ts";
import { fromSqliteError, isSqliteFull, mapDiskFull } from "./sqlite-errors.ts";

// SQLITE_FULL as the protocol's disk_full: raised for real by SQLite with
// `PRAGMA max_page_count` pinned to the page count, the way the simulator
// makes a disk full, on a fresh database and on a deserialized image.

function fullDb(source: string | Buffer = ":memory:"): Database.Database {
  const db = new Database(source as string);
  db.exec(`CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`);
  db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true }) as number}`);
  return db;
}

/** Inserts until SQLite refuses; returns how many went in and what it threw. */
function fillUp(db: Database.Database): { inserted: number; error: unknown } {
  const insert = db.prepare(`INSERT INTO t (v) VALUES (?)`);
  for (let i = 0; i < 1000; i++) {
    try {
      mapDiskFull(() => db.transaction(() => insert.run(`${i}:${"v".repeat(300)}`))());
    } catch (error) {
      return { inserted: i, error };
    }
  }
  throw new Error("the database never filled up");
}

describe("SQLITE_FULL -> disk_full", () => {
  it("maps SQLite's own SQLITE_FULL to a coded disk_full error, at the same point every time", () => {
    const a = fillUp(fullDb());
    const b = fillUp(fullDb());
    expect(errorCode(a.error)).toBe("disk_full");
    expect((a.error as Error).message).toMatch(/database or disk is full/);
    expect(a.inserted).toBeGreaterThan(0);
    expect(b.inserted).toBe(a.inserted);
  });

  it("works on a deserialized image too, and the database takes writes again once the cap is raised", () => {
    const seed = new Database(":memory:");
    seed.exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`);
    const db = fullDb(seed.serialize());
    const { inserted, error } = fillUp(db);
    expect(errorCode(error)).toBe("disk_full");
    expect(db.inTransaction).toBe(false);
    expect(db.prepare(`SELECT count(*) FROM t`).pluck().get()).toBe(inserted);
    db.pragma(`max_page_count = 4294967294`);
    db.prepare(`INSERT INTO t (v) VALUES ('after')`).run();
    expect(db.prepare(`SELECT count(*) FROM t`).pluck().get()).toBe(inserted + 1);
  });

  it("passes every other error through unchanged, the very same value", () => {
    const db = new Database(":memory:");
    db.exec(`CREATE TABLE u (k TEXT PRIMARY KEY)`);
    db.exec(`INSERT INTO u VALUES ('a')`);
    let constraint: unknown;
    try {
      mapDiskFull(() => db.exec(`INSERT INTO u VALUES ('a')`));
    } catch (error) {
      constraint = error;
    }
    expect((constraint as { code?: unknown }).code).toBe("SQLITE_CONSTRAINT_PRIMARYKEY");
    expect(isSqliteFull(constraint)).toBe(false);
    const plain = new Error("boom");
    expect(fromSqliteError(plain)).toBe(plain);
    expect(fromSqliteError("text")).toBe("text");
    expect(fromSqliteError(undefined)).toBeUndefined();
    expect(() => mapDiskFull(() => { throw plain; })).toThrow(plain);
    expect(mapDiskFull(() => 7)).toBe(7);
  });

  it("disk_full is a protocol code with an HTTP status of its own", () => {
    expect(ERROR_CODES).toContain("disk_full");
    expect(httpStatus("disk_full")).toBe(507);
  });
});
