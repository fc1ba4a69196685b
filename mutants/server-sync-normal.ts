// server-sync-normal
// Bug: the server's database runs WAL with synchronous=NORMAL, as the first
//      reference did: the WAL is synced only at checkpoints, so a power loss
//      takes commits the server had already acked.
// Models: the SQLite setting most WAL guides recommend for speed, kept on a
//      server whose acks are promises.
// Caught by: exactly-once (lost), cursor-monotonic (the cursor goes back), liveness.
import { openServerDb } from "../server-under-test/share-server.ts";
import type { Mutant } from "./mutant.ts";
import { synchronousNormal } from "./synchronous-normal.ts";

export const serverSyncNormal: Mutant = {
  name: "server-sync-normal",
  bug: "the server's SQLite runs synchronous=NORMAL: a power loss takes acked commits",
  caught_by: ["exactly-once", "cursor-monotonic", "liveness"],
  parts: {
    server: {},
    client: {},
    openServerDb: synchronousNormal(openServerDb),
  },
};
