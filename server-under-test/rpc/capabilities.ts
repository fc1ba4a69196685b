import { RpcTarget } from "capnweb";
import { protocolError } from "../../protocol/errors.ts";
import type { Ack, ReadPage, ReaderApi, Revoked, WriterApi } from "../../protocol/rpc.ts";
import type { SessionView } from "../../protocol/session-view.ts";
import { parseId, parseNonNegativeInt, parseOps, parseObject } from "../../protocol/validate.ts";
import type { Grant, ShareStore } from "../store/share-store.ts";

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

export class ReaderCapability extends RpcTarget implements ReaderApi {
  readonly #store: ShareStore;
  readonly #grant: Grant;

  constructor(store: ShareStore, grant: Grant) {
    super();
    this.#store = store;
    this.#grant = grant;
  }

  read(fromCursor: unknown, limit: unknown): ReadPage {
    return this.#store.read(this.#grant, parseNonNegativeInt(fromCursor, "fromCursor"), parseNonNegativeInt(limit, "limit"));
  }

  session(): SessionView {
    const { cursor: _cursor, ...view } = this.#store.viewFor(this.#grant);
    return view;
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
  reader(store: ShareStore, grant: Grant): RpcTarget;
}

export const referenceMinter: CapabilityMinter = {
  writer: (store, grant) => new WriterCapability(store, grant),
  reader: (store, grant) => new ReaderCapability(store, grant),
};
