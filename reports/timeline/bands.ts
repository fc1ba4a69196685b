import type { Canvas } from "./canvas.ts";
import { laneName } from "./lane-order.ts";
import type { Band, BandKind, Row } from "./model.ts";

// Bands: a stretch of a lane where something held (a partition, a stall, a
// node down, a stalled WebSocket link), from the row it began to the row it
// ended, or to the last row when it never did.

export class Bands {
  readonly bands: Band[] = [];
  readonly #open = new Map<string, { kind: BandKind; row: number; label: string }>();

  /** Opens the band `key` at `row`, unless it is open already. */
  open(key: string, kind: BandKind, row: Row, label: string): void {
    if (!this.#open.has(key)) this.#open.set(key, { kind, row: row.index, label });
  }

  /** Closes the band `key` at `row` on `lane`, if it is open. */
  close(key: string, lane: number, row: Row): void {
    const open = this.#open.get(key);
    if (!open) return;
    this.#open.delete(key);
    this.bands.push({ kind: open.kind, lane, fromRow: open.row, toRow: row.index, label: open.label });
  }

  /** Whatever is still open at the end runs to the last row. */
  finish(canvas: Canvas): void {
    const last = canvas.rows.length - 1;
    for (const [key, open] of this.#open) {
      const node = key.slice(key.indexOf(":") + 1);
      const lane = open.kind === "ws_stall" ? canvas.rows[open.row]!.lane : canvas.laneIfAny(laneName(node));
      if (lane !== undefined && lane >= 0) this.bands.push({ kind: open.kind, lane, fromRow: open.row, toRow: Math.max(open.row, last), label: open.label });
    }
    this.#open.clear();
  }
}
