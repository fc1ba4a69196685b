// dedupe-per-batch
// Bug: duplicates are recognised only inside one batch; a seq that an earlier
//      batch already applied is applied again.
// Models: dedupe done with a Set built per request ("no op twice in a call")
//      instead of the producer's durable last_seq.
// Caught by: exactly-once (duplicated), order (repeat), convergence.
import type { SeqPolicy } from "../server-under-test/store/seams.ts";
import type { Mutant } from "./mutant.ts";

const withinBatchOnly: SeqPolicy = {
  decide: (seq, last_seq, seenInBatch) => {
    if (seenInBatch.has(seq)) return "duplicate";
    return seq > last_seq + 1 ? "gap" : "apply";
  },
};

export const dedupePerBatch: Mutant = {
  name: "dedupe-per-batch",
  bug: "duplicates are detected only within one batch",
  caught_by: ["exactly-once", "order", "convergence"],
  parts: { server: { store: { seqPolicy: withinBatchOnly } }, client: {} },
};
