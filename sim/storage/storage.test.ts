import { existsSync, readFileSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { OUTBOX_MIGRATIONS } from "../../client-under-test/outbox/schema.ts";
import { configure, migrate } from "../../protocol/sqlite-migrations.ts";
import { DbFiles, type Opener, type PowerLossReport } from "./db-files.ts";
import { parseWal, readShm, WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, walChecksum } from "./wal.ts";

// What a SQLite database in WAL mode keeps across a kill and a power loss,
// on real files, judged by SQLite's own recovery on the next open.

const disks: DbFiles[] = [];
afterEach(() => {
  for (const disk of disks.splice(0)) disk.dispose();
});

function disk(): DbFiles {
  const d = new DbFiles("storage-test");
  disks.push(d);
  return d;
}

/** Opens like the code under test (configure + migrate), at the given synchronous level. */
function opener(synchronous: "NORMAL" | "FULL" | "EXTRA" = "NORMAL"): Opener {
  return (source) => {
    const db = new Database(source as string);
    configure(db);
    db.pragma(`synchronous = ${synchronous}`);
    migrate(db, [(d) => d.exec("CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT NOT NULL)")]);
    return db;
  };
}

/** Rows lo..hi, one transaction each. */
function write(db: Database.Database, lo: number, hi: number): void {
  const insert = db.prepare("INSERT INTO t (n, pad) VALUES (?, ?)");
  for (let n = lo; n <= hi; n++) insert.run(n, `row ${n} `.repeat(8));
}

function rows(db: Database.Database): number[] {
  return db.prepare("SELECT n FROM t ORDER BY n").pluck().all() as number[];
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
}

/**
 * Runs `setup` on a fresh disk once per possible draw, power-loses with that
 * draw, reopens, and returns what each draw kept.
 */
function everyDraw(
  sync: "NORMAL" | "FULL" | "EXTRA",
  setup: (db: Database.Database, files: DbFiles) => void,
  torn = false,
): { draw: number; choices: number; report: PowerLossReport; rows: number[]; integrity: string }[] {
  const out = [];
  let choices = 1;
  for (let k = 0; k < choices; k++) {
    const files = disk();
    const db = files.open(opener(sync));
    setup(db, files);
    const report = files.powerLoss(
      db,
      (n) => {
        choices = n;
        return k;
      },
      { torn },
    );
    expect(db.open).toBe(false);
    const reopened = files.open(opener(sync));
    out.push({ draw: k, choices, report, rows: rows(reopened), integrity: reopened.pragma("integrity_check", { simple: true }) as string });
    reopened.close();
    files.dispose();
  }
  return out;
}

describe("power loss under synchronous=NORMAL", () => {
  test("keeps a prefix of the commits, never less than the checkpoint, and some draws lose commits (PASSIVE)", () => {
    const results = everyDraw("NORMAL", (db) => {
      write(db, 1, 5);
      expect(db.pragma("wal_checkpoint(PASSIVE)")).toEqual([{ busy: 0, log: 7, checkpointed: 7 }]);
      write(db, 6, 12);
    });
    // The checkpoint put rows 1-5 in the db file; the WAL restarted with the 7 commits after it.
    expect(results.map((r) => r.choices)).toEqual(Array(8).fill(8));
    for (const { draw, report, rows: kept } of results) {
      expect(report).toMatchObject({ synchronous: "NORMAL", commits_total: 7, commits_durable: 0, commits_kept: draw, commits_lost: 7 - draw });
      expect(kept).toEqual(range(1, 5 + draw));
    }
    expect(results.some((r) => r.report.commits_lost > 0 && r.rows.length < 12)).toBe(true);
  });

  test("TRUNCATE checkpoint: the commits before it always survive", () => {
    const results = everyDraw("NORMAL", (db, files) => {
      write(db, 1, 4);
      db.pragma("wal_checkpoint(TRUNCATE)");
      expect(statSync(files.walPath).size).toBe(0);
      write(db, 5, 9);
    });
    expect(results).toHaveLength(6);
    for (const r of results) expect(r.rows).toEqual(range(1, 4 + r.draw));
  });

  test("a partial checkpoint (a reader held it back) makes exactly the backfilled commits durable", () => {
    const results = everyDraw("NORMAL", (db, files) => {
      write(db, 1, 4);
      const reader = new Database(files.path);
      reader.exec("BEGIN");
      expect(rows(reader)).toEqual(range(1, 4));
      write(db, 5, 8);
      const [ckpt] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number; checkpointed: number }[];
      expect(ckpt!.checkpointed).toBeLessThan(ckpt!.log);
      const shm = readShm(readFileSync(files.shmPath))!;
      expect(shm.nBackfill).toBe(ckpt!.checkpointed);
      reader.exec("COMMIT");
      reader.close();
      // No restart: the log is not fully backfilled, so these append after the rest.
      write(db, 9, 10);
    });
    // Migration + rows 1-4 are durable (5 commits of 11); rows 5-10 may go.
    expect(results).toHaveLength(7);
    for (const r of results) {
      expect(r.report).toMatchObject({ commits_total: 11, commits_durable: 5, commits_kept: 5 + r.draw });
      expect(r.rows).toEqual(range(1, 4 + r.draw));
    }
  });

  test("a database never checkpointed can lose its migrations; the next open runs them again (real opener, set back to NORMAL)", () => {
    const files = disk();
    const normalOutbox: Opener = (source) => {
      const d = openOutboxDb(source);
      d.pragma("synchronous = NORMAL");
      return d;
    };
    const db = files.open(normalOutbox);
    // journal_mode=WAL wrote only page 1; the migrations are all in the WAL.
    const before = files.snapshot();
    expect(before.db!.length).toBe(4096);
    expect(parseWal(before.wal!).commits).toHaveLength(OUTBOX_MIGRATIONS.length);
    const report = files.powerLoss(db, () => 0);
    expect(report).toMatchObject({ commits_total: OUTBOX_MIGRATIONS.length, commits_durable: 0, commits_kept: 0, frames_after: 0 });
    const raw = new Database(files.path);
    expect(raw.pragma("user_version", { simple: true })).toBe(0);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
    const reopened = files.open(openOutboxDb);
    expect(reopened.pragma("user_version", { simple: true })).toBe(OUTBOX_MIGRATIONS.length);
    expect(reopened.pragma("integrity_check", { simple: true })).toBe("ok");
    reopened.close();
  });
});

