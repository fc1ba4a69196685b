import { protocolError } from "./errors.ts";

// SQLite says "database or disk is full" (SQLITE_FULL) when a write needs a new
// page and none may be had: the disk is full, or `PRAGMA max_page_count` caps
// the file. SQLite then rolls back the whole transaction, not only the failing
// statement (checked for :memory:, deserialized images and WAL files alike;
// better-sqlite3's db.transaction() would roll back anything SQLite left open),
// so nothing of the refused write is left behind. These helpers give that failure
// the protocol's `disk_full` code; every other error passes through unchanged.

/**
 * True for better-sqlite3's SqliteError with code SQLITE_FULL. Checked by
 * shape (an Error whose `code` is SQLITE_FULL), not by class, so protocol/
 * needs better-sqlite3 only as a type.
 */
export function isSqliteFull(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === "SQLITE_FULL";
}

/** A `disk_full` protocol error for SQLITE_FULL; any other value is returned as it is. */
export function fromSqliteError(error: unknown): unknown {
  if (!isSqliteFull(error)) return error;
  return protocolError("disk_full", `storage is full: ${(error as Error).message}`);
}

/** Rethrows SQLITE_FULL as `disk_full`, anything else unchanged. */
export function rethrowSqliteError(error: unknown): never {
  throw fromSqliteError(error);
}

/** Runs a local write; SQLITE_FULL leaves it as a `disk_full` protocol error. */
export function mapDiskFull<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw fromSqliteError(error);
  }
}
