// What crossed the proxy, in the order it happened: the harness's eyes on the wire.
import { closeSync, openSync, writeSync } from "node:fs";
import type { Direction } from "./rules.ts";

export type WireKind = "http_request" | "http_response" | "http_fault" | "ws_open" | "ws_frame" | "ws_close" | "ws_fault";

/**
 * Messages are logged when the proxy passes them on (a request when it goes to the server, a
 * response or frame when it goes to its receiver). What a fault swallowed is logged in the fault's
 * entry, so the log never claims a delivery that did not happen.
 */
export interface WireEntry {
  t_ms: number;
  kind: WireKind;
  /** HTTP request number; a duplicate's copy and its response keep the original's number. */
  n?: number;
  conn?: number;
  /** Position of a data frame in its direction; pings and pongs have none. */
  frame?: number;
  direction?: Direction;
  method?: string;
  path?: string;
  status?: number;
  /** utf8 text, or base64 for binary WebSocket frames (then detail is "binary"). */
  body?: string;
  bytes?: number;
  fault?: string;
  detail?: string;
}

export type WireFields = Omit<WireEntry, "t_ms">;

export class WireLog {
  private readonly entries: WireEntry[] = [];
  private fd: number | undefined;

  constructor(
    private readonly now: () => number,
    file?: string,
  ) {
    // Synchronous appends: the file then matches the in-memory order, and nothing stays open
    // on the event loop.
    if (file !== undefined) this.fd = openSync(file, "a");
  }

  add(fields: WireFields): WireEntry {
    const entry: WireEntry = { t_ms: this.now(), kind: fields.kind };
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined && key !== "kind") (entry as unknown as Record<string, unknown>)[key] = value;
    }
    this.entries.push(entry);
    if (this.fd !== undefined) writeSync(this.fd, JSON.stringify(entry) + "\n");
    return entry;
  }

  all(): readonly WireEntry[] {
    return this.entries.slice();
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** body/bytes/detail fields for a payload; binary payloads go as base64. */
export function payloadFields(data: Buffer, binary = false): Pick<WireEntry, "body" | "bytes" | "detail"> {
  return binary
    ? { body: data.toString("base64"), bytes: data.length, detail: "binary" }
    : { body: data.toString("utf8"), bytes: data.length };
}
