// State the HTTP and WebSocket relays share: target, rules, clock, log, and every handle to release.
import type { Socket } from "node:net";
import { partitionAt, type PartitionWindow, type ProxyRules } from "./rules.ts";
import { TimerSet } from "./timers.ts";
import type { WireLog } from "./wire-log.ts";

export class ProxyContext {
  readonly timers = new TimerSet();
  private readonly sockets = new Set<Socket>();
  private readonly closers = new Set<() => void>();
  private isClosed = false;

  constructor(
    readonly target: URL,
    /** Replaced by heal(): what is decided from then on finds no fault. */
    public rules: ProxyRules,
    readonly log: WireLog,
    /** The proxy's clock: log timestamps and partition windows. Waits use real time. */
    readonly now: () => number,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Path on the target for a request path, keeping any base path the target URL has. */
  targetPath(path: string): string {
    return this.target.pathname.replace(/\/+$/, "") + path;
  }

  /** Destroyed on close. Also gives the socket an error listener: an upgraded socket has none. */
  track(socket: Socket): void {
    if (this.isClosed) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => this.sockets.delete(socket));
  }

  /** Run on close, for things that are not plain sockets (a WebSocket still connecting). */
  onClose(closer: () => void): () => void {
    this.closers.add(closer);
    return () => this.closers.delete(closer);
  }

  /** Holds while the clock is inside a partition window; returns the window it waited out, if any. */
  async waitOutPartition(onHold?: (window: PartitionWindow) => void): Promise<PartitionWindow | undefined> {
    let held: PartitionWindow | undefined;
    for (let window = partitionAt(this.rules, this.now()); window; window = partitionAt(this.rules, this.now())) {
      if (window !== held) onHold?.(window);
      held = window;
      // Re-read the clock at least every 25 ms: an injected clock need not follow real time.
      await this.timers.sleep(Math.min(25, Math.max(1, window.to_ms - this.now())));
    }
    return held;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.timers.cancelAll();
    for (const closer of this.closers) closer();
    this.closers.clear();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}

/** A TCP reset (RST) where possible: the peer sees ECONNRESET, not an orderly end. */
export function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
