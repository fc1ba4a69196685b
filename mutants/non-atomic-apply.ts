// non-atomic-apply
// Bug: each op of a batch commits in its own transaction, and the producer's
//      last_seq is saved once, after the loop. A crash mid-batch leaves half a
//      batch applied under an old last_seq, and the retry applies it again.
// Models: "one transaction per row" plus bookkeeping written at the end of
//      the request handler.
// Caught by: exactly-once (duplicated), order (repeat), convergence.
import type { Op } from "../protocol/ops.ts";
import type { Ack } from "../protocol/rpc.ts";
import { ShareStore, type Grant } from "../server-under-test/store/share-store.ts";
import type { Mutant } from "./mutant.ts";

class OpAtATimeStore extends ShareStore {
  override appendOps(grant: Grant, producerID: string, ops: Op[]): Ack {
    const { parts, deps } = this;
    const share = this.admit(grant, "append");
    let last_seq = this.lastSeq(share.id, producerID);
    let applied = 0;
    let duplicates = 0;
    let rejected = 0;
    const seen = new Set<number>();
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const verdict = parts.seqPolicy.decide(op.seq, last_seq, seen);
      seen.add(op.seq);
      if (verdict === "duplicate") {
        duplicates++;
        continue;
      }
      if (verdict === "gap") {
        rejected = ops.length - i;
        break;
      }
      const cursor = parts.transact(() => {
        const next = parts.cursors.get(share.id) + 1;
        this.applyOne(share.id, next, producerID, grant.epoch, op);
        parts.cursors.set(share.id, next);
        deps.crash.reach("server.before_commit");
        return next;
      });
      deps.probe.emit({ type: "applied", share: share.id, producer: producerID, seq_from: op.seq, seq_to: op.seq, count: 1, cursor_to: cursor, epoch: grant.epoch, scope: grant.scope });
      last_seq = Math.max(last_seq, op.seq);
      applied++;
    }
    if (applied > 0) parts.transact(() => this.saveLastSeq(share.id, producerID, last_seq));
    deps.crash.reach("server.after_commit_before_reply");
    return { cursor: parts.cursors.get(share.id), last_seq, applied, duplicates, rejected };
  }
}

export const nonAtomicApply: Mutant = {
  name: "non-atomic-apply",
  bug: "ops are applied one transaction each; a crash mid-batch leaves half a batch",
  caught_by: ["exactly-once", "order", "convergence"],
  parts: { server: { makeStore: (deps, parts) => new OpAtATimeStore(deps, parts) }, client: {} },
};
