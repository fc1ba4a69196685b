// no-dedupe
// Bug: the server applies every op whose seq is not ahead of the next one
//      expected, so a duplicate (seq <= last_seq) is applied again.
// Models: "the client only retries on failure, so duplicates never happen"
//      and the dedupe check was never written (or was dropped in a refactor).
// Caught by: exactly-once (duplicated), order (repeat), convergence (a
//      part.append applied twice doubles its text).
import type { SeqPolicy } from "../server-under-test/store/seams.ts";
import type { Mutant } from "./mutant.ts";

const applyDuplicates: SeqPolicy = {
  decide: (seq, last_seq) => (seq <= last_seq + 1 ? "apply" : "gap"),
};

export const noDedupe: Mutant = {
  name: "no-dedupe",
  bug: "the server applies duplicates",
  caught_by: ["exactly-once", "order", "convergence"],
  parts: { server: { store: { seqPolicy: applyDuplicates } }, client: {} },
};
