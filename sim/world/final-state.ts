import type Database from "better-sqlite3";
import type { Op } from "../../protocol/ops.ts";
import type { SessionView } from "../../protocol/session-view.ts";
import { Materializer } from "../../protocol/materialize.ts";
import type { ClientNode } from "../nodes/client-node.ts";
import type { ServerNode } from "../nodes/server-node.ts";
import { openViewerDb } from "../../client-under-test/viewer/view-store.ts";
import type { ViewerNode } from "../nodes/viewer-node.ts";
import type { FinalClient, FinalShare, FinalViewer, LogRow, ShareInfo } from "../run-record.ts";

/** The committed state of the server's store, read straight from its SQLite. */
export function inspectServer(server: ServerNode, shares: readonly ShareInfo[]): FinalShare[] {
  return server.inspect((db: Database.Database) => finalShares(db, shares));
}

/** Each share as a server database holds it (the simulator's, or a copy of a real server's files). */
export function finalShares(db: Database.Database, shares: readonly ShareInfo[]): FinalShare[] {
  const materializer = new Materializer(db);
  return shares.filter(Boolean).map((share) => {
    const row = db.prepare(`SELECT cursor, epoch FROM shares WHERE id = ?`).get(share.id) as { cursor: number; epoch: number } | undefined;
    const log = db
      .prepare(`SELECT cursor, producer_id, seq, epoch, json_extract(op, '$.op_id') AS op_id FROM share_log WHERE share_id = ? ORDER BY cursor`)
      .all(share.id) as LogRow[];
    const producers = db.prepare(`SELECT producer_id, last_seq FROM producers WHERE share_id = ? ORDER BY producer_id`).all(share.id) as FinalShare["producers"];
    return { index: share.index, id: share.id, cursor: row?.cursor ?? 0, epoch: row?.epoch ?? 0, log, producers, view: materializer.view(share.id) };
  });
}

export function inspectClient(node: ClientNode, scope: "write" | "read", secret: "valid" | "wrong"): FinalClient {
  const outbox = node.inspect();
  const error = node.up ? node.client.status().error : null;
  return {
    node: node.name,
    producer: node.producerID,
    share_index: node.binding.share_index,
    scope,
    secret,
    up: node.up,
    pending: outbox.pending,
    acked_seq: outbox.acked_seq,
    cursor: outbox.cursor,
    stopped: error,
  };
}

/** The server's session as it stood at `cursor`: its log's first entries, applied to an empty database. */
export function serverViewAt(server: ServerNode, shareID: string, cursor: number): SessionView {
  return server.inspect((db) => serverViewFrom(db, shareID, cursor));
}

/** The same, from a server database (the simulator's, or a copy of a real server's file). */
export function serverViewFrom(db: Database.Database, shareID: string, cursor: number): SessionView {
  const ops = (db.prepare(`SELECT op FROM share_log WHERE share_id = ? AND cursor <= ? ORDER BY cursor`).pluck().all(shareID, cursor) as string[]).map((op) => JSON.parse(op) as Op);
  const scratch = openViewerDb();
  try {
    const materializer = new Materializer(scratch);
    for (const op of ops) materializer.apply(shareID, op.body);
    return materializer.view(shareID);
  } finally {
    scratch.close();
  }
}

/**
 * Where each viewer ended. Viewers of a share mostly end at the same cursor,
 * and the log is replayed once per share and cursor, not once per viewer.
 */
export function inspectViewers(nodes: readonly ViewerNode[], secrets: readonly ("valid" | "wrong")[], server: ServerNode): FinalViewer[] {
  const views = new Map<string, SessionView>();
  const viewAt = (shareID: string, cursor: number): SessionView => {
    const key = `${shareID}@${cursor}`;
    let view = views.get(key);
    if (!view) views.set(key, (view = serverViewAt(server, shareID, cursor)));
    return view;
  };
  return nodes.map((node, i) => inspectViewer(node, secrets[i]!, viewAt));
}

function inspectViewer(node: ViewerNode, secret: "valid" | "wrong", viewAt: (shareID: string, cursor: number) => SessionView): FinalViewer {
  const committed = node.inspect();
  return {
    expected_view: committed.joined ? viewAt(node.binding.share_id, committed.cursor) : null,
    node: node.name,
    share_index: node.binding.share_index,
    secret,
    started: node.started,
    left: node.left,
    up: node.up,
    stopped: node.up ? node.viewer.status().error : null,
    ...committed,
  };
}
