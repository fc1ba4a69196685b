import type Database from "better-sqlite3";

/** An opener that wraps another and sets back the old `synchronous=NORMAL`: the WAL is synced only at checkpoints. */
export function synchronousNormal(open: (source?: string | Buffer) => Database.Database): (source?: string | Buffer) => Database.Database {
  return (source) => {
    const db = open(source);
    db.pragma("synchronous = NORMAL");
    return db;
  };
}
