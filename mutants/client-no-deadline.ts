// client-no-deadline
// Bug: calls have no deadline, so a stalled connection hangs the client forever.
// Models: trusting the transport to fail; capnweb has no timeouts or heartbeats.
// Caught by: liveness (not_drained).
import type { Mutant } from "./mutant.ts";

export const clientNoDeadline: Mutant = {
  name: "client-no-deadline",
  bug: "a stalled call hangs forever",
  caught_by: ["liveness"],
  parts: { server: {}, client: { makeDeadline: () => (work) => work } },
};
