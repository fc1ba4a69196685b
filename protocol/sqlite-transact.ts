import type Database from "better-sqlite3";

/** Runs a unit of work atomically. */
export type Transact = <T>(work: () => T) => T;

/** One transaction function, reused: creating one per call costs more than a small commit. */
export function sqliteTransact(db: Database.Database): Transact {
  const run = db.transaction((work: () => unknown) => work());
  return <T>(work: () => T) => run(work) as T;
}
