import Database from "better-sqlite3";
import { lazyStatements } from "../../protocol/sqlite-statements.ts";
import { Materializer } from "../../protocol/materialize.ts";
import type { CrashPoints, Ids } from "../../protocol/ports.ts";
import type { LogEntry } from "../../protocol/rpc.ts";
import type { SessionView } from "../../protocol/session-view.ts";
import { configure, migrate } from "../../protocol/sqlite-migrations.ts";
import { mapDiskFull } from "../../protocol/sqlite-errors.ts";
import { sqliteTransact, type Transact } from "../../protocol/sqlite-transact.ts";
import { VIEWER_MIGRATIONS } from "./schema.ts";

export interface ViewerState {
  viewer_id: string;
  share_id: string | null;
  secret: string | null;
  epoch: number;
  /** Every entry up to here is applied to the local view; it never goes down. */
  cursor: number;
  /** True once the viewer has a starting point: cursor 0, or a snapshot it installed. */
  joined: boolean;
}

export interface Applied {
  applied: number;
  cursor_from: number;
  cursor_to: number;
}

export function openViewerDb(source: string | Buffer = ":memory:"): Database.Database {
  const db = new Database(source as string);
  configure(db);
  migrate(db, VIEWER_MIGRATIONS);
  return db;
}

/**
 * The viewer's durable state. An entry is applied to the view, written to the
 * local log and moves the cursor in one transaction, so after a crash the
 * cursor says exactly what the view holds. A write the disk has no room for
 * (SQLITE_FULL) throws `disk_full` and leaves view, log and cursor as they
 * were; the follow loop resumes from that cursor and applies the entries again.
 */
export class ViewStore {
  readonly db: Database.Database;
  protected readonly crash: CrashPoints;
  protected readonly transact: Transact;
  protected readonly materializer: Materializer;
  readonly #stmt;
  #state: ViewerState;

  constructor(db: Database.Database, ids: Ids, crash: CrashPoints) {
    this.db = db;
    this.crash = crash;
    this.transact = sqliteTransact(db);
    this.materializer = new Materializer(db);
    this.#stmt = lazyStatements(db, {
      state: `SELECT viewer_id, share_id, secret, epoch, cursor, joined FROM viewer_state WHERE id = 1`,
      init: `INSERT OR IGNORE INTO viewer_state (id, viewer_id) VALUES (1, ?)`,
      bind: `UPDATE viewer_state SET share_id = ?, secret = ? WHERE id = 1`,
      setCursor: `UPDATE viewer_state SET cursor = ? WHERE id = 1`,
      setEpoch: `UPDATE viewer_state SET epoch = ? WHERE id = 1`,
      join: `UPDATE viewer_state SET joined = 1 WHERE id = 1`,
      log: `INSERT INTO viewer_log (cursor, producer_id, seq, op_id) VALUES (?, ?, ?, ?)`,
    });
    if (this.#stmt.state.get() === undefined) mapDiskFull(() => this.#stmt.init.run(ids.next("vwr")));
    this.#state = this.readState();
  }

  protected readState(): ViewerState {
    const row = this.#stmt.state.get() as Omit<ViewerState, "joined"> & { joined: number };
    return { ...row, joined: row.joined === 1 };
  }

  state(): Readonly<ViewerState> {
    return this.#state;
  }

  bindShare(shareID: string, secret: string): void {
    const state = this.#state;
    if (state.share_id !== null && state.share_id !== shareID) throw new Error(`viewer is bound to share ${state.share_id}, not ${shareID}`);
    mapDiskFull(() => this.#stmt.bind.run(shareID, secret));
    this.#state = { ...state, share_id: shareID, secret };
  }

  recordEpoch(epoch: number): void {
    if (epoch === this.#state.epoch) return;
    mapDiskFull(() => this.#stmt.setEpoch.run(epoch));
    this.#state = { ...this.#state, epoch };
  }

  /** Starts from the beginning of the log: the view is empty and so is the cursor. */
  joinAtStart(): void {
    if (this.#state.joined) return;
    mapDiskFull(() => this.#stmt.join.run());
    this.#state = { ...this.#state, joined: true };
  }

  /** Starts from a snapshot: its session replaces the view and its cursor becomes ours, in one transaction. */
  installSnapshot(cursor: number, view: SessionView): void {
    const share = this.shareID();
    mapDiskFull(() =>
      this.transact(() => {
        this.materializer.install(share, view);
        this.writeCursor(cursor);
        this.#stmt.join.run();
      }),
    );
    this.#state = { ...this.#state, cursor, joined: true };
  }

  /**
   * Applies the entries newer than the cursor, in the order given, and moves
   * the cursor to the last one. An entry at or below the cursor is one this
   * view already holds (a push or a page seen again): skipped.
   */
  apply(entries: readonly LogEntry[]): Applied {
    const share = this.shareID();
    const before = this.#state.cursor;
    let cursor = before;
    let applied = 0;
    mapDiskFull(() =>
      this.transact(() => {
        for (const entry of entries) {
          if (!this.accepts(entry.cursor, cursor)) continue;
          this.applyOne(share, entry);
          cursor = entry.cursor;
          applied++;
        }
        if (applied === 0) return;
        this.writeCursor(cursor);
        this.crash.reach("viewer.before_apply_commit");
      }),
    );
    if (applied === 0) return { applied, cursor_from: before, cursor_to: before };
    this.moved(cursor);
    this.crash.reach("viewer.after_apply_commit");
    return { applied, cursor_from: before, cursor_to: cursor };
  }

  /** Materializes one entry and adds it to the local log, inside the caller's transaction. */
  protected applyOne(shareID: string, entry: LogEntry): void {
    this.materializer.apply(shareID, entry.op.body);
    this.#stmt.log.run(entry.cursor, entry.producer_id, entry.seq, entry.op.op_id);
  }

  /** The cursor now stands at `cursor` (committed). */
  protected moved(cursor: number): void {
    this.#state = { ...this.#state, cursor };
  }

  /** Whether an entry at `entryCursor` is new to a view standing at `cursor`. */
  protected accepts(entryCursor: number, cursor: number): boolean {
    return entryCursor > cursor;
  }

  protected writeCursor(cursor: number): void {
    this.#stmt.setCursor.run(cursor);
  }

  view(): SessionView {
    return this.materializer.view(this.shareID());
  }

  protected shareID(): string {
    const share = this.#state.share_id;
    if (share === null) throw new Error("viewer is not bound to a share");
    return share;
  }
}
