// client-spin-microtask
// Bug: the call deadline waits for the reply by polling a "done" flag in an
//      async loop that awaits only already-resolved promises. It never yields
//      to the event loop, so the reply it waits for can never arrive.
// Models: `while (!done) await Promise.resolve()`, a busy-wait that looks
//      asynchronous and starves every macrotask, timers and sockets included.
// Caught by: liveness (hang): only a watchdog outside the thread can stop it.
import type { Deadline } from "../client-under-test/deadline.ts";
import { protocolError } from "../protocol/errors.ts";
import type { Clock } from "../protocol/ports.ts";
import type { Mutant } from "./mutant.ts";

export function pollingDeadline(clock: Clock, pause: () => Promise<void>): Deadline {
  return async <T>(work: Promise<T>, ms: number, what: string): Promise<T> => {
    const started = clock.now();
    let settled: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
    work.then(
      (value) => (settled = { ok: true, value }),
      (error: unknown) => (settled = { ok: false, error }),
    );
    while (settled === undefined) {
      if (clock.now() - started > ms) throw protocolError("deadline", `${what} took longer than ${ms} ms`);
      await pause();
    }
    const result = settled as { ok: true; value: T } | { ok: false; error: unknown };
    if (!result.ok) throw result.error;
    return result.value;
  };
}

export const clientSpinMicrotask: Mutant = {
  name: "client-spin-microtask",
  bug: "the call deadline busy-waits in microtasks and never yields",
  caught_by: ["liveness"],
  parts: { server: {}, client: { makeDeadline: (clock) => pollingDeadline(clock, () => Promise.resolve()) } },
};
