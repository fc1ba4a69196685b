import type { HistoryEventOf } from "../../sim/history/events.ts";
import { emptyKeys, mergeKeys } from "../timeline-keys.ts";
import { range, seqKeys } from "./canvas.ts";
import type { Drawing, Place } from "./context.ts";

// HTTP arrows: a request from its client's lane to the server's (stopping
// short when dropped or when no server took it), a late duplicate copy, and the
// response back. Requests pair up by their number per client. The calls a
// client made in the instant it sent a request label that request's arrow.

/** How a request reached the server, or did not. */
interface Arrival {
  request: number;
  droppedRequest: boolean;
  serverDown: boolean;
  /** The status the server answered with; null when it did not. */
  status: number | null;
  responseDropped: boolean;
}

/** An appendOps call: it rides the WebSocket segment sent in the same instant, or waits for the next HTTP request. */
export function callSent(d: Drawing, e: HistoryEventOf<"call_sent">, p: Place): void {
  const { seq_from: lo, seq_to: hi } = e.data;
  const keys = seqKeys(p.node, lo, hi);
  d.canvas.mark(p.at(p.own), "dot", null, `appendOps sent: seq ${lo}..${hi}`, keys);
  if (d.transport === "websocket" && d.ws.rideLastSend(p.node, e.t, range(lo, hi), keys)) return;
  const waiting = d.http.callsWaiting.get(p.node);
  if (waiting && waiting.t === e.t) {
    waiting.label += ` ${range(lo, hi)}`;
    mergeKeys(waiting.keys, keys);
  } else d.http.callsWaiting.set(p.node, { t: e.t, keys, label: range(lo, hi) });
}

export function httpSent(d: Drawing, e: HistoryEventOf<"http_sent">, p: Place): void {
  const { request, method, path } = e.data;
  const row = p.at(p.own);
  const waiting = d.http.callsWaiting.get(p.node);
  const calls = waiting && waiting.t === e.t ? waiting : undefined;
  d.http.callsWaiting.delete(p.node);
  const label = calls?.label ?? (path === "/rpc" ? "" : (path.split("/").pop() ?? ""));
  d.canvas.mark(row, "arrive", null, `request ${request} sent: ${method} ${path}`);
  d.http.requests.set(`${p.node}#${request}`, { lane: p.own, row: row.index, label, keys: calls?.keys ?? emptyKeys(), detail: `request ${request}: ${method} ${path}` });
}

export function httpHandled(d: Drawing, e: HistoryEventOf<"http_handled">, p: Place): void {
  const { request, status } = e.data;
  arrives(d, p, { request, droppedRequest: false, serverDown: status === null, status, responseDropped: false });
}

export function httpDropped(d: Drawing, e: HistoryEventOf<"http_dropped">, p: Place): void {
  const data = e.data;
  if (data.leg === "request") arrives(d, p, { request: data.request, droppedRequest: true, serverDown: false, status: null, responseDropped: false });
  else arrives(d, p, { request: data.request, droppedRequest: false, serverDown: false, status: data.status, responseDropped: true });
}

/** The request's arrow to the server; where its answer will leave from, when the server took it. */
function arrives(d: Drawing, p: Place, a: Arrival): void {
  const req = d.http.requests.get(`${p.node}#${a.request}`);
  const row = p.at(p.server);
  if (a.droppedRequest) d.canvas.mark(row, "none", null, `request ${a.request} of ${p.node} dropped on the way`);
  else if (a.serverDown) d.canvas.mark(row, "none", null, `request ${a.request} of ${p.node}: no server to take it`);
  else d.canvas.mark(row, "arrive", null, `request ${a.request} of ${p.node} handled: ${String(a.status)}${a.responseDropped ? "; its response is dropped" : ""}`);
  if (!req) return;
  d.canvas.arrows.push({
    kind: "request",
    fromLane: req.lane,
    fromRow: req.row,
    toLane: p.server,
    toRow: row.index,
    reach: a.droppedRequest ? 0.6 : a.serverDown ? 0.95 : 1,
    label: req.label,
    detail: `${req.detail}${a.droppedRequest ? ": dropped" : a.serverDown ? ": server down" : ""}`,
    keys: req.keys,
    witness: false,
    minor: false,
  });
  if (!a.droppedRequest && !a.serverDown) {
    req.answerRow = row.index;
    req.answerDropped = a.responseDropped;
    req.answerStatus = a.status;
  }
}

export function httpDuplicate(d: Drawing, e: HistoryEventOf<"http_duplicate_delivered">, p: Place): void {
  const { request } = e.data;
  const req = d.http.requests.get(`${p.node}#${request}`);
  const row = p.at(p.server);
  d.canvas.mark(row, "fault", `late copy of ${p.node}'s request ${request}`, `a duplicate of request ${request} of ${p.node} arrives`);
  if (!req) return;
  d.canvas.arrows.push({
    kind: "duplicate",
    fromLane: req.lane,
    fromRow: req.row,
    toLane: p.server,
    toRow: row.index,
    reach: 1,
    label: `copy ${req.label}`.trim(),
    detail: `${req.detail}: duplicate copy`,
    keys: req.keys,
    witness: false,
    minor: false,
  });
}

/** The answer (or the network error) reaches the client. The request is kept: a late duplicate of it may still arrive. */
export function httpReceived(d: Drawing, e: HistoryEventOf<"http_received">, p: Place): void {
  const { request, status } = e.data;
  const req = d.http.requests.get(`${p.node}#${request}`);
  const row = p.at(p.own);
  if (req?.answerRow === undefined) {
    d.canvas.mark(row, "fault", "no answer", `request ${request}: network error`);
    return;
  }
  if (req.answerDropped) d.canvas.mark(row, "fault", "response lost", `request ${request}: its response was dropped`);
  else d.canvas.mark(row, "arrive", status !== null && status !== 200 ? `HTTP ${status}` : null, `response to request ${request}: ${String(status)}`);
  d.canvas.arrows.push({
    kind: "response",
    fromLane: p.server,
    fromRow: req.answerRow,
    toLane: p.own,
    toRow: row.index,
    reach: req.answerDropped ? 0.6 : 1,
    label: req.answerStatus !== null && req.answerStatus !== 200 ? String(req.answerStatus) : "",
    detail: `response to ${req.detail}${req.answerDropped ? ": dropped" : ""}`,
    keys: emptyKeys(),
    witness: false,
    minor: false,
  });
}
