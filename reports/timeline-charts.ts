import { esc } from "./escape.ts";
import { formatMs } from "./timeline-layout.ts";
import type { Chart } from "./timeline-model.ts";

// Step charts under the diagram, over linear virtual time: per client its
// outbox depth and acked seq, per share the server's cursor. A click on a
// chart scrolls the diagram to that moment (the page's script does it).

const W = 760;
const H = 120;
const M = { left: 44, right: 12, top: 22, bottom: 20 };
const COLORS = ["#2f62a8", "#2f8a57", "#b45309"];

function f(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** A step line: each value holds until the next point. */
function stepPath(points: readonly [number, number][], x: (t: number) => number, y: (v: number) => number, end_t: number): string {
  if (points.length === 0) return "";
  const parts = [`M${f(x(points[0]![0]))},${f(y(points[0]![1]))}`];
  for (let i = 1; i < points.length; i++) {
    const [t, v] = points[i]!;
    parts.push(`H${f(x(t))}V${f(y(v))}`);
  }
  parts.push(`H${f(x(end_t))}`);
  return parts.join("");
}

export function chartSvg(chart: Chart, end_t: number, markT: number | null): string {
  const span = Math.max(1, end_t);
  const max = Math.max(1, ...chart.series.flatMap((s) => s.points.map((p) => p[1])));
  const x = (t: number) => M.left + ((W - M.left - M.right) * t) / span;
  const y = (v: number) => H - M.bottom - ((H - M.top - M.bottom) * v) / max;
  const out: string[] = [`<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" data-x0="${M.left}" data-x1="${W - M.right}" data-t1="${span}">`];
  out.push(`<text class="ct" x="${M.left}" y="13">${esc(chart.title)}</text>`);
  let lx = W - M.right;
  [...chart.series].reverse().forEach((s, ri) => {
    const i = chart.series.length - 1 - ri;
    const text = `${s.name} (max ${Math.max(0, ...s.points.map((p) => p[1]))})`;
    lx -= text.length * 6.2 + 18;
    out.push(`<g class="cl" transform="translate(${f(lx)},9)"><rect width="10" height="3" y="0" fill="${COLORS[i % COLORS.length]}"/><text x="14" y="5">${esc(text)}</text></g>`);
  });
  out.push(`<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}"/>`);
  out.push(`<line class="axis" x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}"/>`);
  out.push(`<text class="cy" x="${M.left - 5}" y="${f(y(max) + 4)}">${max}</text><text class="cy" x="${M.left - 5}" y="${f(y(0) + 4)}">0</text>`);
  for (let k = 0; k <= 4; k++) {
    const t = (span * k) / 4;
    const anchor = k === 0 ? "start" : k === 4 ? "end" : "middle";
    out.push(`<text class="cx" x="${f(x(t))}" y="${H - 5}" text-anchor="${anchor}">${formatMs(t)}</text>`);
  }
  if (markT !== null) out.push(`<line class="vmark" x1="${f(x(markT))}" x2="${f(x(markT))}" y1="${M.top}" y2="${H - M.bottom}"><title>the violation, at ${formatMs(markT)}</title></line>`);
  chart.series.forEach((s, i) => {
    out.push(`<path class="cs" stroke="${COLORS[i % COLORS.length]}" d="${stepPath(s.points, x, y, end_t)}"/>`);
  });
  out.push(`</svg>`);
  return out.join("");
}
