import { z } from "zod";

// Op kinds mirror an agent session. Every kind but `part.append` is idempotent
// (a removal of what is already gone does nothing), so a double apply of an
// append shows up in the final state, not only in bookkeeping.

const id = z.string().min(1).max(128);
// A generous character cap: the byte limits (protocol/limits.ts) are what decide.
const text = z.string().max(65_536);
const json = z.json();

export const opBodySchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("session.upsert"),
    title: z.string().max(512),
    directory: z.string().max(1024).optional(),
  }),
  z.strictObject({
    kind: z.literal("message.upsert"),
    message_id: id,
    role: z.enum(["user", "assistant"]),
    model_id: id.optional(),
    /** Why an assistant message ended; set by an update after creation. */
    finish: z.enum(["stop", "length", "tool-calls", "error"]).optional(),
  }),
  /** A session revert removes messages with their parts. */
  z.strictObject({
    kind: z.literal("message.remove"),
    message_id: id,
  }),
  z.strictObject({
    kind: z.literal("part.remove"),
    part_id: id,
    message_id: id,
  }),
  z.strictObject({
    kind: z.literal("part.upsert"),
    part_id: id,
    message_id: id,
    type: z.enum(["text", "reasoning", "tool"]),
    text: text.optional(),
    state: json.optional(),
  }),
  z.strictObject({
    kind: z.literal("part.append"),
    part_id: id,
    message_id: id,
    text: text.min(1),
  }),
  z.strictObject({
    kind: z.literal("diff.replace"),
    path: z.string().min(1).max(1024),
    additions: z.int().min(0),
    deletions: z.int().min(0),
    patch: z.string().max(8192),
  }),
  z.strictObject({
    kind: z.literal("model.upsert"),
    model_id: id,
    provider: id,
    name: z.string().max(256),
  }),
]);

export type OpBody = z.infer<typeof opBodySchema>;
export type OpKind = OpBody["kind"];

export const OP_KINDS: readonly OpKind[] = [
  "session.upsert",
  "message.upsert",
  "part.upsert",
  "part.append",
  "diff.replace",
  "model.upsert",
  "message.remove",
  "part.remove",
];

/** An op as it travels: the body plus the producer's seq and a globally unique op id. */
export const opSchema = z.strictObject({
  seq: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  op_id: id,
  body: opBodySchema,
});

export type Op = z.infer<typeof opSchema>;
