import type Database from "better-sqlite3";
import { Incarnation } from "../kernel/scheduler.ts";
import { captureCommitted } from "./durable.ts";
import { freshImage } from "./template-image.ts";

/** What a running incarnation holds: its identity, its database, and what runs over it. */
export interface Live {
  incarnation: Incarnation;
  db: Database.Database;
}

/**
 * A simulated process over a SQLite database: it starts, crashes and restarts,
 * and only what it committed survives from one incarnation to the next.
 */
export abstract class DurableProcess<L extends Live> {
  abstract readonly name: string;
  protected live: L | undefined;
  #incarnations = 0;
  #image: Buffer | undefined;
  readonly #kind: string;
  readonly #open: (source?: Buffer) => Database.Database;

  constructor(kind: string, open: (source?: Buffer) => Database.Database) {
    this.#kind = kind;
    this.#open = open;
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

  /** A new incarnation over the committed state, or over a fresh database the first time. */
  protected begin(): { incarnation: Incarnation; db: Database.Database } {
    if (this.live) throw new Error(`${this.name} is already up`);
    const incarnation = new Incarnation(this.name, ++this.#incarnations);
    return { incarnation, db: this.#open(this.#image ?? freshImage(this.#kind, () => this.#open())) };
  }

  /** The run is over: this process stops acting, its state stays readable. */
  retire(): void {
    if (this.live) this.live.incarnation.alive = false;
  }

  /** Dies where it stands: timers, sessions and calls gone; committed state kept. */
  crash(): void {
    const live = this.live;
    if (!live) return;
    live.incarnation.alive = false;
    this.live = undefined;
    this.onCrash(live);
    captureCommitted(live.db, (image) => (this.#image = image));
  }

  protected onCrash(_live: L): void {}

  /** Reads the committed state, whether the process is up or down. */
  protected readCommitted<T>(read: (db: Database.Database) => T): T {
    if (this.live) return read(this.live.db);
    const db = this.#open(this.#image ?? freshImage(this.#kind, () => this.#open()));
    try {
      return read(db);
    } finally {
      db.close();
    }
  }
}
