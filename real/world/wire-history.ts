import type { HistoryEventMap, HistoryEventType } from "../../sim/history/events.ts";
import type { WireEntry } from "../proxy/wire-log.ts";

// The proxy's log as history events of the simulator's own network types, so
// the timeline page draws a real run's wire as it draws a simulated one:
// requests and their answers, frames, links opened, refused, stalled, cut,
// black-holed and closed, replies lost. The checkers read none of these.

export interface WireEvent<K extends HistoryEventType = HistoryEventType> {
  t: number;
  type: K;
  data: HistoryEventMap[K];
}

const ev = <K extends HistoryEventType>(t: number, type: K, data: HistoryEventMap[K]): WireEvent => ({ t, type, data }) as WireEvent;

/** A capnweb frame's message kind ("push", "pull", "resolve", …), or "?" when it is no capnweb message. */
function frameKind(body: string | undefined): string {
  try {
    const message: unknown = JSON.parse(body ?? "");
    return Array.isArray(message) && typeof message[0] === "string" ? message[0] : "?";
  } catch {
    return "?";
  }
}

/** One proxy's log as history events, in its order. */
export function wireEvents(log: readonly WireEntry[]): WireEvent[] {
  const out: WireEvent[] = [];
  const blackholed = new Set<number>();
  for (const e of log) {
    const t = Math.round(e.t_ms);
    const n = e.n ?? 0;
    const link = e.conn ?? 0;
    switch (e.kind) {
      case "http_request":
        if (e.detail === "duplicate") out.push(ev(t, "http_duplicate_delivered", { request: n }));
        else out.push(ev(t, "http_sent", { request: n, method: e.method ?? "", path: e.path ?? "" }));
        break;
      case "http_response":
        if (e.detail === "duplicate") break;
        out.push(ev(t, "http_handled", { request: n, status: e.status ?? null }), ev(t, "http_received", { request: n, status: e.status ?? null }));
        break;
      case "http_fault":
        if (e.fault === "drop_request") out.push(ev(t, "http_sent", { request: n, method: e.method ?? "", path: e.path ?? "" }), ev(t, "http_dropped", { request: n, leg: "request" }));
        else if (e.fault === "drop_response" || e.fault === "lose_reply") {
          out.push(ev(t, "http_dropped", { request: n, leg: "response", status: e.status ?? 0 }), ev(t, "http_received", { request: n, status: null }));
          if (e.fault === "lose_reply") out.push(ev(t, "reply_lost", {}));
        }
        break;
      case "ws_open":
        out.push(ev(t, "ws_open", { link, connection: link, refuse: false }));
        break;
      case "ws_frame":
        if (e.frame === undefined || !e.direction) break;
        out.push(ev(t, "ws_sent", { link, direction: e.direction, segment: e.frame }), ev(t, "ws_delivered", { link, direction: e.direction, segment: e.frame, frames: [frameKind(e.body)] }));
        break;
      case "ws_close":
        out.push(ev(t, "ws_closed", { link, reason: `closed ${e.detail ?? ""}`.trim() }));
        break;
      case "ws_fault":
        if (e.fault === "refuse") out.push(ev(t, "ws_refused", { connection: link, server_up: true }));
        else if (e.fault === "cut") out.push(ev(t, "ws_closed", { link, reason: `cut after frame ${e.frame ?? 0} ${e.direction ?? ""}`.trim(), close: e.detail === "reset" ? "rst" : "fin" }));
        else if (e.fault === "stall" && e.direction) out.push(ev(t, "ws_stalled", { link, direction: e.direction, after_frames: e.frame ?? 0 }));
        else if (e.fault === "lose_reply") out.push(ev(t, "reply_lost", {}), ev(t, "ws_closed", { link, reason: "cut: reply lost", close: "rst" }));
        else if (e.fault === "blackhole" && !blackholed.has(link)) {
          blackholed.add(link);
          out.push(ev(t, "ws_blackholed", { link }));
        }
        break;
    }
  }
  return out;
}
