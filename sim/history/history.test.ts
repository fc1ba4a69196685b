import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.ts";
import { History } from "./history.ts";

// The trace hash is only as deterministic as the text it hashes (docs/design.md rule 5).

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("canonicalJson", () => {
  it("sorts object keys at every level, inside arrays too", () => {
    const value = { z: 1, a: { y: [{ d: 1, c: 2 }, "s"], b: { f: null, e: true } }, m: [] };
    expect(canonicalJson(value)).toBe('{"a":{"b":{"e":true,"f":null},"y":[{"c":2,"d":1},"s"]},"m":[],"z":1}');
  });

  it("is equal for equal values built in different key orders", () => {
    const one: Record<string, unknown> = {};
    one.share = "sh_1";
    one.cursors = { b: 2, a: 1 };
    one.list = [{ x: 1, y: 2 }];
    const two: Record<string, unknown> = {};
    two.list = [{ y: 2, x: 1 }];
    two.cursors = { a: 1, b: 2 };
    two.share = "sh_1";
    expect(JSON.stringify(one)).not.toBe(JSON.stringify(two));
    expect(canonicalJson(one)).toBe(canonicalJson(two));
  });

  it("tells apart values that differ anywhere", () => {
    expect(canonicalJson({ a: { b: [1, 2] } })).not.toBe(canonicalJson({ a: { b: [2, 1] } }));
    expect(canonicalJson({ a: "1" })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });

  it("drops undefined object fields, at any depth", () => {
    expect(canonicalJson({ a: undefined, b: 1, c: { d: undefined, e: undefined } })).toBe('{"b":1,"c":{}}');
    expect(canonicalJson({ first: undefined, second: 2 })).toBe('{"second":2}');
    expect(canonicalJson({ only: undefined })).toBe("{}");
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });

  it("is JSON.stringify of the value with its keys sorted, for any JSON-like value and any string", () => {
    const sortDeep = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sortDeep) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortDeep((v as Record<string, unknown>)[k])])) : v;
    const leaf = fc.oneof(fc.constantFrom("\\", "a\"b", "\n", "\u2028", "\ud800", "\u007f", "\u001f", `${"x".repeat(70)}"`), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("node"), { maxLength: 5 }), fc.dictionary(fc.string({ unit: "binary", maxLength: 8 }), tie("node"), { maxKeys: 5 })),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(JSON.stringify(sortDeep(v)) ?? "null");
      }),
      { numRuns: 1000 },
    );
  });

  it("writes what JSON cannot hold as null, like JSON.stringify does in arrays", () => {
    expect(canonicalJson([undefined, NaN, Infinity, () => 1])).toBe("[null,null,null,null]");
    expect(canonicalJson([undefined, NaN, Infinity])).toBe(JSON.stringify([undefined, NaN, Infinity]));
  });

  it("agrees with JSON.stringify on values whose keys are already sorted", () => {
    const value = { a: "quote \" and \\ and \n and é", b: -0.5, c: [true, false, null], d: { e: 1e21, f: 0 } };
    expect(canonicalJson(value)).toBe(JSON.stringify(value));
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });
});

describe("History", () => {
  function sample(): History {
    const history = new History();
    history.record(0, "server", "start", { shares: ["sh_0"] });
    history.record(5, "client-1", "enqueue_committed", { seq: 1, producer: "prd_1", op_id: "op_1" });
    history.record(12, "server", "served", { share: "sh_0", via: "read", cursor_from: 1, cursor_to: 1, count: 1, limit: 50, epoch: 0, scope: "read", in_flight: undefined });
    history.record(12, "client-1", "heal", {});
    return history;
  }

  it("keeps every event, in order, with its time and node", () => {
    const history = sample();
    expect(history.events.map((e) => [e.t, e.node, e.type])).toEqual([
      [0, "server", "start"],
      [5, "client-1", "enqueue_committed"],
      [12, "server", "served"],
      [12, "client-1", "heal"],
    ]);
    expect(history.events[3]!.data).toEqual({});
    expect(history.ofType("served").map((e) => e.data.cursor_to)).toEqual([1]);
  });

  it("writes each event as one canonical line: [t, node, type, data]", () => {
    expect(sample().canonicalLines()).toEqual([
      '[0,"server","start",{"shares":["sh_0"]}]',
      '[5,"client-1","enqueue_committed",{"op_id":"op_1","producer":"prd_1","seq":1}]',
      '[12,"server","served",{"count":1,"cursor_from":1,"cursor_to":1,"epoch":0,"limit":50,"scope":"read","share":"sh_0","via":"read"}]',
      '[12,"client-1","heal",{}]',
    ]);
  });

  it("its trace hash is the sha256 of the canonical lines joined with \\n, plus a trailing \\n", () => {
    const history = sample();
    const lines = history.canonicalLines();
    expect(history.traceHash()).toBe(sha256(`${lines.join("\n")}\n`));
    expect(history.traceHash()).toMatch(/^[0-9a-f]{64}$/);
  });

  it("the empty history hashes the empty text", () => {
    expect(new History().traceHash()).toBe(sha256(""));
  });

  it("gives equal hashes for equal histories whatever the key order of their data", () => {
    const a = new History();
    a.record(1, "client-1", "ack_received", { producer: "p", last_seq: 3, cursor: 3, applied: 3, duplicates: 0, rejected: 0 });
    const b = new History();
    b.record(1, "client-1", "ack_received", { rejected: 0, duplicates: 0, applied: 3, cursor: 3, last_seq: 3, producer: "p" });
    expect(a.traceHash()).toBe(b.traceHash());
  });

  it("gives a different hash when any part of any event differs", () => {
    const base = () => {
      const h = new History();
      h.record(1, "client-1", "call_sent", { producer: "p", seq_from: 1, seq_to: 2 });
      return h;
    };
    const variants = [
      (h: History) => h.record(2, "client-1", "partition", { duration_ms: 2 }),
      (h: History) => h.record(3, "client-1", "partition", { duration_ms: 2 }),
      (h: History) => h.record(2, "client-2", "partition", { duration_ms: 2 }),
      (h: History) => h.record(2, "client-1", "stall", { duration_ms: 2 }),
      (h: History) => h.record(2, "client-1", "partition", { duration_ms: 3 }),
    ];
    const hashes = variants.map((change) => {
      const h = base();
      change(h);
      return h.traceHash();
    });
    expect(new Set([...hashes, base().traceHash()]).size).toBe(variants.length + 1);
  });

  it("seals on traceHash: the hash is stable and nothing more can be recorded", () => {
    const history = sample();
    const hash = history.traceHash();
    expect(history.traceHash()).toBe(hash);
    expect(() => history.record(99, "checker", "verdict", { verdict: "pass", outcome: "drained" })).toThrow(/sealed/);
    expect(history.events).toHaveLength(4);
    expect(history.traceHash()).toBe(hash);
  });
});
