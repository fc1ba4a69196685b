import type { Limits } from "../../protocol/limits.ts";
import type { Clock, CrashPoints, Ids, Probe, Random } from "../../protocol/ports.ts";
import { simIds } from "../kernel/sim-ids.ts";
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

/** The ports one incarnation of a process is given: its clock, its own random stream, ids, crash points and probe. */
export function processPorts(host: NodeHost, node: string, incarnation: Incarnation, stream: string): { clock: Clock; random: Random; ids: Ids; crash: CrashPoints; probe: Probe } {
  return {
    clock: host.scheduler.clockFor(incarnation),
    random: host.streams.stream(stream),
    ids: simIds(incarnation),
    crash: host.crashPoints(node, incarnation),
    probe: host.probe(node, incarnation),
  };
}
