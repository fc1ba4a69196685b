import Database from "better-sqlite3";
import { DbFiles, type Draw, type PowerLossReport } from "../storage/db-files.ts";
import { captureCommitted } from "./durable.ts";
import { freshImage } from "./template-image.ts";

/** How a process opens its database: the code under test's own opener (it configures and migrates). */
export type DbOpener = (source?: string | Buffer) => Database.Database;

/** Where a simulated process keeps its database between incarnations. */
export type DiskKind = "memory" | "files";

/**
 * What a process's database survives. In memory (the default, and the fast
 * one): an image of what SQLite committed, taken when the process dies; it
 * survives any crash, so it cannot model a power loss. On files: the real
 * database, -wal and -shm in a private folder, where a power loss loses what
 * SQLite had not synced (sim/storage/db-files.ts).
 */
export interface Disk {
  readonly kind: DiskKind;
  /** The database a new incarnation opens: what survived, or a fresh one. */
  open(): Database.Database;
  /** The process died: keep what a killed process leaves. */
  kill(db: Database.Database): void;
  /** The host lost power: keep only what was durable. Files only. */
  powerLoss(db: Database.Database, draw: Draw, torn: boolean): PowerLossReport;
  /** Reads what is committed while the process is down, changing nothing. */
  read<T>(fn: (db: Database.Database) => T): T;
  dispose(): void;
}

/** How one process keeps its database: the opener it uses, and the disk it lives on. */
export interface NodeStorage {
  open: DbOpener;
  disk: DiskKind;
}

export function makeDisk(kind: DiskKind, label: string, open: DbOpener): Disk {
  return kind === "files" ? new FileDisk(label, open) : new MemoryDisk(label, open);
}

class MemoryDisk implements Disk {
  readonly kind = "memory";
  readonly #label: string;
  readonly #open: DbOpener;
  #image: Buffer | undefined;

  constructor(label: string, open: DbOpener) {
    this.#label = label;
    this.#open = open;
  }

  open(): Database.Database {
    return this.#open(this.#image ?? freshImage(this.#label, () => this.#open()));
  }

  kill(db: Database.Database): void {
    captureCommitted(db, (image) => (this.#image = image));
  }

  powerLoss(): PowerLossReport {
    throw new Error(`${this.#label}: a power loss needs a database on files`);
  }

  read<T>(fn: (db: Database.Database) => T): T {
    const db = this.open();
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  dispose(): void {}
}

/**
 * On files, a second connection stands in for the operating system: it keeps
 * the database open across the process's deaths, so a dying connection is
 * never the last one and SQLite does not checkpoint or delete the WAL as it
 * closes. A kill is then only a close: every byte written stays, as with
 * SIGKILL. A power loss lets go of it and leaves the files to sim/storage.
 */
class FileDisk implements Disk {
  readonly kind = "files";
  readonly #files: DbFiles;
  readonly #open: DbOpener;
  #os: Database.Database | undefined;

  constructor(label: string, open: DbOpener) {
    this.#files = new DbFiles(label);
    this.#open = open;
  }

  open(): Database.Database {
    const db = this.#files.open(this.#open);
    if (!this.#os) {
      this.#os = new Database(this.#files.path);
      this.#os.prepare("SELECT count(*) FROM sqlite_master").get();
    }
    return db;
  }

  kill(db: Database.Database): void {
    if (!this.#os) {
      this.#files.kill(db);
      return;
    }
    // Inside a transaction (a crash point before commit) the stack unwinds and rolls back first.
    const close = () => db.open && (db.inTransaction && db.exec("ROLLBACK"), db.close());
    if (db.inTransaction) queueMicrotask(close);
    else close();
  }

  powerLoss(db: Database.Database, draw: Draw, torn: boolean): PowerLossReport {
    this.#os?.close();
    this.#os = undefined;
    return this.#files.powerLoss(db, draw, { torn });
  }

  read<T>(fn: (db: Database.Database) => T): T {
    if (!this.#os) {
      // Nothing holds the files: opening recovers and closing checkpoints, so they are put back as they were.
      const before = this.#files.snapshot();
      const db = this.#files.open(this.#open);
      try {
        return fn(db);
      } finally {
        db.close();
        this.#files.restore(before);
      }
    }
    const db = this.#files.open(this.#open);
    try {
      return fn(db);
    } finally {
      db.close();
    }
  }

  dispose(): void {
    this.#os?.close();
    this.#os = undefined;
    this.#files.dispose();
  }
}
