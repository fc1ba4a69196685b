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

/** The bodies that get seqs 1, 2, 3 ... in order. */
export function seqBodies(steps: readonly { body: OpBody }[]): OpBody[] {
  return steps.filter((s) => takesBody(s.body)).map((s) => s.body);
}

/** Where a client whose outbox committed `committed` ops resumes: the index of the step after the last of them. */
export function resumeIndex(steps: readonly { body: OpBody }[], committed: number): number {
  let taken = 0;
  for (let i = 0; i < steps.length; i++) {
    if (taken === committed) return i;
    if (takesBody(steps[i]!.body)) taken++;
  }
  return steps.length;
}
