import type { Scenario } from "../scenario/schema.ts";

/** The axes a shrunk scenario must not grow on. */
export interface ScenarioSize {
  clients: number;
  ops: number;
  batch_size: number;
  calls_in_flight: number;
  /** Sum of every probability and per-minute rate: how faulty the network, processes and disks are. */
  fault_rates: number;
  /**
   * Timeline actions, plus each kind of random node fault switched on: pinning
   * a random power loss as one timeline action (sim/explore/reduce.ts) trades one for the other.
   */
  fault_actions: number;
}

/** The per-minute rates of random node faults: each is one Poisson process per node. */
export const NODE_FAULT_RATES = [
  "client_crash_per_min",
  "viewer_crash_per_min",
  "server_crash_per_min",
  "partition_per_min",
  "server_power_loss_per_min",
  "client_power_loss_per_min",
  "disk_full_per_min",
] as const;

export function scenarioSize(s: Scenario): ScenarioSize {
  const f = s.faults;
  const rates =
    f.ws_refuse_connect + f.ws_cut + f.ws_stall + f.http_drop_request + f.http_drop_response + f.http_duplicate + f.http_delay + f.http_reorder + f.crash_point + f.crash_silent +
    f.client_crash_per_min + f.server_crash_per_min + f.partition_per_min + f.server_power_loss_per_min + f.client_power_loss_per_min + f.torn_wal + f.disk_full_per_min;
  return {
    clients: s.clients.length,
    ops: s.clients.reduce((sum, c) => sum + c.ops, 0),
    batch_size: s.client.batch_size,
    calls_in_flight: s.client.calls_in_flight,
    fault_rates: Math.round(rates * 1000) / 1000,
    fault_actions: s.timeline.length + NODE_FAULT_RATES.filter((k) => f[k] > 0).length,
  };
}

/** True when `a` is no larger than `b` on every axis. */
export function noLarger(a: ScenarioSize, b: ScenarioSize): boolean {
  return (Object.keys(a) as (keyof ScenarioSize)[]).every((k) => a[k] <= b[k]);
}
