import { firstDifference } from "./convergence.ts";
import { VIOLATIONS_PER_CHECKER_MAX, type Checker, type Violation } from "./checker.ts";

/**
 * Each viewer's materialized view equals the server's view at the viewer's own
 * cursor: the server's log up to that cursor, materialized afresh from the
 * server's SQLite. Whether a live viewer reached the final cursor is the
 * liveness checker's question; this one asks whether what it shows is right.
 */
export const readerConvergence: Checker = (record) => {
  const violations: Violation[] = [];
  for (const viewer of record.viewers) {
    if (!viewer.joined || viewer.view === null || viewer.expected_view === null) continue;
    const diff = firstDifference(viewer.expected_view, viewer.view);
    if (diff === null) continue;
    violations.push({
      checker: "reader-convergence",
      anomaly: "diverged",
      message: `${viewer.node}'s view at cursor ${viewer.cursor} differs from the server's at ${diff.path}`,
      t_ms: record.end_t,
      witness: { node: viewer.node, cursor: viewer.cursor, ...diff },
    });
    if (violations.length >= VIOLATIONS_PER_CHECKER_MAX) break;
  }
  return violations;
};
