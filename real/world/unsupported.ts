import type { Scenario } from "../../sim/scenario/schema.ts";

/** A scenario real mode cannot express: exit 2, each reason named. */
export class NotRealError extends Error {
  readonly code = "not_real";
}

// What real mode runs so far: clients and the server as processes, crash points
// and timed crashes as SIGKILL, restarts on the same files, and the network
// faults through the fault proxy, viewers too, random crashes and crash points.
// Silent host deaths, revokes, the adversary, stalls at a time, lost replies by
// apply count and storage faults wait for their real counterparts.
const RATES = [
  "crash_silent",
  "server_power_loss_per_min",
  "client_power_loss_per_min",
  "torn_wal",
  "disk_full_per_min",
] as const;

/** Timeline actions real mode runs. */
const ACTIONS = new Set(["crash", "cut", "http", "partition"]);

/** Everything in `scenario` with no real counterpart yet, as "field: why" lines; empty when it can run for real. */
export function unsupported(scenario: Scenario): string[] {
  const reasons: string[] = [];
  for (const rate of RATES) if (scenario.faults[rate] > 0) reasons.push(`faults.${rate}: no real counterpart yet`);
  scenario.timeline.forEach((a, i) => {
    if (ACTIONS.has(a.action)) return;
    if (a.action === "crash_at" && !a.power_loss) return;
    reasons.push(`timeline[${i}]: ${a.action}${"node" in a ? ` on ${a.node}` : ""}${a.action === "crash_at" && a.power_loss ? " with power_loss" : ""}: no real counterpart yet`);
  });
  return reasons;
}
