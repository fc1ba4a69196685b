import type { OpBody } from "../../protocol/ops.ts";
import type { Random } from "../../protocol/ports.ts";
import { drawChance, drawInt, drawPick, drawWeighted } from "../kernel/draw.ts";

/** The activity kinds an assistant turn draws from, by weight. */
const ACTIVITIES = ["text", "reasoning", "tool", "diff", "model", "revert", "title", "limit"] as const;

/**
 * Relative weights of what an assistant turn does next, and how often a
 * streamed part and a turn end the way a real share client ends them. A zero
 * (or absent) weight or chance draws nothing, so an older mix replays exactly.
 */
export interface WorkloadMix {
  text: number;
  reasoning: number;
  tool: number;
  diff: number;
  model: number;
  /** Remove one of this producer's earlier messages (with its parts) or parts: a session revert. */
  revert?: number;
  /** Change the session's title (only the producer that owns the session row). */
  title?: number;
  /** An op exactly at the byte limit in multi-byte text, then one byte over it (refused at enqueue). */
  limit?: number;
  /** Chance that a streamed part is upserted once more with its full final text. */
  snapshot?: number;
  /** Chance that a streamed part gets a metadata-only update (no text). */
  metadata?: number;
  /** Chance that an assistant message is updated at the end of its turn with a finish reason (and now and then a new model). */
  finish?: number;
}

export const DEFAULT_MIX: WorkloadMix = { text: 5, reasoning: 2, tool: 3, diff: 1, model: 0.2, revert: 0.4, title: 0.2, limit: 0.1, snapshot: 0.6, metadata: 0.4, finish: 0.7 };

export interface WorkloadStep {
  body: OpBody;
  /** Virtual time since the previous step. */
  gap_ms: number;
}

export interface AgentSessionOptions {
  /** Namespaces every id, so two producers on one share never touch the same row. */
  tag: string;
  ops: number;
  mix?: WorkloadMix;
  /** Only the primary producer owns the session row. */
  owns_session?: boolean;
  /** Mean pause between streamed chunks. */
  chunk_gap_ms?: number;
  /** How long the user thinks between turns, [min, max]. */
  think_ms?: readonly [number, number];
  /** The largest op body in bytes (protocol/limits.ts opBodyBytesMax); needed by the `limit` activity. */
  body_bytes_max?: number;
}

const WORDS = ["replay", "cursor", "batch", "epoch", "outbox", "ack", "seq", "stub", "session", "diff", "ok", "retry", "commit"];
const PROVIDERS = ["anthropic", "openai", "local"];
const FINISH = ["stop", "length", "tool-calls", "error"] as const;
/** Multi-byte UTF-8: 4 bytes (and two UTF-16 units), 3 bytes, 2 bytes. */
const WIDE = ["😀", "🚀", "中", "文", "é", "ß"];
/** UTF-8 bytes of each WIDE character, and drawn the way drawPick draws, so the draws stay those of earlier runs. */
const WIDE_BYTES = WIDE.map((c) => Buffer.byteLength(c));
const TOOLS = ["read", "edit", "bash", "grep"];

function words(random: Random, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(drawPick(random, WORDS));
  return out.join(" ") + " ";
}

/** A body whose JSON is exactly `bytes` UTF-8 bytes: `make(text)` filled with multi-byte text, then ASCII. */
export function bodyOfBytes(random: Random, bytes: number, make: (text: string) => OpBody): OpBody {
  let left = bytes - Buffer.byteLength(JSON.stringify(make("")));
  const chars: string[] = [];
  while (left > 4) {
    const i = Math.floor(random.next() * WIDE.length); // = drawPick(random, WIDE), by index
    chars.push(WIDE[i]!);
    left -= WIDE_BYTES[i]!;
  }
  return make(chars.join("") + "x".repeat(Math.max(0, left)));
}

/**
 * An agent session as a stream of ops: user and assistant messages, parts
 * streamed as text appends and then snapshotted with their full text, metadata
 * updates that leave the text alone, tool parts moving through their states,
 * diffs, models, title changes, messages finished after creation, reverts that
 * remove this producer's own messages and parts, and ops at the byte limits.
 * Deterministic for a given Random.
 */
