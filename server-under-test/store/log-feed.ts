/**
 * Who wants to hear that a share's log or epoch changed: the push
 * subscriptions of this process. In memory only, like the sessions they serve;
 * a restarted server starts with none, and viewers subscribe again.
 */
export class LogFeed {
  readonly #watchers = new Map<string, Set<() => void>>();

  /** Calls `wake` after every change to the share; returns the function that stops it. */
  watch(shareID: string, wake: () => void): () => void {
    let set = this.#watchers.get(shareID);
    if (!set) this.#watchers.set(shareID, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0) this.#watchers.delete(shareID);
    };
  }

  /** The share changed (committed): every watcher wakes, each in turn. */
  changed(shareID: string): void {
    const set = this.#watchers.get(shareID);
    if (!set) return;
    for (const wake of [...set]) wake();
  }

  /** How many watchers a share has; for status pages and tests. */
  watchers(shareID: string): number {
    return this.#watchers.get(shareID)?.size ?? 0;
  }
}
