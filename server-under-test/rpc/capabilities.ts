import { RpcTarget, type RpcStub } from "capnweb";
import { protocolError } from "../../protocol/errors.ts";
import type { Ack, ReadPage, ReaderApi, Revoked, Snapshot, Subscribed, ViewerListener, WriterApi } from "../../protocol/rpc.ts";
import type { SessionView } from "../../protocol/session-view.ts";
import { parseId, parseNonNegativeInt, parseOps, parseObject } from "../../protocol/validate.ts";
import type { Grant, ShareStore } from "../store/share-store.ts";
import { referenceSubscription, type Subscription, type SubscriptionFactory } from "./subscription.ts";

// Capabilities are live references: each is bound to the epoch it was minted
// in, and dies with its capnweb session. The share secret is the sturdy one.

export class WriterCapability extends RpcTarget implements WriterApi {
  readonly #store: ShareStore;
  readonly #grant: Grant;

  constructor(store: ShareStore, grant: Grant) {
    super();
    this.#store = store;
    this.#grant = grant;
  }

  /**
   * `appendOps(ops)`, as the producer this capability was redeemed for. The
   * older `appendOps(producerID, ops)` is taken only when it names that same
   * producer: no holder of a writer may append as someone else.
   */
  appendOps(...args: unknown[]): Ack | Promise<Ack> {
    const bound = this.#grant.producer_id;
    if (bound === undefined) throw protocolError("invalid_request", "this capability was redeemed without a producer id; redeem with one to append");
    if (args.length >= 2) {
      const named = parseId(args[0], "producerID");
      if (named !== bound) throw protocolError("wrong_producer", `this capability appends as ${bound}, not ${named}`);
    }
    return this.#store.appendOps(this.#grant, bound, parseOps(args.length >= 2 ? args[1] : args[0], this.#store.deps.limits));
  }

  revoke(options?: unknown): Revoked {
    const rotate = options === undefined ? false : parseObject(options).rotate_secret;
    if (rotate !== undefined && typeof rotate !== "boolean") {
      throw protocolError("invalid_request", "options.rotate_secret: expected a boolean", "options.rotate_secret");
    }
    return this.#store.revoke(this.#grant, rotate === true);
  }
}

/** What a reader capability is built with besides its grant: how it starts push subscriptions. */
export interface ReaderServices {
  makeSubscription: SubscriptionFactory;
}

export const referenceReaderServices: ReaderServices = { makeSubscription: referenceSubscription };

/** A listener must be a stub the caller passed: something the server can call back. */
function isListener(value: unknown): value is RpcStub<ViewerListener> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { dup?: unknown }).dup === "function";
}

export class ReaderCapability extends RpcTarget implements ReaderApi {
  readonly #store: ShareStore;
  readonly #grant: Grant;
  readonly #services: ReaderServices;
  readonly #subscriptions: Subscription[] = [];

  constructor(store: ShareStore, grant: Grant, services: ReaderServices = referenceReaderServices) {
    super();
    this.#store = store;
    this.#grant = grant;
    this.#services = services;
  }

  read(fromCursor: unknown, limit: unknown): ReadPage {
    const max = parseNonNegativeInt(limit, "limit");
    const page = this.#store.read(this.#grant, parseNonNegativeInt(fromCursor, "fromCursor"), max);
    const entries = page.entries;
    if (entries.length > 0) {
      this.#store.deps.probe.emit({
        type: "served",
        share: this.#grant.share_id,
        via: "read",
        cursor_from: entries[0]!.cursor,
        cursor_to: entries[entries.length - 1]!.cursor,
        count: entries.length,
        limit: Math.min(max, this.#store.deps.limits.read_limit_max),
        epoch: this.#grant.epoch,
        scope: this.#grant.scope,
      });
    }
    return page;
  }

  session(): SessionView {
    const { cursor: _cursor, ...view } = this.#store.viewFor(this.#grant);
    return view;
  }

  snapshot(): Snapshot {
    return this.#store.snapshot(this.#grant);
  }

  /**
   * Pushes every entry after `fromCursor` to `listener`, then each new one as
   * it is applied, until the session ends or a revoke makes this epoch stale.
   */
  subscribe(fromCursor: unknown, listener: unknown): Subscribed {
    const from = parseNonNegativeInt(fromCursor, "fromCursor");
    if (!isListener(listener)) throw protocolError("invalid_request", "listener: expected an RpcTarget with entries() and ended()", "listener");
    const live = this.#subscriptions.filter((s) => !s.ended);
    const max = this.#store.deps.limits.subscriptions_per_session_max;
    if (live.length >= max) throw protocolError("too_large", `listener: ${live.length} subscriptions on this capability, limit ${max}`, "listener");
    // Refused now if the epoch is already stale: nothing is registered for a dead capability.
    const cursor = this.#store.read(this.#grant, from, 0).cursor;
    const subscription = this.#services.makeSubscription({ store: this.#store, grant: this.#grant, from, listener: listener.dup() });
    this.#subscriptions.splice(0, this.#subscriptions.length, ...live, subscription);
    subscription.start();
    return { cursor, epoch: this.#grant.epoch };
  }

  // A reader has no write methods; without these, capnweb would answer a write
  // attempt with a bare TypeError ("not a function") that carries no `code`.
  appendOps(..._args: unknown[]): never {
    throw protocolError("read_only", "a read capability cannot append");
  }

  revoke(_options?: unknown): never {
    throw protocolError("read_only", "a read capability cannot revoke");
  }
}

/** How a redeemed grant becomes a capability; a seam for mutants. */
export interface CapabilityMinter {
  writer(store: ShareStore, grant: Grant): RpcTarget;
  reader(store: ShareStore, grant: Grant, services?: ReaderServices): RpcTarget;
}

export const referenceMinter: CapabilityMinter = {
  writer: (store, grant) => new WriterCapability(store, grant),
  reader: (store, grant, services) => new ReaderCapability(store, grant, services),
};
