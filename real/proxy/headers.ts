// Which headers the proxy passes on. Hop-by-hop headers describe one TCP leg, not the message.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  // The proxy buffers whole bodies and sets its own length.
  "content-length",
];

/** The WebSocket client sets its own handshake headers; extensions are stripped so frames stay readable. */
export const WS_HANDSHAKE_HEADERS = [
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
  "sec-websocket-accept",
];

/** Headers minus hop-by-hop ones (and any the Connection header names), minus `extra`. */
export function endToEndHeaders(headers: IncomingHttpHeaders, extra: readonly string[] = []): OutgoingHttpHeaders {
  const named = String(headers.connection ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== "");
  const skip = new Set([...HOP_BY_HOP, ...extra.map((h) => h.toLowerCase()), ...named]);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !skip.has(name)) out[name] = value;
  }
  return out;
}

/** Offered subprotocols from a Sec-WebSocket-Protocol header. */
export function offeredProtocols(header: string | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}
