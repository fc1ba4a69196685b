import type { Clock, TimerHandle } from "../../protocol/ports.ts";
import { EventQueue } from "./event-queue.ts";

/** One incarnation of a simulated process. Its timers die with it. */
export class Incarnation {
  readonly node: string;
  readonly number: number;
  alive = true;

  constructor(node: string, number: number) {
    this.node = node;
    this.number = number;
  }
}

/** Virtual time and the event queue. Nothing here reads the wall clock. */
export class Scheduler {
  readonly queue = new EventQueue();
  #now = 0;
  /** What happens when a process's timer callback throws: in Node, the process dies. */
  onUncaught: (owner: Incarnation, error: unknown) => void = (_owner, error) => {
    throw error;
  };

  get now(): number {
    return this.#now;
  }

  /** Runs `fn` at `time` (never in the past). */
  at(time: number, fn: () => void, owner?: Incarnation): TimerHandle {
    const run = owner === undefined ? fn : () => owner.alive && fn();
    const event = this.queue.push(Math.max(time, this.#now), run);
    return { cancel: () => void (event.cancelled = true) };
  }

  after(delay_ms: number, fn: () => void, owner?: Incarnation): TimerHandle {
    return this.at(this.#now + Math.max(0, delay_ms), fn, owner);
  }

  /** Virtual sleep for the simulator's own code (network, faults). */
  sleep(delay_ms: number): Promise<void> {
    return new Promise((resolve) => this.after(delay_ms, resolve));
  }

  /** Advances the clock to the event's time; only the run loop calls this. */
  advanceTo(time: number): void {
    if (time < this.#now) throw new Error(`time would go backwards: ${time} < ${this.#now}`);
    this.#now = time;
  }

  /** The Clock a process under test sees: virtual, and silent once the process died. */
  clockFor(owner: Incarnation): Clock {
    return {
      now: () => this.#now,
      setTimer: (delay_ms, fn) =>
        this.after(
          delay_ms,
          () => {
            try {
              fn();
            } catch (error) {
              this.onUncaught(owner, error);
            }
          },
          owner,
        ),
    };
  }
}
