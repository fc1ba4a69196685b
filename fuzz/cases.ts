import fc from "fast-check";

// Inputs for every entry point of the share server, in two kinds: near-valid
// requests with one field wrong (type, range, size, encoding, extra keys,
// __proto__, huge numbers, negative seqs, deep nesting), and raw garbage
// (bytes, truncated JSON, oversized bodies). Built from the share's real id,
// secret and token, so the near-valid ones get past the first checks.

export const ENTRY_POINTS = ["rest", "rpc-batch", "websocket", "legacy-sync"] as const;
export type EntryPoint = (typeof ENTRY_POINTS)[number];

export type FuzzCase =
  | { entry: "rest" | "rpc-batch" | "legacy-sync"; method: string; path: string; body: string }
  | { entry: "websocket"; frames: string[] };

export interface Known {
  id: string;
  secret: string;
  token: string;
}

const op = (seq: number, text = "x") => ({ seq, op_id: `fz-${seq}`, body: { kind: "part.append", part_id: "p1", message_id: "m1", text } });

/** A wrong value for any field. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, -0.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 64, "", " ", "\u0000", "../../etc/passwd", "a b", "é中😀", "\ud800"),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.constant("x".repeat(300)),
  fc.constant([]),
  fc.constant({}),
  fc.constant(JSON.parse('{"__proto__":{"polluted":true}}')),
  fc.constant({ constructor: { prototype: { polluted: true } } }),
  fc.constant(JSON.parse(`${"[".repeat(2000)}${"]".repeat(2000)}`)),
);

/** A body with one field replaced, removed, or one extra key added. */
function mutate(base: Record<string, unknown>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(base);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...keys), wrongValue).map(([k, v]) => ({ ...base, [k]: v })),
    fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== k))),
    fc.tuple(fc.constantFrom("extra", "__proto__", "constructor", "prototype", "producerID"), wrongValue).map(([k, v]) => JSON.parse(JSON.stringify({ ...base }).replace(/^\{/, `{${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"},`))),
  );
}

/** Raw garbage: bytes, truncated JSON, and now and then an oversized body. */
const garbage: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString("latin1")) },
  { weight: 3, arbitrary: fc.tuple(fc.json(), fc.nat()).map(([json, cut]) => json.slice(0, cut % Math.max(1, json.length))) },
  { weight: 1, arbitrary: fc.constantFrom("x".repeat(5 * 1024 * 1024), `[${'"y",'.repeat(300_000)}"y"]`) },
);

function restCase(k: Known): fc.Arbitrary<FuzzCase> {
  const share = (id: string) => `/api/share/${id}`;
  const routes: { method: string; path: string; body: Record<string, unknown> }[] = [
    { method: "POST", path: "/api/share", body: { session_id: "s1" } },
    { method: "POST", path: `${share(k.id)}/redeem`, body: { secret: k.secret, scope: "write", producer_id: "prd-fuzz" } },
    { method: "POST", path: `${share(k.id)}/ops`, body: { token: k.token, ops: [op(4)] } },
    { method: "DELETE", path: share(k.id), body: { secret: k.secret } },
  ];
  const route = fc.constantFrom(...routes);
  const path = fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom(share("shr_nope"), share("a%20b"), share("%00"), share("..%2F..%2Fetc"), share("x".repeat(300))) },
  );
  const opsWrong = fc.oneof(
    fc.constant([op(-1)]),
    fc.constant([op(0)]),
    fc.constant([op(1.5)]),
    fc.constant([op(2 ** 60)]),
    fc.constant([op(5)]),
    fc.constant(Array.from({ length: 501 }, (_, i) => op(4 + i))),
    fc.constant([op(4, "z".repeat(17_000))]),
    fc.constant([{ ...op(4), body: { kind: "message.remove" } }]),
    fc.constant([{ ...op(4), body: { kind: "nope" } }]),
    fc.constant([{ ...op(4), extra: 1 }]),
  );
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(route, path).chain(([r, p]) => mutate(r.body).map((body) => ({ entry: "rest" as const, method: r.method, path: (p ?? r.path), body: JSON.stringify(body) }))) },
    { weight: 2, arbitrary: opsWrong.map((ops) => ({ entry: "rest" as const, method: "POST", path: `${share(k.id)}/ops`, body: JSON.stringify({ token: k.token, ops }) })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...routes), garbage).map(([r, body]) => ({ entry: "rest" as const, method: r.method, path: r.path, body })) },
    { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "PATCH").map((method) => ({ entry: "rest" as const, method, path: `${share(k.id)}/ops`, body: "{}" })) },
  );
}

