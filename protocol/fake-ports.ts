import type { Clock, Ids, Random } from "./ports.ts";

// Deterministic stand-ins for the ports, for tests that run the code under
// test outside the simulator. (Inside it, sim/ supplies virtual ones.)

/** A clock that ticks one ms per read and never fires timers: for code that only stamps times. */
export function counterClock(start = 1_000): Clock {
  let now = start;
  return { now: () => now++, setTimer: () => ({ cancel() {} }) };
}

/** mulberry32: a tiny seeded PRNG, so secrets and workloads repeat run to run. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Ids from a counter, optionally tagged so two instances never collide. */
export function counterIds(tag = ""): Ids {
  let n = 0;
  return { next: (prefix) => `${prefix}_${tag}${++n}` };
}
