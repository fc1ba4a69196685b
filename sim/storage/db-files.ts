import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type Database from "better-sqlite3";
import { parseWal, readShm, WAL_FRAME_HEADER_SIZE, WAL_HEADER_SIZE, type ParsedWal } from "./wal.ts";

// Why this exists: a simulated process that keeps its state in SQLite should
// lose, when it dies, exactly what a real one would, and the only faithful
// way to know that is to let SQLite's own recovery decide over real files.
// A DbFiles is one node's "disk": a private folder (on /dev/shm when there is
// one, so fsync costs nothing) holding the database, its -wal and its -shm.
//
// - kill: what SIGKILL leaves. Every write() the process made is in the OS,
//   synced or not, so the files as they are now survive; only the process's
//   memory (and the -shm's meaning, which the next opener rebuilds) is gone.
//   Closing a better-sqlite3 connection checkpoints and deletes the -wal, so
//   the bytes are taken before the connection is touched and put back after.
// - powerLoss: a kill, then the OS page cache is gone too: only what SQLite
//   fsynced survives. In WAL mode with synchronous=NORMAL the WAL is synced
//   only when a checkpoint starts (and the db file after it), so any suffix
//   of the commits after the last checkpoint may vanish; with FULL or EXTRA
//   the WAL is synced at every commit and nothing whose commit returned may.
//   Unsynced frames can reach the disk in any order, but a missing frame
//   breaks the checksum chain, so what recovery sees is always a prefix: we
//   pick the cut among the commit boundaries with the simulator's draw.
//   The cut itself (cutForPowerLoss) works on bytes alone, so real mode can
//   apply it to the files a SIGKILLed process left (real/world/power-loss.ts).
//
// Not modelled: synchronous=OFF is treated like NORMAL (really it syncs
// nothing, checkpoints included); a power loss never damages the db file
// (SQLite only writes it in checkpoints, which sync it before nBackfill
// moves); disks that lie about fsync.

export type Opener = (source?: string | Buffer) => Database.Database;
/** An integer in [0, n), from the simulator's seeded stream. */
export type Draw = (n: number) => number;
export type Synchronous = "OFF" | "NORMAL" | "FULL" | "EXTRA";

const SYNCHRONOUS: readonly Synchronous[] = ["OFF", "NORMAL", "FULL", "EXTRA"];

/** A connection's synchronous level (reading the pragma writes nothing). */
export function synchronousOf(db: Database.Database): Synchronous {
  return SYNCHRONOUS[db.pragma("synchronous", { simple: true }) as number] ?? "NORMAL";
}

/** The bytes of the three files; undefined for a file that does not exist. */
export interface DbSnapshot {
  db: Buffer | undefined;
  wal: Buffer | undefined;
  shm: Buffer | undefined;
}

export interface KillReport {
  /** The connection was inside a transaction; its uncommitted work is gone. */
  in_transaction: boolean;
  /** Commits in the WAL that recovery will replay (those already checkpointed are in the db file). */
  wal_commits: number;
  /** Frames an open transaction had spilled into the WAL, without a commit mark: recovery drops them. */
  uncommitted_frames: number;
}

export interface PowerLossOptions {
  /** Append a torn frame after the cut, which recovery must reject. */
  torn?: boolean;
  /**
   * The files come from a process killed at any instruction (real mode): the
   * -shm may lag the WAL it indexes, so the two need not agree.
   */
  killedAnywhere?: boolean;
}

export interface PowerLossReport {
  synchronous: Synchronous;
  /** Commits in the current WAL generation that a plain kill would keep. */
  commits_total: number;
  /** Of those, the ones already on disk for sure (FULL/EXTRA: all; NORMAL/OFF: up to nBackfill). */
  commits_durable: number;
  /** Chosen by the draw in [commits_durable, commits_total]. */
  commits_kept: number;
  /** commits_total - commits_kept. */
  commits_lost: number;
  /** Frames recovery would accept after a plain kill. */
  frames_before: number;
  /** Frames recovery accepts after this power loss. */
  frames_after: number;
  /** A torn frame was appended after the cut. */
  torn: boolean;
}

/** /dev/shm when this machine has one (tmpfs: fsync is free), else the OS temp folder. */
function baseDir(): string {
  try {
    if (statSync("/dev/shm").isDirectory()) return "/dev/shm";
  } catch {
    // no /dev/shm here
  }
  return tmpdir();
}

/**
 * Removes every disk folder this process made. A worker thread the watchdog
 * terminates never disposes its world, so the process that owns the pool
 * sweeps them as it exits (worker threads share its pid).
 */
export function sweepDisks(): void {
  const base = baseDir();
  const prefix = `replaysim-${process.pid}-`;
  let names: string[] = [];
  try {
    names = readdirSync(base);
  } catch {
    return;
  }
  for (const name of names) if (name.startsWith(prefix)) rmSync(join(base, name), { recursive: true, force: true });
}

