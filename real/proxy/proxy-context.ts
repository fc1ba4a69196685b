// State the HTTP and WebSocket relays share: target, rules, clock, log, and every handle to release.
import type { Socket } from "node:net";
import { BlackHole } from "./blackhole.ts";
import { holdAt, type Hold, type ProxyRules } from "./rules.ts";
import { TimerSet } from "./timers.ts";
import type { WireFields, WireLog } from "./wire-log.ts";
import { isAppliedReply } from "./wire-match.ts";

export { resetSocket } from "./socket-control.ts";

export class ProxyContext {
  readonly timers = new TimerSet();
  readonly blackhole = new BlackHole();
  private readonly sockets = new Set<Socket>();
  private readonly closers = new Set<() => void>();
  private isClosed = false;
  private appliedReplies = 0;
  private appendCalls = 0;
  /** The one pending look at the clock that every held message waits on. */
  private check: { done: Promise<void>; fire: () => void } | undefined;

  constructor(
    readonly target: URL,
    /** Replaced by heal(): what is decided from then on finds no fault. */
    public rules: ProxyRules,
    readonly log: WireLog,
    /** The proxy's clock: log timestamps and partition windows. Waits use real time. */
    readonly now: () => number,
    private readonly onAppendCall?: (nth: number) => void,
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

  /** heal(): new rules, and whatever the old ones held goes on now. */
  replaceRules(rules: ProxyRules): void {
    this.rules = rules;
    this.check?.fire();
  }

  /**
   * Holds while the clock is inside a partition or stall window; returns the last hold it waited
   * out, if any. While others are still held, a newcomer waits behind them: all waiters share one
   * look at the clock and so go on in the order they started waiting.
   */
  async waitOutHolds(onHold?: (hold: Hold) => void): Promise<Hold | undefined> {
    let last: Hold | undefined;
    for (;;) {
      const hold = holdAt(this.rules, this.now());
      if (hold === undefined && this.check === undefined) return last;
      if (hold !== undefined && hold.window !== last?.window) onHold?.(hold);
      last = hold ?? last;
      await this.nextCheck();
    }
  }

  /** The shared look at the clock: at the window's end, or in 25 ms, or when heal() fires it. */
  private nextCheck(): Promise<void> {
    if (this.check) return this.check.done;
    const window = holdAt(this.rules, this.now())?.window;
    // Re-read the clock at least every 25 ms: an injected clock need not follow real time.
    const wait = window ? Math.min(25, Math.max(1, window.to_ms - this.now())) : 0;
    let resolve!: () => void;
    const done = new Promise<void>((r) => (resolve = r));
    const check = {
      done,
      fire: () => {
        cancel();
        if (this.check === check) this.check = undefined;
        resolve();
      },
    };
    const cancel = this.timers.after(wait, () => check.fire());
    this.check = check;
    return done;
  }

  /** Counts a reply about to reach the client; its position when rules.lose_reply loses it. */
  loseReply(payload: Buffer): number | undefined {
    if (!isAppliedReply(payload)) return undefined;
    const nth = ++this.appliedReplies;
    return this.rules.lose_reply?.includes(nth) ? nth : undefined;
  }

  /** An appendOps call is about to go to the server. A throwing hook is logged: it must not break the relay. */
  appendCall(where: Pick<WireFields, "kind" | "n" | "conn" | "direction" | "frame">): void {
    const nth = ++this.appendCalls;
    try {
      this.onAppendCall?.(nth);
    } catch (err) {
      this.log.add({ ...where, fault: "hook_error", detail: `onAppendCall(${nth}): ${String(err)}` });
    }
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.timers.cancelAll();
    for (const closer of this.closers) closer();
    this.closers.clear();
    // Muted sockets ignore destroy().
    this.blackhole.release();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
