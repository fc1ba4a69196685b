import type Database from "better-sqlite3";
import { Incarnation } from "../kernel/scheduler.ts";
import type { Draw, PowerLossReport } from "../storage/db-files.ts";
import { makeDisk, type DbOpener, type Disk, type DiskKind } from "./disk.ts";

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

  constructor(kind: string, open: DbOpener, disk: DiskKind = "memory") {
    this.#disk = makeDisk(disk, kind, open);
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
    return { incarnation, db: this.#disk.open() };
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
