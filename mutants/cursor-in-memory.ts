// cursor-in-memory
// Bug: the share's cursor lives in a process-local map; a restart resets it.
// Models: a counter cached in the server process "for speed" and never
//      written back.
// Caught by: cursor-monotonic (the cursor falls back after a restart, and
//      ends below the ops in the log); liveness when new log rows collide.
import { ShareStore } from "../server-under-test/store/share-store.ts";
import type { CursorStore } from "../server-under-test/store/seams.ts";
import type { Mutant } from "./mutant.ts";

function processLocalCursors(): CursorStore {
  const cursors = new Map<string, number>();
  return { get: (id) => cursors.get(id) ?? 0, set: (id, cursor) => void cursors.set(id, cursor) };
}

export const cursorInMemory: Mutant = {
  name: "cursor-in-memory",
  bug: "the server's cursor is not persisted and resets on restart",
  caught_by: ["cursor-monotonic", "liveness"],
  // A fresh map for each server process: that is what a restart loses.
  parts: { server: { makeStore: (deps, parts) => new ShareStore(deps, { ...parts, cursors: processLocalCursors() }) }, client: {} },
};
