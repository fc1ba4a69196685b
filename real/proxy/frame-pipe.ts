// One direction of a WebSocket connection: frames leave strictly in arrival order, each after its
// latency, and not while the direction is stalled or a partition or stall window holds the proxy.
import { performance } from "node:perf_hooks";
import type { ProxyContext } from "./proxy-context.ts";
import type { Hold } from "./rules.ts";

export type PipeItem =
  | { kind: "message"; frame: number; data: Buffer; binary: boolean; arrivedAt: number }
  | { kind: "ping" | "pong"; data: Buffer; arrivedAt: number }
  | { kind: "close"; code: number; reason: Buffer; arrivedAt: number };

export interface PipeHooks {
  deliver(item: PipeItem): void | Promise<void>;
  /** Called when a partition or stall window starts holding this direction. */
  held(item: PipeItem, hold: Hold): void;
}

/** Item kinds without their arrival time, which the pipe stamps. */
export type PipeInput = WithoutArrival<PipeItem>;
type WithoutArrival<T> = T extends unknown ? Omit<T, "arrivedAt"> : never;

export class FramePipe {
  private readonly queue: PipeItem[] = [];
  private draining = false;
  private aborted = false;
  /** Real-time ms (performance.now) until which this direction holds its frames. */
  private stalledUntil = 0;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly hooks: PipeHooks,
  ) {}

  /** Returns false when the pipe was aborted: the item goes nowhere. */
  push(input: PipeInput): boolean {
    if (this.aborted) return false;
    this.queue.push({ ...input, arrivedAt: performance.now() } as PipeItem);
    if (!this.draining) void this.drain();
    return true;
  }

  stallFor(ms: number): void {
    this.stalledUntil = Math.max(this.stalledUntil, performance.now() + ms);
  }

  /** Stops the pipe and hands back everything not yet delivered. */
  abort(): PipeItem[] {
    this.aborted = true;
    return this.queue.splice(0);
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.queue.length > 0 && !this.aborted) {
      const item = this.queue[0]!;
      await this.waitUntilFree(item);
      // abort() already took (and reported) the item while it waited.
      if (this.aborted) break;
      this.queue.shift();
      await this.hooks.deliver(item);
    }
    this.draining = false;
  }

  private async waitUntilFree(item: PipeItem): Promise<void> {
    // Constant latency from arrival keeps the order and does not add up along the queue.
    const due = item.arrivedAt + (this.ctx.rules.latency_ms ?? 0);
    if (due > performance.now()) await this.ctx.timers.sleep(due - performance.now());
    for (;;) {
      if (this.stalledUntil > performance.now()) {
        await this.ctx.timers.sleep(this.stalledUntil - performance.now());
        continue;
      }
      const held = await this.ctx.waitOutHolds((hold) => this.hooks.held(item, hold));
      if (held === undefined) return;
    }
  }
}