describe("power loss under synchronous=FULL and EXTRA", () => {
  test.each(["FULL", "EXTRA"] as const)("%s: no draw loses a committed row", (sync) => {
    const results = everyDraw(sync, (db) => {
      write(db, 1, 5);
      db.pragma("wal_checkpoint(PASSIVE)");
      write(db, 6, 12);
    });
    expect(results).toHaveLength(1);
    expect(results[0]!.report).toMatchObject({ synchronous: sync, commits_total: 7, commits_durable: 7, commits_lost: 0 });
    expect(results[0]!.rows).toEqual(range(1, 12));
  });
});

describe("torn last frame", () => {
  test.each(["NORMAL", "FULL"] as const)("%s: recovery stops before it, keeps a prefix, and the db is sound", (sync) => {
    let tornChecked = 0;
    const results = everyDraw(
      sync,
      (db) => {
        write(db, 1, 3);
        db.pragma("wal_checkpoint(PASSIVE)");
        write(db, 4, 9);
        // Spread each commit over more than one frame so a cut can land between them.
        db.transaction(() => write(db, 10, 60))();
      },
      true,
    );
    for (const r of results) {
      expect(r.report.torn).toBe(true);
      expect(r.integrity).toBe("ok");
      const expected = r.report.commits_kept === 7 ? range(1, 60) : range(1, 3 + r.report.commits_kept);
      expect(r.rows).toEqual(expected);
      tornChecked++;
    }
    expect(tornChecked).toBe(sync === "FULL" ? 1 : 8);
  });

  test("the torn frame is on disk, and rejected by checksum, not by length or salt", () => {
    const files = disk();
    const db = files.open(opener());
    write(db, 1, 6);
    const report = files.powerLoss(db, () => 2, { torn: true });
    const wal = readFileSync(files.walPath);
    const parsed = parseWal(wal);
    expect(parsed.frameSlots).toBe(report.frames_after + 1);
    expect(parsed.commits).toHaveLength(2);
    expect(parsed.stop).toBe("checksum_mismatch");
  });
});

