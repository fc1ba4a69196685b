// Reads what crossed the simulated network: capnweb messages (HTTP batch
// bodies and WebSocket frames) and REST JSON. The checkers judge from this and
// from the processes' SQLite files, never from what the code under test says
// about itself (DESIGN.md, "Checkers").

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

function walk(value: unknown, visit: (node: unknown) => void, depth = 0): void {
  if (depth > 64) return;
  visit(value);
  if (Array.isArray(value)) for (const item of value) walk(item, visit, depth + 1);
  else if (typeof value === "object" && value !== null) for (const item of Object.values(value)) walk(item, visit, depth + 1);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Op ids of the ops a payload carries (objects with a string `op_id` and a numeric `seq`). */
export function opIdsIn(values: readonly unknown[]): string[] {
  const ids: string[] = [];
  for (const v of values) walk(v, (n) => isRecord(n) && typeof n.op_id === "string" && typeof n.seq === "number" && ids.push(n.op_id));
  return ids;
}

/** Cursors a payload tells its reader: a redeem result or an ack (numeric `cursor` and `last_seq`). */
export function cursorsIn(values: readonly unknown[]): { cursor: number; last_seq: number }[] {
  const out: { cursor: number; last_seq: number }[] = [];
  for (const v of values) walk(v, (n) => isRecord(n) && typeof n.cursor === "number" && typeof n.last_seq === "number" && out.push({ cursor: n.cursor, last_seq: n.last_seq }));
  return out;
}

/** Protocol error codes a payload carries (REST `{error: {code}}`, capnweb's error properties). */
export function errorCodesIn(values: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const v of values) walk(v, (n) => isRecord(n) && typeof n.code === "string" && out.push(n.code));
  return out;
}

/** The arguments of every capnweb call to `method` in a payload: `["pipeline", target, [method], args]`. */
export function capnwebCalls(values: readonly unknown[], method: string): unknown[][] {
  const calls: unknown[][] = [];
  for (const v of values) {
    walk(v, (n) => {
      if (!Array.isArray(n) || n[0] !== "pipeline" || !Array.isArray(n[2]) || n[2].length !== 1 || n[2][0] !== method) return;
      calls.push(Array.isArray(n[3]) ? n[3] : []);
    });
  }
  return calls;
}

/** What a redeem asked for: from a capnweb `redeem(shareID, secret, scope, producer)` call or a REST body. */
export interface RedeemAsk {
  secret: string | null;
  scope: string | null;
}

export function capnwebRedeems(values: readonly unknown[]): RedeemAsk[] {
  return capnwebCalls(values, "redeem").map((args) => ({
    secret: typeof args[1] === "string" ? args[1] : null,
    scope: typeof args[2] === "string" ? args[2] : null,
  }));
}

/** True when some object in the payload has a numeric `field` above `floor` (an ack that applied, or rejected, ops). */
export function numberFieldAbove(values: readonly unknown[], field: string, floor: number): boolean {
  let found = false;
  for (const v of values) walk(v, (n) => (found ||= isRecord(n) && typeof n[field] === "number" && (n[field] as number) > floor));
  return found;
}

/** Cursors of the log entries a payload carries (objects with a numeric `cursor`, a `producer_id`, a `seq` and an `op`). */
export function logEntriesIn(values: readonly unknown[]): number[] {
  const out: number[] = [];
  for (const v of values) {
    walk(v, (n) => isRecord(n) && typeof n.cursor === "number" && typeof n.producer_id === "string" && typeof n.seq === "number" && isRecord(n.op) && out.push(n.cursor));
  }
  return out;
}

/** Cursors of the snapshots a payload carries (objects with a numeric `cursor` and a session `view`). */
export function snapshotCursorsIn(values: readonly unknown[]): number[] {
  const out: number[] = [];
  for (const v of values) walk(v, (n) => isRecord(n) && typeof n.cursor === "number" && isRecord(n.view) && out.push(n.cursor));
  return out;
}
