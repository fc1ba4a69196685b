import type { Scenario } from "./scenario/schema.ts";

// Every run has limits (docs/design.md, "Budgets"). The event limit scales with the
// scenario's size, so a process retrying in a zero-delay loop, which never lets
// virtual time advance, ends in seconds of wall time with `event_limit`
// instead of running up millions of events.

// Over 700 swarm seeds the busiest run took 4,547 events for its 399 ops: 8% of
// what these allow it, while a zero-delay loop of a 100-op run stops after 30,000.

/** Events any run may take, however small. */
export const EVENTS_BASE = 20_000;
/** Events per op the workload will enqueue, beyond the base. */
export const EVENTS_PER_OP = 100;

export function eventsMax(scenario: Pick<Scenario, "clients" | "limits">): number {
  if (scenario.limits.events_max !== undefined) return scenario.limits.events_max;
  const ops = scenario.clients.reduce((sum, c) => sum + c.ops, 0);
  return EVENTS_BASE + EVENTS_PER_OP * ops;
}
