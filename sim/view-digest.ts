import { createHash } from "node:crypto";
import type { SessionView } from "../protocol/session-view.ts";
import { canonicalJson } from "./history/canonical-json.ts";

/** A short digest of a share's materialized session: the same ops applied give the same digest, in any world. */
export function viewDigest(view: SessionView): string {
  return createHash("sha256").update(canonicalJson(view)).digest("hex").slice(0, 16);
}
