import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TO_CLIENT_KEYS, TO_SERVER_KEYS } from "./observer.ts";
import { jsonValues, mayHold, scanWire } from "./wire-parse.ts";

// The observer skips parsing a payload that cannot hold what it looks for.
// That is only sound if every payload the scan would find something in passes
// the filter, escaped keys included.

const op = fc.record({ seq: fc.nat(), op_id: fc.string({ minLength: 1, maxLength: 5 }), body: fc.constant({ kind: "session.upsert", title: "t" }) });
const reply = fc.oneof(
  fc.record({ cursor: fc.nat(), last_seq: fc.nat() }),
  fc.record({ code: fc.constantFrom("stale_epoch", "bad_secret") }),
  fc.record({ rejected: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ token: fc.string(), epoch: fc.nat() }),
);
const frame = fc.oneof(
  fc.tuple(fc.constant("push"), fc.tuple(fc.constant("pipeline"), fc.nat(), fc.constant(["redeem"]), fc.tuple(fc.string(), fc.string(), fc.constantFrom("write", "read")))),
  fc.tuple(fc.constant("push"), fc.tuple(fc.constant("pipeline"), fc.nat(), fc.constant(["appendOps"]), fc.array(fc.array(op, { maxLength: 3 }), { maxLength: 1 }))),
  fc.tuple(fc.constant("resolve"), fc.nat(), reply),
  fc.tuple(fc.constantFrom("pull", "release"), fc.nat()),
  fc.jsonValue({ maxDepth: 3 }),
);
/** JSON.stringify, sometimes with every letter of the keys escaped, as a hostile sender may write them. */
const payload = fc.tuple(fc.array(frame, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([frames, escape]) =>
  frames.map((f) => (escape ? JSON.stringify(f).replace(/"([a-z_]+)":/g, (_m, k: string) => `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}":`) : JSON.stringify(f))).join("\n"),
);

describe("mayHold", () => {
  it("lets through every capnweb payload in which the server side of the observer finds a redeem or ops", () => {
    fc.assert(
      fc.property(payload, (text) => {
        const found = scanWire(jsonValues(text));
        if (found.redeems.length > 0 || found.op_ids.length > 0) expect(mayHold(text, TO_SERVER_KEYS)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("lets through every payload toward a client that holds a cursor, code, rejection or token", () => {
    fc.assert(
      fc.property(payload, (text) => {
        const found = scanWire(jsonValues(text));
        const token = jsonValues(text).some((v) => typeof v === "object" && v !== null && "token" in v);
        if (found.cursors.length > 0 || found.codes.length > 0 || found.rejected || found.entries.length > 0 || found.snapshots.length > 0 || token) {
          expect(mayHold(text, TO_CLIENT_KEYS)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("skips the frames that hold none of them", () => {
    expect(mayHold('["pull",3]', TO_SERVER_KEYS)).toBe(false);
    expect(mayHold('["resolve",1,{"applied":2}]', TO_CLIENT_KEYS)).toBe(false);
    expect(mayHold('["push",["pipeline",0,["\\u0072edeem"],[]]]', TO_SERVER_KEYS)).toBe(true);
  });
});
