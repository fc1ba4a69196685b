// subscription-survives-revoke
// Bug: a push subscription keeps reading after a revoke: it checks the epoch
//      once, at subscribe, and reads with the share's current one afterwards.
// Models: the subscription holds the share id, not the capability's grant, so
//      nothing ties what it serves to the epoch the viewer redeemed in.
// Caught by: capability (stale_epoch_read: entries pushed through a revoked
//      epoch).
import type { LogEntry } from "../protocol/rpc.ts";
import { Subscription } from "../server-under-test/rpc/subscription.ts";
import type { Mutant } from "./mutant.ts";

class EpochBlindSubscription extends Subscription {
  protected override pages(room: number): LogEntry[][] {
    const row = this.store.deps.db.prepare(`SELECT epoch FROM shares WHERE id = ?`).get(this.grant.share_id) as { epoch: number } | undefined;
    if (row) this.grant.epoch = row.epoch;
    return super.pages(room);
  }
}

export const subscriptionSurvivesRevoke: Mutant = {
  name: "subscription-survives-revoke",
  bug: "a push subscription goes on serving after a revoke",
  caught_by: ["capability"],
  parts: { server: { makeSubscription: (context) => new EpochBlindSubscription({ ...context, grant: { ...context.grant } }) }, client: {} },
};
