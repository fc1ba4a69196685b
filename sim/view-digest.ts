import { createHash } from "node:crypto";
import type { SessionView } from "../protocol/session-view.ts";
import { canonicalJson } from "./history/canonical-json.ts";

/** A short digest of a share's materialized session: the same ops applied give the same digest, in any world. */
export function viewDigest(view: SessionView): string {
  return createHash("sha256").update(canonicalJson(view)).digest("hex").slice(0, 16);
}

/**
 * A digest of the ops a share applied, as a set of bodies: equal digests mean
 * the same work was applied, in whatever order. Producer ids and seqs differ
 * between worlds; bodies do not.
 */
export function opsDigest(log: readonly { producer_id: string; seq: number }[], committed: readonly { producer: string; seq: number; body: unknown }[]): string {
  const bodies = new Map(committed.map((c) => [`${c.producer}#${c.seq}`, canonicalJson(c.body)]));
  const list = log.map((r) => bodies.get(`${r.producer_id}#${r.seq}`) ?? `unknown ${r.producer_id}#${r.seq}`).sort();
  return createHash("sha256").update(list.join("\n")).digest("hex").slice(0, 16);
}
