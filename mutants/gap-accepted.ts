// gap-accepted
// Bug: an op after a gap is applied instead of being rejected with the rest.
// Models: "apply whatever is newer than last_seq", forgetting that a missing
//      seq means an earlier call has not landed yet.
// Caught by: exactly-once (lost: the skipped op arrives later as a
//      "duplicate" of the higher last_seq), order (gap), convergence.
import type { SeqPolicy } from "../server-under-test/store/seams.ts";
import type { Mutant } from "./mutant.ts";

const acceptGaps: SeqPolicy = {
  decide: (seq, last_seq) => (seq <= last_seq ? "duplicate" : "apply"),
};

export const gapAccepted: Mutant = {
  name: "gap-accepted",
  bug: "an op after a gap is applied",
  caught_by: ["exactly-once", "order", "convergence"],
  parts: { server: { store: { seqPolicy: acceptGaps } }, client: {} },
};
