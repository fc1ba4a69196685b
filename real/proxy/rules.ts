// Fault rules for the real-mode proxy, keyed to message positions (1-based), and their validator.

export type Direction = "to_server" | "to_client";

export type HttpRule =
  | { request: number; fault: "drop_request" }
  | { request: number; fault: "drop_response" }
  | { request: number; fault: "duplicate"; delay_ms: number }
  | { request: number; fault: "delay"; ms: number };

export type WsRule =
  | { conn: number; fault: "refuse" }
  /** after_frame 0 cuts right after the connection opens, before any frame. */
  | { conn: number; fault: "cut"; after_frame: number; direction: Direction; how: "close" | "reset" }
  | { conn: number; fault: "stall"; after_frame: number; direction: Direction; ms: number };

/** Milliseconds relative to the proxy's start, on its clock. */
export interface PartitionWindow {
  from_ms: number;
  to_ms: number;
}

export interface ProxyRules {
  /** Per plain HTTP request number (counted over the whole proxy, upgrades excluded). */
  http?: readonly HttpRule[];
  /** Per WebSocket connection number (every upgrade counts, refused ones too). */
  ws?: readonly WsRule[];
  /** Added to every HTTP message and every WebSocket frame, order preserved. */
  latency_ms?: number;
  partition?: readonly PartitionWindow[];
  /**
   * Traffic already on a connection is held while a window covers the clock, then released in
   * order. Unlike a partition, new connections and requests still get in (and are held).
   */
  stall?: readonly PartitionWindow[];
  /**
   * Positions (1-based, counted over the whole proxy) of replies to the client that ack applied
   * ops: each listed one is lost and the client's connection reset, after the server applied.
   */
  lose_reply?: readonly number[];
  /** Write HTTP response bodies to the client in pieces of at most this many bytes. */
  chunk_bytes?: number;
}

export class ProxyRuleError extends Error {
  readonly code = "bad_proxy_rule";
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`bad proxy rule: ${field} ${problem}`);
    this.name = "ProxyRuleError";
  }
}

type Fields = Record<string, unknown>;

function fail(field: string, problem: string): never {
  throw new ProxyRuleError(field, problem);
}

function object(value: unknown, field: string): Fields {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(field, "must be an object");
  return value as Fields;
}

