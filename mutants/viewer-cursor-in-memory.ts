// viewer-cursor-in-memory
// Bug: the viewer keeps its cursor only in memory; its SQLite keeps the view
//      and the local log, but the cursor there never moves from 0.
// Models: "the cursor is cheap to recompute", a field on the page object that
//      nobody wrote back to storage.
// Caught by: reader-prefix (the durable cursor is not where the local log
//      ends; after a restart the viewer follows from 0 again and applies every
//      entry a second time: duplicate), reader-convergence.
import { ViewStore } from "../client-under-test/viewer/view-store.ts";
import type { Mutant } from "./mutant.ts";

class MemoryCursorStore extends ViewStore {
  protected override writeCursor(_cursor: number): void {}
}

export const viewerCursorInMemory: Mutant = {
  name: "viewer-cursor-in-memory",
  bug: "the viewer's cursor is not durable: a restart follows from 0 again",
  caught_by: ["reader-prefix", "reader-convergence"],
  parts: { server: {}, client: {}, viewer: { makeStore: (db, ids, crash) => new MemoryCursorStore(db, ids, crash) } },
};
