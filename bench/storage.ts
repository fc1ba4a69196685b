import type Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openServerDb } from "../server-under-test/share-server.ts";
import type { Storage, Synchronous } from "./matrix.ts";

// Databases for the bench: in memory, or files in a scratch directory in WAL
// mode with the synchronous setting the cell asks for. Both sides open their
// database with the reference `configure` first; only `synchronous` changes.

export type Opener = (source: string) => Database.Database;

/** A scratch directory for one cell's files, removed by `dispose`. */
export interface Scratch {
  readonly dir: string;
  /** A fresh database path in the scratch directory. */
  path(name: string): string;
  dispose(): void;
}

export function scratch(prefix = "replaysim-bench-"): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let n = 0;
  return {
    dir,
    path: (name) => join(dir, `${name}-${++n}.db`),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Opens a database for `storage`: `:memory:`, or a new file in `files`. */
export function openFor(open: Opener, storage: Storage, files: Scratch | null, name: string): Database.Database {
  if (storage.synchronous === null) return open(":memory:");
  if (!files) throw new Error("file storage needs a scratch directory");
  const db = open(files.path(name));
  db.pragma(`synchronous = ${storage.synchronous}`);
  const mode = db.pragma("journal_mode", { simple: true });
  if (mode !== "wal") throw new Error(`expected WAL for file storage, got journal_mode=${String(mode)}`);
  return db;
}

const SYNCHRONOUS_NAMES = ["OFF", "NORMAL", "FULL", "EXTRA"] as const;

/** What the reference `configure` sets on a file database, read back from SQLite itself. */
export function referenceFileSettings(): { journal_mode: string; synchronous: Synchronous | string } {
  const files = scratch("replaysim-ref-");
  try {
    const db = openServerDb(files.path("reference"));
    const journal_mode = String(db.pragma("journal_mode", { simple: true }));
    const level = db.pragma("synchronous", { simple: true }) as number;
    db.close();
    return { journal_mode, synchronous: SYNCHRONOUS_NAMES[level] ?? String(level) };
  } finally {
    files.dispose();
  }
}
