import Database from "better-sqlite3";
import { Materializer } from "../../protocol/materialize.ts";
import type { Op } from "../../protocol/ops.ts";
import type { ReadShare } from "./black-box-read.ts";

// A `--db-reader` module for the reference server's SQLite schema: what
// `replaysim real --server-cmd "replaysim serve --port {port} --db {db}"
// --db-reader real/world/reference-db-reader.ts` reads at the end instead of
// GET /log and /snapshot. A team writes the same for its own files: export
// `readShares(dbPath, shareIds)` returning, per share, its log entries in
// cursor order ({cursor, producer_id, seq, op}), its materialized session
// (docs/protocol.md's SessionView) and, if it has one, its epoch.

export function readShares(dbPath: string, shareIds: readonly string[]): ReadShare[] {
  const db = new Database(dbPath);
  try {
    const materializer = new Materializer(db);
    return shareIds.map((id) => {
      const rows = db.prepare(`SELECT cursor, producer_id, seq, op FROM share_log WHERE share_id = ? ORDER BY cursor`).all(id) as { cursor: number; producer_id: string; seq: number; op: string }[];
      const share = db.prepare(`SELECT epoch FROM shares WHERE id = ?`).get(id) as { epoch: number } | undefined;
      return { id, entries: rows.map((r) => ({ cursor: r.cursor, producer_id: r.producer_id, seq: r.seq, op: JSON.parse(r.op) as Op })), view: materializer.view(id), epoch: share?.epoch ?? 0 };
    });
  } finally {
    db.close();
  }
}
