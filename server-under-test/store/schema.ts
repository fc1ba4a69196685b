import type { Migration } from "../../protocol/sqlite-migrations.ts";

export const SERVER_MIGRATIONS: readonly Migration[] = [
  (db) =>
    db.exec(`
      CREATE TABLE shares (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        secret_hash TEXT NOT NULL,
        epoch INTEGER NOT NULL DEFAULT 0,
        cursor INTEGER NOT NULL DEFAULT 0,
        created_ms INTEGER NOT NULL
      );
      CREATE TABLE producers (
        share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
        producer_id TEXT NOT NULL,
        last_seq INTEGER NOT NULL,
        PRIMARY KEY (share_id, producer_id)
      ) WITHOUT ROWID;
      CREATE TABLE share_log (
        share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
        cursor INTEGER NOT NULL,
        producer_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        op TEXT NOT NULL,
        PRIMARY KEY (share_id, cursor)
      ) WITHOUT ROWID;
      CREATE TABLE sessions (
        share_id TEXT PRIMARY KEY REFERENCES shares(id) ON DELETE CASCADE,
        title TEXT NOT NULL,
        directory TEXT
      );
      CREATE TABLE messages (
        share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
        message_id TEXT NOT NULL,
        role TEXT NOT NULL,
        model_id TEXT,
        PRIMARY KEY (share_id, message_id)
      ) WITHOUT ROWID;
      CREATE TABLE parts (
        share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
        part_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        type TEXT NOT NULL,
        text TEXT NOT NULL,
        state TEXT,
        PRIMARY KEY (share_id, part_id)
      ) WITHOUT ROWID;
      CREATE TABLE diffs (
        share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        additions INTEGER NOT NULL,
        deletions INTEGER NOT NULL,
        patch TEXT NOT NULL,
        PRIMARY KEY (share_id, path)
      ) WITHOUT ROWID;
      CREATE TABLE models (
        share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
        model_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (share_id, model_id)
      ) WITHOUT ROWID;
    `),
  // Workload v2: a finish reason on messages (removals need no schema).
  (db) => db.exec(`ALTER TABLE messages ADD COLUMN finish TEXT`),
  // REST write tokens: each bound at /redeem to one share, one producer and the epoch then.
  (db) =>
    db.exec(`
      CREATE TABLE write_tokens (
        token_hash TEXT PRIMARY KEY,
        share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
        producer_id TEXT NOT NULL,
        epoch INTEGER NOT NULL
      ) WITHOUT ROWID;
    `),
  // REST read tokens: each bound at /redeem to one share and the epoch then.
  (db) =>
    db.exec(`
      CREATE TABLE read_tokens (
        token_hash TEXT PRIMARY KEY,
        share_id TEXT NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL
      ) WITHOUT ROWID;
    `),
];
