import type { Limits } from "../../protocol/limits.ts";
import type { CrashPoints, Probe } from "../../protocol/ports.ts";
import type { History } from "../history/history.ts";
import type { RandomStreams } from "../kernel/prng.ts";
import type { Incarnation, Scheduler } from "../kernel/scheduler.ts";

/** What a simulated process gets from the world it runs in. */
export interface NodeHost {
  scheduler: Scheduler;
  history: History;
  streams: RandomStreams;
  limits: Limits;
  crashPoints(node: string, incarnation: Incarnation): CrashPoints;
  probe(node: string, incarnation: Incarnation): Probe;
}
