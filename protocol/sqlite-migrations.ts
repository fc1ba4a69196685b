import type Database from "better-sqlite3";

// Both sides keep their state in SQLite and version it the same way: the
// migration list index is the schema version, stored in PRAGMA user_version.
// Kept here, beside the contract, so the two sides cannot drift apart.

export type Migration = (db: Database.Database) => void;

export function migrate(db: Database.Database, migrations: readonly Migration[]): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`database schema version ${current} is newer than this code knows (${migrations.length})`);
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      migrations[version]!(db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

/**
 * Opens with the pragmas both sides want: WAL for files, foreign keys on, and
 * synchronous=FULL. An ack is a promise that the op survives a server power
 * loss, and a returned enqueue that it survives a client power loss; in WAL
 * mode NORMAL keeps neither (the WAL is synced only at checkpoints), FULL
 * syncs it at every commit (docs/claims.md).
 */
export function configure(db: Database.Database): void {
  if (!db.memory) db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
}
