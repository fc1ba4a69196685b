import type Database from "better-sqlite3";

/**
 * What survives a crash is exactly what SQLite committed. A crash can land
 * inside a transaction (a crash point before commit): then the image is taken
 * once the stack has unwound and the transaction rolled back, never before,
 * because serialize() would include the uncommitted pages.
 */
export function captureCommitted(db: Database.Database, keep: (image: Buffer) => void): void {
  const finish = () => {
    if (!db.open) return;
    if (db.inTransaction) db.exec("ROLLBACK");
    keep(db.serialize());
    db.close();
  };
  if (db.inTransaction) queueMicrotask(finish);
  else finish();
}
