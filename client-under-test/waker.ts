import type { Clock } from "../protocol/ports.ts";

/**
 * How a loop sleeps: until something pokes it, or until a timer on the
 * injected clock fires. One sleeper at a time; a poke with nobody asleep is
 * dropped, because the loop checks for work before it sleeps again.
 */
export class Waker {
  readonly #clock: Clock;
  #wake: (() => void) | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Waits for a poke, or for `ms` when given. */
  wait(ms?: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : this.#clock.setTimer(ms, () => this.poke());
      this.#wake = () => {
        timer?.cancel();
        resolve();
      };
    });
  }
}
