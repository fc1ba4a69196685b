import type { SessionView } from "../../protocol/session-view.ts";
import { canonicalJson } from "../history/canonical-json.ts";
import { opKey, type Checker } from "./checker.ts";
import { ReferenceSession } from "./reference-model.ts";

const SECTIONS = ["messages", "parts", "diffs", "models"] as const;
const KEYS = { messages: "message_id", parts: "part_id", diffs: "path", models: "model_id" } as const;

function clip(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}

/** The first place two sessions differ, as a path and both values. */
export function firstDifference(expected: SessionView, actual: SessionView): { path: string; expected: unknown; actual: unknown } | null {
  if (canonicalJson(expected.session) !== canonicalJson(actual.session)) return { path: "session", expected: expected.session, actual: actual.session };
  for (const section of SECTIONS) {
    const key = KEYS[section];
    const want = new Map((expected[section] as Record<string, unknown>[]).map((r) => [String(r[key]), r]));
    const got = new Map((actual[section] as Record<string, unknown>[]).map((r) => [String(r[key]), r]));
    for (const id of [...new Set([...want.keys(), ...got.keys()])].sort()) {
      const a = want.get(id);
      const b = got.get(id);
      if (canonicalJson(a) === canonicalJson(b)) continue;
      if (a && b) {
        for (const field of Object.keys(a)) {
          if (canonicalJson(a[field]) !== canonicalJson(b[field])) return { path: `${section}[${id}].${field}`, expected: a[field], actual: b[field] };
        }
      }
      return { path: `${section}[${id}]`, expected: a ?? null, actual: b ?? null };
    }
  }
  return null;
}

/**
 * The server's final materialized session equals a reference model that
 * applies every committed op exactly once, in seq order. Ops still waiting in
 * an outbox at the end, and never applied, are left out: liveness judges those.
 */
export const convergence: Checker = (record) => {
  const pending = new Set<string>();
  for (const client of record.clients) for (const op of client.pending) pending.add(opKey(client.producer, op.seq));
  const violations = [];
  for (const share of record.shares) {
    // An op can be both applied and still pending: its reply was lost and the client stopped before redeeming again.
    const applied = new Set(share.log.map((row) => opKey(row.producer_id, row.seq)));
    const reference = new ReferenceSession();
    const ops = record.committed
      .filter((op) => op.share_index === share.index && (applied.has(opKey(op.producer, op.seq)) || !pending.has(opKey(op.producer, op.seq))))
      .sort((a, b) => (a.node === b.node ? a.seq - b.seq : a.node < b.node ? -1 : 1));
    for (const op of ops) reference.apply(op.body);
    const diff = firstDifference(reference.view(), share.view);
    if (diff) {
      const show = (v: unknown) => clip(typeof v === "string" ? JSON.stringify(v) : canonicalJson(v));
      violations.push({
        checker: "convergence" as const,
        anomaly: "diverged",
        message: `${share.id} ${diff.path}: expected ${show(diff.expected)}, got ${show(diff.actual)}`,
        t_ms: record.end_t,
        witness: { share: share.id, path: diff.path, expected: diff.expected, actual: diff.actual, ops_expected: ops.length },
      });
    }
  }
  return violations;
};
