// redeem-wrong-producer
// Bug: redeem reports the highest last_seq of any producer of the share, not
//      the caller's. A client then trims ops the server never received.
// Models: `SELECT max(last_seq) FROM producers WHERE share_id = ?` with the
//      producer filter forgotten; invisible while a share has one producer.
// Caught by: exactly-once (lost), ack-integrity (acked_unapplied).
import type { ShareState } from "../protocol/rpc.ts";
import { ShareStore } from "../server-under-test/store/share-store.ts";
import type { Mutant } from "./mutant.ts";

class ShareWideLastSeq extends ShareStore {
  override redeem(shareID: string, secret: string, producerID?: string): ShareState {
    const state = super.redeem(shareID, secret, producerID);
    const highest = this.deps.db.prepare(`SELECT coalesce(max(last_seq), 0) FROM producers WHERE share_id = ?`).pluck().get(shareID) as number;
    return { ...state, last_seq: producerID === undefined ? 0 : highest };
  }
}

export const redeemWrongProducer: Mutant = {
  name: "redeem-wrong-producer",
  bug: "redeem returns the share's highest last_seq instead of the caller's",
  caught_by: ["exactly-once", "ack-integrity"],
  parts: { server: { makeStore: (deps, parts) => new ShareWideLastSeq(deps, parts) }, client: {} },
};
