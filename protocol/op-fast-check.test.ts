import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastOp, fastOpBody } from "./op-fast-check.ts";
import { OP_KINDS, opBodySchema, opSchema } from "./ops.ts";

// The fast path must never accept what the schema refuses, must return what
// the schema returns (same keys in the same order), and must actually take
// the ordinary ops, or it buys nothing.

const keyOrder = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.entries(x) : x));

const fieldValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom("", "user", "assistant", "text", "tool", "reasoning", "stop", "error", "session.upsert", "part.append"),
  fc.constantFrom(128, 129, 256, 257, 512, 513, 1024, 1025, 8192, 8193, 65_536, 65_537).map((n) => "x".repeat(n)),
  fc.integer({ min: -3, max: 5 }),
  fc.constantFrom(1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, null, undefined, true),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom([1, , 3], new Date(0), new Map(), { a: undefined }, JSON.parse('{"__proto__":{"x":1}}')),
);
const fieldName = fc.constantFrom("title", "directory", "message_id", "role", "model_id", "finish", "part_id", "type", "text", "state", "path", "additions", "deletions", "patch", "provider", "name", "extra");
const nearBody = fc.record({ kind: fc.oneof(fc.constantFrom(...OP_KINDS), fc.string({ maxLength: 5 })), fields: fc.dictionary(fieldName, fieldValue, { maxKeys: 6 }) }).map(({ kind, fields }) => ({ kind, ...fields }));
const validBody = fc.oneof(
  fc.record({ kind: fc.constant("part.append" as const), part_id: fc.string({ minLength: 1, maxLength: 20 }), message_id: fc.string({ minLength: 1, maxLength: 20 }), text: fc.string({ minLength: 1 }) }),
  fc.record({ kind: fc.constant("part.upsert" as const), part_id: fc.constant("p1"), message_id: fc.constant("m1"), type: fc.constantFrom("text" as const, "tool" as const), text: fc.string(), state: fc.jsonValue({ maxDepth: 3 }) }, { requiredKeys: ["kind", "part_id", "message_id", "type"] }),
  fc.record({ kind: fc.constant("diff.replace" as const), path: fc.constant("a.ts"), additions: fc.nat(), deletions: fc.nat(), patch: fc.string({ maxLength: 100 }) }),
  fc.record({ kind: fc.constant("message.upsert" as const), message_id: fc.constant("m1"), role: fc.constantFrom("user" as const, "assistant" as const), model_id: fc.constant("gpt"), finish: fc.constantFrom("stop" as const, "error" as const) }, { requiredKeys: ["kind", "message_id", "role"] }),
);
/** A valid body with one field replaced, added or removed. */
const mutatedBody = fc.tuple(validBody, fc.nat(), fieldName, fieldValue, fc.nat(9)).map(([body, pick, other, value, how]) => {
  const out: Record<string, unknown> = { ...body };
  const keys = Object.keys(out);
  const name = how < 8 ? keys[pick % keys.length]! : other;
  if (how === 9) delete out[name];
  else out[name] = value;
  return out;
});

function agrees(value: unknown, fast: unknown, schema: typeof opBodySchema | typeof opSchema): void {
  const parsed = schema.safeParse(value);
  if (fast === undefined) return;
  expect(parsed.success).toBe(true);
  expect(keyOrder(fast)).toBe(keyOrder(parsed.data));
  expect(fast).not.toBe(value);
}

describe("the op fast path", () => {
  it("accepts only what the schema accepts, and returns the same value in the same key order", () => {
    fc.assert(fc.property(fc.oneof(mutatedBody, mutatedBody, nearBody, validBody, fc.anything()), (value) => agrees(value, fastOpBody(value), opBodySchema)), { numRuns: 5000 });
  });

  it("leaves a kind named after an Object.prototype member to the schema instead of throwing (fast-check found toString)", () => {
    for (const kind of ["toString", "constructor", "hasOwnProperty", "valueOf", "__proto__"]) {
      const value = { kind, path: "a.ts", additions: 0, deletions: 0, patch: "" };
      expect(fastOpBody(value)).toBeUndefined();
      expect(opBodySchema.safeParse(value).success).toBe(false);
    }
  });

  it("does the same for whole ops", () => {
    const op = fc.record({ seq: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant(2 ** 60)), op_id: fc.oneof(fc.constant("op-1"), fc.constant(""), fc.integer()), body: fc.oneof(validBody, mutatedBody) }, { requiredKeys: [] });
    fc.assert(fc.property(fc.oneof(op, fc.anything()), (value) => agrees(value, fastOp(value), opSchema)), { numRuns: 2000 });
  });

  it("takes ordinary valid ops itself, whatever their key order", () => {
    fc.assert(
      fc.property(validBody, fc.integer({ min: 1, max: 1000 }), (body, seq) => {
        // An own "__proto__" key in JSON state is left to the schema on purpose.
        fc.pre(!JSON.stringify(body).includes('"__proto__"'));
        const reordered = Object.fromEntries(Object.entries(body).reverse());
        expect(fastOpBody(reordered)).toBeDefined();
        expect(keyOrder(fastOpBody(reordered))).toBe(keyOrder(opBodySchema.parse(reordered)));
        expect(fastOp({ body, op_id: "op-1", seq })).toBeDefined();
      }),
    );
  });

  it("copies JSON state instead of sharing it", () => {
    const state = { input: { path: "a" }, list: [1, 2] };
    const out = fastOpBody({ kind: "part.upsert", part_id: "p", message_id: "m", type: "tool", state }) as unknown as { state: typeof state };
    expect(out.state).toEqual(state);
    expect(out.state).not.toBe(state);
    expect(out.state.list).not.toBe(state.list);
  });
});
