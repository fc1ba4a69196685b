// push-reorders-under-backpressure
// Bug: when a subscriber's backlog needs more than one push, the server sends
//      the newest page first.
// Models: a per-subscriber send buffer drained as a stack (LIFO) once it holds
//      more than one message, "so viewers see the latest activity first".
// Caught by: reader-prefix (the viewer applies the later page, then skips the
//      earlier one as already seen: gap), reader-convergence.
import type { LogEntry } from "../protocol/rpc.ts";
import { Subscription } from "../server-under-test/rpc/subscription.ts";
import type { Mutant } from "./mutant.ts";

class NewestFirstSubscription extends Subscription {
  protected override pages(room: number): LogEntry[][] {
    return super.pages(room).reverse();
  }
}

export const pushReordersUnderBackpressure: Mutant = {
  name: "push-reorders-under-backpressure",
  bug: "with a backlog of several pushes, the server sends the newest first",
  caught_by: ["reader-prefix", "reader-convergence"],
  parts: { server: { makeSubscription: (context) => new NewestFirstSubscription(context) }, client: {} },
};
