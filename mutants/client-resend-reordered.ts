// client-resend-reordered
// Bug: when the client sends a batch again (after a failure or a gap), it
//      sends its ops newest first. The server takes ops in the order given, so
//      the first op is always a gap and the whole retry is rejected, forever.
// Models: a retry queue built as a stack (push/pop) instead of a queue.
// Caught by: liveness (not_drained).
import { planBatch, type BatchPlanner } from "../client-under-test/batching.ts";
import type { Mutant } from "./mutant.ts";

function stackedRetries(): BatchPlanner {
  const sent = new Set<number>();
  return (pending, limits) => {
    const batch = planBatch(pending, limits);
    const first = batch[0]?.seq;
    if (first === undefined) return batch;
    if (sent.has(first)) return batch.reverse();
    sent.add(first);
    return batch;
  };
}

export const clientResendReordered: Mutant = {
  name: "client-resend-reordered",
  bug: "a retry sends batches out of seq order",
  caught_by: ["liveness"],
  parts: { server: {}, client: { makePlanner: stackedRetries } },
};
