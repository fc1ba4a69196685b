// What a drawn event names: the seqs of a producer, op ids, and share cursors.
// The same keys serve the page's search and the highlighting of a violation's witness.

/** Seqs lo..hi of the producer drawn on `lane`. */
export interface SeqKey {
  lane: string;
  lo: number;
  hi: number;
}

/** Cursor positions lo..hi of a share (by its display name, e.g. "share 0"). */
export interface CursorKey {
  share: string;
  lo: number;
  hi: number;
}

export interface Keys {
  seqs: SeqKey[];
  ops: string[];
  cursors: CursorKey[];
}

export function emptyKeys(): Keys {
  return { seqs: [], ops: [], cursors: [] };
}

export function mergeKeys(into: Keys, from: Keys): void {
  into.seqs.push(...from.seqs);
  into.ops.push(...from.ops);
  into.cursors.push(...from.cursors);
}

/** The keys as compact data attributes: `data-s="client-1:3-5"`, `data-o="op_…"`, `data-c="share 0:7-9"`. */
export function keyAttrs(keys: Keys): string {
  const parts: string[] = [];
  if (keys.seqs.length) parts.push(`data-s="${keys.seqs.map((k) => `${k.lane}:${k.lo}-${k.hi}`).join(" ")}"`);
  if (keys.ops.length) parts.push(`data-o="${keys.ops.join(" ")}"`);
  if (keys.cursors.length) parts.push(`data-c="${keys.cursors.map((k) => `${k.share.replace(" ", "_")}:${k.lo}-${k.hi}`).join(" ")}"`);
  return parts.join(" ");
}

/** What a violation's witness names, resolved to lanes and shares. */
export interface WitnessQuery {
  lane: string | null;
  share: string | null;
  seqs: { lo: number; hi: number }[];
  cursors: { lo: number; hi: number }[];
  ops: string[];
}

const SEQ_FIELDS = ["seq", "unapplied_seq", "missing_seq", "first_seq", "expected_seq", "acked_seq", "last_seq"];
const CURSOR_FIELDS = ["cursor", "cursor_before", "cursor_after", "cursor_of_last_seq", "previous", "recorded", "before", "after"];
const OP_FIELDS = ["op_id", "committed_op_id"];

function int(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) ? value : null;
}

/**
 * Reads a checker's witness (see sim/checkers/*.ts): whichever of its fields
 * name a node or producer, seqs, cursors and op ids. Unknown fields are ignored,
 * so a new checker's witness highlights what it shares with the old ones.
 */
export function witnessQuery(
  witness: Record<string, unknown>,
  names: { laneOfProducer: (producer: string) => string | undefined; shareName: (id: string) => string | undefined; shareOfLane: (lane: string) => string | undefined },
): WitnessQuery {
  const q: WitnessQuery = { lane: null, share: null, seqs: [], cursors: [], ops: [] };
  if (typeof witness.node === "string") q.lane = witness.node;
  if (typeof witness.producer === "string") q.lane ??= names.laneOfProducer(witness.producer) ?? null;
  if (typeof witness.op === "string") {
    // "producer#seq", as exactly-once names an op it cannot attribute.
    const [producer, seq] = witness.op.split("#");
    q.lane ??= names.laneOfProducer(producer ?? "") ?? null;
    const n = Number(seq);
    if (Number.isInteger(n)) q.seqs.push({ lo: n, hi: n });
  }
  if (typeof witness.share === "string") q.share = names.shareName(witness.share) ?? null;
  if (q.share === null && q.lane !== null) q.share = names.shareOfLane(q.lane) ?? null;
  for (const f of SEQ_FIELDS) {
    const n = int(witness[f]);
    if (n !== null) q.seqs.push({ lo: n, hi: n });
  }
  const from = int(witness.seq_from);
  const to = int(witness.seq_to);
  if (from !== null && to !== null) q.seqs.push({ lo: from, hi: to });
  for (const f of CURSOR_FIELDS) {
    const n = int(witness[f]);
    if (n !== null) q.cursors.push({ lo: n, hi: n });
  }
  if (Array.isArray(witness.cursors)) for (const c of witness.cursors) if (int(c) !== null) q.cursors.push({ lo: c as number, hi: c as number });
  const cursorTo = int(witness.cursor_to);
  if (cursorTo !== null) q.cursors.push({ lo: cursorTo - (int(witness.count) ?? 1) + 1, hi: cursorTo });
  for (const f of OP_FIELDS) if (typeof witness[f] === "string") q.ops.push(witness[f] as string);
  return q;
}

const overlaps = (a: { lo: number; hi: number }, b: { lo: number; hi: number }) => a.lo <= b.hi && b.lo <= a.hi;

/** True when something drawn with these keys is one of the events the witness names. */
export function matchesWitness(keys: Keys, q: WitnessQuery): boolean {
  if (keys.ops.some((op) => q.ops.includes(op))) return true;
  if (keys.seqs.some((k) => (q.lane === null || k.lane === q.lane) && q.seqs.some((s) => overlaps(k, s)))) return true;
  return keys.cursors.some((k) => (q.share === null || k.share === q.share) && q.cursors.some((c) => overlaps(k, c)));
}

/** True when the witness names anything a diagram can point at. */
export function witnessNamesEvents(q: WitnessQuery): boolean {
  return q.seqs.length > 0 || q.cursors.length > 0 || q.ops.length > 0;
}
