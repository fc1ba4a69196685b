// ack-claims-batch
// Bug: when a gap rejects the tail of a batch, the ack still reports the
//      batch's last seq as last_seq, so the client drops ops never applied.
// Models: building the ack from the request ("we processed up to ops.at(-1)")
//      instead of from the producer's stored state.
// Caught by: exactly-once (lost), ack-integrity (acked_unapplied).
import type { Op } from "../protocol/ops.ts";
import type { Ack } from "../protocol/rpc.ts";
import { ShareStore, type Grant } from "../server-under-test/store/share-store.ts";
import type { Mutant } from "./mutant.ts";

class BatchClaimingStore extends ShareStore {
  override appendOps(grant: Grant, producerID: string, ops: Op[]): Ack {
    const ack = super.appendOps(grant, producerID, ops) as Ack;
    if (ack.rejected === 0) return ack;
    return { ...ack, last_seq: Math.max(ack.last_seq, ...ops.map((op) => op.seq)) };
  }
}

export const ackClaimsBatch: Mutant = {
  name: "ack-claims-batch",
  bug: "an ack claims the whole batch even when a gap rejected its tail",
  caught_by: ["exactly-once", "ack-integrity"],
  parts: { server: { makeStore: (deps, parts) => new BatchClaimingStore(deps, parts) }, client: {} },
};
