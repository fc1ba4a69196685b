import { CRASH_POINTS, type CrashPoint, type CrashPoints, type Random } from "../../protocol/ports.ts";

/** Where a real process is told to die: the nth time it reaches a crash point. */
export interface CrashAt {
  point: CrashPoint;
  nth: number;
}

/**
 * Crash points for a real child process: at `point#nth` it SIGKILLs itself,
 * so the kernel, not the code, decides what its sockets and files keep.
 * Nothing runs after the kill (no finally, no exit handler), as with a crash.
 */
export function killingCrashPoints(at: CrashAt | null, chance: CrashChance | null = null, kill: () => void = () => process.kill(process.pid, "SIGKILL")): CrashPoints {
  let reached = 0;
  return {
    reach(point) {
      if (chance && chance.points.includes(point) && chance.random.next() < chance.p) kill();
      if (at === null || point !== at.point) return;
      reached++;
      if (reached === at.nth) kill();
    },
  };
}

/** The scenario's `crash_point` rate: at each listed point, die with probability p (drawn from a seeded stream). */
export interface CrashChance {
  p: number;
  points: readonly CrashPoint[];
  random: Random;
}

/** `point#nth` (nth defaults to 1), as given on a command line or in an environment variable. */
export function parseCrashAt(text: string | undefined): CrashAt | null {
  if (!text) return null;
  const [point, nth] = text.split("#");
  const n = nth === undefined ? 1 : Number(nth);
  if (!point || !CRASH_POINTS.includes(point as CrashPoint) || !Number.isInteger(n) || n < 1) throw Object.assign(new Error(`crash point '${text}': expected POINT or POINT#N with N >= 1, POINT one of ${CRASH_POINTS.join(", ")}`), { code: "bad_crash_point" });
  return { point: point as CrashPoint, nth: n };
}

/** A process's own crash-point stream: the scenario's seed, its name and its incarnation. */
export function crashSeed(config: { seed?: number; name?: string; incarnation?: number }): number {
  let h = (config.seed ?? 0) >>> 0;
  for (const ch of `${config.name ?? "server"}#${config.incarnation ?? 1}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}
