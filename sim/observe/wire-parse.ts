// Reads what crossed the simulated network: capnweb messages (HTTP batch
// bodies and WebSocket frames) and REST JSON. The checkers judge from this and
// from the processes' SQLite files, never from what the code under test says
// about itself (docs/design.md, "Checkers").

/** Every JSON value in a payload: capnweb batches hold one message per line. */
export function jsonValues(payload: string): unknown[] {
  const out: unknown[] = [];
  for (const line of payload.split("\n")) {
    const text = line.trim();
    if (text === "") continue;
    try {
      out.push(JSON.parse(text));
    } catch {
      // Not JSON (garbage, or a cut frame): nothing to read in it.
    }
  }
  return out;
}

/**
 * Whether a payload can hold any of `keys` (each written as it appears in
 * JSON, quoted). A payload with none of them, and no escape that could spell
 * one, has nothing the caller looks for: it need not be parsed at all.
 */
export function mayHold(payload: string, keys: readonly string[]): boolean {
  if (payload.includes("\\u")) return true;
  for (const key of keys) if (payload.includes(key)) return true;
  return false;
}

function walk(value: unknown, visit: (node: unknown) => void, depth = 0): void {
  if (depth > 64) return;
  visit(value);
  if (Array.isArray(value)) for (const item of value) walk(item, visit, depth + 1);
  else if (typeof value === "object" && value !== null) for (const item of Object.values(value)) walk(item, visit, depth + 1);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What a redeem asked for: from a capnweb `redeem(shareID, secret, scope, producer)` call or a REST body. */
export interface RedeemAsk {
  secret: string | null;
  scope: string | null;
}

/** True when some object in the payload has a numeric `field` above `floor` (an ack that applied, or rejected, ops). */
export function numberFieldAbove(values: readonly unknown[], field: string, floor: number): boolean {
  let found = false;
  for (const v of values) walk(v, (n) => (found ||= isRecord(n) && typeof n[field] === "number" && (n[field] as number) > floor));
  return found;
}

/** Everything the observer reads off one payload, found in a single walk. */
export interface WireScan {
  op_ids: string[];
  cursors: { cursor: number; last_seq: number }[];
  codes: string[];
  redeems: RedeemAsk[];
  entries: number[];
  snapshots: number[];
  rejected: boolean;
}

/** One walk over a payload's values instead of one per question (the observer reads every payload the world carries). */
export function scanWire(values: readonly unknown[]): WireScan {
  const out: WireScan = { op_ids: [], cursors: [], codes: [], redeems: [], entries: [], snapshots: [], rejected: false };
  const visit = (n: unknown) => {
    if (Array.isArray(n)) {
      if (n[0] === "pipeline" && Array.isArray(n[2]) && n[2].length === 1 && n[2][0] === "redeem") {
        const args = Array.isArray(n[3]) ? n[3] : [];
        out.redeems.push({ secret: typeof args[1] === "string" ? args[1] : null, scope: typeof args[2] === "string" ? args[2] : null });
      }
      return;
    }
    if (!isRecord(n)) return;
    if (typeof n.op_id === "string" && typeof n.seq === "number") out.op_ids.push(n.op_id);
    if (typeof n.cursor === "number") {
      if (typeof n.last_seq === "number") out.cursors.push({ cursor: n.cursor, last_seq: n.last_seq });
      if (typeof n.producer_id === "string" && typeof n.seq === "number" && isRecord(n.op)) out.entries.push(n.cursor);
      if (isRecord(n.view)) out.snapshots.push(n.cursor);
    }
    if (typeof n.code === "string") out.codes.push(n.code);
    if (typeof n.rejected === "number" && n.rejected > 0) out.rejected = true;
  };
  for (const v of values) walk(v, visit);
  return out;
}
