import { protocolError } from "../protocol/errors.ts";
import type { Clock } from "../protocol/ports.ts";

/** Races a call against the clock. capnweb has no timeouts, so every call goes through here. */
export type Deadline = <T>(work: Promise<T>, ms: number, what: string) => Promise<T>;

export function clockDeadline(clock: Clock): Deadline {
  return (work, ms, what) =>
    new Promise((resolve, reject) => {
      const timer = clock.setTimer(ms, () => reject(protocolError("deadline", `${what} took longer than ${ms} ms`)));
      work.then(
        (value) => {
          timer.cancel();
          resolve(value);
        },
        (error: unknown) => {
          timer.cancel();
          reject(error);
        },
      );
    });
}
