// viewer-apply-split
// Bug: the viewer applies a push to its view and local log in one
//      transaction, and moves its cursor in a second one.
// Models: a view store and a cursor store written by two components, each with
//      its own transaction; correct until a crash lands between them.
// Caught by: reader-prefix (after a crash between the two commits the viewer
//      resumes from the old cursor and applies the same entries again:
//      duplicate), reader-convergence (a part.append doubled in the view).
import type { LogEntry } from "../protocol/rpc.ts";
import { ViewStore, type Applied } from "../client-under-test/viewer/view-store.ts";
import type { Mutant } from "./mutant.ts";

class SplitCommitStore extends ViewStore {
  override apply(entries: readonly LogEntry[]): Applied {
    const share = this.shareID();
    const before = this.state().cursor;
    let cursor = before;
    let applied = 0;
    this.transact(() => {
      for (const entry of entries) {
        if (!this.accepts(entry.cursor, cursor)) continue;
        this.applyOne(share, entry);
        cursor = entry.cursor;
        applied++;
      }
      if (applied > 0) this.crash.reach("viewer.before_apply_commit");
    });
    if (applied === 0) return { applied, cursor_from: before, cursor_to: before };
    this.crash.reach("viewer.after_apply_commit");
    this.transact(() => this.writeCursor(cursor));
    this.moved(cursor);
    return { applied, cursor_from: before, cursor_to: cursor };
  }
}

export const viewerApplySplit: Mutant = {
  name: "viewer-apply-split",
  bug: "the viewer commits its view and its cursor in two transactions",
  caught_by: ["reader-prefix", "reader-convergence"],
  parts: { server: {}, client: {}, viewer: { makeStore: (db, ids, crash) => new SplitCommitStore(db, ids, crash) } },
};
