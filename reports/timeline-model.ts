// The timeline's data model and its builder, split by what they draw under ./timeline/.
export type { Arrow, ArrowKind, Band, BandKind, Chart, Glyph, Label, Lane, LaneKind, Row, Series, TimelineModel, Tone } from "./timeline/model.ts";
export { buildTimeline } from "./timeline/builder.ts";
