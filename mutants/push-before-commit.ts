// push-before-commit
// Bug: the server wakes its subscribers as each row is written, inside the
//      transaction, so a viewer is pushed entries before they commit. If the
//      server dies before the commit, the kernel still delivers what was
//      pushed: the viewer applied a log that never existed.
// Models: a change feed fired from the write path instead of after commit.
// Caught by: reader-prefix, reader-convergence.
import type { Op } from "../protocol/ops.ts";
import { ShareStore } from "../server-under-test/store/share-store.ts";
import type { Mutant } from "./mutant.ts";

class PushBeforeCommitStore extends ShareStore {
  protected override applyOne(shareID: string, cursor: number, producerID: string, epoch: number, op: Op): void {
    super.applyOne(shareID, cursor, producerID, epoch, op);
    this.feed.changed(shareID);
  }
}

export const pushBeforeCommit: Mutant = {
  name: "push-before-commit",
  bug: "subscribers are pushed each row as it is written, before the transaction commits",
  caught_by: ["reader-prefix", "reader-convergence"],
  parts: { server: { makeStore: (deps, parts) => new PushBeforeCommitStore(deps, parts) }, client: {} },
};
