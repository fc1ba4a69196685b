import type { A2ABenchResult } from "../bench/a2a-bench.ts";
import { num, table } from "./bench-table.ts";

// `replaysim bench --a2a` for people: one row per setup, real loopback rates
// next to what faults cost in the simulator, then errors and notes.

export function a2aBenchConsole(result: A2ABenchResult): string[] {
  const failed = (r: { timed_out: boolean; error: string | null }) => (r.timed_out ? "TIMEOUT" : "ERROR");
  const out = table(
    ["setup", "messages/s", "events/s", "bytes/event", "resubscribes per 100 msgs (sim)", "retried sends per 100 msgs (sim)"],
    result.rows.map(({ setup, real, sim }) => [
      setup,
      real.error ? failed(real) : num(real.messages_per_s, 1),
      real.error ? "-" : num(real.events_per_s),
      real.error ? "-" : num(real.bytes_per_event),
      sim.error ? failed(sim) : num(sim.resubscribes_per_100_messages, 1),
      sim.error ? "-" : num(sim.retries_per_100_messages, 1),
    ]),
    1,
  );
  out.push("");
  for (const { setup, real, sim } of result.rows) {
    if (real.error) out.push(`error: ${setup} real loopback: ${real.error}`);
    if (sim.error) out.push(`error: ${setup} simulated runs: ${sim.error}`);
  }
  for (const { setup, real, sim } of result.rows) {
    out.push(
      `${setup}: real ${real.completed}/${real.messages} messages, ${num(real.items)} items, ${num(real.wire_bytes)} wire bytes in ${(real.wall_ms / 1000).toFixed(2)} s; ` +
        `sim ${sim.seeds_run} seeds (${sim.failing_seeds} failing a checker), ${num(sim.messages)} messages, ${num(sim.resubscribes)} resubscribes, ${num(sim.retries)} retried sends in ${(sim.wall_ms / 1000).toFixed(1)} s`,
    );
  }
  out.push("");
  for (const note of result.notes) out.push(`note: ${note}`);
  out.push(`${result.rows.length} setups in ${(result.wall_ms / 1000).toFixed(1)} s on ${result.machine.cpus} cores, node ${result.machine.node}.`);
  return out;
}
