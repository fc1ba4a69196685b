import type { Migration } from "../../protocol/sqlite-migrations.ts";

// The viewer's own database: where it stands in the share's log, the entries
// it applied (its local copy of the log, in the order applied), and the
// session materialized from them with the server's own Materializer.
export const VIEWER_MIGRATIONS: readonly Migration[] = [
  (db) =>
    db.exec(`
      CREATE TABLE viewer_state (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        viewer_id TEXT NOT NULL,
        share_id TEXT,
        secret TEXT,
        epoch INTEGER NOT NULL DEFAULT 0,
        cursor INTEGER NOT NULL DEFAULT 0,
        joined INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE viewer_log (
        n INTEGER PRIMARY KEY,
        cursor INTEGER NOT NULL,
        producer_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        op_id TEXT NOT NULL
      );
      CREATE TABLE sessions (share_id TEXT PRIMARY KEY, title TEXT NOT NULL, directory TEXT);
      CREATE TABLE messages (
        share_id TEXT NOT NULL, message_id TEXT NOT NULL, role TEXT NOT NULL, model_id TEXT, finish TEXT,
        PRIMARY KEY (share_id, message_id)
      ) WITHOUT ROWID;
      CREATE TABLE parts (
        share_id TEXT NOT NULL, part_id TEXT NOT NULL, message_id TEXT NOT NULL, type TEXT NOT NULL, text TEXT NOT NULL, state TEXT,
        PRIMARY KEY (share_id, part_id)
      ) WITHOUT ROWID;
      CREATE TABLE diffs (
        share_id TEXT NOT NULL, path TEXT NOT NULL, additions INTEGER NOT NULL, deletions INTEGER NOT NULL, patch TEXT NOT NULL,
        PRIMARY KEY (share_id, path)
      ) WITHOUT ROWID;
      CREATE TABLE models (
        share_id TEXT NOT NULL, model_id TEXT NOT NULL, provider TEXT NOT NULL, name TEXT NOT NULL,
        PRIMARY KEY (share_id, model_id)
      ) WITHOUT ROWID;
    `),
];