export function* agentSession(random: Random, options: AgentSessionOptions): Generator<WorkloadStep> {
  const { tag, ops } = options;
  const mix = options.mix ?? DEFAULT_MIX;
  const gap = options.chunk_gap_ms ?? 30;
  const [thinkMin, thinkMax] = options.think_ms ?? [1000, 20_000];
  let emitted = 0;
  let messages = 0;
  let parts = 0;
  let model = `${tag}-model-0`;
  const step = (body: OpBody, gap_ms: number): WorkloadStep => {
    emitted++;
    return { body, gap_ms };
  };
  const chunkGap = () => drawInt(random, 1, gap * 2);

  if (options.owns_session !== false) yield step({ kind: "session.upsert", title: `session ${tag}`, directory: `/work/${tag}` }, 0);
  if (emitted < ops) yield step({ kind: "model.upsert", model_id: model, provider: drawPick(random, PROVIDERS), name: "default" }, chunkGap());

  /** This producer's own messages and their parts still present: what a revert may remove. */
  const own: { message_id: string; parts: string[] }[] = [];
  let titles = 0;
  while (emitted < ops) {
    const user = `${tag}-m${String(++messages).padStart(5, "0")}`;
    yield step({ kind: "message.upsert", message_id: user, role: "user" }, messages === 1 ? chunkGap() : drawInt(random, thinkMin, thinkMax));
    if (emitted >= ops) return;
    const userPart = `${tag}-p${String(++parts).padStart(5, "0")}`;
    yield step({ kind: "part.upsert", part_id: userPart, message_id: user, type: "text", text: words(random, drawInt(random, 3, 12)) }, chunkGap());
    own.push({ message_id: user, parts: [userPart] });
    if (emitted >= ops) return;
    const assistant = `${tag}-m${String(++messages).padStart(5, "0")}`;
    yield step({ kind: "message.upsert", message_id: assistant, role: "assistant", model_id: model }, chunkGap());
    const turn = { message_id: assistant, parts: [] as string[] };
    const activities = drawInt(random, 1, 4);
    for (let a = 0; a < activities && emitted < ops; a++) {
      const activity = drawWeighted(random, Object.fromEntries(ACTIVITIES.map((k) => [k, mix[k] ?? 0])) as Record<(typeof ACTIVITIES)[number], number>);
      const part_id = `${tag}-p${String(++parts).padStart(5, "0")}`;
      if (activity === "text" || activity === "reasoning") {
        turn.parts.push(part_id);
        yield step({ kind: "part.upsert", part_id, message_id: assistant, type: activity, text: "" }, chunkGap());
        const chunks = drawInt(random, 1, 12);
        let full = "";
        for (let c = 0; c < chunks && emitted < ops; c++) {
          const text = words(random, drawInt(random, 1, 4));
          full += text;
          yield step({ kind: "part.append", part_id, message_id: assistant, text }, chunkGap());
        }
        // What a real share client sends once a part is done: the full text again, then metadata alone.
        if (emitted < ops && drawChance(random, mix.snapshot ?? 0)) yield step({ kind: "part.upsert", part_id, message_id: assistant, type: activity, text: full }, chunkGap());
        if (emitted < ops && drawChance(random, mix.metadata ?? 0)) {
          yield step({ kind: "part.upsert", part_id, message_id: assistant, type: activity, state: { time: { end: emitted } } }, chunkGap());
        }
      } else if (activity === "tool") {
        turn.parts.push(part_id);
        const tool = drawPick(random, TOOLS);
        yield step({ kind: "part.upsert", part_id, message_id: assistant, type: "tool", state: { tool, status: "pending" } }, chunkGap());
        if (emitted < ops) yield step({ kind: "part.upsert", part_id, message_id: assistant, type: "tool", state: { tool, status: "running" } }, chunkGap());
        if (emitted < ops) {
          const ok = !drawChance(random, 0.1);
          yield step({ kind: "part.upsert", part_id, message_id: assistant, type: "tool", state: { tool, status: ok ? "completed" : "error", output: words(random, 3).trim() } }, drawInt(random, gap * 10, gap * 100));
        }
      } else if (activity === "diff") {
        const file = `src/${tag}/${drawPick(random, WORDS)}.ts`;
        yield step({ kind: "diff.replace", path: file, additions: drawInt(random, 0, 40), deletions: drawInt(random, 0, 20), patch: `@@ ${words(random, 4).trim()}` }, chunkGap());
      } else if (activity === "model") {
        model = `${tag}-model-${drawInt(random, 0, 2)}`;
        yield step({ kind: "model.upsert", model_id: model, provider: drawPick(random, PROVIDERS), name: drawPick(random, WORDS) }, chunkGap());
      } else if (activity === "revert") {
        // Only this producer's own earlier rows: producers never touch each other's.
        const target = own.length > 0 ? own[drawInt(random, 0, own.length - 1)]! : undefined;
        if (!target) continue;
        if (target.parts.length > 0 && drawChance(random, 0.5)) {
          const removed = target.parts.splice(drawInt(random, 0, target.parts.length - 1), 1)[0]!;
          yield step({ kind: "part.remove", part_id: removed, message_id: target.message_id }, chunkGap());
        } else {
          own.splice(own.indexOf(target), 1);
          yield step({ kind: "message.remove", message_id: target.message_id }, chunkGap());
        }
      } else if (activity === "title") {
        if (options.owns_session === false) continue;
        yield step({ kind: "session.upsert", title: `session ${tag}, ${words(random, 2).trim()} (${++titles})` }, chunkGap());
      } else if (options.body_bytes_max !== undefined) {
        // Ops at the byte limit: exactly at it, in multi-byte text, then one byte over (refused at enqueue).
        turn.parts.push(part_id);
        const make = (text: string): OpBody => ({ kind: "part.upsert", part_id, message_id: assistant, type: "text", text });
        yield step(bodyOfBytes(random, options.body_bytes_max, make), chunkGap());
        if (emitted < ops) yield step(bodyOfBytes(random, options.body_bytes_max + 1, make), chunkGap());
      }
    }
    own.push(turn);
    if (emitted < ops && drawChance(random, mix.finish ?? 0)) {
      const changed = drawChance(random, 0.3) ? `${tag}-model-${drawInt(random, 0, 2)}` : undefined;
      yield step({ kind: "message.upsert", message_id: assistant, role: "assistant", finish: drawPick(random, FINISH), ...(changed ? { model_id: changed } : {}) }, chunkGap());
    }
  }
}

/** A scenario's explicit ops, one chunk gap apart. */
export function* scriptSteps(script: readonly OpBody[], chunk_gap_ms: number): Generator<WorkloadStep> {
  for (const body of script) yield { body, gap_ms: chunk_gap_ms };
}
