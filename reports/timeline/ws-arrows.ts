import type { HistoryEventOf } from "../../sim/history/events.ts";
import { emptyKeys } from "../timeline-keys.ts";
import type { Sent } from "./canvas.ts";
import type { Drawing, Place } from "./context.ts";

// WebSocket arrows: one per segment (the frames a side wrote in one instant),
// from the sender's lane to the receiver's, stopping short when lost. Segments
// pair up by link and number. Also what happens to the links themselves:
// opened, refused, stalled (a band), black-holed, closed or cut.

/** capnweb frames that only manage references: they say nothing about ops. */
const MINOR_FRAMES = new Set(["release"]);

export function wsSent(d: Drawing, e: HistoryEventOf<"ws_sent">, p: Place): void {
  const { link, segment, direction } = e.data;
  const toServer = direction === "to_server";
  const lane = toServer ? p.own : p.server;
  const row = p.at(lane);
  d.canvas.mark(row, "arrive", null, `ws ${link} segment ${segment} sent ${toServer ? "to server" : `to ${p.node}`}`);
  const sent: Sent = { lane, row: row.index, label: "", keys: emptyKeys(), detail: `ws ${link} segment ${segment}` };
  d.ws.sent(link, segment, sent, toServer ? p.node : null, e.t);
}

export function wsArrived(d: Drawing, e: HistoryEventOf<"ws_delivered" | "ws_lost">, p: Place): void {
  const { link, segment, direction, frames: frameKinds } = e.data;
  const sent = d.ws.take(link, segment);
  const lane = direction === "to_server" ? p.server : p.own;
  const row = p.at(lane);
  const reason = e.type === "ws_lost" ? e.data.reason : null;
  const frames = frameKinds.join(", ");
  if (reason === null) d.canvas.mark(row, "arrive", null, `ws ${link} segment ${segment} arrives: ${frames}`);
  else d.canvas.mark(row, "none", null, `ws ${link} segment ${segment} lost: ${reason}`);
  if (!sent) return;
  d.canvas.arrows.push({
    kind: "frame",
    fromLane: sent.lane,
    fromRow: sent.row,
    toLane: lane,
    toRow: row.index,
    reach: reason !== null ? 0.6 : 1,
    label: sent.label,
    detail: `${sent.detail}: ${frames}${reason !== null ? `; lost (${reason})` : ""}`,
    keys: sent.keys,
    witness: false,
    minor: frameKinds.length > 0 && frameKinds.every((k) => MINOR_FRAMES.has(k)),
  });
}

export function wsOpen(d: Drawing, e: HistoryEventOf<"ws_open">, p: Place): void {
  d.canvas.mark(p.at(p.own), "dot", `ws ${e.data.link} open`, `WebSocket link ${e.data.link} open (connection ${e.data.connection})`);
}

export function wsRefused(d: Drawing, e: HistoryEventOf<"ws_refused">, p: Place): void {
  const down = e.data.server_up === false;
  d.canvas.mark(p.at(p.own), "fault", `ws refused${down ? " (server down)" : ""}`, `connection ${e.data.connection} refused${down ? ": no server" : ""}`);
}

export function wsStalled(d: Drawing, e: HistoryEventOf<"ws_stalled">, p: Place): void {
  const { link, direction, after_frames } = e.data;
  const row = p.at(p.own);
  d.canvas.mark(row, "fault", `ws ${link} stalls ${direction === "to_server" ? "→ server" : "→ client"}`, `WebSocket link ${link} stalls after ${after_frames} frames ${direction}`);
  d.bands.open(`ws_stall:${link}`, "ws_stall", row, `ws ${link} stalled`);
}

export function wsBlackholed(d: Drawing, e: HistoryEventOf<"ws_blackholed">, p: Place): void {
  d.canvas.mark(p.at(p.own), "fault", `ws ${e.data.link} black-holed`, `WebSocket link ${e.data.link}: the server's host died silently; nothing passes`);
}

/** Closed by an end, or cut by a fault ("cut …"): either way a stall of the link ends with it. */
export function wsClosed(d: Drawing, e: HistoryEventOf<"ws_closed">, p: Place): void {
  const { link, reason } = e.data;
  const row = p.at(p.own);
  const injected = reason.startsWith("cut");
  d.canvas.mark(row, injected ? "cut" : "fault", `ws ${link} ${injected ? "cut" : "closed"}: ${reason}`, `WebSocket link ${link} closed: ${reason}`);
  d.bands.close(`ws_stall:${link}`, p.own, row);
}
