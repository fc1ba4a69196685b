// The share server's state, all of it in one SQLite file. Every write is one
// transaction, committed with synchronous=FULL before the HTTP reply is
// written, so an acknowledged op survives a crash or a power loss and a
// refused or interrupted call leaves nothing behind.

import Database from "better-sqlite3";
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { fail, LIMITS } from "./validate.js";

const SCHEMA_VERSION = 1;

const SCHEMA = `
  -- One row per share. generation = the protocol's epoch, applied_count = its cursor.
  CREATE TABLE shares (
    share_key     TEXT PRIMARY KEY,
    session_ref   TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    generation    INTEGER NOT NULL DEFAULT 0,
    applied_count INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
  );

  -- One row per producer that has had an op applied: high_seq = the protocol's last_seq.
  CREATE TABLE writers (
    share_key TEXT NOT NULL REFERENCES shares (share_key) ON DELETE CASCADE,
    writer    TEXT NOT NULL,
    high_seq  INTEGER NOT NULL,
    PRIMARY KEY (share_key, writer)
  );

  -- The share's log: position = the cursor the entry moved the share to (1, 2, 3, ...).
  CREATE TABLE entries (
    share_key  TEXT NOT NULL REFERENCES shares (share_key) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    writer     TEXT NOT NULL,
    writer_seq INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    op_json    TEXT NOT NULL,
    PRIMARY KEY (share_key, position)
  );

  -- Tokens handed out by /redeem, stored as their SHA-256 only.
  CREATE TABLE credentials (
    digest     TEXT PRIMARY KEY,
    share_key  TEXT NOT NULL REFERENCES shares (share_key) ON DELETE CASCADE,
    access     TEXT NOT NULL CHECK (access IN ('write', 'read')),
    writer     TEXT,
    generation INTEGER NOT NULL,
    CHECK ((access = 'write') = (writer IS NOT NULL))
  );
  CREATE INDEX credentials_by_share ON credentials (share_key);

  -- The materialized session, one JSON document per item. section is one of
  -- session, message, part, diff, model; item_key is its id (the path for a
  -- diff, '' for the session); parent_key is a part's message.
  CREATE TABLE session_items (
    share_key  TEXT NOT NULL REFERENCES shares (share_key) ON DELETE CASCADE,
    section    TEXT NOT NULL,
    item_key   TEXT NOT NULL,
    parent_key TEXT,
    fields     TEXT NOT NULL,
    PRIMARY KEY (share_key, section, item_key)
  );
  CREATE INDEX session_items_by_parent ON session_items (share_key, section, parent_key);
`;

/** Opens (creating if needed) the server's database: WAL, synchronous=FULL, foreign keys on. */
export function openDatabase(path) {
  const db = new Database(path);
  const mode = db.pragma("journal_mode = WAL", { simple: true });
  if (mode !== "wal" && path !== ":memory:") throw new Error(`${path}: SQLite refused WAL mode (got ${mode})`);
  // FULL: in WAL mode, NORMAL does not sync the WAL at commit, and an ack must survive power loss.
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  const version = db.pragma("user_version", { simple: true });
  if (version === 0) {
    db.transaction(() => {
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    })();
  } else if (version !== SCHEMA_VERSION) {
    db.close();
    throw new Error(`${path}: schema version ${version}, this server knows ${SCHEMA_VERSION}`);
  }
  return db;
}

const sha256 = (text) => createHash("sha256").update(text, "utf8").digest("hex");
const newSecret = () => randomBytes(16).toString("hex");

