import type { OpBody } from "../../protocol/ops.ts";
import type { Random } from "../../protocol/ports.ts";
import { drawChance, drawInt, drawPick, drawWeighted } from "../kernel/draw.ts";

/** Relative weights of what an assistant turn does next. */
export interface WorkloadMix {
  text: number;
  reasoning: number;
  tool: number;
  diff: number;
  model: number;
}

export const DEFAULT_MIX: WorkloadMix = { text: 5, reasoning: 2, tool: 3, diff: 1, model: 0.2 };

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
}

const WORDS = ["replay", "cursor", "batch", "epoch", "outbox", "ack", "seq", "stub", "session", "diff", "ok", "retry", "commit"];
const PROVIDERS = ["anthropic", "openai", "local"];
const TOOLS = ["read", "edit", "bash", "grep"];

function words(random: Random, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(drawPick(random, WORDS));
  return out.join(" ") + " ";
}

/**
 * An agent session as a stream of ops: user and assistant messages, parts
 * streamed as text appends, tool parts moving through their states, diffs and
 * models. Deterministic for a given Random.
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

  while (emitted < ops) {
    const user = `${tag}-m${String(++messages).padStart(5, "0")}`;
    yield step({ kind: "message.upsert", message_id: user, role: "user" }, messages === 1 ? chunkGap() : drawInt(random, thinkMin, thinkMax));
    if (emitted >= ops) return;
    yield step({ kind: "part.upsert", part_id: `${tag}-p${String(++parts).padStart(5, "0")}`, message_id: user, type: "text", text: words(random, drawInt(random, 3, 12)) }, chunkGap());
    if (emitted >= ops) return;
    const assistant = `${tag}-m${String(++messages).padStart(5, "0")}`;
    yield step({ kind: "message.upsert", message_id: assistant, role: "assistant", model_id: model }, chunkGap());
    const activities = drawInt(random, 1, 4);
    for (let a = 0; a < activities && emitted < ops; a++) {
      const activity = drawWeighted(random, mix);
      const part_id = `${tag}-p${String(++parts).padStart(5, "0")}`;
      if (activity === "text" || activity === "reasoning") {
        yield step({ kind: "part.upsert", part_id, message_id: assistant, type: activity, text: "" }, chunkGap());
        const chunks = drawInt(random, 1, 12);
        for (let c = 0; c < chunks && emitted < ops; c++) {
          yield step({ kind: "part.append", part_id, message_id: assistant, text: words(random, drawInt(random, 1, 4)) }, chunkGap());
        }
      } else if (activity === "tool") {
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
      } else {
        model = `${tag}-model-${drawInt(random, 0, 2)}`;
        yield step({ kind: "model.upsert", model_id: model, provider: drawPick(random, PROVIDERS), name: drawPick(random, WORDS) }, chunkGap());
      }
    }
  }
}
