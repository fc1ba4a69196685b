// The checkers' names, with no imports: scenario files, reports and the checkers
// themselves all name checkers, and none of them should pull in a world to do so.

/** The checkers that judge a run's record, in the order they run. */
export const CHECKERS = ["exactly-once", "cursor-monotonic", "order", "ack-integrity", "capability", "convergence", "reader-prefix", "reader-convergence", "liveness"] as const;
export type JudgeName = (typeof CHECKERS)[number];

/**
 * Verdicts the bench gives outside the record: `harness` when the code under
 * test threw into the simulator or killed its worker, `determinism` when the
 * same seed gave two trace hashes. (`liveness/hang` comes from the watchdog.)
 */
export const BENCH_CHECKERS = ["harness", "determinism"] as const;
/** The checkers of the second system under test, A2A (sim/a2a/checkers/). */
export const A2A_CHECKERS = ["one-task-per-send", "history-once", "stream-gap-free", "replay-matches-get", "terminal-final", "crash-durable"] as const;
export type A2ACheckerName = (typeof A2A_CHECKERS)[number];
export const ALL_CHECKERS = [...CHECKERS, ...A2A_CHECKERS, ...BENCH_CHECKERS] as const;
export type CheckerName = (typeof ALL_CHECKERS)[number];

/** A checker's finding: which invariant, which anomaly, the minimal witness, and when. */
export interface Violation {
  checker: CheckerName;
  anomaly: string;
  message: string;
  t_ms: number | null;
  witness: Record<string, unknown>;
}
