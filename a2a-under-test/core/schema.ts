import type Database from "better-sqlite3";

// The hardened core's tables: every task event is a row with a per-task
// sequence number, written before anyone hears of it; a message id maps to the
// task (and the point in it) its first arrival made, so a retry finds it.

export function createCoreSchema(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS a2a_tasks (
      id TEXT PRIMARY KEY,
      context_id TEXT NOT NULL,
      state TEXT NOT NULL,
      turn INTEGER NOT NULL,
      last_seq INTEGER NOT NULL
    );
    CREATE TABLE IF NOT EXISTS a2a_messages (
      message_id TEXT NOT NULL,
      task_id TEXT NOT NULL,
      turn INTEGER NOT NULL,
      text TEXT NOT NULL,
      after_seq INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS a2a_messages_by_id ON a2a_messages (message_id);
    CREATE TABLE IF NOT EXISTS a2a_events (
      task_id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      turn INTEGER NOT NULL,
      kind TEXT NOT NULL,
      state TEXT,
      artifact_id TEXT,
      chunk INTEGER,
      text TEXT,
      PRIMARY KEY (task_id, seq)
    );
  `);
}
