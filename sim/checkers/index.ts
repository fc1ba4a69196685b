import { ackIntegrity } from "./ack-integrity.ts";
import { capability } from "./capability.ts";
import { convergence } from "./convergence.ts";
import { cursorMonotonic } from "./cursor-monotonic.ts";
import { exactlyOnce } from "./exactly-once.ts";
import { liveness } from "./liveness.ts";
import { order } from "./order.ts";
import { readerConvergence } from "./reader-convergence.ts";
import { readerPrefix } from "./reader-prefix.ts";
import type { JudgeName } from "../checker-names.ts";
import type { Checker, RunRecord, Violation } from "./checker.ts";

export const CHECKER_FNS: Readonly<Record<JudgeName, Checker>> = {
  "exactly-once": exactlyOnce,
  "cursor-monotonic": cursorMonotonic,
  order,
  "ack-integrity": ackIntegrity,
  capability,
  convergence,
  "reader-prefix": readerPrefix,
  "reader-convergence": readerConvergence,
  liveness,
};

/** Runs every checker; violations come in checker order, then by time. */
export function checkAll(record: RunRecord): Violation[] {
  const out: Violation[] = [];
  for (const check of Object.values(CHECKER_FNS)) {
    out.push(...check(record).sort((a, b) => (a.t_ms ?? Infinity) - (b.t_ms ?? Infinity)));
  }
  return out;
}

export type { Checker, RunRecord, Violation } from "./checker.ts";
export type { CheckerName } from "../checker-names.ts";
export { ALL_CHECKERS, CHECKERS } from "../checker-names.ts";