function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Deterministic filler for a torn frame's page: what a half-finished write leaves. */
function garbage(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = (seed * 0x9e3779b1 + 0x6d2b79f5) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export class DbFiles {
  readonly dir: string;
  readonly path: string;
  #disposed = false;

  /** `label` names the folder, for whoever looks at /dev/shm while a run is going. */
  constructor(label = "node") {
    const safe = label.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40);
    this.dir = mkdtempSync(join(baseDir(), `replaysim-${process.pid}-${safe}-`));
    this.path = join(this.dir, "state.db");
  }

  get walPath(): string {
    return `${this.path}-wal`;
  }

  get shmPath(): string {
    return `${this.path}-shm`;
  }

  /** Opens the database file with the code under test's own opener. */
  open(opener: Opener): Database.Database {
    this.#live();
    return opener(this.path);
  }

  /** The three files as the OS holds them now: what survives a process kill. */
  snapshot(): DbSnapshot {
    this.#live();
    return { db: readIfExists(this.path), wal: readIfExists(this.walPath), shm: readIfExists(this.shmPath) };
  }

  /**
   * Puts the db and -wal of a snapshot on disk and removes the -shm, so that
   * the next open runs WAL recovery over exactly these bytes. No connection
   * to this database may be open.
   */
  restore(snapshot: DbSnapshot): void {
    this.#live();
    for (const [path, bytes] of [
      [this.path, snapshot.db],
      [this.walPath, snapshot.wal],
    ] as const) {
      if (bytes === undefined) rmSync(path, { force: true });
      else writeFileSync(path, bytes);
    }
    rmSync(this.shmPath, { force: true });
  }

  /** SIGKILL: the connection dies where it stands; every byte it wrote stays. */
  kill(db: Database.Database): KillReport {
    const { snapshot, inTransaction } = this.#capture(db);
    this.#close(db, snapshot);
    this.restore(snapshot);
    const wal = parseWal(snapshot.wal ?? Buffer.alloc(0));
    return { in_transaction: inTransaction, wal_commits: wal.commits.length, uncommitted_frames: wal.uncommitted.length };
  }

  /**
   * Power loss: a kill, then everything not fsynced is gone. `draw` is called
   * exactly once, with the number of commit boundaries the WAL may be cut at.
   * If anything here throws before the connection is closed (a bad draw), the
   * connection and the files are left as they were.
   */
  powerLoss(db: Database.Database, draw: Draw, options: PowerLossOptions = {}): PowerLossReport {
    const { snapshot, synchronous } = this.#capture(db);
    const { files, report } = cutForPowerLoss(snapshot, synchronous, draw, options);
    this.#close(db, snapshot);
    this.restore(files);
    return report;
  }

  /** Removes the folder and everything in it. Close connections first. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    rmSync(this.dir, { recursive: true, force: true });
  }

  #live(): void {
    if (this.#disposed) throw new Error(`${this.dir} was disposed`);
  }

  /**
   * The bytes, taken before the connection is touched, and what the
   * connection says about itself (reading pragmas writes nothing).
   */
  #capture(db: Database.Database): { snapshot: DbSnapshot; synchronous: Synchronous; inTransaction: boolean } {
    if (resolve(db.name) !== resolve(this.path)) {
      throw new Error(`connection is to ${db.name}, not to ${this.path}`);
    }
    const snapshot = this.snapshot();
    if (!db.open) return { snapshot, synchronous: "NORMAL", inTransaction: false };
    return { snapshot, synchronous: synchronousOf(db), inTransaction: db.inTransaction };
  }

  /**
   * Closes the connection, rolling back an open transaction first. What
   * closing does to the files (a checkpoint, deleting the -wal) is undone by
   * restoring the snapshot afterwards.
   */
  #close(db: Database.Database, snapshot: DbSnapshot): void {
    if (!db.open) return;
    if (db.inTransaction) db.exec("ROLLBACK");
    db.close();
    // The last connection to close deletes the -wal. If it is still there,
    // another connection has the file open, and rewriting the files under it
    // would corrupt what it sees.
    if (snapshot.wal !== undefined && existsSync(this.walPath)) {
      throw new Error(`${this.walPath} survived closing: another connection to ${this.path} is still open`);
    }
  }
}

/**
 * The pure part of a power loss: given the bytes a kill leaves (`snapshot`)
 * and the synchronous level the writer ran with, the bytes that survive the
 * loss of the page cache too. Touches no connection and no file. `draw` is
 * called exactly once, with the number of commit boundaries the WAL may be cut
 * at; an answer out of range, a WAL that disagrees with a consistent -shm, or
 * a cut that would not recover as planned throws. The result has no -shm: the
 * next opener must rebuild the index from the WAL.
 */