/** One capnweb message: a call on the main object or a pipelined result, with names it must not reach. */
function capnwebMessages(k: Known, interleave: boolean): fc.Arbitrary<string[]> {
  const method = fc.constantFrom("redeem", "createShare", "appendOps", "revoke", "read", "session", "store", "constructor", "__proto__", "toString", "then", "#store", "nope");
  const redeem = JSON.stringify(["push", ["pipeline", 0, ["redeem"], [k.id, k.secret, "write", "prd-fuzz"]]]);
  const call = fc.tuple(fc.constantFrom(0, 1, 7, 99, -1), fc.array(fc.oneof(method, fc.constantFrom("capability")), { minLength: 1, maxLength: 2 }), fc.array(wrongValue, { maxLength: 4 })).map(([target, path, args]) =>
    JSON.stringify(["push", ["pipeline", target, path, args]]),
  );
  const appendOps = fc.tuple(fc.constantFrom([[[op(4)]]], [[[op(-3)]]], [["prd-other", [[op(4)]]]], [[[{ ...op(4), body: { kind: "nope" } }]]], [[op(4)]], [null]), fc.constantFrom(1, 2, 99)).map(([args, target]) =>
    JSON.stringify(["push", ["pipeline", target, ["capability", "appendOps"], args]]),
  );
  const other = fc.oneof(
    fc.nat(120).map((id) => JSON.stringify(["pull", id])),
    fc.tuple(fc.integer({ min: -5, max: 99 }), fc.nat(3)).map(([id, n]) => JSON.stringify(["release", id, n])),
    fc.nat(5).map((id) => JSON.stringify(["resolve", id, 1])),
    fc.nat(5).map((id) => JSON.stringify(["reject", id, ["error", "Error", "x"]])),
    fc.constant(JSON.stringify(["abort", ["error", "Error", "bye"]])),
  );
  const message = fc.oneof({ weight: 3, arbitrary: call }, { weight: 3, arbitrary: appendOps }, { weight: 2, arbitrary: other }, { weight: 1, arbitrary: garbage });
  // Pull the result of every push: a batch at its end, a WebSocket session right after each push, so
  // that an accepted call is answered before a later frame can end the session.
  return fc.tuple(fc.boolean(), fc.array(message, { minLength: 1, maxLength: 5 })).map(([withRedeem, rest]) => {
    const lines = [...(withRedeem ? [redeem] : []), ...rest];
    if (interleave) {
      let pushes = 0;
      return lines.flatMap((l) => (l.startsWith('["push"') ? [l, JSON.stringify(["pull", ++pushes])] : [l]));
    }
    const pushes = lines.filter((l) => l.startsWith('["push"')).length;
    return [...lines, ...Array.from({ length: pushes }, (_, i) => JSON.stringify(["pull", i + 1]))];
  });
}

function legacySyncCase(k: Known): fc.Arbitrary<FuzzCase> {
  const base = { secret: k.secret, producer_id: "legacy", data: [{ kind: "part.append", part_id: "p1", message_id: "m1", text: "x" }] };
  return fc.oneof(
    { weight: 3, arbitrary: mutate(base).map((body) => ({ entry: "legacy-sync" as const, method: "POST", path: `/api/share/${k.id}/sync`, body: JSON.stringify(body) })) },
    { weight: 1, arbitrary: garbage.map((body) => ({ entry: "legacy-sync" as const, method: "POST", path: `/api/share/${k.id}/sync`, body })) },
  );
}

export function caseArbitrary(entry: EntryPoint, k: Known): fc.Arbitrary<FuzzCase> {
  switch (entry) {
    case "rest":
      return restCase(k);
    case "legacy-sync":
      return legacySyncCase(k);
    case "rpc-batch":
      return fc.oneof(
        { weight: 4, arbitrary: capnwebMessages(k, false).map((lines) => ({ entry: "rpc-batch" as const, method: "POST", path: "/rpc", body: lines.join("\n") })) },
        { weight: 1, arbitrary: garbage.map((body) => ({ entry: "rpc-batch" as const, method: "POST", path: "/rpc", body })) },
      );
    case "websocket":
      return capnwebMessages(k, true).map((frames) => ({ entry: "websocket" as const, frames }));
  }
}

/** How to replay a case by hand: a curl command for HTTP, the frames for a WebSocket. */
export function reproOf(c: FuzzCase, port = 8787): string {
  const clip = (s: string) => (s.length > 2000 ? `${s.slice(0, 2000)}… (${s.length} chars)` : s);
  if (c.entry === "websocket") return `WebSocket to ws://127.0.0.1:${port}/rpc, send these frames in order:\n${c.frames.map((f) => `  ${clip(f)}`).join("\n")}`;
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  return `curl -X ${c.method} http://127.0.0.1:${port}${c.path} -H 'content-type: application/json' --data-binary ${quote(clip(c.body))}`;
}
