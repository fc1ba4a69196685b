import type { History } from "../history/history.ts";
import type { Scheduler } from "../kernel/scheduler.ts";

/**
 * Windows in which a node's database cannot grow. Each window ends on its own
 * or when the run moves into the liveness phase; a newer window on the same
 * node outlives an older one's end.
 */
export class DiskFullWindows {
  readonly #scheduler: Scheduler;
  readonly #history: History;
  readonly #apply: (node: string, full: boolean) => void;
  readonly #open = new Map<string, number>();
  #next = 0;

  constructor(scheduler: Scheduler, history: History, apply: (node: string, full: boolean) => void) {
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
