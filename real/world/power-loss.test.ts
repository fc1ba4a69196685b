import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import type { Draw, PowerLossReport, Synchronous } from "../../sim/storage/db-files.ts";
import { parseWal, readShm, WAL_HEADER_SIZE } from "../../sim/storage/wal.ts";
import { powerLossOnFiles } from "./power-loss.ts";

// Real mode's power loss, over real files: a database written in WAL mode,
// its files taken as a SIGKILL leaves them (copied while the connection is
// still open, or left by a child process killed for real), cut, and then
// judged by SQLite's own recovery when a fresh connection opens the copy.

const folders: string[] = [];
const connections: Database.Database[] = [];
afterEach(() => {
  for (const db of connections.splice(0)) if (db.open) db.close();
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "replaysim-power-loss-test-"));
  folders.push(dir);
  return dir;
}

function connect(path: string): Database.Database {
  const db = new Database(path);
  connections.push(db);
  return db;
}

/**
 * A database in WAL mode whose table is already checkpointed into the db
 * file (TRUNCATE: the WAL is empty again), then `commits` inserts, one commit
 * each, all still in the WAL (no autocheckpoint). Row n is inserted by commit n.
 */
function writer(synchronous: Synchronous, commits: number): Database.Database {
  const db = connect(join(folder(), "state.db"));
  expect(db.pragma("journal_mode = WAL", { simple: true })).toBe("wal");
  db.pragma("wal_autocheckpoint = 0");
  db.pragma(`synchronous = ${synchronous}`);
  db.exec("CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT NOT NULL)");
  db.pragma("wal_checkpoint(TRUNCATE)");
  write(db, 1, commits);
  return db;
}

function write(db: Database.Database, lo: number, hi: number): void {
  const insert = db.prepare("INSERT INTO t (n, pad) VALUES (?, ?)");
  for (let n = lo; n <= hi; n++) insert.run(n, `row ${n} `.repeat(40));
}

interface Files {
  db: Buffer;
  wal: Buffer | undefined;
  shm: Buffer | undefined;
}

function read(path: string): Files {
  const optional = (p: string) => (existsSync(p) ? readFileSync(p) : undefined);
  return { db: readFileSync(path), wal: optional(`${path}-wal`), shm: optional(`${path}-shm`) };
}

/**
 * What a SIGKILL of `db`'s process leaves, in a folder of its own: the three
 * files byte for byte as the OS holds them now, taken while the connection is
 * still open (closing it would checkpoint and delete the -wal).
 */
function killedCopy(db: Database.Database): { path: string; before: Files } {
  const before = read(db.name);
  expect(before.wal, "the commits are in the WAL").toBeDefined();
  expect(before.shm, "a live WAL connection has a -shm").toBeDefined();
  const path = join(folder(), "state.db");
  writeFileSync(path, before.db);
  writeFileSync(`${path}-wal`, before.wal!);
  writeFileSync(`${path}-shm`, before.shm!);
  return { path, before };
}

/** A draw that answers `k` and records what it was asked. */
function answer(k: number): Draw & { asked: number[] } {
  const asked: number[] = [];
  return Object.assign((n: number) => (asked.push(n), k), { asked });
}

/** Opens the cut files as the next process would, and says what recovery made of them. */
function reopen(path: string): { rows: number[]; integrity: string } {
  const db = connect(path);
  const rows = db.prepare("SELECT n FROM t ORDER BY n").pluck().all() as number[];
  const integrity = db.pragma("integrity_check", { simple: true }) as string;
  db.close();
  return { rows, integrity };
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
}

/**
 * What powerLossOnFiles must leave, whatever it kept: the db untouched, the
 * -wal a prefix of the old one at the commit boundary the report names (plus
 * one frame when torn), and no -shm. A connection opened on the path would
 * have left a -shm, or checkpointed and deleted the -wal on closing.
 */
