import type { RpcStub } from "capnweb";
import { errorCode } from "../../protocol/errors.ts";
import type { LogEntry, ViewerListener } from "../../protocol/rpc.ts";
import type { Grant, ShareStore } from "../store/share-store.ts";

// Push to a viewer over its capnweb session. The log is in SQLite, so a
// subscription is only a position in it: it reads the next entries when it
// has room, and has room while fewer than `push_in_flight_max` pushes are
// outstanding. A slow viewer holds its position, never a growing queue.

export interface SubscriptionContext {
  store: ShareStore;
  grant: Grant;
  /** Entries after this cursor are pushed. */
  from: number;
  /** The viewer's listener; the subscription owns this stub and disposes it when it ends. */
  listener: RpcStub<ViewerListener>;
}

/** How a reader capability starts a subscription; a seam for mutants. */
export type SubscriptionFactory = (context: SubscriptionContext) => Subscription;

export class Subscription {
  protected readonly store: ShareStore;
  protected readonly grant: Grant;
  readonly #listener: RpcStub<ViewerListener>;
  /** The cursor of the last entry handed to a push. */
  protected next: number;
  #inFlight = 0;
  #pumping = false;
  #ended = false;
  #unwatch: () => void = () => {};

  constructor(context: SubscriptionContext) {
    this.store = context.store;
    this.grant = context.grant;
    this.#listener = context.listener;
    this.next = context.from;
  }

  get ended(): boolean {
    return this.#ended;
  }

  start(): void {
    this.#unwatch = this.store.feed.watch(this.grant.share_id, () => this.#pump());
    // The subscription dies with its session: nothing is left watching a share for a viewer who is gone.
    this.#listener.onRpcBroken(() => this.#end(null));
    this.#pump();
  }

  /**
   * The next pushes, each at most `push_entries_max` entries, at most `room`
   * of them, in cursor order. Throws a coded error (`stale_epoch`) once the
   * grant may no longer read.
   */
  protected pages(room: number): LogEntry[][] {
    const max = this.store.deps.limits.push_entries_max;
    const pages: LogEntry[][] = [];
    for (let i = 0; i < room; i++) {
      const page = this.store.read(this.grant, this.next, max).entries;
      if (page.length === 0) {
        // Nothing new, yet the epoch is checked on every wake: a revoke ends an idle subscription too.
        if (i === 0) return pages;
        break;
      }
      this.next = page[page.length - 1]!.cursor;
      pages.push(page);
    }
    return pages;
  }

  #pump(): void {
    if (this.#ended || this.#pumping) return;
    this.#pumping = true;
    try {
      const max = this.store.deps.limits.push_in_flight_max;
      while (!this.#ended && this.#inFlight < max) {
        let pages: LogEntry[][];
        try {
          pages = this.pages(max - this.#inFlight);
        } catch (error) {
          this.#end({ code: errorCode(error) ?? "server_error", message: String((error as Error)?.message ?? error) });
          return;
        }
        if (pages.length === 0) return;
        for (const page of pages) this.#push(page);
      }
    } finally {
      this.#pumping = false;
    }
  }

  #push(entries: LogEntry[]): void {
    this.#inFlight++;
    const first = entries[0]!;
    const last = entries[entries.length - 1]!;
    this.store.deps.probe.emit({
      type: "served",
      share: this.grant.share_id,
      via: "push",
      cursor_from: first.cursor,
      cursor_to: last.cursor,
      count: entries.length,
      limit: this.store.deps.limits.push_entries_max,
      epoch: this.grant.epoch,
      scope: this.grant.scope,
      in_flight: this.#inFlight,
    });
    this.#listener.entries(entries).then(
      () => {
        this.#inFlight--;
        this.#pump();
      },
      () => this.#end(null),
    );
  }

  /** Ends for good; tells the viewer why, unless its session is what ended. */
  #end(reason: { code: string; message: string } | null): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#unwatch();
    if (reason) {
      this.store.deps.probe.emit({ type: "subscription_ended", share: this.grant.share_id, code: reason.code });
      this.#listener.ended(reason).then(
        () => {},
        () => {},
      );
    }
    this.#listener[Symbol.dispose]();
  }
}

export const referenceSubscription: SubscriptionFactory = (context) => new Subscription(context);
