import { emptyKeys, mergeKeys, type Keys } from "../timeline-keys.ts";
import { laneKind } from "./lane-order.ts";
import type { Arrow, Glyph, Lane, Row, Tone } from "./model.ts";

// The diagram's grid: lanes, rows and the marks on them, and the arrows
// between rows. Every drawer (lanes, marks, arrows, bands) draws through it.

const GLYPH_RANK: Record<Glyph, number> = { none: 0, arrive: 1, dot: 2, ok: 3, fault: 4, cut: 5, restart: 6, crash: 7 };
const TONE: Record<Glyph, Tone> = { none: "plain", arrive: "plain", dot: "plain", ok: "plain", fault: "fault", cut: "bad", restart: "good", crash: "bad" };

export class Canvas {
  readonly lanes: Lane[] = [];
  readonly rows: Row[] = [];
  readonly arrows: Arrow[] = [];
  readonly #laneIndex = new Map<string, number>();

  /** The lane of `name`, made at the end when it is new. */
  lane(name: string): number {
    let i = this.#laneIndex.get(name);
    if (i === undefined) {
      i = this.lanes.length;
      this.lanes.push({ name, kind: laneKind(name), subtitle: "", witness: false });
      this.#laneIndex.set(name, i);
    }
    return i;
  }

  /** The lane of `name` if there is one; never makes one. */
  laneIfAny(name: string): number | undefined {
    return this.#laneIndex.get(name);
  }

  /** The row of `lane` at `t`: the current one if the previous event happened there too. */
  row(t: number, lane: number): Row {
    const last = this.rows[this.rows.length - 1];
    if (last && last.t === t && last.lane === lane) return last;
    const row: Row = { index: this.rows.length, t, lane, glyph: "none", labels: [], details: [], keys: emptyKeys(), witness: false };
    this.rows.push(row);
    return row;
  }

  /** Marks a row: the weightier glyph wins, the label (if any) and detail are added, the keys merged. */
  mark(row: Row, glyph: Glyph, label: string | null, detail: string, keys?: Keys): void {
    if (GLYPH_RANK[glyph] > GLYPH_RANK[row.glyph]) row.glyph = glyph;
    if (label) row.labels.push({ text: label, tone: TONE[glyph], keys: keys ?? emptyKeys(), witness: false });
    row.details.push(detail);
    if (keys) mergeKeys(row.keys, keys);
  }
}

/** What the start events name: share ids as "share i", producers by their client's lane. */
export class Names {
  readonly #producers = new Map<string, string>();
  readonly #shareNames = new Map<string, string>();
  readonly #shareOfLane = new Map<string, string>();

  laneOfProducer = (producer: string): string | undefined => this.#producers.get(producer);
  shareName = (id: string): string | undefined => this.#shareNames.get(id);
  shareOfLane = (lane: string): string | undefined => this.#shareOfLane.get(lane);

  /** A share as drawn: its name, or its id when no start named it. */
  share(id: string): string {
    return this.#shareNames.get(id) ?? id;
  }

  /** A producer as drawn: its client's lane, or itself. */
  producer(id: string): string {
    return this.#producers.get(id) ?? id;
  }

  get shareCount(): number {
    return this.#shareNames.size;
  }

  shares(): IterableIterator<string> {
    return this.#shareNames.values();
  }

  nameShares(ids: readonly string[]): void {
    ids.forEach((id, i) => this.#shareNames.set(id, `share ${i}`));
  }

  setProducer(producer: string, lane: string): void {
    this.#producers.set(producer, lane);
  }

  setShareOfLane(lane: string, share: string): void {
    this.#shareOfLane.set(lane, share);
  }
}

/** Where an arrow leaves from, kept until the event where it lands. */
export interface Sent {
  lane: number;
  row: number;
  /** What the message carries, as the arrow's label. */
  label: string;
  keys: Keys;
  detail: string;
}

export function range(lo: number, hi: number): string {
  return lo === hi ? `#${lo}` : `#${lo}–${hi}`;
}

export function seqKeys(lane: string, lo: number, hi: number): Keys {
  return { seqs: [{ lane, lo, hi }], ops: [], cursors: [] };
}
