// outbox-sync-normal
// Bug: the client's outbox runs WAL with synchronous=NORMAL: enqueue returns
//      once its commit is in the OS, not on disk, and a power loss takes ops
//      the agent was told are safe.
// Models: a durable queue tuned for enqueue latency.
// Caught by: exactly-once (lost).
import { openOutboxDb } from "../client-under-test/outbox/outbox.ts";
import type { Mutant } from "./mutant.ts";
import { synchronousNormal } from "./synchronous-normal.ts";

export const outboxSyncNormal: Mutant = {
  name: "outbox-sync-normal",
  bug: "the outbox's SQLite runs synchronous=NORMAL: an enqueue that returned is lost with the power",
  caught_by: ["exactly-once"],
  parts: {
    server: {},
    client: {},
    openOutboxDb: synchronousNormal(openOutboxDb),
  },
};
