import type Database from "better-sqlite3";
import { Adversary } from "../../sim/adversary/adversary.ts";
import type { ForbiddenAttempt, ForbiddenProbeData } from "../../sim/adversary/attempts.ts";
import { Incarnation } from "../../sim/kernel/scheduler.ts";
import type { ShareServer } from "../../server-under-test/share-server.ts";
import type { AdversaryShare } from "./server-protocol.ts";

// The simulator's adversary, run inside the real server's process: it opens
// its own capnweb session to the server in memory and attempts what it must
// not, and hashes the database before and after. It runs here, not across the
// network, because the state hash must not see the clients' concurrent writes:
// an attempt runs in microtasks, so no socket is read until it is judged; an
// attempt during which the event loop turned is marked skipped, not judged.

export interface ServerAdversary {
  keepWriter(share: AdversaryShare): Promise<void>;
  attempt(attempt: ForbiddenAttempt, share: AdversaryShare): Promise<ForbiddenProbeData>;
}

export function serverAdversary(server: ShareServer, db: Database.Database): ServerAdversary {
  let current: AdversaryShare | null = null;
  const epochOf = (id: string) => (db.prepare("SELECT epoch FROM shares WHERE id = ?").pluck().get(id) as number | undefined) ?? 0;
  const endpoint = { incarnation: new Incarnation("server", 1), app: server.app, acceptSession: (t: Parameters<ShareServer["acceptSession"]>[0]) => void server.acceptSession(t) };
  const adversary = new Adversary({
    now: () => 0,
    server: () => endpoint,
    serverDb: () => db,
    share: (index) => (current && current.index === index ? { id: current.id, secret: current.secret, epoch: epochOf(current.id) } : undefined),
    otherShare: () => current?.other ?? undefined,
    createDecoy: () => server.store.createShare("adversary-decoy").id,
  });
  return {
    async keepWriter(share) {
      current = share;
      await adversary.keepWriter(share.index);
    },
    async attempt(attempt, share) {
      current = share;
      let turned = false;
      const tick = setImmediate(() => (turned = true));
      const { t: _t, ...probe } = await adversary.attempt(attempt, share.index);
      clearImmediate(tick);
      if (turned && probe.state_changed) return { ...probe, outcome: "skipped", message: `${probe.message} (not judged: other connections were served during the attempt)`, state_changed: false };
      return probe;
    },
  };
}
