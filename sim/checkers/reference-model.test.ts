import type Database from "better-sqlite3";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, jsonBytes, opBodyBytesMax } from "../../protocol/limits.ts";
import { opBodySchema } from "../../protocol/ops.ts";
import { seededRandom } from "../../protocol/fake-ports.ts";
import { agentSession } from "../workload/agent-session.ts";
import type { OpBody } from "../../protocol/ops.ts";
import { openServerDb } from "../../server-under-test/share-server.ts";
import { Materializer } from "../../protocol/materialize.ts";
import { canonicalJson } from "../history/canonical-json.ts";
import { ReferenceSession } from "./reference-model.ts";

// Convergence trusts the reference model to mean what the server's SQL means.
// Each sequence below is applied to both, and both must read back as the same
// canonical JSON, and as the session we expect.

const SHARE = "sh_ref";
const opened: Database.Database[] = [];

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

function both(ops: OpBody[]) {
  const db = openServerDb();
  opened.push(db);
  db.prepare(`INSERT INTO shares (id, session_id, secret_hash, epoch, cursor, created_ms) VALUES (?, 'session', 'hash', 0, 0, 0)`).run(SHARE);
  const server = new Materializer(db);
  const reference = new ReferenceSession();
  for (const op of ops) {
    server.apply(SHARE, op);
    reference.apply(op);
  }
  return { server: server.view(SHARE), reference: reference.view() };
}

const SEQUENCES: { name: string; ops: OpBody[]; check: (view: ReturnType<typeof both>["server"]) => void }[] = [
  {
    name: "part.upsert without text keeps the old text (and state without state keeps the old state)",
    ops: [
      { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "tool", text: "calling", state: { status: "pending" } },
      { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "tool", state: { status: "running" } },
      { kind: "part.upsert", part_id: "p1", message_id: "m2", type: "tool" },
    ],
    check: (view) => expect(view.parts).toEqual([{ part_id: "p1", message_id: "m2", type: "tool", text: "calling", state: { status: "running" } }]),
  },
  {
    name: "part.upsert with empty text resets what appends built",
    ops: [
      { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "text", text: "" },
      { kind: "part.append", part_id: "p1", message_id: "m1", text: "ab" },
      { kind: "part.append", part_id: "p1", message_id: "m1", text: "cd" },
      { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "reasoning", text: "" },
      { kind: "part.append", part_id: "p1", message_id: "m1", text: "e" },
    ],
    check: (view) => expect(view.parts).toEqual([{ part_id: "p1", message_id: "m1", type: "reasoning", text: "e", state: null }]),
  },
  {
    name: "part.append creates a missing part as text, then concatenates without touching type or message",
    ops: [
      { kind: "part.append", part_id: "p2", message_id: "m1", text: "hel" },
      { kind: "part.append", part_id: "p2", message_id: "m9", text: "lo" },
      { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "reasoning" },
      { kind: "part.append", part_id: "p1", message_id: "m1", text: "think" },
    ],
    check: (view) =>
      expect(view.parts).toEqual([
        { part_id: "p1", message_id: "m1", type: "reasoning", text: "think", state: null },
        { part_id: "p2", message_id: "m1", type: "text", text: "hello", state: null },
      ]),
  },
  {
    name: "model.upsert and diff.replace overwrite every field; lists come back sorted by id",
    ops: [
      { kind: "model.upsert", model_id: "z-model", provider: "local", name: "first" },
      { kind: "model.upsert", model_id: "a-model", provider: "openai", name: "gpt" },
      { kind: "model.upsert", model_id: "z-model", provider: "anthropic", name: "second" },
      { kind: "diff.replace", path: "src/b.ts", additions: 3, deletions: 1, patch: "@@ one" },
      { kind: "diff.replace", path: "src/a.ts", additions: 0, deletions: 0, patch: "" },
      { kind: "diff.replace", path: "src/b.ts", additions: 0, deletions: 7, patch: "@@ two" },
    ],
    check: (view) => {
      expect(view.models).toEqual([
        { model_id: "a-model", provider: "openai", name: "gpt" },
        { model_id: "z-model", provider: "anthropic", name: "second" },
      ]);
      expect(view.diffs).toEqual([
        { path: "src/a.ts", additions: 0, deletions: 0, patch: "" },
        { path: "src/b.ts", additions: 0, deletions: 7, patch: "@@ two" },
      ]);
    },
  },
  {
    name: "session and message upserts keep the directory and model_id when a later one omits them",
    ops: [
      { kind: "session.upsert", title: "one", directory: "/w" },
      { kind: "session.upsert", title: "two" },
      { kind: "message.upsert", message_id: "m1", role: "assistant", model_id: "opus" },
      { kind: "message.upsert", message_id: "m1", role: "user" },
      { kind: "message.upsert", message_id: "m0", role: "user" },
    ],
    check: (view) => {
      expect(view.session).toEqual({ title: "two", directory: "/w" });
      expect(view.messages).toEqual([
        { message_id: "m0", role: "user", model_id: null, finish: null },
        { message_id: "m1", role: "user", model_id: "opus", finish: null },
      ]);
    },
  },
  {
    name: "a snapshot after streaming replaces the appended text; its order against the appends matters",
    ops: [
      { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "reasoning", text: "" },
      { kind: "part.append", part_id: "p1", message_id: "m1", text: "thin" },
      { kind: "part.append", part_id: "p1", message_id: "m1", text: "king" },
      { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "reasoning", text: "thinking" },
      { kind: "part.upsert", part_id: "p2", message_id: "m1", type: "text", text: "done" },
      // A late append after the snapshot is text again: order is visible in the final state.
      { kind: "part.append", part_id: "p2", message_id: "m1", text: "!" },
    ],
    check: (view) => expect(view.parts.map((p) => [p.part_id, p.type, p.text])).toEqual([["p1", "reasoning", "thinking"], ["p2", "text", "done!"]]),
  },
  {
    name: "a metadata-only update leaves the text alone; a message is finished and its model changed after creation",
    ops: [
      { kind: "message.upsert", message_id: "m1", role: "assistant", model_id: "opus" },
      { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "text", text: "héllo 中文 😀" },
      { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "text", state: { time: { end: 5 } } },
      { kind: "message.upsert", message_id: "m1", role: "assistant", finish: "stop", model_id: "sonnet" },
      { kind: "message.upsert", message_id: "m1", role: "assistant" },
    ],
    check: (view) => {
      expect(view.parts).toEqual([{ part_id: "p1", message_id: "m1", type: "text", text: "héllo 中文 😀", state: { time: { end: 5 } } }]);
      expect(view.messages).toEqual([{ message_id: "m1", role: "assistant", model_id: "sonnet", finish: "stop" }]);
    },
  },
  {
    name: "removals: a message goes with its parts, a part alone, and removing what is gone does nothing",
    ops: [
      { kind: "message.upsert", message_id: "m1", role: "user" },
      { kind: "part.upsert", part_id: "p1", message_id: "m1", type: "text", text: "a" },
      { kind: "part.upsert", part_id: "p2", message_id: "m1", type: "text", text: "b" },
      { kind: "message.upsert", message_id: "m2", role: "assistant" },
      { kind: "part.upsert", part_id: "p3", message_id: "m2", type: "text", text: "c" },
      { kind: "part.upsert", part_id: "p4", message_id: "m2", type: "tool", state: { status: "done" } },
      { kind: "message.remove", message_id: "m1" },
      { kind: "part.remove", part_id: "p4", message_id: "m2" },
      { kind: "message.remove", message_id: "m1" },
      { kind: "part.remove", part_id: "p9", message_id: "m2" },
    ],
    check: (view) => {
      expect(view.messages.map((m) => m.message_id)).toEqual(["m2"]);
      expect(view.parts.map((p) => p.part_id)).toEqual(["p3"]);
    },
  },
  {
    name: "an empty session reads back empty",
    ops: [],
    check: (view) => expect(view).toEqual({ session: null, messages: [], parts: [], diffs: [], models: [] }),
  },
];

