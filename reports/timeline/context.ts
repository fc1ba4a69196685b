import type { HistoryEventOf, HistoryEventType } from "../../sim/history/events.ts";
import type { Bands } from "./bands.ts";
import type { Canvas, Names } from "./canvas.ts";
import type { Charts } from "./charts.ts";
import type { HttpInFlight, WsInFlight } from "./in-flight.ts";
import type { Row } from "./model.ts";

/** Everything a handler draws on, or reads what earlier events drew. */
export interface Drawing {
  readonly transport: string;
  readonly canvas: Canvas;
  readonly names: Names;
  readonly charts: Charts;
  readonly bands: Bands;
  readonly http: HttpInFlight;
  readonly ws: WsInFlight;
}

/** Where an event lands: its node (the server for "admin" and "all"), that node's lane and the server's, and the row of a lane at the event's time. */
export interface Place {
  node: string;
  own: number;
  server: number;
  at(lane: number): Row;
}

/** Draws one event of type K. */
export type Handler<K extends HistoryEventType> = (d: Drawing, e: HistoryEventOf<K>, p: Place) => void;

/** Who draws which event type; a type without a handler gets a generic mark. */
export type Handlers = { [K in HistoryEventType]?: Handler<K> };
