import Database from "better-sqlite3";
import { lazyStatements } from "../../protocol/sqlite-statements.ts";
import type { Op, OpBody } from "../../protocol/ops.ts";
import type { CrashPoints, Ids } from "../../protocol/ports.ts";
import { configure, migrate } from "../../protocol/sqlite-migrations.ts";
import { mapDiskFull } from "../../protocol/sqlite-errors.ts";
import { sqliteTransact, type Transact } from "../../protocol/sqlite-transact.ts";
import { OUTBOX_MIGRATIONS } from "./schema.ts";

/** How many pending ops the outbox keeps in memory ahead of the sender. */
const WINDOW_OPS = 1000;

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
 *
 * Every write here is one statement or one transaction, and the in-memory
 * mirror moves only after it commits. When the disk refuses to grow
 * (SQLITE_FULL) the write throws `disk_full` and leaves nothing behind: no op,
 * no seq consumed, no ack or cursor half-recorded. An ack or cursor that could
 * not be recorded is recorded on a later ack or redeem.
 */
export class Outbox {
  readonly db: Database.Database;
  readonly #crash: CrashPoints;
  readonly #stmt;
  readonly #transact: Transact;
  /**
   * A mirror of the sync_state row, refreshed after every commit that changes
   * it. This process is the outbox's only writer, so reads need no query.
   */
  #state: SyncState;
  /**
   * The oldest pending ops, in seq order from acked_seq + 1. Pending seqs have
   * no holes, so a seq's index is its distance from acked_seq + 1.
   */
  #window: Op[] = [];
  /** True when the window holds every pending op. */
  #windowComplete = false;

  constructor(db: Database.Database, ids: Ids, crash: CrashPoints) {
    this.db = db;
    this.#crash = crash;
    this.#transact = sqliteTransact(db);
    this.#stmt = lazyStatements(db, {
      state: `SELECT producer_id, share_id, secret, epoch, acked_seq, cursor, last_enqueued_seq FROM sync_state WHERE id = 1`,
      init: `INSERT OR IGNORE INTO sync_state (id, producer_id) VALUES (1, ?)`,
      // Binding never resets epoch or cursor: a fresh outbox has both at 0, and
      // rebinding the same share (say, with a rotated secret) must not move the cursor back.
      bind: `UPDATE sync_state SET share_id = ?, secret = ? WHERE id = 1`,
      insert: `INSERT INTO outbox (seq, op_id, body, enqueued_ms) VALUES (?, ?, ?, ?)`,
      bumpSeq: `UPDATE sync_state SET last_enqueued_seq = ? WHERE id = 1`,
      pending: `SELECT seq, op_id, body FROM outbox WHERE seq >= ? ORDER BY seq LIMIT ?`,
      setAcked: `UPDATE sync_state SET acked_seq = ? WHERE id = 1`,
      trim: `DELETE FROM outbox WHERE seq <= ?`,
      setCursor: `UPDATE sync_state SET cursor = ? WHERE id = 1`,
      setEpoch: `UPDATE sync_state SET epoch = ? WHERE id = 1`,
    });
    if (this.#stmt.state.get() === undefined) mapDiskFull(() => this.#stmt.init.run(ids.next("prd")));
    this.#state = this.#read();
  }

  #read(): SyncState {
    return this.#stmt.state.get() as SyncState;
  }

  state(): Readonly<SyncState> {
    return this.#state;
  }

  /** Binds the outbox to a share once; rebinding to another share is refused. */
  bindShare(shareID: string, secret: string): void {
    const state = this.#state;
    if (state.share_id !== null && state.share_id !== shareID) {
      throw new Error(`outbox is bound to share ${state.share_id}, not ${shareID}`);
    }
    mapDiskFull(() => this.#stmt.bind.run(shareID, secret));
    this.#state = { ...state, share_id: shareID, secret };
  }

  /** Stores the op and assigns the producer's next seq, in one transaction. */
  enqueue(body: OpBody, opID: string, nowMs: number): Op {
    // On disk_full the transaction rolls back and the mirror is untouched: the next enqueue gets this seq.
    const op = mapDiskFull(() =>
      this.#transact(() => {
        const seq = this.#state.last_enqueued_seq + 1;
        this.#stmt.insert.run(seq, opID, JSON.stringify(body), nowMs);
        this.#stmt.bumpSeq.run(seq);
        this.#crash.reach("client.before_enqueue_commit");
        return { seq, op_id: opID, body };
      }),
    );
    this.#state = { ...this.#state, last_enqueued_seq: op.seq };
    if (this.#windowComplete && this.#window.length < WINDOW_OPS) this.#window.push(op);
    else this.#windowComplete = false;
    return op;
  }

  /** Up to `limit` pending ops with seq >= fromSeq, in seq order. */
  pending(fromSeq: number, limit: number): Op[] {
    const first = this.#state.acked_seq + 1;
    const start = Math.max(fromSeq, first) - first;
    if (start + limit > this.#window.length && !this.#windowComplete) {
      const size = Math.max(WINDOW_OPS, start + limit);
      const rows = this.#stmt.pending.all(first, size) as { seq: number; op_id: string; body: string }[];
      this.#window = rows.map((r) => ({ seq: r.seq, op_id: r.op_id, body: JSON.parse(r.body) as OpBody }));
      this.#windowComplete = rows.length < size;
    }
    return this.#window.slice(start, start + limit);
  }

  /** Rows are exactly the seqs in (acked_seq, last_enqueued_seq]: enqueue appends, markAcked trims. */
  pendingCount(): number {
    return this.#state.last_enqueued_seq - this.#state.acked_seq;
  }

  /** Marks every op with seq <= seq acked and trims it. Never moves backwards. */
  markAcked(seq: number): number {
    const state = this.#state;
    const acked = Math.min(Math.max(state.acked_seq, seq), state.last_enqueued_seq);
    if (acked > state.acked_seq) {
      mapDiskFull(() =>
        this.#transact(() => {
          this.#stmt.setAcked.run(acked);
          this.#stmt.trim.run(acked);
        }),
      );
      this.#window.splice(0, acked - state.acked_seq);
      this.#state = { ...this.#state, acked_seq: acked };
    }
    return acked;
  }

  /** Keeps the highest cursor seen; returns the cursor now recorded. */
  recordCursor(cursor: number): number {
    if (cursor > this.#state.cursor) this.writeCursor(cursor);
    return this.#state.cursor;
  }

  protected writeCursor(cursor: number): void {
    mapDiskFull(() => this.#stmt.setCursor.run(cursor));
    this.#state = { ...this.#state, cursor };
  }

  recordEpoch(epoch: number): void {
    if (epoch === this.#state.epoch) return;
    mapDiskFull(() => this.#stmt.setEpoch.run(epoch));
    this.#state = { ...this.#state, epoch };
  }
}
