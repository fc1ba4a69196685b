// What the proxy recognises in a payload: acks that applied ops (lose_reply) and appendOps calls
// (onAppendCall). Read the way the simulator's observer reads the wire.
import { jsonValues, mayHold, numberFieldAbove } from "../../sim/observe/wire-parse.ts";

/** A reply whose loss leaves the client unsure its ops landed: an ack with `applied` above 0. */
export function isAppliedReply(payload: Buffer): boolean {
  const text = payload.toString("utf8");
  // Most payloads lack the key: skip parsing them.
  return mayHold(text, ['"applied"']) && numberFieldAbove(jsonValues(text), "applied", 0);
}

/** A capnweb call names its method in the JSON; REST appends with POST .../ops. */
export function isAppendCall(payload: Buffer, method?: string, path?: string): boolean {
  if (method === "POST" && path !== undefined && (path.split("?")[0] ?? "").endsWith("/ops")) return true;
  return payload.includes('"appendOps"');
}