function expectCut(path: string, before: Files, report: PowerLossReport): void {
  const after = read(path);
  expect(after.shm, "the -shm is gone").toBeUndefined();
  expect(after.db.equals(before.db), "the db file is as the kill left it").toBe(true);
  const old = parseWal(before.wal!);
  const cut = report.commits_kept === 0 ? WAL_HEADER_SIZE : old.commits[report.commits_kept - 1]!.end;
  expect(after.wal!.length).toBe(cut + (report.torn ? old.frameSize : 0));
  expect(after.wal!.subarray(0, cut).equals(before.wal!.subarray(0, cut))).toBe(true);
  expect(parseWal(after.wal!).commits).toHaveLength(report.commits_kept);
}

const COMMITS = 5;

describe("powerLossOnFiles", () => {
  test("synchronous=FULL: every commit survives, and draw has nothing to choose", () => {
    const { path, before } = killedCopy(writer("FULL", COMMITS));
    const draw = answer(0);
    const report = powerLossOnFiles(path, "FULL", draw);
    expect(draw.asked).toEqual([1]);
    expect(report).toEqual({
      synchronous: "FULL",
      commits_total: COMMITS,
      commits_durable: COMMITS,
      commits_kept: COMMITS,
      commits_lost: 0,
      frames_before: parseWal(before.wal!).frames.length,
      frames_after: parseWal(before.wal!).mxFrame,
      torn: false,
    });
    expectCut(path, before, report);
    expect(reopen(path)).toEqual({ rows: range(1, COMMITS), integrity: "ok" });
  });

  test("synchronous=NORMAL, nothing checkpointed: draw is asked commits+1, and 0 loses every commit", () => {
    const { path, before } = killedCopy(writer("NORMAL", COMMITS));
    expect(readShm(before.shm!)!.nBackfill).toBe(0);
    const draw = answer(0);
    const report = powerLossOnFiles(path, "NORMAL", draw);
    expect(draw.asked).toEqual([COMMITS + 1]);
    expect(report).toMatchObject({ commits_total: COMMITS, commits_durable: 0, commits_kept: 0, commits_lost: COMMITS, frames_after: 0, torn: false });
    expectCut(path, before, report);
    expect(statSync(`${path}-wal`).size).toBe(WAL_HEADER_SIZE);
    expect(reopen(path)).toEqual({ rows: [], integrity: "ok" });
  });

  test("synchronous=NORMAL: draw k keeps exactly the first k commits", () => {
    for (let k = 0; k <= COMMITS; k++) {
      const { path, before } = killedCopy(writer("NORMAL", COMMITS));
      const draw = answer(k);
      const report = powerLossOnFiles(path, "NORMAL", draw);
      expect(draw.asked).toEqual([COMMITS + 1]);
      expect(report).toMatchObject({ commits_total: COMMITS, commits_kept: k, commits_lost: COMMITS - k });
      expectCut(path, before, report);
      expect(reopen(path), `draw ${k}`).toEqual({ rows: range(1, k), integrity: "ok" });
    }
  });

  test("torn: a torn frame after the cut is rejected; the db is valid and holds exactly the kept commits", () => {
    for (let k = 0; k <= COMMITS; k++) {
      const { path, before } = killedCopy(writer("NORMAL", COMMITS));
      const report = powerLossOnFiles(path, "NORMAL", answer(k), { torn: true });
      expect(report).toMatchObject({ commits_total: COMMITS, commits_kept: k, commits_lost: COMMITS - k, torn: true });
      expectCut(path, before, report);
      expect(reopen(path), `draw ${k}, torn`).toEqual({ rows: range(1, k), integrity: "ok" });
    }
  });

  test("synchronous=NORMAL: the commits a checkpoint backfilled are durable, read from the killed process's -shm", () => {
    const db = writer("NORMAL", 4);
    // A reader holds the checkpoint back at row 4, so the log does not restart
    // and rows 5-8 stay after the backfilled frames.
    const reader = connect(db.name);
    reader.exec("BEGIN");
    expect(reader.prepare("SELECT count(*) FROM t").pluck().get()).toBe(4);
    write(db, 5, 8);
    const [ckpt] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number; checkpointed: number }[];
    expect(ckpt!.checkpointed).toBeGreaterThan(0);
    expect(ckpt!.checkpointed).toBeLessThan(ckpt!.log);
    reader.exec("COMMIT");
    const { path, before } = killedCopy(db);
    expect(readShm(before.shm!)!.nBackfill).toBe(ckpt!.checkpointed);

    const draw = answer(0);
    const report = powerLossOnFiles(path, "NORMAL", draw);
    expect(draw.asked).toEqual([5]);
    expect(report).toMatchObject({ commits_total: 8, commits_durable: 4, commits_kept: 4, commits_lost: 4 });
    expectCut(path, before, report);
    expect(reopen(path)).toEqual({ rows: range(1, 4), integrity: "ok" });
  });

  test("a child process SIGKILLed for real: the files it left are cut in place", async () => {
    const path = join(folder(), "state.db");
    const script = `
      const Database = require("better-sqlite3");
      const db = new Database(process.argv[1]);
      db.pragma("journal_mode = WAL");
      db.pragma("wal_autocheckpoint = 0");
      db.pragma("synchronous = NORMAL");
      db.exec("CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT NOT NULL)");
      db.pragma("wal_checkpoint(TRUNCATE)");
      const insert = db.prepare("INSERT INTO t (n, pad) VALUES (?, ?)");
      for (let n = 1; n <= ${COMMITS}; n++) insert.run(n, "row " + n);
      process.stdout.write("ready\\n");
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["-e", script, path], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    try {
      let stderr = "";
      child.stderr.on("data", (chunk) => (stderr += chunk));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve());
        child.once("exit", (code) => reject(new Error(`child exited (${code}) before it was ready: ${stderr}`)));
      });
      const exited = new Promise((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }

    const before = read(path);
    expect(before.wal && before.shm, "SIGKILL left the -wal and the -shm").toBeTruthy();
    const report = powerLossOnFiles(path, "NORMAL", answer(2));
    expect(report).toMatchObject({ commits_total: COMMITS, commits_durable: 0, commits_kept: 2, commits_lost: COMMITS - 2 });
    expectCut(path, before, report);
    expect(reopen(path)).toEqual({ rows: [1, 2], integrity: "ok" });
  });

  test("no -wal (nothing was in WAL mode): the db is left alone and no -wal appears", () => {
    const dir = folder();
    const path = join(dir, "state.db");
    const db = connect(path);
    db.exec("CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT NOT NULL)");
    write(db, 1, 3);
    db.close();
    const before = read(path);
    expect(before.wal).toBeUndefined();
    const draw = answer(0);
    const report = powerLossOnFiles(path, "NORMAL", draw);
    expect(draw.asked).toEqual([1]);
    expect(report).toMatchObject({ commits_total: 0, commits_kept: 0, commits_lost: 0 });
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(readFileSync(path).equals(before.db)).toBe(true);
    expect(reopen(path)).toEqual({ rows: [1, 2, 3], integrity: "ok" });
  });

  test("files that cannot be read throw code power_loss_files, and a bad draw leaves the files untouched", () => {
    const dir = folder();
    expect(() => powerLossOnFiles(join(dir, "missing.db"), "NORMAL", answer(0))).toThrow(expect.objectContaining({ code: "power_loss_files" }));
    const unreadable = join(dir, "wal-is-a-folder.db");
    writeFileSync(unreadable, "");
    mkdirSync(`${unreadable}-wal`);
    expect(() => powerLossOnFiles(unreadable, "NORMAL", answer(0))).toThrow(expect.objectContaining({ code: "power_loss_files" }));

    const { path, before } = killedCopy(writer("NORMAL", COMMITS));
    expect(() => powerLossOnFiles(path, "NORMAL", answer(COMMITS + 1))).toThrow(/not an integer in \[0, 6\)/);
    const after = read(path);
    expect(after.db.equals(before.db) && after.wal!.equals(before.wal!) && after.shm!.equals(before.shm!)).toBe(true);
  });
});
