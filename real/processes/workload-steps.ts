import { DEFAULT_LIMITS, jsonBytes, opBodyBytesMax } from "../../protocol/limits.ts";
import type { OpBody } from "../../protocol/ops.ts";

// A workload step that the client refuses at enqueue (too large) takes no seq.
// Both sides of real mode need to know which step a committed seq came from:
// the harness, to know each committed op's body, and a restarted client, to
// resume after the last op its outbox committed. Size is the one refusal that
// depends on the body alone, and both apply the client's own rule for it.

/** Whether the reference client's enqueue takes this body (the size rule of ShareClient.enqueue). */
export function takesBody(body: OpBody): boolean {
  return jsonBytes(body) <= opBodyBytesMax(DEFAULT_LIMITS);
}

// A step whose enqueue a crash interrupted is dropped too, as the simulator's
// agent drops it: the harness lists them, by index, for the next incarnation.

/** Whether step `i` gets a seq. */
const takes = (steps: readonly { body: OpBody }[], dropped: readonly number[], i: number) => takesBody(steps[i]!.body) && !dropped.includes(i);

/** The bodies that get seqs 1, 2, 3 ... in order. */
export function seqBodies(steps: readonly { body: OpBody }[], dropped: readonly number[] = []): OpBody[] {
  return steps.flatMap((s, i) => (takes(steps, dropped, i) ? [s.body] : []));
}

/** The seq step `index` gets, if it gets one. */
export function seqOfStep(steps: readonly { body: OpBody }[], index: number, dropped: readonly number[] = []): number {
  let seq = 0;
  for (let i = 0; i <= index; i++) if (takes(steps, dropped, i)) seq++;
  return seq;
}

/** Where a client whose outbox committed `committed` ops resumes: the index of the step after the last of them. */
export function resumeIndex(steps: readonly { body: OpBody }[], committed: number, dropped: readonly number[] = []): number {
  let taken = 0;
  for (let i = 0; i < steps.length; i++) {
    if (taken === committed) return i;
    if (takes(steps, dropped, i)) taken++;
  }
  return steps.length;
}
