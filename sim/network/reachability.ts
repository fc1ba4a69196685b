import type { Scheduler } from "../kernel/scheduler.ts";

interface Window {
  kind: "partition" | "stall";
  node: string;
  until: number;
  release: () => void;
  released: Promise<void>;
}

/**
 * Partition and stall windows between clients and the server. While a window
 * covers a node, its traffic is held (TCP keeps retransmitting) and released in
 * order when the window ends. A partition also holds new connections; a stall
 * only freezes traffic already flowing.
 */
export class Reachability {
  readonly #scheduler: Scheduler;
  readonly #windows = new Set<Window>();
  readonly #onClose: (kind: Window["kind"], node: string) => void;

  constructor(scheduler: Scheduler, onClose: (kind: Window["kind"], node: string) => void = () => {}) {
    this.#scheduler = scheduler;
    this.#onClose = onClose;
  }

  open(kind: Window["kind"], node: string, duration_ms: number): void {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const window: Window = { kind, node, until: this.#scheduler.now + duration_ms, release, released };
    this.#windows.add(window);
    this.#scheduler.after(duration_ms, () => this.#close(window));
  }

  #close(window: Window): void {
    if (!this.#windows.delete(window)) return;
    this.#onClose(window.kind, window.node);
    window.release();
  }

  /** The liveness phase: every window ends now (the fault scheduler opens no more). */
  transitionToLiveness(): void {
    for (const window of [...this.#windows]) this.#close(window);
  }

  #covering(node: string, kinds: readonly Window["kind"][]): Window | undefined {
    for (const w of this.#windows) if ((w.node === node || w.node === "all") && kinds.includes(w.kind)) return w;
    return undefined;
  }

  partitioned(node: string): boolean {
    return this.#covering(node, ["partition"]) !== undefined;
  }

  held(node: string): boolean {
    return this.#covering(node, ["partition", "stall"]) !== undefined;
  }

  /** Resolves once no window holds this node's traffic (or connections, when `connecting`). */
  async passable(node: string, connecting = false): Promise<void> {
    for (;;) {
      const window = this.#covering(node, connecting ? ["partition"] : ["partition", "stall"]);
      if (!window) return;
      await window.released;
    }
  }
}
