import type { Op, OpBody } from "./ops.ts";

// A fast path in front of the zod schemas in ops.ts, for the hot paths that
// validate every op (the client's enqueue, the server's appendOps). It accepts
// only what it is sure the schema accepts, and returns what the schema would:
// a copy with the keys in schema order. Anything else, valid or not, returns
// undefined and goes to zod, so every error still comes from the schema.
// op-fast-check.test.ts checks the two agree on arbitrary input.

type Field = (value: unknown) => boolean;

const str = (min: number, max: number): Field => (v) => typeof v === "string" && v.length >= min && v.length <= max;
const oneOf = (...values: string[]): Field => (v) => typeof v === "string" && values.includes(v);
const count: Field = (v) => Number.isSafeInteger(v) && (v as number) >= 0;
const id = str(1, 128);
const text = str(0, 65_536);
/** Marks the field whose value is JSON, copied rather than returned as is. */
const JSON_FIELD: Field = () => true;

/** Per kind, its fields in schema order: [name, check, required]. Mirrors opBodySchema. */
const KINDS: Record<string, readonly (readonly [string, Field, boolean])[]> = {
  "session.upsert": [["title", str(0, 512), true], ["directory", str(0, 1024), false]],
  "message.upsert": [["message_id", id, true], ["role", oneOf("user", "assistant"), true], ["model_id", id, false], ["finish", oneOf("stop", "length", "tool-calls", "error"), false]],
  "message.remove": [["message_id", id, true]],
  "part.remove": [["part_id", id, true], ["message_id", id, true]],
  "part.upsert": [["part_id", id, true], ["message_id", id, true], ["type", oneOf("text", "reasoning", "tool"), true], ["text", text, false], ["state", JSON_FIELD, false]],
  "part.append": [["part_id", id, true], ["message_id", id, true], ["text", str(1, 65_536), true]],
  "diff.replace": [["path", str(1, 1024), true], ["additions", count, true], ["deletions", count, true], ["patch", str(0, 8192), true]],
  "model.upsert": [["model_id", id, true], ["provider", id, true], ["name", str(0, 256), true]],
};

const JSON_DEPTH_MAX = 64;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A copy of a JSON value, or undefined when it is not plainly one (the schema then decides). */
function copyJson(value: unknown, depth: number): { value: unknown } | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return { value };
  if (typeof value === "number") return Number.isFinite(value) ? { value } : undefined;
  if (depth >= JSON_DEPTH_MAX) return undefined;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return undefined;
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return undefined;
      const item = copyJson(value[i], depth + 1);
      if (!item) return undefined;
      out.push(item.value);
    }
    return { value: out };
  }
  if (!isPlainObject(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === "__proto__") return undefined;
    const item = copyJson(value[key], depth + 1);
    if (!item) return undefined;
    out[key] = item.value;
  }
  return { value: out };
}

/** The op body as the schema would return it, or undefined to let the schema decide. */
export function fastOpBody(value: unknown): OpBody | undefined {
  if (!isPlainObject(value)) return undefined;
  // Own keys only: a kind such as "toString" must not find Object.prototype's.
  const fields = typeof value.kind === "string" && Object.hasOwn(KINDS, value.kind) ? KINDS[value.kind] : undefined;
  if (!fields) return undefined;
  const keys = Object.keys(value);
  let present = 1;
  const out: Record<string, unknown> = { kind: value.kind };
  for (const [name, check, required] of fields) {
    if (!Object.hasOwn(value, name)) {
      if (required) return undefined;
      continue;
    }
    present++;
    const field = value[name];
    if (check === JSON_FIELD) {
      const copied = copyJson(field, 0);
      if (!copied) return undefined;
      out[name] = copied.value;
    } else {
      if (!check(field)) return undefined;
      out[name] = field;
    }
  }
  // Any key the kind does not have: the strict schema names it in its error.
  return present === keys.length ? (out as OpBody) : undefined;
}

/** The op as the schema would return it, or undefined to let the schema decide. */
export function fastOp(value: unknown): Op | undefined {
  if (!isPlainObject(value)) return undefined;
  const { seq, op_id } = value;
  if (!Number.isSafeInteger(seq) || (seq as number) < 1 || !id(op_id) || Object.keys(value).length !== 3) return undefined;
  const body = fastOpBody(value.body);
  return body ? { seq: seq as number, op_id: op_id as string, body } : undefined;
}