export function cutForPowerLoss(
  snapshot: DbSnapshot,
  synchronous: Synchronous,
  draw: Draw,
  options: PowerLossOptions = {},
): { files: DbSnapshot; report: PowerLossReport } {
  const wal = parseWal(snapshot.wal ?? Buffer.alloc(0));
  const shm = snapshot.shm ? readShm(snapshot.shm) : undefined;
  if (!options.killedAnywhere && shm && wal.header && shm.consistent && shm.isInit && shm.mxFrame !== wal.mxFrame) {
    // The live connection and our reading of its WAL must agree, or the model is wrong.
    throw new Error(`WAL parse disagrees with the -shm: mxFrame ${wal.mxFrame} vs ${shm.mxFrame}`);
  }

  const total = wal.commits.length;
  const durable = durableCommits(wal, shm, synchronous);
  const choices = total - durable + 1;
  const k = draw(choices);
  if (!Number.isInteger(k) || k < 0 || k >= choices) {
    throw new Error(`draw(${choices}) returned ${k}, not an integer in [0, ${choices})`);
  }
  const kept = durable + k;

  let torn = false;
  let walOut = snapshot.wal;
  if (snapshot.wal && wal.header && !wal.headerProblem) {
    const cut = kept === 0 ? WAL_HEADER_SIZE : wal.commits[kept - 1]!.end;
    walOut = snapshot.wal.subarray(0, cut);
    if (options.torn) {
      walOut = Buffer.concat([walOut, tornFrame(snapshot.wal, wal, cut, kept)]);
      torn = true;
    }
    const after = parseWal(walOut);
    if (after.commits.length !== kept) {
      throw new Error(`cut WAL recovers ${after.commits.length} commits, expected ${kept}`);
    }
  }
  return {
    files: { db: snapshot.db, wal: walOut, shm: undefined },
    report: {
      synchronous,
      commits_total: total,
      commits_durable: durable,
      commits_kept: kept,
      commits_lost: total - kept,
      frames_before: wal.frames.length,
      frames_after: kept === 0 ? 0 : wal.commits[kept - 1]!.frame,
      torn,
    },
  };
}

/**
 * How many of the WAL's commits are on disk for sure. FULL and EXTRA sync the
 * WAL at every commit. NORMAL (and OFF, optimistically) synced the WAL before
 * the last checkpoint, which copied nBackfill frames into the db file and
 * synced that: the commits up to nBackfill (a commit boundary, since a
 * checkpoint stops at a reader's snapshot; rounded down to be safe).
 */
function durableCommits(wal: ParsedWal, shm: ReturnType<typeof readShm>, synchronous: Synchronous): number {
  const total = wal.commits.length;
  if (synchronous === "FULL" || synchronous === "EXTRA") return total;
  if (!shm || !wal.header) return 0;
  // An index of another WAL generation says nothing about this one.
  if (shm.salt1 !== wal.header.salt1 || shm.salt2 !== wal.header.salt2) return 0;
  let durable = 0;
  while (durable < total && wal.commits[durable]!.frame <= shm.nBackfill) durable++;
  return durable;
}

/**
 * A frame recovery must reject, for the slot just after the cut: the header
 * of the frame that was there (valid salts, maybe a commit mark) over garbage
 * page bytes, or, when the cut is at the end, a made-up commit frame with the
 * right salts and garbage everywhere else. Checked against our reading of
 * recovery; on the off chance the garbage checksums, it is changed until not.
 */
function tornFrame(bytes: Buffer, wal: ParsedWal, cut: number, kept: number): Buffer {
  const header = wal.header!;
  const frame = Buffer.alloc(wal.frameSize);
  if (bytes.length >= cut + wal.frameSize) {
    bytes.copy(frame, 0, cut, cut + WAL_FRAME_HEADER_SIZE);
  } else {
    frame.writeUInt32BE(1, 0);
    frame.writeUInt32BE(kept === 0 ? 1 : wal.commits[kept - 1]!.dbPages, 4);
    frame.writeUInt32BE(header.salt1, 8);
    frame.writeUInt32BE(header.salt2, 12);
    garbage(8, cut).copy(frame, 16);
  }
  garbage(header.pageSize, cut ^ 0x5a5a).copy(frame, WAL_FRAME_HEADER_SIZE);
  const prefix = bytes.subarray(0, cut);
  const keptFrames = kept === 0 ? 0 : wal.commits[kept - 1]!.frame;
  const accepted = () => {
    const parsed = parseWal(Buffer.concat([prefix, frame]));
    return parsed.frames.length + parsed.uncommitted.length;
  };
  for (let attempt = 0; accepted() > keptFrames; attempt++) {
    if (attempt >= 8) throw new Error("could not build a torn frame that recovery rejects");
    frame[WAL_FRAME_HEADER_SIZE + attempt] = frame[WAL_FRAME_HEADER_SIZE + attempt]! ^ 0xff;
  }
  return frame;
}
