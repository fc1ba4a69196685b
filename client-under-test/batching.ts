import { jsonBytes, type Limits } from "../protocol/limits.ts";
import type { Op } from "../protocol/ops.ts";

/** Cuts pending ops (already in seq order) to what one call may carry. */
export type BatchPlanner = (pending: Op[], limits: Limits) => Op[];

/** Ops never change once enqueued, and the same pending ops are planned again after every failure. */
const sizes = new WeakMap<Op, number>();

function sizeOf(op: Op): number {
  let size = sizes.get(op);
  if (size === undefined) sizes.set(op, (size = jsonBytes(op)));
  return size;
}

export const planBatch: BatchPlanner = (pending, limits) => {
  const batch: Op[] = [];
  let bytes = 0;
  for (const op of pending) {
    if (batch.length >= limits.ops_per_call_max) break;
    const size = sizeOf(op);
    if (batch.length > 0 && bytes + size > limits.call_bytes_max) break;
    batch.push(op);
    bytes += size;
  }
  return batch;
};
