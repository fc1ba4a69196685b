import type { Op, OpBody } from "../protocol/ops.ts";
import { SeededRandom, streamWords } from "../sim/kernel/prng.ts";
import { agentSession } from "../sim/workload/agent-session.ts";

// The bench's ops: one agent session drawn from a fixed seed, so every cell,
// the SQLite ceiling and every run of the bench push the same bytes.

export function benchBodies(ops: number): OpBody[] {
  const random = new SeededRandom(streamWords(12, "bench"));
  return [...agentSession(random, { tag: "bench", ops })].map((step) => step.body);
}

/** The same bodies as the ops a producer would send: seq 1..n. */
export function benchOps(bodies: readonly OpBody[]): Op[] {
  return bodies.map((body, i) => ({ seq: i + 1, op_id: `op_bench_${i + 1}`, body }));
}
