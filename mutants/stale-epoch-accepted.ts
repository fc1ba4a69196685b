// stale-epoch-accepted
// Bug: capabilities minted before a revoke still write.
// Models: the epoch is stored on the share but never compared on append,
//      so revocation only stops new redeems.
// Caught by: capability (stale_epoch_write).
import type { EpochGuard } from "../server-under-test/store/seams.ts";
import type { Mutant } from "./mutant.ts";

const noEpochCheck: EpochGuard = { check() {} };

export const staleEpochAccepted: Mutant = {
  name: "stale-epoch-accepted",
  bug: "revoked capabilities still write",
  caught_by: ["capability"],
  parts: { server: { store: { epochGuard: noEpochCheck } }, client: {} },
};
