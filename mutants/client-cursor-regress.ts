// client-cursor-regress
// Bug: the client stores the cursor of the latest ack even when it is lower
//      than one it already stored.
// Models: `cursor = ack.cursor` instead of `cursor = max(cursor, ack.cursor)`;
//      acks of concurrent calls can arrive in any order.
// Caught by: cursor-monotonic (the recorded cursor goes down).
import { Outbox } from "../client-under-test/outbox/outbox.ts";
import type { Mutant } from "./mutant.ts";

class LatestCursorOutbox extends Outbox {
  override recordCursor(cursor: number): number {
    this.writeCursor(cursor);
    return cursor;
  }
}

export const clientCursorRegress: Mutant = {
  name: "client-cursor-regress",
  bug: "the client stores the cursor of the latest ack, even when it is lower",
  caught_by: ["cursor-monotonic"],
  parts: { server: {}, client: { makeOutbox: (db, ids, crash) => new LatestCursorOutbox(db, ids, crash) } },
};
