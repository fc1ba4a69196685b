// late-join-skips-ahead
// Bug: a late joiner installs a snapshot, then starts following from the
//      share's cursor at the moment it subscribes, not from the snapshot's.
// Models: "join at latest" read as "follow from whatever is newest now";
//      entries applied between the snapshot and the subscribe are never shown.
// Caught by: reader-prefix (gap: the first entry applied is not the one right
//      after the snapshot the viewer was sent), reader-convergence.
import type { JoinStrategy } from "../client-under-test/viewer/follow-loop.ts";
import { referenceJoin } from "../client-under-test/viewer/follow-loop.ts";
import type { Mutant } from "./mutant.ts";

const joinAtNewest: JoinStrategy = async (connection, store, settings, deadline) => {
  if (settings.from === "start") return referenceJoin(connection, store, settings, deadline);
  const snapshot = await deadline(connection.snapshot(), settings.deadline_ms, "snapshot");
  const newest = await deadline(connection.read(snapshot.cursor, 0), settings.deadline_ms, "read");
  store.installSnapshot(newest.cursor, snapshot.view);
};

export const lateJoinSkipsAhead: Mutant = {
  name: "late-join-skips-ahead",
  bug: "a late joiner follows from the newest cursor, not its snapshot's",
  caught_by: ["reader-prefix", "reader-convergence"],
  parts: { server: {}, client: {}, viewer: { join: joinAtNewest } },
};
