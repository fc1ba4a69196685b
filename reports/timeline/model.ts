import type { Keys, WitnessQuery } from "../timeline-keys.ts";

// What a Lamport diagram of a run's history is made of: one lane per node,
// rows in history order (each row is one node at one virtual instant), arrows
// for requests, responses and frames, bands for partitions, stalls and downtime,
// and the series the charts plot. Pure data: timeline-svg.ts draws it.

export type LaneKind = "server" | "client" | "viewer" | "node";

export interface Lane {
  name: string;
  kind: LaneKind;
  /** e.g. "share 0 · write"; filled from the node's start event. */
  subtitle: string;
  witness: boolean;
}

/** How a row's mark looks, in rising order of importance. */
export type Glyph = "none" | "arrive" | "dot" | "ok" | "fault" | "cut" | "restart" | "crash";

/** How a label reads: red for what broke, green for what came back, orange for injected faults. */
export type Tone = "plain" | "bad" | "good" | "fault";

export interface Label {
  text: string;
  tone: Tone;
  /** What the event behind this label names, for the witness. */
  keys: Keys;
  witness: boolean;
}

export interface Row {
  index: number;
  t: number;
  /** Index into lanes; -1 for a world event drawn across every lane. */
  lane: number;
  glyph: Glyph;
  labels: Label[];
  /** One line per event, for the tooltip. */
  details: string[];
  keys: Keys;
  witness: boolean;
}

export type ArrowKind = "request" | "response" | "frame" | "duplicate";

export interface Arrow {
  kind: ArrowKind;
  fromLane: number;
  fromRow: number;
  toLane: number;
  toRow: number;
  /** 1 for a delivered message; below 1 it stops that far across, at a cross: lost. */
  reach: number;
  label: string;
  detail: string;
  keys: Keys;
  witness: boolean;
  /** Bookkeeping only (capnweb's release frames): drawn faintly. */
  minor: boolean;
}

export type BandKind = "partition" | "stall" | "down" | "ws_stall";

export interface Band {
  kind: BandKind;
  lane: number;
  fromRow: number;
  toRow: number;
  label: string;
}

/** A step series over virtual time. */
export interface Series {
  name: string;
  points: [t: number, value: number][];
}

export interface Chart {
  title: string;
  series: Series[];
}

export interface TimelineModel {
  lanes: Lane[];
  rows: Row[];
  arrows: Arrow[];
  bands: Band[];
  charts: Chart[];
  end_t: number;
  /** The first violation's witness as the diagram sees it; null without a violation. */
  witness: WitnessQuery | null;
  /** Index of the first row that shows a witness event, or null. */
  firstWitnessRow: number | null;
}
