// client-trims-on-send
// Bug: the client marks ops acked (and trims them) when it sends them, not
//      when the server acknowledges them.
// Models: "fire and forget" treated as delivery; fine until a request is lost.
// Caught by: exactly-once (lost), ack-integrity (acked_unapplied).
import type { Mutant } from "./mutant.ts";
import { beforeAppend } from "./connection.ts";

export const clientTrimsOnSend: Mutant = {
  name: "client-trims-on-send",
  bug: "the client marks ops acked when sent, not when acked",
  caught_by: ["exactly-once", "ack-integrity"],
  parts: { server: {}, client: { wrapConnection: (connection, outbox) => beforeAppend(connection, (ops) => void outbox.markAcked(ops[ops.length - 1]!.seq)) } },
};
