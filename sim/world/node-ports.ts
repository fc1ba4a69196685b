import type { Limits } from "../../protocol/limits.ts";
import type { CrashPoint, CrashPoints, Probe, ProbeEvent } from "../../protocol/ports.ts";
import type { CoverageWatch } from "../coverage/coverage-watch.ts";
import { crashPointsFor } from "../faults/crash-points.ts";
import type { CrashHow } from "../faults/fault-plan.ts";
import type { FaultPlan } from "../faults/fault-plan.ts";
import type { History } from "../history/history.ts";
import type { RandomStreams } from "../kernel/prng.ts";
import type { Incarnation, Scheduler } from "../kernel/scheduler.ts";
import type { NodeHost } from "../nodes/node-host.ts";

export interface NodePortsDeps {
  scheduler: Scheduler;
  history: History;
  streams: RandomStreams;
  limits: Limits;
  faults: FaultPlan;
  coverage: CoverageWatch;
  crash(node: string, cause: string, point: CrashPoint, how: CrashHow): void;
  /** An op was applied or acked somewhere: the run is making progress. */
  progressed(t: number): void;
  /** A client put an appendOps call on the wire. */
  callSent(node: string): void;
  /** The server applied ops of this producer. */
  applied(producer: string): void;
}

/**
 * What the world hands each process incarnation: crash points decided by the
 * fault plan, and a probe whose events go to the history as hints.
 */
export class NodePorts implements NodeHost {
  readonly scheduler: Scheduler;
  readonly history: History;
  readonly streams: RandomStreams;
  readonly limits: Limits;
  readonly #deps: NodePortsDeps;

  constructor(deps: NodePortsDeps) {
    this.#deps = deps;
    this.scheduler = deps.scheduler;
    this.history = deps.history;
    this.streams = deps.streams;
    this.limits = deps.limits;
  }

  crashPoints(node: string, incarnation: Incarnation): CrashPoints {
    return crashPointsFor(this.#deps, node, incarnation);
  }

  probe(node: string, incarnation: Incarnation): Probe {
    const d = this.#deps;
    return {
      emit: (event: ProbeEvent) => {
        if (!incarnation.alive) return;
        const now = d.scheduler.now;
        d.history.recordProbe(now, node, event);
        if (event.type === "applied" || event.type === "marked_acked" || event.type === "viewer_applied") d.progressed(now);
        d.coverage.probe(node, event);
        if (event.type === "call_sent") d.callSent(node);
        if (event.type === "applied") d.applied(event.producer);
      },
    };
  }
}
