// What the fault plan decides for one connection or one request, before the network carries it out.

/** What a client's WebSocket connection is fated to suffer, decided when it opens. */
export interface WsFate {
  refuse: boolean;
  cut?: { direction: "to_server" | "to_client"; after_frames: number };
  stall?: { direction: "to_server" | "to_client"; after_frames: number };
}

/** What one HTTP request is fated to suffer. */
export interface HttpFate {
  drop_request: boolean;
  drop_response: boolean;
  /** Deliver a second copy this long after the first. */
  duplicate_after_ms: number | null;
  /** A delay fault holds it back `extra_delay_ms` (a reorder may add to that too). */
  delayed: boolean;
  extra_delay_ms: number;
  /** Skip FIFO ordering so later requests may overtake this one. */
  reorder: boolean;
}

