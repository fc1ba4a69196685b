import type Database from "better-sqlite3";
import { protocolError } from "../../protocol/errors.ts";

// The small components the share store is built from. The reference versions
// live here; mutants/ replaces one of them at a time to model a real mistake.

export type SeqVerdict = "duplicate" | "apply" | "gap";

/** Decides what one op of a batch does, given the producer's last applied seq. */
export interface SeqPolicy {
  decide(seq: number, last_seq: number, seenInBatch: ReadonlySet<number>): SeqVerdict;
}

/** Kafka's idempotent producer, made permanent: O(1) memory per producer, never expires. */
export const permanentSeqPolicy: SeqPolicy = {
  decide(seq, last_seq) {
    if (seq <= last_seq) return "duplicate";
    return seq === last_seq + 1 ? "apply" : "gap";
  },
};

/** Refuses a capability minted under an older epoch. */
export interface EpochGuard {
  check(capabilityEpoch: number, shareEpoch: number): void;
}

export const strictEpochGuard: EpochGuard = {
  check(capabilityEpoch, shareEpoch) {
    if (capabilityEpoch !== shareEpoch) {
      throw protocolError("stale_epoch", `capability epoch ${capabilityEpoch} is not the share's epoch ${shareEpoch}`);
    }
  },
};

/** Where a share's cursor lives. */
export interface CursorStore {
  get(shareID: string): number;
  set(shareID: string, cursor: number): void;
}

export function sqliteCursorStore(db: Database.Database): CursorStore {
  const read = db.prepare(`SELECT cursor FROM shares WHERE id = ?`).pluck();
  const write = db.prepare(`UPDATE shares SET cursor = ? WHERE id = ?`);
  return {
    get: (shareID) => (read.get(shareID) as number | undefined) ?? 0,
    set: (shareID, cursor) => void write.run(cursor, shareID),
  };
}

export { sqliteTransact, type Transact } from "../../protocol/sqlite-transact.ts";