describe("kill", () => {
  test("mid-transaction (spilled to the WAL): the open transaction's rows are gone, every committed one is there", () => {
    const files = disk();
    const db = files.open(opener());
    write(db, 1, 5);
    db.pragma("cache_size = 5");
    let report: ReturnType<DbFiles["kill"]> | undefined;
    expect(() =>
      db.transaction(() => {
        write(db, 6, 400);
        report = files.kill(db);
        throw new Error("killed");
      })(),
    ).toThrow("killed");
    // The transaction had spilled pages into the WAL without a commit mark.
    expect(report).toMatchObject({ in_transaction: true, wal_commits: 6 });
    expect(report!.uncommitted_frames).toBeGreaterThan(0);
    const reopened = files.open(opener());
    expect(rows(reopened)).toEqual(range(1, 5));
    expect(reopened.pragma("integrity_check", { simple: true })).toBe("ok");
    reopened.close();
  });

  test("mid-transaction with an explicit BEGIN and nothing spilled", () => {
    const files = disk();
    const db = files.open(opener());
    write(db, 1, 3);
    db.exec("BEGIN");
    write(db, 4, 6);
    expect(files.kill(db)).toEqual({ in_transaction: true, wal_commits: 4, uncommitted_frames: 0 });
    const reopened = files.open(opener());
    expect(rows(reopened)).toEqual(range(1, 3));
    reopened.close();
  });

  test("never loses a commit under NORMAL, and leaves the WAL exactly as the process wrote it", () => {
    const files = disk();
    let db = files.open(opener());
    let written = 0;
    for (let round = 0; round < 4; round++) {
      write(db, written + 1, written + 7);
      written += 7;
      if (round === 1) db.pragma("wal_checkpoint(PASSIVE)");
      const before = files.snapshot();
      files.kill(db);
      const after = files.snapshot();
      // Closing checkpointed and deleted the WAL; the kill put the process's bytes back.
      expect(after.db!.equals(before.db!)).toBe(true);
      expect(after.wal!.equals(before.wal!)).toBe(true);
      expect(after.shm).toBeUndefined();
      db = files.open(opener());
      expect(rows(db)).toEqual(range(1, written));
    }
    db.close();
  });

  test("refuses a connection to another file, and one that is not the only connection", () => {
    const files = disk();
    const other = disk();
    const db = files.open(opener());
    const stranger = other.open(opener());
    expect(() => files.kill(stranger)).toThrow(/not to/);
    stranger.close();
    const second = new Database(files.path);
    // A connection that has not read yet has not opened the WAL, and does not count.
    expect(rows(second)).toEqual([]);
    expect(() => files.kill(db)).toThrow(/another connection/);
    second.close();
  });
});

