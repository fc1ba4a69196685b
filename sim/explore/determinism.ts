import type { Violation } from "../checker-names.ts";
import type { RunReport } from "./tasks.ts";

// FoundationDB's "unseed" check: the same seed, run twice (in two workers when
// there are several), must give the same trace hash. When it does not, the
// witness is the first history event where the two runs part.

function timeOf(line: string | undefined): number | null {
  if (line === undefined) return null;
  try {
    const t = (JSON.parse(line) as unknown[])[0];
    return typeof t === "number" ? t : null;
  } catch {
    return null;
  }
}

/** The modules under test, named for a message; undefined for the reference. */
export function moduleNames(impl: { client?: string; server?: string; viewer?: string } | undefined): string | undefined {
  const names = [impl?.client, impl?.server, impl?.viewer].filter((n): n is string => n !== undefined);
  return names.length > 0 ? [...new Set(names)].join(" and ") : undefined;
}

/** What a module of someone else's most likely did when its runs part. */
export const MODULE_NONDETERMINISM_HINT =
  "a module under test that reads the real clock (Date.now, new Date, performance.now), Math.random or crypto randomness, or sets its own timers, does this: take time, randomness, ids and timers from its ports";

/** Null when the two runs agree; else a `determinism` violation naming where they part. `module` names a module under test (`--client`), whose usual cause the message then says. */
export function determinismViolation(first: RunReport, second: RunReport, module?: string): Violation | null {
  const hint = module ? `; ${module} is not the reference: ${MODULE_NONDETERMINISM_HINT}` : "";
  const where = { seed: first.seed, transport: first.transport };
  if (second.trace_hash === "" || first.trace_hash === "") {
    const stopped = second.trace_hash === "" ? second : first;
    if (first.trace_hash === "" && second.trace_hash === "") return null;
    return {
      checker: "determinism",
      anomaly: "diverged",
      message: `one run of this seed gave a verdict and the other was stopped: ${stopped.violations[0]?.message ?? "no verdict"}`,
      t_ms: stopped.stats.sim_time_ms,
      witness: { ...where, trace_hashes: [first.trace_hash, second.trace_hash] },
    };
  }
  if (first.trace_hash === second.trace_hash) return null;
  const a = first.lines ?? [];
  const b = second.lines ?? [];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return {
    checker: "determinism",
    anomaly: "diverged",
    message: `the same seed gave two trace hashes; the runs part at history event ${i + 1} (of ${a.length} and ${b.length})${hint}`,
    t_ms: timeOf(a[i]) ?? timeOf(b[i]),
    witness: { ...where, event_index: i, first_run: a[i] ?? "(history ended)", second_run: b[i] ?? "(history ended)", trace_hashes: [first.trace_hash, second.trace_hash] },
  };
}
