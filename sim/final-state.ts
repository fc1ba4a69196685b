import type Database from "better-sqlite3";
import type { Op } from "../protocol/ops.ts";
import type { SessionView } from "../protocol/session-view.ts";
import { Materializer } from "../server-under-test/store/materialize.ts";
import type { ClientNode } from "./nodes/client-node.ts";
import type { ServerNode } from "./nodes/server-node.ts";
import type { ShareInfo } from "./world.ts";

export interface LogRow {
  cursor: number;
  producer_id: string;
  seq: number;
  epoch: number;
  op_id: string;
}

export interface FinalShare {
  index: number;
  id: string;
  cursor: number;
  epoch: number;
  log: LogRow[];
  producers: { producer_id: string; last_seq: number }[];
  view: SessionView;
}

export interface FinalClient {
  node: string;
  producer: string;
  share_index: number;
  scope: "write" | "read";
  secret: "valid" | "wrong";
  up: boolean;
  pending: Op[];
  acked_seq: number;
  cursor: number;
  stopped: { code: string; message: string } | null;
}

/** The committed state of the server's store, read straight from its SQLite. */
export function inspectServer(server: ServerNode, shares: readonly ShareInfo[]): FinalShare[] {
  return server.inspect((db: Database.Database) => {
    const materializer = new Materializer(db);
    return shares.filter(Boolean).map((share) => {
      const row = db.prepare(`SELECT cursor, epoch FROM shares WHERE id = ?`).get(share.id) as { cursor: number; epoch: number } | undefined;
      const log = db
        .prepare(`SELECT cursor, producer_id, seq, epoch, json_extract(op, '$.op_id') AS op_id FROM share_log WHERE share_id = ? ORDER BY cursor`)
        .all(share.id) as LogRow[];
      const producers = db.prepare(`SELECT producer_id, last_seq FROM producers WHERE share_id = ? ORDER BY producer_id`).all(share.id) as FinalShare["producers"];
      return { index: share.index, id: share.id, cursor: row?.cursor ?? 0, epoch: row?.epoch ?? 0, log, producers, view: materializer.view(share.id) };
    });
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
