import type { Scenario } from "../../sim/scenario/schema.ts";

/** A scenario real mode cannot express: exit 2, each reason named. */
export class NotRealError extends Error {
  readonly code = "not_real";
}

// What real mode runs so far: clients and the server as processes, crash points
// and timed crashes as SIGKILL, restarts on the same files. Network faults wait
// for the fault proxy; viewers, revokes, the adversary and storage faults for
// their real counterparts.
const RATES = [
  "ws_refuse_connect",
  "ws_cut",
  "ws_stall",
  "http_drop_request",
  "http_drop_response",
  "http_duplicate",
  "http_delay",
  "http_reorder",
  "client_crash_per_min",
  "viewer_crash_per_min",
  "server_crash_per_min",
  "crash_silent",
  "crash_point",
  "partition_per_min",
  "server_power_loss_per_min",
  "client_power_loss_per_min",
  "torn_wal",
  "disk_full_per_min",
] as const;

/** Everything in `scenario` with no real counterpart yet, as "field: why" lines; empty when it can run for real. */
export function unsupported(scenario: Scenario): string[] {
  const reasons: string[] = [];
  for (const rate of RATES) if (scenario.faults[rate] > 0) reasons.push(`faults.${rate}: no real counterpart yet`);
  if (scenario.viewers.length > 0) reasons.push("viewers: real viewers are not built yet");
  scenario.timeline.forEach((a, i) => {
    if (a.action === "crash" && !a.node.startsWith("viewer-")) return;
    if (a.action === "crash_at" && !a.node.startsWith("viewer-") && !a.power_loss) return;
    reasons.push(`timeline[${i}]: ${a.action}${"node" in a ? ` on ${a.node}` : ""}${a.action === "crash_at" && a.power_loss ? " with power_loss" : ""}: no real counterpart yet`);
  });
  return reasons;
}
