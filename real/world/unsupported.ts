import type { Scenario } from "../../sim/scenario/schema.ts";
import { HTTP_POSITIONS, WS_POSITIONS } from "./proxy-rules.ts";

/** A scenario real mode cannot express: exit 2, each reason named. */
export class NotRealError extends Error {
  readonly code = "not_real";
}

// Every fault kind of the scenario format has a real counterpart
// (docs/real-mode.md, "Fault kinds"). What real mode cannot express is a
// position past the ones the proxy decides ahead, and any action it does not
// know: a new fault kind is refused until it has a real counterpart.
const ACTIONS = new Set(["crash", "crash_at", "power_loss", "disk_full", "partition", "stall", "revoke", "forbidden", "revoke_at_call", "cut", "lose_reply", "http"]);

/** Everything in `scenario` with no real counterpart, as "field: why" lines; empty when it can run for real. */
export function unsupported(scenario: Scenario): string[] {
  const reasons: string[] = [];
  scenario.timeline.forEach((a, i) => {
    if (!ACTIONS.has(a.action)) reasons.push(`timeline[${i}]: ${a.action}: no real counterpart yet`);
    else if (a.action === "http" && a.request > HTTP_POSITIONS) reasons.push(`timeline[${i}]: http request ${a.request} on ${a.node}: the proxy decides the first ${HTTP_POSITIONS} requests only`);
    else if (a.action === "cut" && a.connection > WS_POSITIONS) reasons.push(`timeline[${i}]: cut of connection ${a.connection} on ${a.node}: the proxy decides the first ${WS_POSITIONS} connections only`);
  });
  return reasons;
}
