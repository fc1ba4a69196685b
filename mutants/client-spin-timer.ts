// client-spin-timer
// Bug: the call deadline re-checks for the reply on a zero-delay timer: a
//      retry with no delay. Each check schedules the next at the same instant,
//      ahead of the reply, so virtual time never advances again.
// Models: `setTimeout(check, 0)` polling instead of awaiting the call.
// Caught by: liveness (event_limit): the event limit scales with the
//      scenario, so the livelock ends in seconds, not after millions of events.
import { sleep } from "../protocol/ports.ts";
import { pollingDeadline } from "./client-spin-microtask.ts";
import type { Mutant } from "./mutant.ts";

export const clientSpinTimer: Mutant = {
  name: "client-spin-timer",
  bug: "the call deadline polls on a zero-delay timer and freezes time",
  caught_by: ["liveness"],
  parts: { server: {}, client: { makeDeadline: (clock) => pollingDeadline(clock, () => sleep(clock, 0)) } },
};
