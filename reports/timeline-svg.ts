import { esc } from "./escape.ts";
import { keyAttrs } from "./timeline-keys.ts";
import { formatMs, LAYOUT, layoutLanes, layoutRows, tickLabel } from "./timeline-layout.ts";
import type { Arrow, Glyph, Row, TimelineModel } from "./timeline-model.ts";

// The Lamport diagram as SVG, laid out for the default view (every lane, idle
// stretches collapsed). Every element carries the row and lane it belongs to
// (data-r, data-l, data-a, data-b) so the page's script can move it when the
// view changes, without drawing anything anew.

const GLYPHS: Record<Glyph, string> = {
  none: "",
  arrive: `<circle class="gl-arrive" r="2"/>`,
  dot: `<circle class="gl-dot" r="3"/>`,
  ok: `<circle class="gl-ok" r="3.5"/>`,
  fault: `<path class="gl-fault" d="M0,-5L5,0L0,5L-5,0Z"/>`,
  cut: `<path class="gl-cut" d="M-8,4L-2,-4M2,4L8,-4"/>`,
  restart: `<path class="gl-restart" d="M0,-6L6,5L-6,5Z"/>`,
  crash: `<path class="gl-crash" d="M-6,-6L6,6M-6,6L6,-6"/>`,
};

function f(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** How far from its left end an arrow's label sits, in pixels along x. */
export const LABEL_AT = 120;

/**
 * The path of an arrow and where its label goes: near its left end, which is
 * the server's end for every client arrow. Labels there sit in the gap between
 * the server's lane and the first client's, the one stretch no lane labels.
 */
export function arrowGeometry(x1: number, y1: number, x2: number, y2: number, reach: number): { d: string; lx: number; ly: number } {
  const ex = x1 + (x2 - x1) * reach;
  const ey = y1 + (y2 - y1) * reach;
  const [ax, ay, bx, by] = x1 <= ex ? [x1, y1, ex, ey] : [ex, ey, x1, y1];
  const at = bx - ax > 0 ? Math.min(0.5, LABEL_AT / (bx - ax)) : 0.5;
  return { d: `M${f(x1)},${f(y1)}L${f(ex)},${f(ey)}`, lx: ax + (bx - ax) * at, ly: ay + (by - ay) * at - 3 };
}

/** Labels longer than a lane's room are cut; the tooltip keeps every word. */
const LABEL_CHARS_MAX = 40;
function clip(label: string): string {
  return label.length > LABEL_CHARS_MAX ? `${label.slice(0, LABEL_CHARS_MAX - 1)}…` : label;
}

/** How many label lines a row stacks. */
export function rowLines(row: Row): number {
  return row.lane < 0 ? 1 : Math.max(1, row.labels.length);
}

function rowSvg(row: Row, x: number, y: number, serverSide: boolean, width: number): string {
  const cls = ["r", `g-${row.glyph}`, row.witness ? "wit" : ""].filter(Boolean).join(" ");
  const title = `<title>${esc(`${formatMs(row.t)}\n${row.details.join("\n")}`)}</title>`;
  const keys = keyAttrs(row.keys);
  if (row.lane < 0) {
    return `<g class="${cls} glob" data-r="${row.index}" data-l="-1" transform="translate(0,${f(y)})">${title}<line class="glob-line" x1="${LAYOUT.gutter}" x2="${width}"/><text class="lbl" x="${LAYOUT.gutter + 4}" y="-3">${esc(row.labels.map((l) => l.text).join(" · "))}</text></g>`;
  }
  const ring = row.witness ? `<circle class="ring" r="8"/>` : "";
  const lx = serverSide ? -9 : 9;
  const lines = row.labels.map((l, i) => `<tspan class="t-${l.tone}${l.witness ? " w" : ""}" x="${lx}" dy="${i === 0 ? 0 : LAYOUT.line}">${esc(clip(l.text))}</tspan>`).join("");
  const text = lines ? `<text class="lbl" x="${lx}" y="4"${serverSide ? ` text-anchor="end"` : ""}>${lines}</text>` : "";
  return `<g class="${cls}" data-r="${row.index}" data-l="${row.lane}" transform="translate(${x},${f(y)})"${keys ? ` ${keys}` : ""}>${title}${ring}${GLYPHS[row.glyph]}${text}</g>`;
}

function arrowSvg(a: Arrow, laneX: (number | null)[], y: number[]): string {
  const g = arrowGeometry(laneX[a.fromLane]!, y[a.fromRow]!, laneX[a.toLane]!, y[a.toRow]!, a.reach);
  const cls = ["a", `a-${a.kind}`, a.minor ? "minor" : "", a.reach < 1 ? "lost" : "", a.witness ? "wit" : ""].filter(Boolean).join(" ");
  const keys = keyAttrs(a.keys);
  const label = a.label ? `<text class="albl" x="${f(g.lx)}" y="${f(g.ly)}">${esc(a.label)}</text>` : "";
  return `<g class="${cls}" data-a="${a.fromLane} ${a.fromRow} ${a.toLane} ${a.toRow} ${a.reach}"${keys ? ` ${keys}` : ""}><title>${esc(a.detail)}</title><path d="${g.d}"/>${label}</g>`;
}

const MARKERS = [
  ["m-request", "#2f62a8"],
  ["m-response", "#2f8a57"],
  ["m-frame", "#6b7280"],
  ["m-duplicate", "#c2410c"],
  ["m-wit", "#d21f3c"],
]
  .map(([id, color]) => `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,1L10,5L0,9Z" fill="${color}"/></marker>`)
  .join("");
const LOST_MARKER = `<marker id="m-lost" viewBox="-6 -6 12 12" refX="0" refY="0" markerWidth="12" markerHeight="12" markerUnits="userSpaceOnUse" orient="0"><path d="M-5,-5L5,5M-5,5L5,-5" stroke="#d21f3c" stroke-width="2.5"/></marker>`;

/** The diagram, and the lane headers that stay on screen above it. */
export function timelineSvg(model: TimelineModel): { diagram: string; header: string } {
  const lanes = layoutLanes(model.lanes.map(() => true));
  const rows = layoutRows(
    model.rows.map((r) => r.t),
    model.rows.map(rowLines),
    model.rows.map(() => true),
    true,
  );
  const width = lanes.width;
  const height = rows.height;
  const out: string[] = [];
  out.push(`<svg id="diagram" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${f(height)}" data-lanes="${model.lanes.length}">`);
  out.push(`<defs>${MARKERS}${LOST_MARKER}</defs>`);
  out.push(`<g id="bands">`);
  for (const b of model.bands) {
    const x = lanes.x[b.lane]!;
    const y1 = rows.y[b.fromRow]!;
    const y2 = rows.y[b.toRow]!;
    out.push(`<rect class="b b-${b.kind}" data-b="${b.lane} ${b.fromRow} ${b.toRow}" x="${x - 7}" y="${f(y1)}" width="14" height="${f(Math.max(2, y2 - y1))}"><title>${esc(`${b.label}: ${formatMs(model.rows[b.fromRow]!.t)} to ${formatMs(model.rows[b.toRow]!.t)}`)}</title></rect>`);
  }
  out.push(`</g><g id="lanes">`);
  model.lanes.forEach((lane, i) => {
    out.push(`<line class="lane lane-${lane.kind}${lane.witness ? " wit" : ""}" data-l="${i}" x1="${lanes.x[i]}" x2="${lanes.x[i]}" y1="0" y2="${f(height)}"/>`);
  });
  out.push(`</g><g id="gaps">`);
  for (const b of rows.breaks) out.push(breakSvg(b.y, b.dt_ms, width));
  out.push(`</g><g id="ticks">`);
  for (const i of rows.ticks) out.push(`<text class="tick" x="${LAYOUT.gutter - 6}" y="${f(rows.y[i]! + 4)}">${tickLabel(model.rows[i]!.t)}</text>`);
  out.push(`</g><g id="arrows">`);
  for (const a of model.arrows) out.push(arrowSvg(a, lanes.x, rows.y));
  out.push(`</g><g id="rows">`);
  for (const row of model.rows) out.push(rowSvg(row, row.lane < 0 ? 0 : lanes.x[row.lane]!, rows.y[row.index]!, row.lane >= 0 && model.lanes[row.lane]!.kind === "server", width));
  out.push(`</g></svg>`);

  const head: string[] = [`<svg id="lanehead" xmlns="http://www.w3.org/2000/svg" width="${width}" height="38">`];
  model.lanes.forEach((lane, i) => {
    head.push(
      `<g class="lh lh-${lane.kind}${lane.witness ? " wit" : ""}" data-l="${i}" transform="translate(${lanes.x[i]},0)"><text class="lh-name" y="16">${esc(lane.name)}</text><text class="lh-sub" y="31">${esc(lane.subtitle)}</text></g>`,
    );
  });
  head.push(`</svg>`);
  return { diagram: out.join("\n"), header: head.join("") };
}

/** A collapsed idle stretch: a dashed rule across the lanes and how long nothing happened. */
export function breakSvg(y: number, dt_ms: number, width: number): string {
  return `<g class="brk" transform="translate(0,${f(y)})"><line x1="${LAYOUT.gutter}" x2="${width}"/><text x="${LAYOUT.gutter + 6}" y="4">${formatMs(dt_ms)} idle, collapsed</text></g>`;
}
