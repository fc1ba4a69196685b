import type { Chart, Series } from "./model.ts";

// The step series the charts plot: each client's outbox depth and acked seq,
// and each share's server cursor, as the history moves them.

interface Outbox {
  seq: number;
  acked: number;
}

export class Charts {
  readonly charts = new Map<string, Chart>();
  readonly #outbox = new Map<string, Outbox>();

  #series(chart: string, title: string, name: string): Series {
    let c = this.charts.get(chart);
    if (!c) this.charts.set(chart, (c = { title, series: [] }));
    let s = c.series.find((x) => x.name === name);
    if (!s) c.series.push((s = { name, points: [] }));
    return s;
  }

  /** A node's outbox starts empty (every node but the server has one drawn, viewers included). */
  startOutbox(t: number, lane: string): void {
    this.#outbox.set(lane, { seq: 0, acked: 0 });
    this.#outboxPoint(t, lane);
  }

  /** A node's outbox moves, if it has one: `change` updates it, then both series take a point. */
  moveOutbox(t: number, lane: string, change: (o: Outbox) => void): void {
    const o = this.#outbox.get(lane);
    if (!o) return;
    change(o);
    this.#outboxPoint(t, lane);
  }

  #outboxPoint(t: number, lane: string): void {
    const o = this.#outbox.get(lane)!;
    const chart = `client:${lane}`;
    const title = `${lane}: outbox depth and acked seq`;
    this.#series(chart, title, "outbox depth").points.push([t, o.seq - o.acked]);
    this.#series(chart, title, "acked seq").points.push([t, o.acked]);
  }

  cursorPoint(t: number, share: string, cursor: number): void {
    this.#series(`share:${share}`, `${share}: server cursor`, "cursor").points.push([t, cursor]);
  }
}
