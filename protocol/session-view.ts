// The materialized session in canonical form: every list sorted by id, every
// object with its fields in a fixed order. The server's GET route and the
// simulator's reference model both produce exactly this shape, so equal
// sessions serialize to equal JSON.

export interface SessionView {
  session: { title: string; directory: string | null } | null;
  messages: { message_id: string; role: string; model_id: string | null; finish: string | null }[];
  parts: { part_id: string; message_id: string; type: string; text: string; state: unknown }[];
  diffs: { path: string; additions: number; deletions: number; patch: string }[];
  models: { model_id: string; provider: string; name: string }[];
}

export function emptySessionView(): SessionView {
  return { session: null, messages: [], parts: [], diffs: [], models: [] };
}

