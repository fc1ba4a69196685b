import { RpcTarget } from "capnweb";
import type { CreatedShare, RedeemResult, ReaderApi, WriterApi } from "../../protocol/rpc.ts";
import { protocolError } from "../../protocol/errors.ts";
import { parseId, parseOptionalProducer, parseScope, parseSecret } from "../../protocol/validate.ts";
import type { ShareStore } from "../store/share-store.ts";
import type { CapabilityMinter } from "./capabilities.ts";

/** The main object on /rpc: one per capnweb session. */
export class ShareApiTarget extends RpcTarget {
  readonly #store: ShareStore;
  readonly #minter: CapabilityMinter;
  readonly #publicUrl: () => string;

  constructor(store: ShareStore, minter: CapabilityMinter, publicUrl: () => string) {
    super();
    this.#store = store;
    this.#minter = minter;
    this.#publicUrl = publicUrl;
  }

  createShare(sessionID: unknown): CreatedShare {
    const { id, secret } = this.#store.createShare(parseId(sessionID, "sessionID"));
    return { id, secret, url: `${this.#publicUrl()}/share/${id}` };
  }

  redeem(shareID: unknown, secret: unknown, scope: unknown, producerID?: unknown): RedeemResult<WriterApi | ReaderApi> {
    const id = parseId(shareID, "shareID");
    const key = parseSecret(secret);
    const wanted = parseScope(scope);
    const producer = parseOptionalProducer(producerID);
    // A writer is bound to the producer it is redeemed for: it needs one.
    if (wanted === "write" && producer === undefined) throw protocolError("invalid_request", "producerID: required to redeem a write capability", "producerID");
    const state = this.#store.redeem(id, key, producer);
    const grant = { share_id: id, epoch: state.epoch, scope: wanted, ...(producer === undefined ? {} : { producer_id: producer }) };
    const capability = wanted === "write" ? this.#minter.writer(this.#store, grant) : this.#minter.reader(this.#store, grant);
    return { capability: capability as unknown as WriterApi | ReaderApi, ...state };
  }
}
