/** A scheduled event: ordered by virtual time, then by insertion order (docs/design.md rule 3). */
export interface QueuedEvent {
  time: number;
  order: number;
  run: () => void;
  cancelled: boolean;
}

/** A binary min-heap of events; cancelled ones are skipped when they reach the top. */
export class EventQueue {
  readonly #heap: QueuedEvent[] = [];
  #order = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(time: number, run: () => void): QueuedEvent {
    const event: QueuedEvent = { time, order: this.#order++, run, cancelled: false };
    const heap = this.#heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = event;
    return event;
  }

  /** The next live event, or undefined when none is left. */
  pop(): QueuedEvent | undefined {
    for (;;) {
      const top = this.#take();
      if (top === undefined || !top.cancelled) return top;
    }
  }

  #take(): QueuedEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.order < b.order);
}
