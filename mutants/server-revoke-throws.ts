// server-revoke-throws
// Bug: revoke looks the share up by session id instead of share id, finds
//      nothing, and dereferences it: a TypeError escapes the admin path
//      instead of a protocol error with a code.
// Models: a refactor that swapped two look-ups on a rarely used admin route.
// Caught by: harness (sut_error): the world's revoke calls into the server,
//      and the bench must turn what it throws into a verdict, not a crash.
import type Database from "better-sqlite3";
import type { Revoked } from "../protocol/rpc.ts";
import { ShareStore, type Grant } from "../server-under-test/store/share-store.ts";
import type { Mutant } from "./mutant.ts";

class RevokeBySessionStore extends ShareStore {
  override revoke(grant: Grant, _rotateSecret: boolean): Revoked {
    const db: Database.Database = this.deps.db;
    const share = db.prepare(`SELECT epoch FROM shares WHERE session_id = ?`).get(grant.share_id) as { epoch: number };
    db.prepare(`UPDATE shares SET epoch = ? WHERE id = ?`).run(share.epoch + 1, grant.share_id);
    return { epoch: share.epoch + 1 };
  }
}

export const serverRevokeThrows: Mutant = {
  name: "server-revoke-throws",
  bug: "revoke throws a TypeError from the admin path",
  caught_by: ["harness"],
  parts: { server: { makeStore: (deps, parts) => new RevokeBySessionStore(deps, parts) }, client: {} },
};
