import type { Outcome, RunRecord } from "../run-record.ts";
import { inspectClient, inspectServer, inspectViewers } from "./final-state.ts";
import type { World } from "./world.ts";

/** What a simulated world leaves for the checkers once it has run: what survived in SQLite, what crossed the wire, the history. */
export function recordOf(world: World, outcome: Outcome): RunRecord {
  const { scenario, roster } = world;
  return {
    outcome,
    end_t: world.scheduler.now,
    healed_at: world.loop.healedAt,
    history: world.history.events,
    committed: world.ledger.ops,
    shares: inspectServer(roster.server, roster.shares),
    clients: roster.clients.map((node, i) => inspectClient(node, scenario.clients[i]!.scope, scenario.clients[i]!.secret)),
    viewers: inspectViewers(roster.viewers, scenario.viewers.map((v) => v.secret), roster.server),
    rotated: roster.liveShares().filter((s) => s.secret_rotated_at !== null).map((s) => ({ share_index: s.index, t: s.secret_rotated_at! })),
    revokes: world.lifecycle.revokes,
    observed: world.observer.observed,
  };
}
