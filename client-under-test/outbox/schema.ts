import type { Migration } from "../../protocol/sqlite-migrations.ts";

export const OUTBOX_MIGRATIONS: readonly Migration[] = [
  (db) =>
    db.exec(`
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY,
        op_id TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL,
        enqueued_ms INTEGER NOT NULL
      );
      CREATE TABLE sync_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        producer_id TEXT NOT NULL,
        share_id TEXT,
        secret TEXT,
        epoch INTEGER NOT NULL DEFAULT 0,
        acked_seq INTEGER NOT NULL DEFAULT 0,
        cursor INTEGER NOT NULL DEFAULT 0,
        last_enqueued_seq INTEGER NOT NULL DEFAULT 0
      );
    `),
];
