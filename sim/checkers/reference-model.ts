import type { OpBody } from "../../protocol/ops.ts";
import type { SessionView } from "../../protocol/session-view.ts";

// The simulator's own model of a materialized session, written independently of
// the server's SQL. Convergence compares the server's final state with this.

type Row<K extends keyof SessionView> = SessionView[K] extends (infer R)[] ? R : never;

export class ReferenceSession {
  #session: SessionView["session"] = null;
  readonly #messages = new Map<string, Row<"messages">>();
  readonly #parts = new Map<string, Row<"parts">>();
  readonly #diffs = new Map<string, Row<"diffs">>();
  readonly #models = new Map<string, Row<"models">>();

  apply(body: OpBody): void {
    switch (body.kind) {
      case "session.upsert":
        this.#session = { title: body.title, directory: body.directory ?? this.#session?.directory ?? null };
        return;
      case "message.upsert": {
        const prev = this.#messages.get(body.message_id);
        this.#messages.set(body.message_id, {
          message_id: body.message_id,
          role: body.role,
          model_id: body.model_id ?? prev?.model_id ?? null,
          finish: body.finish ?? prev?.finish ?? null,
        });
        return;
      }
      case "message.remove":
        this.#messages.delete(body.message_id);
        for (const [id, part] of this.#parts) if (part.message_id === body.message_id) this.#parts.delete(id);
        return;
      case "part.remove":
        this.#parts.delete(body.part_id);
        return;
      case "part.upsert": {
        const prev = this.#parts.get(body.part_id);
        this.#parts.set(body.part_id, {
          part_id: body.part_id,
          message_id: body.message_id,
          type: body.type,
          text: body.text ?? prev?.text ?? "",
          // Absent keeps the old state; an explicit null replaces it, as the server does.
          state: body.state === undefined ? (prev?.state ?? null) : body.state,
        });
        return;
      }
      case "part.append": {
        const prev = this.#parts.get(body.part_id);
        if (prev) prev.text += body.text;
        else this.#parts.set(body.part_id, { part_id: body.part_id, message_id: body.message_id, type: "text", text: body.text, state: null });
        return;
      }
      case "diff.replace":
        this.#diffs.set(body.path, { path: body.path, additions: body.additions, deletions: body.deletions, patch: body.patch });
        return;
      case "model.upsert":
        this.#models.set(body.model_id, { model_id: body.model_id, provider: body.provider, name: body.name });
        return;
    }
  }

  /** A snapshot; ids sorted by their UTF-8 bytes, as SQLite's BINARY collation sorts them. */
  view(): SessionView {
    const sorted = <T extends object>(map: Map<string, T>) =>
      [...map.entries()].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map(([, v]) => structuredClone(v));
    return {
      session: this.#session && { ...this.#session },
      messages: sorted(this.#messages),
      parts: sorted(this.#parts),
      diffs: sorted(this.#diffs),
      models: sorted(this.#models),
    };
  }
}
