import type { History } from "../history/history.ts";

/** What the windows need of time: the simulator's scheduler, or real mode's wall clock and timers. */
export interface WindowClock {
  readonly now: number;
  after(ms: number, fn: () => void): unknown;
}

/**
 * Windows in which a node's database cannot grow. Each window ends on its own
 * or when the run moves into the liveness phase; a newer window on the same
 * node outlives an older one's end.
 */
export class DiskFullWindows {
  readonly #scheduler: WindowClock;
  readonly #history: History;
  readonly #apply: (node: string, full: boolean) => void;
  readonly #open = new Map<string, number>();
  #next = 0;

  constructor(scheduler: WindowClock, history: History, apply: (node: string, full: boolean) => void) {
    this.#scheduler = scheduler;
    this.#history = history;
    this.#apply = apply;
  }

  open(node: string, duration_ms: number): void {
    const id = ++this.#next;
    this.#open.set(node, id);
    this.#history.record(this.#scheduler.now, node, "disk_full", { duration_ms });
    this.#apply(node, true);
    this.#scheduler.after(duration_ms, () => this.#open.get(node) === id && this.#close(node));
  }

  /** Whether a window is open on `node` (a process started now must get the limit too). */
  isFull(node: string): boolean {
    return this.#open.has(node);
  }

  #close(node: string): void {
    this.#open.delete(node);
    this.#history.record(this.#scheduler.now, node, "disk_full_ended", {});
    this.#apply(node, false);
  }

  /** The liveness phase: every disk has room again. */
  transitionToLiveness(): void {
    for (const node of [...this.#open.keys()]) this.#close(node);
  }
}
