import type { TaskEvent, TaskState } from "../protocol/model.ts";
import { isTerminal } from "../protocol/model.ts";

// The seams of the hardened core where a mutant may put a broken component
// (mutants/a2a/). The reference parts are the ones below.

export interface CoreParts {
  /** Whether the task, in `state`, may take `event`. The reference refuses anything after a terminal state. */
  admits(state: TaskState, event: TaskEvent): boolean;
  /** The first sequence number a subscription resuming after `afterSeq` is sent. */
  resumeFrom(afterSeq: number): number;
  /** Whether a message id already seen is recognised (dedupe). */
  dedupes: boolean;
  /** Save an event, then tell subscribers; `save` and `deliver` are given in that order. */
  persistThenDeliver(save: () => void, deliver: () => void, later: (fn: () => void, delay_ms: number) => void): void;
}

export const REFERENCE_CORE_PARTS: CoreParts = {
  admits: (state) => !isTerminal(state),
  resumeFrom: (afterSeq) => afterSeq + 1,
  dedupes: true,
  persistThenDeliver: (save, deliver) => {
    save();
    deliver();
  },
};
