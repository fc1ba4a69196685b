import type { TransportEfficiency } from "../sim/efficiency.ts";
import type { ExploreFailure, ExploreResult } from "../sim/explore/explore.ts";
import { witnessDetail } from "./run-summary.ts";

// What an exploration produced, for people (console) and machines (JSON).

export interface FailureFile {
  failure: ExploreFailure;
  /** Where its scenario was written, as given to the repro command. */
  path: string;
  repro: string;
}

export function exploreJson(result: ExploreResult, files: readonly FailureFile[], extra: Record<string, unknown>): Record<string, unknown> {
  return {
    seeds_run: result.seeds_run,
    runs: result.runs,
    ...extra,
    failures: files.map(({ failure: f, path, repro }) => ({
      seed: f.seed,
      transport: f.transport,
      checker: f.checker,
      anomaly: f.violation.anomaly,
      message: f.violation.message,
      witness: f.violation.witness,
      shrunk: f.shrunk ? { runs: f.shrunk.runs, cut_short: f.shrunk.cut_short, size_before: f.shrunk.size_before, size_after: f.shrunk.size_after, message: f.shrunk.violation.message } : null,
      scenario_file: path,
      repro,
      repro_seed: f.repro_seed,
    })),
    verdicts: result.verdicts,
    faults: result.faults,
    hangs: result.hangs,
    stopped_early: result.stopped_early,
    coverage: result.coverage,
    efficiency: result.efficiency,
    wall_ms: result.wall_ms,
    seeds_per_s: result.seeds_per_s,
  };
}

export function exploreConsole(result: ExploreResult, files: readonly FailureFile[], label: string): string[] {
  const lines: string[] = [];
  const failures = files.length;
  lines.push(
    `${failures === 0 ? "PASS" : "FAIL"} ${label}: ${result.seeds_run} seeds (${result.runs} runs) in ${(result.wall_ms / 1000).toFixed(1)} s, ${result.seeds_per_s} seeds/s; ${failures} failing`,
  );
  const verdicts = Object.entries(result.verdicts);
  lines.push(`checkers: ${verdicts.length === 0 ? "no violations" : verdicts.map(([c, n]) => `${c} ${n}`).join(", ")}`);
  const faults = Object.entries(result.faults);
  lines.push(`faults injected: ${faults.length === 0 ? "none" : faults.map(([k, n]) => `${k} ${n}`).join(", ")}`);
  lines.push(...coverageTable(result.coverage));
  if (result.hangs > 0) lines.push(`watchdog: ${result.hangs} run${result.hangs === 1 ? "" : "s"} stopped past the ${result.run_timeout_ms} ms budget or spinning`);
  if (result.stopped_early) lines.push("stopped at the first failing seed (--fail-fast)");
  lines.push(...efficiencyLines(result.efficiency));
  for (const { failure: f, path, repro } of files) {
    lines.push("");
    lines.push(`✗ seed ${f.seed} ${f.transport}: ${f.checker}/${f.violation.anomaly}${f.violation.t_ms === null ? "" : ` at ${f.violation.t_ms} ms`}`);
    lines.push(`  ${f.violation.message}`);
    lines.push(...witnessDetail(f.violation.witness).map((l) => l.slice(2)));
    if (f.shrunk) {
      const a = f.shrunk.size_before;
      const b = f.shrunk.size_after;
      lines.push(`  shrunk in ${f.shrunk.runs} runs: ${a.clients}→${b.clients} clients, ${a.ops}→${b.ops} ops, batch ${a.batch_size}→${b.batch_size}, fault rates ${a.fault_rates}→${b.fault_rates}, timeline ${a.timeline}→${b.timeline}`);
      lines.push(`  minimal: ${f.shrunk.violation.message}`);
    }
    lines.push(`  scenario: ${path}`);
    lines.push(`  replay:   ${repro}`);
  }
  return lines;
}

/** The coverage conditions as a short table: runs that reached each, never-reached ones flagged. */
export function coverageTable(coverage: Record<string, number>): string[] {
  const names = Object.keys(coverage);
  if (names.length === 0) return [];
  const width = Math.max(...names.map((n) => n.length));
  const missing = names.filter((n) => coverage[n] === 0);
  return [
    `coverage: ${names.length - missing.length} of ${names.length} conditions reached${missing.length ? ` (never: ${missing.join(", ")})` : ""}`,
    ...names.map((n) => `  ${n.padEnd(width)}  ${String(coverage[n]).padStart(6)}${coverage[n] === 0 ? "  ✗ never reached" : ""}`),
  ];
}

/** One line per transport: what delivering the ops cost beyond sending each once. */
export function efficiencyLines(efficiency: Record<string, TransportEfficiency>): string[] {
  const n = (v: number | null, digits: number) => (v === null ? "-" : v.toFixed(digits));
  return Object.entries(efficiency).map(([transport, e]) => {
    const heal = e.heal_to_drained_ms;
    return (
      `efficiency ${transport}: ${n(e.reconnects_per_1000_ops, 2)} reconnects per 1,000 ops, op amplification ${n(e.op_amplification, 3)} ` +
      `(${e.ops_sent} sent / ${e.ops_applied} applied), heal to drained p50 ${n(heal.p50, 0)} ms, max ${n(heal.max, 0)} ms (${heal.runs} of ${e.runs} runs)`
    );
  });
}
