import type { CrashPoint, CrashPoints } from "../../protocol/ports.ts";
import type { CoverageWatch } from "../coverage/coverage-watch.ts";
import { CrashSignal } from "../kernel/crash-signal.ts";
import type { Incarnation, Scheduler } from "../kernel/scheduler.ts";
import type { CrashHow, FaultPlan } from "./fault-plan.ts";

export interface CrashPointDeps {
  faults: FaultPlan;
  coverage: CoverageWatch;
  scheduler: Scheduler;
  /** Kills the process, or cuts its host's power (sim/world/lifecycle.ts). */
  crash(node: string, cause: string, point: CrashPoint, how: CrashHow): void;
}

/**
 * The crash points one process incarnation is given. At each point the fault
 * plan decides whether it dies there; a dead incarnation that still runs code
 * (a continuation of its last microtask) is unwound at the next point it reaches.
 */
export function crashPointsFor(deps: CrashPointDeps, node: string, incarnation: Incarnation): CrashPoints {
  return {
    reach: (point: CrashPoint) => {
      if (!incarnation.alive) throw new CrashSignal(node, point);
      const how = deps.faults.crashAtPoint(node, point);
      if (!how) return;
      deps.faults.count(how.power_loss ? "power_loss" : "crash_point");
      deps.coverage.reached(`crash_point/${point}`, node);
      if (point === "client.after_send_before_ack") {
        // The request must really be on the wire first; capnweb's batch client sends on setImmediate.
        deps.scheduler.after(0, () => incarnation.alive && deps.crash(node, point, point, how));
        return;
      }
      deps.crash(node, point, point, how);
      throw new CrashSignal(node, point);
    },
  };
}
