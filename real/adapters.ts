import { randomBytes, randomUUID } from "node:crypto";
import type { Clock, Ids, Random } from "../protocol/ports.ts";

// The real world, for everything that runs outside the simulator: the CLI,
// loopback tests and benchmarks. The only place wall time and entropy enter.

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(delay_ms, fn) {
    const timer = setTimeout(fn, delay_ms);
    return { cancel: () => clearTimeout(timer) };
  },
};

export const realRandom: Random = {
  next: () => randomBytes(4).readUInt32BE(0) / 2 ** 32,
};

export const realIds: Ids = {
  next: (prefix) => `${prefix}_${randomUUID().replaceAll("-", "")}`,
};
