import type { Scope } from "../protocol/rpc.ts";

export interface ClientSettings {
  /** Ops per appendOps call. */
  batch_size: number;
  /** appendOps calls outstanding at once. */
  calls_in_flight: number;
  /** Every connect, redeem and append must finish within this. */
  deadline_ms: number;
  backoff_base_ms: number;
  backoff_max_ms: number;
  scope: Scope;
}

export const DEFAULT_CLIENT_SETTINGS: ClientSettings = Object.freeze({
  batch_size: 100,
  calls_in_flight: 2,
  deadline_ms: 5_000,
  backoff_base_ms: 100,
  backoff_max_ms: 5_000,
  scope: "write",
});
