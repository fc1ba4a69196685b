import type Database from "better-sqlite3";
import { Incarnation } from "../kernel/scheduler.ts";
import type { Draw, PowerLossReport } from "../storage/db-files.ts";
import { makeDisk, type Disk, type DiskKind, type NodeStorage } from "./disk.ts";

/** SQLite's own largest page count: growth is limited only by the disk. */
const PAGES_MAX = 4_294_967_294;

/** Below the current page count SQLite clamps to it: whatever needs a new page fails with SQLITE_FULL. */
export function limitGrowth(db: Database.Database, full: boolean): void {
  db.pragma(`max_page_count = ${full ? 1 : PAGES_MAX}`);
}

/** What a running incarnation holds: its identity, its database, and what runs over it. */
export interface Live {
  incarnation: Incarnation;
  db: Database.Database;
}

/**
 * A simulated process over a SQLite database: it starts, crashes and restarts,
 * and only what its disk kept survives from one incarnation to the next.
 */
export abstract class DurableProcess<L extends Live> {
  abstract readonly name: string;
  protected live: L | undefined;
  #incarnations = 0;
  readonly #disk: Disk;
  #diskFull = false;

  constructor(kind: string, storage: NodeStorage) {
    this.#disk = makeDisk(storage.disk, kind, storage.open);
  }

  /** Where this process's database lives. */
  get diskKind(): DiskKind {
    return this.#disk.kind;
  }

  get up(): boolean {
    return this.live !== undefined;
  }

  /** The running incarnation's database; undefined while down. */
  get liveDb(): Database.Database | undefined {
    return this.live?.db;
  }

  get incarnations(): number {
    return this.#incarnations;
  }

  /** A new incarnation over what the disk kept, or over a fresh database the first time. */
  protected begin(): { incarnation: Incarnation; db: Database.Database } {
    if (this.live) throw new Error(`${this.name} is already up`);
    const incarnation = new Incarnation(this.name, ++this.#incarnations);
    const db = this.#disk.open();
    if (this.#diskFull) limitGrowth(db, true);
    return { incarnation, db };
  }

  /** The disk is full (or has room again): the database cannot grow past the pages it has. The limit is per connection, so a restart applies it again. */
  setDiskFull(full: boolean): void {
    this.#diskFull = full;
    if (this.live) limitGrowth(this.live.db, full);
  }

  /** The run is over: this process stops acting, its state stays readable. */
  retire(): void {
    if (this.live) this.live.incarnation.alive = false;
  }

  /** The run is judged: its files, if any, go. */
  dispose(): void {
    this.retire();
    this.#disk.dispose();
  }

  /** Dies where it stands: timers, sessions and calls gone; what the disk holds kept. */
  crash(): void {
    const live = this.#die();
    if (live) this.#disk.kill(live.db);
  }

  /** Dies with its host's power: the disk keeps only what was durable. */
  powerLoss(draw: Draw, torn: boolean): PowerLossReport | null {
    const live = this.#die();
    return live ? this.#disk.powerLoss(live.db, draw, torn) : null;
  }

  #die(): L | undefined {
    const live = this.live;
    if (!live) return undefined;
    live.incarnation.alive = false;
    this.live = undefined;
    this.onCrash(live);
    return live;
  }

  protected onCrash(_live: L): void {}

  /** Reads the committed state, whether the process is up or down. */
  protected readCommitted<T>(read: (db: Database.Database) => T): T {
    if (this.live) return read(this.live.db);
    return this.#disk.read(read);
  }
}
