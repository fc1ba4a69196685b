// Every kind of fault the world injects, as counted in a run's stats
// (`faults_by_kind`). Each is counted once, where it takes effect.

export const FAULT_KINDS = [
  "ws_refuse_connect",
  "ws_cut",
  "ws_stall",
  "http_drop_request",
  "http_drop_response",
  "http_duplicate",
  "http_delay",
  "http_reorder",
  "lose_reply",
  "partition",
  "stall",
  "crash",
  "crash_point",
  "crash_silent",
  "power_loss",
  "disk_full",
  "revoke",
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];
