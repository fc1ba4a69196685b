import type Database from "better-sqlite3";
import { lazyStatements } from "./sqlite-statements.ts";
import type { OpBody } from "./ops.ts";
import type { SessionView } from "./session-view.ts";

// Applies op bodies to the materialized session tables and reads them back in
// the canonical SessionView shape. `part.append` concatenates, so it is the one
// kind that is not idempotent. The server's store and the viewer's local view
// both use it, so "the same session" means the same rows on both sides.

export class Materializer {
  readonly #s;
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    // Prepared on first use: a process that restarts opens its database again.
    this.#s = lazyStatements(db, {
      upsertSession: `INSERT INTO sessions (share_id, title, directory) VALUES (?, ?, ?)
       ON CONFLICT (share_id) DO UPDATE SET title = excluded.title, directory = COALESCE(excluded.directory, sessions.directory)`,
      upsertMessage: `INSERT INTO messages (share_id, message_id, role, model_id, finish) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (share_id, message_id) DO UPDATE SET role = excluded.role, model_id = COALESCE(excluded.model_id, messages.model_id),
         finish = COALESCE(excluded.finish, messages.finish)`,
      upsertPart: `INSERT INTO parts (share_id, part_id, message_id, type, text, state) VALUES (?, ?, ?, ?, COALESCE(?, ''), ?)
       ON CONFLICT (share_id, part_id) DO UPDATE SET message_id = excluded.message_id, type = excluded.type,
         text = COALESCE(?, parts.text), state = COALESCE(excluded.state, parts.state)`,
      appendPart: `INSERT INTO parts (share_id, part_id, message_id, type, text, state) VALUES (?, ?, ?, 'text', ?, NULL)
       ON CONFLICT (share_id, part_id) DO UPDATE SET text = parts.text || excluded.text`,
      replaceDiff: `INSERT INTO diffs (share_id, path, additions, deletions, patch) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (share_id, path) DO UPDATE SET additions = excluded.additions, deletions = excluded.deletions, patch = excluded.patch`,
      upsertModel: `INSERT INTO models (share_id, model_id, provider, name) VALUES (?, ?, ?, ?)
       ON CONFLICT (share_id, model_id) DO UPDATE SET provider = excluded.provider, name = excluded.name`,
      removeMessage: `DELETE FROM messages WHERE share_id = ? AND message_id = ?`,
      removeMessageParts: `DELETE FROM parts WHERE share_id = ? AND message_id = ?`,
      removePart: `DELETE FROM parts WHERE share_id = ? AND part_id = ?`,
      readSession: `SELECT title, directory FROM sessions WHERE share_id = ?`,
      readMessages: `SELECT message_id, role, model_id, finish FROM messages WHERE share_id = ? ORDER BY message_id`,
      readParts: `SELECT part_id, message_id, type, text, state FROM parts WHERE share_id = ? ORDER BY part_id`,
      readDiffs: `SELECT path, additions, deletions, patch FROM diffs WHERE share_id = ? ORDER BY path`,
      readModels: `SELECT model_id, provider, name FROM models WHERE share_id = ? ORDER BY model_id`,
    });
    this.#db = db;
  }

  /** Replaces the share's whole session with a snapshot, inside the caller's transaction. */
  install(shareID: string, view: SessionView): void {
    for (const table of ["sessions", "messages", "parts", "diffs", "models"]) this.#db.prepare(`DELETE FROM ${table} WHERE share_id = ?`).run(shareID);
    if (view.session) this.#s.upsertSession.run(shareID, view.session.title, view.session.directory);
    for (const m of view.messages) this.#s.upsertMessage.run(shareID, m.message_id, m.role, m.model_id, m.finish);
    for (const p of view.parts) {
      const state = p.state === null || p.state === undefined ? null : JSON.stringify(p.state);
      this.#s.upsertPart.run(shareID, p.part_id, p.message_id, p.type, p.text, state, p.text);
    }
    for (const d of view.diffs) this.#s.replaceDiff.run(shareID, d.path, d.additions, d.deletions, d.patch);
    for (const m of view.models) this.#s.upsertModel.run(shareID, m.model_id, m.provider, m.name);
  }

  apply(shareID: string, body: OpBody): void {
    switch (body.kind) {
      case "session.upsert":
        this.#s.upsertSession.run(shareID, body.title, body.directory ?? null);
        return;
      case "message.upsert":
        this.#s.upsertMessage.run(shareID, body.message_id, body.role, body.model_id ?? null, body.finish ?? null);
        return;
      case "message.remove":
        this.#s.removeMessageParts.run(shareID, body.message_id);
        this.#s.removeMessage.run(shareID, body.message_id);
        return;
      case "part.remove":
        this.#s.removePart.run(shareID, body.part_id);
        return;
      case "part.upsert": {
        const state = body.state === undefined ? null : JSON.stringify(body.state);
        const text = body.text ?? null;
        this.#s.upsertPart.run(shareID, body.part_id, body.message_id, body.type, text, state, text);
        return;
      }
      case "part.append":
        this.#s.appendPart.run(shareID, body.part_id, body.message_id, body.text);
        return;
      case "diff.replace":
        this.#s.replaceDiff.run(shareID, body.path, body.additions, body.deletions, body.patch);
        return;
      case "model.upsert":
        this.#s.upsertModel.run(shareID, body.model_id, body.provider, body.name);
        return;
    }
  }

  view(shareID: string): SessionView {
    const session = this.#s.readSession.get(shareID) as { title: string; directory: string | null } | undefined;
    const parts = this.#s.readParts.all(shareID) as { part_id: string; message_id: string; type: string; text: string; state: string | null }[];
    return {
      session: session ? { title: session.title, directory: session.directory } : null,
      messages: this.#s.readMessages.all(shareID) as SessionView["messages"],
      parts: parts.map((p) => ({ ...p, state: p.state === null ? null : JSON.parse(p.state) })),
      diffs: this.#s.readDiffs.all(shareID) as SessionView["diffs"],
      models: this.#s.readModels.all(shareID) as SessionView["models"],
    };
  }
}