describe("ReferenceSession against the server's Materializer", () => {
  it("agree on generated agent sessions with every workload shape, whatever the mix", () => {
    const weight = fc.integer({ min: 0, max: 4 });
    const chance = fc.integer({ min: 0, max: 10 }).map((n) => n / 10);
    const mix = fc.record({ text: weight, reasoning: weight, tool: weight, diff: weight, model: weight, revert: weight, title: weight, limit: weight, snapshot: chance, metadata: chance, finish: chance });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), mix, fc.integer({ min: 1, max: 150 }), (seed, m, ops) => {
        const bodies = [...agentSession(seededRandom(seed), { tag: "t", ops, mix: m, body_bytes_max: opBodyBytesMax(DEFAULT_LIMITS) })]
          .map((step) => step.body)
          .filter((b) => jsonBytes(b) <= opBodyBytesMax(DEFAULT_LIMITS));
        for (const b of bodies) expect(opBodySchema.safeParse(b).success).toBe(true);
        const { server, reference } = both(bodies);
        expect(canonicalJson(reference)).toBe(canonicalJson(server));
      }),
      { seed: 7, numRuns: 60 },
    );
  });


  it.each(SEQUENCES)("$name", ({ ops, check }) => {
    const { server, reference } = both(ops);
    check(server);
    expect(canonicalJson(reference)).toBe(canonicalJson(server));
  });

  it("a doubled append is visible in both, and the two still agree", () => {
    const append: OpBody = { kind: "part.append", part_id: "p1", message_id: "m1", text: "x" };
    const once = both([append]);
    const twice = both([append, append]);
    expect(canonicalJson(twice.reference)).toBe(canonicalJson(twice.server));
    expect(canonicalJson(twice.reference)).not.toBe(canonicalJson(once.reference));
    expect(twice.server.parts[0]?.text).toBe("xx");
  });

  it("keeps shares apart on the server side (the reference is one share)", () => {
    const db = openServerDb();
    opened.push(db);
    for (const id of ["a", "b"]) db.prepare(`INSERT INTO shares (id, session_id, secret_hash, epoch, cursor, created_ms) VALUES (?, 's', 'h', 0, 0, 0)`).run(id);
    const server = new Materializer(db);
    const reference = new ReferenceSession();
    const op: OpBody = { kind: "model.upsert", model_id: "m", provider: "p", name: "n" };
    server.apply("a", op);
    reference.apply(op);
    expect(canonicalJson(server.view("a"))).toBe(canonicalJson(reference.view()));
    expect(server.view("b").models).toEqual([]);
  });
});
