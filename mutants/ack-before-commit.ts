// ack-before-commit
// Bug: the server replies before its transaction commits; commits are batched
//      on a timer, so a crash in between loses ops that were already acked.
// Models: group commit / write-behind added for throughput, with the reply
//      sent as soon as the write is queued.
// Caught by: ack-integrity (acked_not_durable), exactly-once (lost),
//      cursor-monotonic (a restart brings back a lower cursor).
import type Database from "better-sqlite3";
import type { Clock } from "../protocol/ports.ts";
import type { Transact } from "../protocol/sqlite-transact.ts";
import { ShareStore } from "../server-under-test/store/share-store.ts";
import type { Mutant } from "./mutant.ts";

const GROUP_COMMIT_MS = 50;

/** Work runs in a savepoint of a long transaction that a timer commits later. */
function groupCommit(db: Database.Database, clock: Clock): Transact {
  let open = false;
  return (work) => {
    if (!open) {
      db.exec("BEGIN");
      open = true;
      clock.setTimer(GROUP_COMMIT_MS, () => {
        if (open && db.open && db.inTransaction) db.exec("COMMIT");
        open = false;
      });
    }
    db.exec("SAVEPOINT work");
    try {
      const result = work();
      db.exec("RELEASE work");
      return result;
    } catch (error) {
      if (db.open && db.inTransaction) db.exec("ROLLBACK TO work; RELEASE work");
      throw error;
    }
  };
}

export const ackBeforeCommit: Mutant = {
  name: "ack-before-commit",
  bug: "the server replies before its transaction commits",
  caught_by: ["ack-integrity", "exactly-once", "cursor-monotonic"],
  parts: { server: { makeStore: (deps, parts) => new ShareStore(deps, { ...parts, transact: groupCommit(deps.db, deps.clock) }) }, client: {} },
};
