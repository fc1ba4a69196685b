// Where rows and lanes go. The page's script (timeline-script.ts) repeats this
// arithmetic when a node is filtered out or idle time is expanded, with these
// same constants; a browser test checks that both place every row alike.

export const LAYOUT = {
  /** y of the first row. */
  top: 14,
  /** Height of one row: every row gets at least this, so events at one instant stay apart and in order. */
  row: 18,
  /** A quiet stretch at least this long is collapsed to a break... */
  idleMs: 1000,
  /** ...this tall, labelled with how long it was. */
  breakPx: 30,
  /** With idle stretches expanded, time is linear at this scale. */
  pxPerMs: 0.05,
  /** x of the first lane; the time gutter and the server's labels sit left of it. */
  left: 330,
  laneGap: 270,
  /** Room right of the last lane for its labels. */
  right: 250,
  /** Width of the time gutter. */
  gutter: 62,
  /** Minimum distance between two time ticks in the gutter. */
  tickGap: 15,
  /** A row with several labels stacks them, this far apart. */
  line: 13,
} as const;

/** Extra space above a row that follows the previous one after `dt_ms`. */
export function gapPx(dt_ms: number, collapse: boolean): number {
  if (!collapse) return dt_ms * LAYOUT.pxPerMs;
  if (dt_ms >= LAYOUT.idleMs) return LAYOUT.breakPx;
  return Math.round(6 * Math.log2(1 + dt_ms / 10));
}

export interface RowLayout {
  /** y per row; NaN for a hidden row. */
  y: number[];
  height: number;
  /** Collapsed idle stretches: where to draw the break and how long it was. */
  breaks: { y: number; dt_ms: number }[];
  /** Rows whose time is written in the gutter. */
  ticks: number[];
}

/** `lines[i]`: how many label lines row i stacks (at least 1). */
export function layoutRows(ts: readonly number[], lines: readonly number[], visible: readonly boolean[], collapse: boolean): RowLayout {
  const y: number[] = new Array<number>(ts.length).fill(NaN);
  const breaks: { y: number; dt_ms: number }[] = [];
  const ticks: number[] = [];
  let at = LAYOUT.top;
  let prevT: number | null = null;
  let prevLines = 1;
  let tickY = -Infinity;
  let tickT: number | null = null;
  for (let i = 0; i < ts.length; i++) {
    if (!visible[i]) continue;
    const t = ts[i]!;
    if (prevT !== null) {
      const dt = t - prevT;
      const gap = gapPx(dt, collapse);
      if (collapse && dt >= LAYOUT.idleMs) breaks.push({ y: at + (LAYOUT.row + gap) / 2, dt_ms: dt });
      at += LAYOUT.row + LAYOUT.line * (prevLines - 1) + gap;
    }
    y[i] = at;
    prevLines = Math.max(1, lines[i] ?? 1);
    if (t !== tickT && at - tickY >= LAYOUT.tickGap) {
      ticks.push(i);
      tickY = at;
      tickT = t;
    }
    prevT = t;
  }
  return { y, height: at + LAYOUT.row + LAYOUT.line * (prevLines - 1) + 10, breaks, ticks };
}

/** x per lane; null for a hidden lane. */
export function layoutLanes(visible: readonly boolean[]): { x: (number | null)[]; width: number } {
  let k = 0;
  const x = visible.map((on) => (on ? LAYOUT.left + LAYOUT.laneGap * k++ : null));
  return { x, width: LAYOUT.left + LAYOUT.laneGap * Math.max(0, k - 1) + LAYOUT.right };
}

/** A moment in the gutter, to the millisecond: "353 ms", "2.156 s". */
export function tickLabel(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(3)} s`;
}

/** "353 ms", "11.4 s", "2 min 3 s": a duration as a person reads it. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms - min * 60_000) / 1000)} s`;
}
