import { ackBeforeCommit } from "./ack-before-commit.ts";
import { ackClaimsBatch } from "./ack-claims-batch.ts";
import { clientCursorRegress } from "./client-cursor-regress.ts";
import { clientForgetsInflight } from "./client-forgets-inflight.ts";
import { clientNoDeadline } from "./client-no-deadline.ts";
import { clientResendReordered } from "./client-resend-reordered.ts";
import { clientTrimsOnSend } from "./client-trims-on-send.ts";
import { cursorInMemory } from "./cursor-in-memory.ts";
import { cursorPerConnection } from "./cursor-per-connection.ts";
import { dedupePerBatch } from "./dedupe-per-batch.ts";
import { gapAccepted } from "./gap-accepted.ts";
import type { Mutant, Parts } from "./mutant.ts";
import { noDedupe } from "./no-dedupe.ts";
import { nonAtomicApply } from "./non-atomic-apply.ts";
import { readOnlyWrites } from "./read-only-writes.ts";
import { redeemWrongProducer } from "./redeem-wrong-producer.ts";
import { staleEpochAccepted } from "./stale-epoch-accepted.ts";
import { clientSpinMicrotask } from "./client-spin-microtask.ts";
import { clientSpinTimer } from "./client-spin-timer.ts";
import { serverRevokeThrows } from "./server-revoke-throws.ts";
import { clientUnseededBatching } from "./client-unseeded-batching.ts";
import { lateJoinSkipsAhead } from "./late-join-skips-ahead.ts";
import { pushReordersUnderBackpressure } from "./push-reorders-under-backpressure.ts";
import { subscriptionSurvivesRevoke } from "./subscription-survives-revoke.ts";
import { viewerApplySplit } from "./viewer-apply-split.ts";
import { viewerCursorInMemory } from "./viewer-cursor-in-memory.ts";
import { viewerResumeSkips } from "./viewer-resume-skips.ts";
import { serverSyncNormal } from "./server-sync-normal.ts";
import { outboxSyncNormal } from "./outbox-sync-normal.ts";

/** Every deliberate bug the bench must catch, by name. */
export const MUTANTS: readonly Mutant[] = [
  noDedupe,
  dedupePerBatch,
  ackBeforeCommit,
  nonAtomicApply,
  cursorInMemory,
  cursorPerConnection,
  gapAccepted,
  staleEpochAccepted,
  readOnlyWrites,
  clientTrimsOnSend,
  clientForgetsInflight,
  clientNoDeadline,
  clientResendReordered,
  clientCursorRegress,
  redeemWrongProducer,
  ackClaimsBatch,
  clientSpinMicrotask,
  clientSpinTimer,
  serverRevokeThrows,
  clientUnseededBatching,
  // The read side: viewers following a share.
  viewerResumeSkips,
  viewerCursorInMemory,
  viewerApplySplit,
  lateJoinSkipsAhead,
  pushReordersUnderBackpressure,
  subscriptionSurvivesRevoke,
  // Storage and crashes as real machines do them.
  serverSyncNormal,
  outboxSyncNormal,
];

export function findMutant(name: string): Mutant | undefined {
  return MUTANTS.find((m) => m.name === name);
}

export type { Mutant, Parts };
