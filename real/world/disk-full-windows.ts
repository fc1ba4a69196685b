import type { History } from "../../sim/history/history.ts";

// Disk-full windows on real processes, as sim/faults/disk-full.ts opens them
// in the simulator: a newer window on a node outlives an older one's end, and
// the liveness phase gives every disk room again. Whether a node's disk is
// full is also asked at each start, since the limit is per connection.

export class RealDiskFull {
  readonly #open = new Map<string, number>();
  #next = 0;

  constructor(
    private readonly history: History,
    private readonly now: () => number,
    private readonly later: (ms: number, fn: () => void) => void,
    /** Tells a running process its disk is full (or has room again); a process that is down learns it at its next start. */
    private readonly apply: (node: string, full: boolean) => void,
  ) {}

  open(node: string, duration_ms: number): void {
    const id = ++this.#next;
    this.#open.set(node, id);
    this.history.record(this.now(), node, "disk_full", { duration_ms });
    this.apply(node, true);
    this.later(duration_ms, () => this.#open.get(node) === id && this.#close(node));
  }

  isFull(node: string): boolean {
    return this.#open.has(node);
  }

  /** The liveness phase: every disk has room again. */
  closeAll(): void {
    for (const node of [...this.#open.keys()]) this.#close(node);
  }

  #close(node: string): void {
    this.#open.delete(node);
    this.history.record(this.now(), node, "disk_full_ended", {});
    this.apply(node, false);
  }
}
