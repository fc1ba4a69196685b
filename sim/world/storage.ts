import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import type { Parts } from "../../mutants/mutant.ts";
import { synchronousNormal } from "../../mutants/synchronous-normal.ts";
import { openServerDb } from "../../server-under-test/share-server.ts";
import type { DbOpener, DiskKind, NodeStorage } from "../nodes/disk.ts";
import type { Scenario } from "../scenario/schema.ts";

/**
 * How the world's processes keep their databases. Their own openers (or a
 * mutant's, at the same seam) decide the SQLite settings; a scenario that asks
 * for the old `synchronous=NORMAL` gets it on top. A run in which a host can
 * lose power keeps its databases on files, so SQLite's own recovery decides what survives.
 */
export function storageFor(scenario: Scenario, parts: Parts, canLosePower: boolean): { server: NodeStorage; outbox: NodeStorage } {
  const disk: DiskKind = canLosePower ? "files" : "memory";
  const settle = scenario.storage.synchronous === "NORMAL" ? synchronousNormal : (open: DbOpener) => open;
  return {
    server: { open: settle(parts.openServerDb ?? openServerDb), disk },
    outbox: { open: settle(parts.openOutboxDb ?? openOutboxDb), disk },
  };
}
