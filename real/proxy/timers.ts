// Waits the proxy can cancel all at once: close() must leave no timer keeping the process alive.

export class TimerSet {
  private readonly timeouts = new Set<NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private cancelled = false;

  /** Runs fn after ms unless cancelled first (by the returned function or by cancelAll). */
  after(ms: number, fn: () => void): () => void {
    if (this.cancelled) return () => {};
    const timer = setTimeout(() => {
      this.timeouts.delete(timer);
      fn();
    }, Math.max(0, ms));
    this.timeouts.add(timer);
    return () => {
      clearTimeout(timer);
      this.timeouts.delete(timer);
    };
  }

  /** Resolves after ms; after cancelAll() it never resolves, so the waiting code just stops. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** One turn of the event loop, so separate writes leave as separate TCP segments. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      if (this.cancelled) return;
      const immediate = setImmediate(() => {
        this.immediates.delete(immediate);
        resolve();
      });
      this.immediates.add(immediate);
    });
  }

  cancelAll(): void {
    this.cancelled = true;
    for (const timer of this.timeouts) clearTimeout(timer);
    for (const immediate of this.immediates) clearImmediate(immediate);
    this.timeouts.clear();
    this.immediates.clear();
  }
}