function secretMatches(secret, storedHex) {
  const given = createHash("sha256").update(secret, "utf8").digest();
  const stored = Buffer.from(storedHex, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}

export class ShareStore {
  constructor(db) {
    this.db = db;
    const q = (sql) => db.prepare(sql);
    this.sql = {
      insertShare: q(`INSERT INTO shares (share_key, session_ref, secret_sha256, created_at) VALUES (?, ?, ?, ?)`),
      share: q(`SELECT share_key, secret_sha256, generation, applied_count FROM shares WHERE share_key = ?`),
      setCount: q(`UPDATE shares SET applied_count = ? WHERE share_key = ?`),
      deleteShare: q(`DELETE FROM shares WHERE share_key = ?`),
      highSeq: q(`SELECT high_seq FROM writers WHERE share_key = ? AND writer = ?`).pluck(),
      setHighSeq: q(`INSERT INTO writers (share_key, writer, high_seq) VALUES (?, ?, ?)
                     ON CONFLICT (share_key, writer) DO UPDATE SET high_seq = excluded.high_seq`),
      insertEntry: q(`INSERT INTO entries (share_key, position, writer, writer_seq, generation, op_json) VALUES (?, ?, ?, ?, ?, ?)`),
      entriesAfter: q(`SELECT position, writer, writer_seq, op_json FROM entries WHERE share_key = ? AND position > ? ORDER BY position LIMIT ?`),
      insertCredential: q(`INSERT INTO credentials (digest, share_key, access, writer, generation) VALUES (?, ?, ?, ?, ?)`),
      credential: q(`SELECT share_key, access, writer, generation FROM credentials WHERE digest = ?`),
      item: q(`SELECT fields FROM session_items WHERE share_key = ? AND section = ? AND item_key = ?`).pluck(),
      putItem: q(`INSERT INTO session_items (share_key, section, item_key, parent_key, fields) VALUES (?, ?, ?, ?, ?)
                  ON CONFLICT (share_key, section, item_key) DO UPDATE SET parent_key = excluded.parent_key, fields = excluded.fields`),
      dropItem: q(`DELETE FROM session_items WHERE share_key = ? AND section = ? AND item_key = ?`),
      dropChildren: q(`DELETE FROM session_items WHERE share_key = ? AND section = 'part' AND parent_key = ?`),
      // ORDER BY item_key: SQLite's binary collation, i.e. UTF-8 byte order.
      items: q(`SELECT fields FROM session_items WHERE share_key = ? AND section = ? ORDER BY item_key`).pluck(),
    };
    const tx = db.transaction((work) => work());
    this.transaction = (work) => tx(work);
  }

  // ---- shares and credentials ------------------------------------------------

  createShare(sessionRef) {
    const id = `shr_${randomUUID().replaceAll("-", "")}`;
    const secret = newSecret();
    this.transaction(() => this.sql.insertShare.run(id, sessionRef, sha256(secret), new Date().toISOString()));
    return { id, secret };
  }

  /** Checks the secret and hands out a token bound to the share, the generation now and (to write) the producer. */
  redeem(shareId, secret, scope, producerId) {
    const token = newSecret();
    return this.transaction(() => {
      const share = this.#authenticate(shareId, secret);
      const writer = scope === "write" ? producerId : null;
      this.sql.insertCredential.run(sha256(token), shareId, scope, writer, share.generation);
      return {
        cursor: share.applied_count,
        epoch: share.generation,
        last_seq: writer === null ? 0 : this.#highSeq(shareId, writer),
        token,
      };
    });
  }

  /** What a write token allows: append as its producer, while its generation is the share's. */
  writeGrant(shareId, token) {
    this.#share(shareId);
    const row = this.sql.credential.get(sha256(token));
    if (!row || row.share_key !== shareId) fail("bad_secret", `no such write token for share ${shareId}`);
    if (row.access !== "write") fail("read_only", "a read token cannot append");
    return { share_id: shareId, generation: row.generation, producer_id: row.writer };
  }

  /** What a bearer credential on a read route allows: a read token of this share, or the share secret itself. */
  readGrant(shareId, credential) {
    const share = this.#share(shareId);
    const row = this.sql.credential.get(sha256(credential));
    if (row && row.access === "read") {
      if (row.share_key !== shareId) fail("bad_secret", `this read token is not for share ${shareId}`);
      return { share_id: shareId, generation: row.generation };
    }
    if (!secretMatches(credential, share.secret_sha256)) fail("bad_secret", `no such read token or secret for share ${shareId}`);
    return { share_id: shareId, generation: share.generation };
  }

  deleteShare(shareId, secret) {
    this.transaction(() => {
      this.#authenticate(shareId, secret);
      this.sql.deleteShare.run(shareId);
    });
  }

  // ---- the write side -----------------------------------------------------------

  /**
   * Appends ops as the grant's producer, in one transaction, in the order
   * sent: seq <= high_seq is a duplicate (no effect), high_seq + 1 is
   * applied, anything higher is a gap that rejects itself and the rest.
   */
  append(grant, ops) {
    return this.transaction(() => {
      const share = this.#current(grant);
      const writer = grant.producer_id;
      let lastSeq = this.#highSeq(share.share_key, writer);
      let cursor = share.applied_count;
      let applied = 0;
      let duplicates = 0;
      let rejected = 0;
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i];
        if (op.seq <= lastSeq) {
          duplicates++;
          continue;
        }
        if (op.seq !== lastSeq + 1) {
          rejected = ops.length - i;
          break;
        }
        cursor += 1;
        this.#materialize(share.share_key, op.body);
        this.sql.insertEntry.run(share.share_key, cursor, writer, op.seq, share.generation, JSON.stringify(op));
        lastSeq = op.seq;
        applied++;
      }
      if (applied > 0) {
        this.sql.setHighSeq.run(share.share_key, writer, lastSeq);
        this.sql.setCount.run(cursor, share.share_key);
      }
      return { cursor, last_seq: lastSeq, applied, duplicates, rejected };
    });
  }

  /** The seed's old bulk upsert: no dedupe at all, a retried request applies twice. Kept because the protocol lists it. */
  legacySync(shareId, secret, items, producerId) {
    return this.transaction(() => {
      const share = this.#authenticate(shareId, secret);
      let cursor = share.applied_count;
      for (const item of items) {
        cursor += 1;
        const op = item.seq === undefined ? { seq: 0, op_id: `legacy-${cursor}`, body: item.body } : item;
        this.#materialize(shareId, op.body);
        this.sql.insertEntry.run(shareId, cursor, producerId, op.seq, share.generation, JSON.stringify(op));
      }
      this.sql.setCount.run(cursor, shareId);
      return { cursor, applied: items.length };
    });
  }

  // ---- the read side --------------------------------------------------------------

  readLog(grant, from, limit) {
    return this.transaction(() => {
      const share = this.#current(grant);
      const rows = this.sql.entriesAfter.all(share.share_key, from, Math.min(limit, LIMITS.read_page));
      return {
        entries: rows.map((r) => ({ cursor: r.position, producer_id: r.writer, seq: r.writer_seq, op: JSON.parse(r.op_json) })),
        cursor: share.applied_count,
      };
    });
  }

  snapshot(grant) {
    return this.transaction(() => {
      const share = this.#current(grant);
      return { cursor: share.applied_count, view: this.#view(share.share_key) };
    });
  }

  /** GET /api/share/:id: the session and its cursor, no credential needed. */
  publicView(shareId) {
    return this.transaction(() => {
      const share = this.#share(shareId);
      return { cursor: share.applied_count, ...this.#view(shareId) };
    });
  }

  // ---- internals ----------------------------------------------------------------

  #share(shareId) {
    const share = this.sql.share.get(shareId);
    if (!share) fail("unknown_share", `no share ${shareId}`);
    return share;
  }

  #authenticate(shareId, secret) {
    const share = this.#share(shareId);
    if (!secretMatches(secret, share.secret_sha256)) fail("bad_secret", `wrong secret for share ${shareId}`);
    return share;
  }

  /** The share a grant acts on, refused once a revoke has moved the share to a newer generation. */
  #current(grant) {
    const share = this.#share(grant.share_id);
    if (grant.generation !== share.generation) {
      fail("stale_epoch", `token epoch ${grant.generation} is not the share's epoch ${share.generation}`);
    }
    return share;
  }

  #highSeq(shareId, writer) {
    return this.sql.highSeq.get(shareId, writer) ?? 0;
  }

  #get(shareId, section, key) {
    const fields = this.sql.item.get(shareId, section, key);
    return fields === undefined ? undefined : JSON.parse(fields);
  }

  #put(shareId, section, key, fields, parent = null) {
    this.sql.putItem.run(shareId, section, key, parent, JSON.stringify(fields));
  }

  /** Applies one op body to the materialized session. Every kind is idempotent except part.append. */
  #materialize(shareId, body) {
    switch (body.kind) {
      case "session.upsert": {
        const old = this.#get(shareId, "session", "");
        this.#put(shareId, "session", "", { title: body.title, directory: body.directory ?? old?.directory ?? null });
        return;
      }
      case "message.upsert": {
        const old = this.#get(shareId, "message", body.message_id);
        this.#put(shareId, "message", body.message_id, {
          message_id: body.message_id,
          role: body.role,
          model_id: body.model_id ?? old?.model_id ?? null,
          finish: body.finish ?? old?.finish ?? null,
        });
        return;
      }
      case "message.remove":
        this.sql.dropChildren.run(shareId, body.message_id);
        this.sql.dropItem.run(shareId, "message", body.message_id);
        return;
      case "part.remove":
        this.sql.dropItem.run(shareId, "part", body.part_id);
        return;
      case "part.upsert": {
        const old = this.#get(shareId, "part", body.part_id);
        const fields = {
          part_id: body.part_id,
          message_id: body.message_id,
          type: body.type,
          text: body.text ?? old?.text ?? "",
          // An explicit null clears the state; an absent state keeps it.
          state: body.state !== undefined ? body.state : old?.state ?? null,
        };
        this.#put(shareId, "part", body.part_id, fields, body.message_id);
        return;
      }
      case "part.append": {
        const old = this.#get(shareId, "part", body.part_id);
        if (old) this.#put(shareId, "part", body.part_id, { ...old, text: old.text + body.text }, old.message_id);
        else this.#put(shareId, "part", body.part_id, { part_id: body.part_id, message_id: body.message_id, type: "text", text: body.text, state: null }, body.message_id);
        return;
      }
      case "diff.replace":
        this.#put(shareId, "diff", body.path, { path: body.path, additions: body.additions, deletions: body.deletions, patch: body.patch });
        return;
      case "model.upsert":
        this.#put(shareId, "model", body.model_id, { model_id: body.model_id, provider: body.provider, name: body.name });
        return;
      default:
        throw new Error(`unhandled op kind ${body.kind}`);
    }
  }

  #view(shareId) {
    const list = (section) => this.sql.items.all(shareId, section).map((fields) => JSON.parse(fields));
    return {
      session: list("session")[0] ?? null,
      messages: list("message"),
      parts: list("part"),
      diffs: list("diff"),
      models: list("model"),
    };
  }
}
