import type { HistoryEventOf } from "../../sim/history/events.ts";
import type { Drawing, Place } from "./context.ts";
import type { Row } from "./model.ts";

// What a node's start event writes under its lane's name: the server names the
// shares, a client or viewer says which share it works on, and how.

export function start(d: Drawing, e: HistoryEventOf<"start">, p: Place): void {
  const row = p.at(p.own);
  if (p.node === "server") serverStart(d, e, row);
  else nodeStart(d, e, p, row);
}

function serverStart(d: Drawing, e: HistoryEventOf<"start">, row: Row): void {
  if ("shares" in e.data) d.names.nameShares(e.data.shares);
  d.canvas.mark(row, "dot", "start", `server starts with ${d.names.shareCount} share(s)`);
  for (const share of d.names.shares()) d.charts.cursorPoint(e.t, share, 0);
}

/**
 * A client's start, or a viewer's: a viewer names no producer nor scope, and
 * its start reads "producer undefined, …, scope undefined" as it always has.
 * Either gets an outbox chart.
 */
function nodeStart(d: Drawing, e: HistoryEventOf<"start">, p: Place, row: Row): void {
  const data = e.data;
  const producer = "producer" in data ? data.producer : undefined;
  const scope = "scope" in data ? data.scope : undefined;
  const secret = "secret" in data ? data.secret : undefined;
  const share = d.names.share(String("share" in data ? data.share : undefined));
  if (typeof producer === "string") d.names.setProducer(producer, p.node);
  d.names.setShareOfLane(p.node, share);
  d.canvas.lanes[p.own]!.subtitle = [share, scope === "read" ? "read-only" : "", secret === "wrong" ? "wrong secret" : ""].filter(Boolean).join(" · ");
  d.canvas.mark(row, "dot", "start", `${p.node} starts: producer ${String(producer)}, ${share}, scope ${String(scope)}, secret ${String(secret)}`);
  d.charts.startOutbox(e.t, p.node);
}
