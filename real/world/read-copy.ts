import Database from "better-sqlite3";
import { cpSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

/** Opens a copy of a database's files (the process's own stay as the kernel left them). */
export function readCopy<T>(dir: string, path: string, read: (db: Database.Database) => T): T {
  const copies = join(dir, "copies");
  mkdirSync(copies, { recursive: true });
  const copy = join(copies, `${path.split("/").pop()}-${Math.random().toString(36).slice(2)}`);
  for (const suffix of ["", "-wal"]) if (existsSync(path + suffix)) cpSync(path + suffix, copy + suffix);
  const db = new Database(copy);
  try {
    return read(db);
  } finally {
    db.close();
  }
}

