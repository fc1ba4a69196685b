import type { HistoryEvent } from "../../sim/history/history.ts";
import { matchesWitness, witnessNamesEvents, witnessQuery, type WitnessQuery } from "../timeline-keys.ts";
import { Bands } from "./bands.ts";
import { Canvas, Names } from "./canvas.ts";
import { Charts } from "./charts.ts";
import * as a2a from "./a2a-marks.ts";
import * as client from "./client-marks.ts";
import type { Drawing, Handler, Handlers, Place } from "./context.ts";
import * as http from "./http-arrows.ts";
import { HttpInFlight, WsInFlight } from "./in-flight.ts";
import { lanesOf, laneName, laneOrder, SKIPPED_NODES, WORLD_NODES } from "./lane-order.ts";
import { start } from "./lanes.ts";
import * as marks from "./marks.ts";
import type { TimelineModel } from "./model.ts";
import * as server from "./server-marks.ts";
import * as viewer from "./viewer-marks.ts";
import { faultWindow, faultWindowEnded } from "./windows.ts";
import * as ws from "./ws-arrows.ts";

// Turns a run's history into what a Lamport diagram draws (./model.ts): each
// event goes, by its type, to the drawer of what it shows.

const HANDLERS: Handlers = {
  start,
  // processes
  crash: marks.crash,
  restart: marks.restart,
  uncaught_exception: marks.uncaughtException,
  power_loss: marks.powerLoss,
  disk_full: marks.diskFull,
  disk_full_ended: marks.diskFullEnded,
  // clients
  enqueue_committed: client.enqueueCommitted,
  enqueue_interrupted: client.enqueueInterrupted,
  enqueue_refused: client.enqueueRefused,
  ack_received: client.ackReceived,
  marked_acked: client.markedAcked,
  cursor_recorded: client.cursorRecorded,
  redeemed: client.redeemed,
  session_failed: client.sessionFailed,
  client_stopped: client.clientStopped,
  // the server and the admin
  applied: server.applied,
  served: server.served,
  revoked: server.revoked,
  revoke_skipped: server.revokeSkipped,
  reply_lost: server.replyLost,
  // viewers
  viewer_applied: viewer.viewerApplied,
  viewer_redeemed: viewer.viewerRedeemed,
  viewer_snapshot: viewer.viewerSnapshot,
  viewer_session_failed: viewer.viewerSessionFailed,
  viewer_stopped: viewer.viewerStopped,
  // bands
  partition: faultWindow,
  stall: faultWindow,
  partition_ended: faultWindowEnded,
  stall_ended: faultWindowEnded,
  // WebSocket links and their segments
  ws_open: ws.wsOpen,
  ws_refused: ws.wsRefused,
  ws_closed: ws.wsClosed,
  ws_stalled: ws.wsStalled,
  ws_blackholed: ws.wsBlackholed,
  ws_sent: ws.wsSent,
  ws_delivered: ws.wsArrived,
  ws_lost: ws.wsArrived,
  // appendOps calls, and the HTTP requests that carry them
  call_sent: http.callSent,
  http_sent: http.httpSent,
  http_handled: http.httpHandled,
  http_dropped: http.httpDropped,
  http_duplicate_delivered: http.httpDuplicate,
  http_received: http.httpReceived,
  // the A2A world
  a2a_send: a2a.a2aSend,
  a2a_reply: a2a.a2aReply,
  a2a_item: a2a.a2aItem,
  a2a_emitted: a2a.a2aEmitted,
  a2a_stream_opened: a2a.a2aStreamOpened,
  a2a_stream_ended: a2a.a2aStreamEnded,
  a2a_get: a2a.a2aGet,
  a2a_cancel: a2a.a2aCancel,
  a2a_cut: a2a.a2aCut,
};

class Builder implements Drawing {
  readonly canvas = new Canvas();
  readonly names = new Names();
  readonly charts = new Charts();
  readonly bands = new Bands();
  readonly http = new HttpInFlight();
  readonly ws = new WsInFlight();
  readonly transport: string;

  constructor(nodes: string[], transport: string) {
    this.transport = transport;
    for (const name of nodes.sort(laneOrder)) this.canvas.lane(name);
  }

  event(e: HistoryEvent): void {
    if (SKIPPED_NODES.has(e.node)) return;
    if (WORLD_NODES.has(e.node)) return marks.worldMark(this.canvas, e);
    const node = laneName(e.node);
    const own = this.canvas.lane(node);
    const server = this.canvas.lane("server");
    const place: Place = { node, own, server, at: (lane) => this.canvas.row(e.t, lane) };
    // The table pairs each type with its handler; one lookup cannot say so to the compiler.
    const handler = HANDLERS[e.type] as Handler<HistoryEvent["type"]> | undefined;
    (handler ?? marks.genericMark)(this, e, place);
  }
}

/** Lanes, labels and arrows whose keys the witness names are marked; returns the first row that shows one. */
function highlight(b: Builder, query: WitnessQuery): number | null {
  let firstWitnessRow: number | null = null;
  if (query.lane !== null) for (const lane of b.canvas.lanes) lane.witness = lane.name === query.lane;
  if (!witnessNamesEvents(query)) return null;
  for (const row of b.canvas.rows) {
    for (const label of row.labels) label.witness = matchesWitness(label.keys, query);
    row.witness = matchesWitness(row.keys, query);
    if (row.witness && firstWitnessRow === null) firstWitnessRow = row.index;
  }
  for (const arrow of b.canvas.arrows) {
    arrow.witness = matchesWitness(arrow.keys, query);
    if (arrow.witness && (firstWitnessRow === null || arrow.fromRow < firstWitnessRow)) firstWitnessRow = arrow.fromRow;
  }
  return firstWitnessRow;
}

/** Builds the diagram's data from a history, highlighting what the witness names. */
export function buildTimeline(history: readonly HistoryEvent[], transport: string, witness: Record<string, unknown> | null, end_t: number): TimelineModel {
  const b = new Builder(lanesOf(history), transport);
  for (const e of history) b.event(e);
  b.bands.finish(b.canvas);
  const query = witness ? witnessQuery(witness, b.names) : null;
  const firstWitnessRow = query ? highlight(b, query) : null;
  const { lanes, rows, arrows } = b.canvas;
  return { lanes, rows, arrows, bands: b.bands.bands, charts: [...b.charts.charts.values()], end_t, witness: query, firstWitnessRow };
}