describe("wal.ts", () => {
  test("finds one commit per transaction written, as the live -shm says", () => {
    const files = disk();
    const db = files.open(opener());
    write(db, 1, 20);
    db.transaction(() => write(db, 21, 90))();
    write(db, 91, 93);
    const { wal, shm } = files.snapshot();
    const parsed = parseWal(wal!);
    // The migration, 20 single-row transactions, one big one, 3 more.
    expect(parsed.commits).toHaveLength(1 + 20 + 1 + 3);
    expect(parsed.header!.pageSize).toBe(4096);
    expect(parsed.uncommitted).toHaveLength(0);
    expect(parsed.mxFrame).toBe(readShm(shm!)!.mxFrame);
    expect(parsed.commits.every((c, i) => c.end === WAL_HEADER_SIZE + c.frame * parsed.frameSize && (i === 0 || c.frame > parsed.commits[i - 1]!.frame))).toBe(true);
    db.close();
  });

  test("a damaged frame ends recovery there, for SQLite and for the parser alike", () => {
    const files = disk();
    const db = files.open(opener());
    write(db, 1, 10);
    const snap = files.snapshot();
    db.close();
    const parsed = parseWal(snap.wal!);
    const victim = parsed.commits[6]!; // the commit of row 6
    const damaged = Buffer.from(snap.wal!);
    damaged[victim.end - 100]! ^= 0x01;
    expect(parseWal(damaged).commits).toHaveLength(6);
    files.restore({ db: snap.db, wal: damaged, shm: undefined });
    const reopened = files.open(opener());
    expect(rows(reopened)).toEqual(range(1, 5));
    reopened.close();
  });

  test("checksums in either byte order match SQLite's: a WAL re-encoded big-endian still recovers", () => {
    const files = disk();
    const db = files.open(opener());
    write(db, 1, 10);
    const snap = files.snapshot();
    db.close();
    const parsed = parseWal(snap.wal!);
    expect(parsed.header!.bigEndianChecksum).toBe(false);
    // Rewrite the magic and every checksum the other way round.
    const be = Buffer.from(snap.wal!.subarray(0, WAL_HEADER_SIZE + parsed.mxFrame * parsed.frameSize));
    be.writeUInt32BE(0x377f0683, 0);
    let [s1, s2] = walChecksum(be, 0, 24, true);
    be.writeUInt32BE(s1, 24);
    be.writeUInt32BE(s2, 28);
    for (const frame of parsed.frames) {
      [s1, s2] = walChecksum(be, frame.offset, 8, true, s1, s2);
      [s1, s2] = walChecksum(be, frame.offset + WAL_FRAME_HEADER_SIZE, parsed.header!.pageSize, true, s1, s2);
      be.writeUInt32BE(s1, frame.offset + 16);
      be.writeUInt32BE(s2, frame.offset + 20);
    }
    const reparsed = parseWal(be);
    expect(reparsed.header!.bigEndianChecksum).toBe(true);
    expect(reparsed.commits).toHaveLength(parsed.commits.length);
    files.restore({ db: snap.db, wal: be, shm: undefined });
    const reopened = files.open(opener());
    expect(rows(reopened)).toEqual(range(1, 10));
    reopened.close();
  });

  test("stale frames of the previous generation are rejected by salt", () => {
    const files = disk();
    const db = files.open(opener());
    write(db, 1, 10);
    db.pragma("wal_checkpoint(PASSIVE)");
    write(db, 11, 12);
    const parsed = parseWal(files.snapshot().wal!);
    expect(parsed.commits).toHaveLength(2);
    expect(parsed.header!.checkpointSeq).toBe(1);
    expect(parsed.stop).toBe("salt_mismatch");
    expect(parsed.frameSlots).toBeGreaterThan(parsed.mxFrame);
    // SQLite agrees: a kill leaves the stale frames in place, and recovery skips them.
    files.kill(db);
    expect(parseWal(files.snapshot().wal!).stop).toBe("salt_mismatch");
    const reopened = files.open(opener());
    expect(rows(reopened)).toEqual(range(1, 12));
    expect(reopened.pragma("integrity_check", { simple: true })).toBe("ok");
    reopened.close();
  });
});

describe("the disk", () => {
  test("lives under /dev/shm when there is one, and dispose removes it", () => {
    const files = new DbFiles("dispose");
    if (existsSync("/dev/shm")) expect(files.dir.startsWith("/dev/shm/")).toBe(true);
    const db = files.open(opener());
    write(db, 1, 3);
    db.close();
    expect(existsSync(files.path)).toBe(true);
    files.dispose();
    expect(existsSync(files.dir)).toBe(false);
    files.dispose();
    expect(() => files.snapshot()).toThrow(/disposed/);
  });

  test("the same writes and the same draws give the same report, though SQLite salts each WAL at random", () => {
    const run = () => {
      const files = disk();
      const db = files.open(opener());
      write(db, 1, 6);
      db.pragma("wal_checkpoint(PASSIVE)");
      write(db, 7, 15);
      let state = 7;
      const draw = (n: number) => (state = (state * 48271) % 2147483647) % n;
      const report = files.powerLoss(db, draw, { torn: true });
      const wal = readFileSync(files.walPath);
      const reopened = files.open(opener());
      const kept = rows(reopened);
      reopened.close();
      return { report, kept, salt: wal.readUInt32BE(20), tail: wal.subarray(wal.length - 4096).toString("hex") };
    };
    const a = run();
    const b = run();
    expect(b.report).toEqual(a.report);
    expect(b.kept).toEqual(a.kept);
    expect(b.tail).toEqual(a.tail);
    expect(b.salt).not.toBe(a.salt);
  });

  test("draw is called once, and an answer out of range is refused", () => {
    const files = disk();
    const db = files.open(opener());
    write(db, 1, 3);
    const asked: number[] = [];
    expect(() => files.powerLoss(db, (n) => (asked.push(n), n))).toThrow(/not an integer in \[0, 5\)/);
    expect(asked).toEqual([5]);
    // Nothing happened: the connection is still up and the WAL still there.
    expect(db.open).toBe(true);
    expect(parseWal(files.snapshot().wal!).commits).toHaveLength(4);
    db.close();
  });
});
