// A limit on everything that crosses the wire (docs/design.md, "Protocol").
export interface Limits {
  ops_per_call_max: number;
  op_bytes_max: number;
  call_bytes_max: number;
  calls_in_flight_max: number;
  read_limit_max: number;
  /** Entries in one push to a subscriber. */
  push_entries_max: number;
  /** Pushes outstanding per subscriber; past it the server waits (backpressure), it never queues. */
  push_in_flight_max: number;
  /** Subscriptions one capnweb session may hold. */
  subscriptions_per_session_max: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  ops_per_call_max: 500,
  op_bytes_max: 16 * 1024,
  call_bytes_max: 1024 * 1024,
  calls_in_flight_max: 8,
  read_limit_max: 1000,
  push_entries_max: 50,
  push_in_flight_max: 2,
  subscriptions_per_session_max: 4,
});

/** Size of a value as the server counts it: UTF-8 bytes of its JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "", "utf8");
}

// Computed once: every enqueue asks.
const ENVELOPE_BYTES = jsonBytes({ seq: Number.MAX_SAFE_INTEGER, op_id: "x".repeat(128), body: null }) - jsonBytes(null);

/**
 * The largest op body, in UTF-8 bytes of its JSON, that fits `op_bytes_max`
 * whatever seq and op id the op gets: the limit less the largest envelope
 * (`{"seq":<MAX_SAFE_INTEGER>,"op_id":"<128 chars>","body":...}`).
 */
export function opBodyBytesMax(limits: Pick<Limits, "op_bytes_max">): number {
  return limits.op_bytes_max - ENVELOPE_BYTES;
}
