/** How a viewer follows a share. */
export interface ViewerSettings {
  /** Where a viewer with no position yet starts: the beginning of the log, or a snapshot of now. */
  from: "start" | "latest";
  /** Every connect, redeem, read and subscribe must finish within this. */
  deadline_ms: number;
  backoff_base_ms: number;
  backoff_max_ms: number;
  /** Polling (HTTP): the wait after a page with news, growing while nothing is new, up to the max. */
  poll_min_ms: number;
  poll_max_ms: number;
  /** Entries asked for per poll. */
  page_limit: number;
  /** Push (WebSocket): with nothing received this long, a cheap read checks the session is alive. */
  heartbeat_ms: number;
}

export const DEFAULT_VIEWER_SETTINGS: ViewerSettings = Object.freeze({
  from: "start",
  deadline_ms: 5_000,
  backoff_base_ms: 100,
  backoff_max_ms: 5_000,
  poll_min_ms: 250,
  poll_max_ms: 4_000,
  page_limit: 100,
  heartbeat_ms: 5_000,
});
