import type Database from "better-sqlite3";
import type { Synchronous } from "../../sim/storage/db-files.ts";

// A full disk in a real child, as the simulator makes one: the database may
// not grow past the pages it has, so any write that needs a page fails with
// SQLITE_FULL. The limit is per connection: a restart during the window gets it again.

/** SQLite's own largest page count: growth is limited only by the disk. */
const PAGES_MAX = 4_294_967_294;

export function limitGrowth(db: Database.Database, full: boolean): void {
  db.pragma(`max_page_count = ${full ? 1 : PAGES_MAX}`);
}

const LEVELS: readonly Synchronous[] = ["OFF", "NORMAL", "FULL", "EXTRA"];

/** The connection's synchronous level: what a power loss may take depends on it. */
export function synchronousOf(db: Database.Database): Synchronous {
  return LEVELS[db.pragma("synchronous", { simple: true }) as number] ?? "NORMAL";
}
