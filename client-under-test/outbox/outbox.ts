import Database from "better-sqlite3";
import type { Op, OpBody } from "../../protocol/ops.ts";
import type { CrashPoints, Ids } from "../../protocol/ports.ts";
import { configure, migrate } from "../../protocol/sqlite-migrations.ts";
import { OUTBOX_MIGRATIONS } from "./schema.ts";

export interface SyncState {
  producer_id: string;
  share_id: string | null;
  secret: string | null;
  epoch: number;
  /** Every op with seq <= acked_seq is known applied and trimmed. */
  acked_seq: number;
  /** The highest share cursor seen; never goes down. */
  cursor: number;
  last_enqueued_seq: number;
}

export function openOutboxDb(source: string | Buffer = ":memory:"): Database.Database {
  const db = new Database(source as string);
  configure(db);
  migrate(db, OUTBOX_MIGRATIONS);
  return db;
}

/**
 * The client's durable outbox. An op exists once `enqueue` commits, with its
 * seq assigned in that same transaction; it leaves only when the server has
 * acknowledged it.
 */
export class Outbox {
  readonly db: Database.Database;
  readonly #crash: CrashPoints;
  readonly #stmt;

  constructor(db: Database.Database, ids: Ids, crash: CrashPoints) {
    this.db = db;
    this.#crash = crash;
    this.#stmt = {
      state: db.prepare(`SELECT producer_id, share_id, secret, epoch, acked_seq, cursor, last_enqueued_seq FROM sync_state WHERE id = 1`),
      init: db.prepare(`INSERT OR IGNORE INTO sync_state (id, producer_id) VALUES (1, ?)`),
      bind: db.prepare(`UPDATE sync_state SET share_id = ?, secret = ?, epoch = 0, cursor = 0 WHERE id = 1`),
      insert: db.prepare(`INSERT INTO outbox (seq, op_id, body, enqueued_ms) VALUES (?, ?, ?, ?)`),
      bumpSeq: db.prepare(`UPDATE sync_state SET last_enqueued_seq = ? WHERE id = 1`),
      pending: db.prepare(`SELECT seq, op_id, body FROM outbox WHERE seq >= ? ORDER BY seq LIMIT ?`),
      pendingCount: db.prepare(`SELECT count(*) FROM outbox`).pluck(),
      setAcked: db.prepare(`UPDATE sync_state SET acked_seq = ? WHERE id = 1`),
      trim: db.prepare(`DELETE FROM outbox WHERE seq <= ?`),
      setCursor: db.prepare(`UPDATE sync_state SET cursor = ? WHERE id = 1`),
      setEpoch: db.prepare(`UPDATE sync_state SET epoch = ? WHERE id = 1`),
    };
    if (this.#stmt.state.get() === undefined) this.#stmt.init.run(ids.next("prd"));
  }

  state(): SyncState {
    return this.#stmt.state.get() as SyncState;
  }

  /** Binds the outbox to a share once; rebinding to another share is refused. */
  bindShare(shareID: string, secret: string): void {
    const state = this.state();
    if (state.share_id !== null && state.share_id !== shareID) {
      throw new Error(`outbox is bound to share ${state.share_id}, not ${shareID}`);
    }
    this.#stmt.bind.run(shareID, secret);
  }

  /** Stores the op and assigns the producer's next seq, in one transaction. */
  enqueue(body: OpBody, opID: string, nowMs: number): Op {
    return this.db.transaction(() => {
      const seq = this.state().last_enqueued_seq + 1;
      this.#stmt.insert.run(seq, opID, JSON.stringify(body), nowMs);
      this.#stmt.bumpSeq.run(seq);
      this.#crash.reach("client.before_enqueue_commit");
      return { seq, op_id: opID, body };
    })();
  }

  /** Up to `limit` pending ops with seq >= fromSeq, in seq order. */
  pending(fromSeq: number, limit: number): Op[] {
    const rows = this.#stmt.pending.all(fromSeq, limit) as { seq: number; op_id: string; body: string }[];
    return rows.map((r) => ({ seq: r.seq, op_id: r.op_id, body: JSON.parse(r.body) as OpBody }));
  }

  pendingCount(): number {
    return this.#stmt.pendingCount.get() as number;
  }

  /** Marks every op with seq <= seq acked and trims it. Never moves backwards. */
  markAcked(seq: number): number {
    return this.db.transaction(() => {
      const state = this.state();
      const acked = Math.min(Math.max(state.acked_seq, seq), state.last_enqueued_seq);
      if (acked > state.acked_seq) {
        this.#stmt.setAcked.run(acked);
        this.#stmt.trim.run(acked);
      }
      return acked;
    })();
  }

  /** Keeps the highest cursor seen. */
  recordCursor(cursor: number): number {
    const current = this.state().cursor;
    if (cursor > current) this.#stmt.setCursor.run(cursor);
    return Math.max(cursor, current);
  }

  recordEpoch(epoch: number): void {
    this.#stmt.setEpoch.run(epoch);
  }
}