// Unknown keys are errors: a typo like `latency` must not silently mean "no fault".
function onlyKeys(value: Fields, field: string, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${field}.${key}`, `is not a known field (expected one of ${allowed.join(", ")})`);
  }
}

function array(value: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(value)) fail(field, "must be an array");
  return value;
}

function position(value: unknown, field: string, min = 1): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    fail(field, `must be an integer >= ${min}`);
  }
  return value;
}

function millis(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) fail(field, "must be a finite number >= 0");
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, options: readonly T[]): T {
  if (typeof value !== "string" || !options.includes(value as T)) fail(field, `must be one of ${options.join(", ")}`);
  return value as T;
}

const DIRECTIONS = ["to_server", "to_client"] as const;

function httpRule(value: unknown, field: string): HttpRule {
  const rule = object(value, field);
  const fault = oneOf(rule.fault, `${field}.fault`, ["drop_request", "drop_response", "duplicate", "delay"] as const);
  const request = position(rule.request, `${field}.request`);
  switch (fault) {
    case "drop_request":
    case "drop_response":
      onlyKeys(rule, field, ["request", "fault"]);
      return { request, fault };
    case "duplicate":
      onlyKeys(rule, field, ["request", "fault", "delay_ms"]);
      return { request, fault, delay_ms: millis(rule.delay_ms, `${field}.delay_ms`) };
    case "delay":
      onlyKeys(rule, field, ["request", "fault", "ms"]);
      return { request, fault, ms: millis(rule.ms, `${field}.ms`) };
  }
}

function wsRule(value: unknown, field: string): WsRule {
  const rule = object(value, field);
  const fault = oneOf(rule.fault, `${field}.fault`, ["refuse", "cut", "stall"] as const);
  const conn = position(rule.conn, `${field}.conn`);
  switch (fault) {
    case "refuse":
      onlyKeys(rule, field, ["conn", "fault"]);
      return { conn, fault };
    case "cut":
      onlyKeys(rule, field, ["conn", "fault", "after_frame", "direction", "how"]);
      return {
        conn,
        fault,
        after_frame: position(rule.after_frame, `${field}.after_frame`, 0),
        direction: oneOf(rule.direction, `${field}.direction`, DIRECTIONS),
        how: oneOf(rule.how, `${field}.how`, ["close", "reset"] as const),
      };
    case "stall":
      onlyKeys(rule, field, ["conn", "fault", "after_frame", "direction", "ms"]);
      return {
        conn,
        fault,
        after_frame: position(rule.after_frame, `${field}.after_frame`, 0),
        direction: oneOf(rule.direction, `${field}.direction`, DIRECTIONS),
        ms: millis(rule.ms, `${field}.ms`),
      };
  }
}

function windows(value: unknown, field: string): PartitionWindow[] {
  return array(value, field).map((w, i) => {
    const at = `${field}[${i}]`;
    const window = object(w, at);
    onlyKeys(window, at, ["from_ms", "to_ms"]);
    const from_ms = millis(window.from_ms, `${at}.from_ms`);
    const to_ms = millis(window.to_ms, `${at}.to_ms`);
    if (to_ms <= from_ms) fail(`${at}.to_ms`, "must be greater than from_ms");
    return { from_ms, to_ms };
  });
}

/** Checks rules from any source (scenario files are untrusted) and returns a clean copy. */
export function validateProxyRules(value: unknown): ProxyRules {
  if (value === undefined) return {};
  const input = object(value, "rules");
  onlyKeys(input, "rules", ["http", "ws", "latency_ms", "partition", "stall", "lose_reply", "chunk_bytes"]);
  const rules: ProxyRules = {};

  if (input.http !== undefined) {
    const http = array(input.http, "rules.http").map((r, i) => httpRule(r, `rules.http[${i}]`));
    // One rule per request: two would leave it unclear which one wins.
    const seen = new Map<number, number>();
    http.forEach((r, i) => {
      const earlier = seen.get(r.request);
      if (earlier !== undefined) fail(`rules.http[${i}].request`, `repeats request ${r.request} (already in rules.http[${earlier}])`);
      seen.set(r.request, i);
    });
    rules.http = http;
  }

  if (input.ws !== undefined) {
    const ws = array(input.ws, "rules.ws").map((r, i) => wsRule(r, `rules.ws[${i}]`));
    // A refused connection never carries a frame, so any other rule for it is a mistake.
    ws.forEach((r, i) => {
      const clash = ws.findIndex((o, j) => j !== i && o.conn === r.conn && (o.fault === "refuse" || r.fault === "refuse"));
      if (clash >= 0) fail(`rules.ws[${i}].conn`, `conn ${r.conn} is refused, so it cannot have other rules (rules.ws[${clash}])`);
    });
    rules.ws = ws;
  }

  if (input.latency_ms !== undefined) rules.latency_ms = millis(input.latency_ms, "rules.latency_ms");

  if (input.partition !== undefined) rules.partition = windows(input.partition, "rules.partition");
  if (input.stall !== undefined) rules.stall = windows(input.stall, "rules.stall");
  if (input.lose_reply !== undefined) {
    rules.lose_reply = array(input.lose_reply, "rules.lose_reply").map((p, i) => position(p, `rules.lose_reply[${i}]`));
  }

  if (input.chunk_bytes !== undefined) rules.chunk_bytes = position(input.chunk_bytes, "rules.chunk_bytes");

  return rules;
}

/** The partition window containing time t, if any. */
export function partitionAt(rules: ProxyRules, t: number): PartitionWindow | undefined {
  return rules.partition?.find((w) => t >= w.from_ms && t < w.to_ms);
}

/** What holds traffic already inside the proxy: a partition or a stall window. */
export interface Hold {
  fault: "partition" | "stall";
  window: PartitionWindow;
}

/** The hold at time t, if any; a partition wins over a stall (it is the stronger fault). */
export function holdAt(rules: ProxyRules, t: number): Hold | undefined {
  const partition = partitionAt(rules, t);
  if (partition) return { fault: "partition", window: partition };
  const stall = rules.stall?.find((w) => t >= w.from_ms && t < w.to_ms);
  return stall && { fault: "stall", window: stall };
}
