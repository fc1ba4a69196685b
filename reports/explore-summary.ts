import type { RunEfficiency, TransportEfficiency } from "../sim/efficiency.ts";
import type { ExploreFailure, ExploreResult } from "../sim/explore/explore.ts";
import { witnessDetail } from "./run-summary.ts";

// What an exploration produced, for people (console) and machines (JSON).
// summary.json is the --json object; `replaysim merge` reads it back, so it
// carries every seed's outcome and the flags that decide which runs happen.

export interface FailureFile {
  failure: ExploreFailure;
  /** Where its scenario was written, as given to the repro command. */
  path: string;
  repro: string;
  /** The failure's files, relative to the output directory. */
  files: { scenario: string; timeline: string | null };
}

/** Tells an explore summary.json apart from any other JSON. */
export const SUMMARY_FORMAT = "replaysim-explore/1";

/** The flags that decide which runs an exploration makes: shards to be merged must agree on all of them. */
export interface ExploreFlags {
  from: number;
  /** Seeds in the whole range (every shard together); null under --time. */
  seeds: number | null;
  time_ms: number | null;
  transport: string;
  profile: string;
  mutant: string | null;
  variant: string;
  ops_max: number | null;
  /** How many shards the range was cut into (1 unsharded). */
  shards: number;
  /** Each run's wall budget: a run past it is a hang, so shards must agree. */
  run_timeout_ms: number;
  check_determinism: boolean;
  fail_fast: boolean;
  shrink: boolean;
}

export interface OutcomeRecord {
  seed: number;
  transport: string;
  verdict: "pass" | "fail";
  checkers: string[];
  trace_hash: string;
  wall_ms: number;
  /** What delivering its ops cost (sim/efficiency.ts): lets a merge recompute the per-transport figures. */
  efficiency?: RunEfficiency;
}

export interface FailureRecord {
  seed: number;
  transport: string;
  checker: string;
  anomaly: string;
  message: string;
  witness: Record<string, unknown>;
  shrunk: { runs: number; pinned: number; cut_short: boolean; size_before: unknown; size_after: unknown; message: string } | null;
  scenario_file: string;
  repro: string;
  /** Replays the seed from its flags. */
  repro_seed: string;
  files: { scenario: string; timeline: string | null };
}

export interface ExploreSummary {
  format: typeof SUMMARY_FORMAT;
  title: string;
  seeds_run: number;
  runs: number;
  from: number;
  transport: string;
  profile: string;
  workers: number;
  /** "k/n", or null for an unsharded (or merged) exploration. */
  shard: string | null;
  mutant: string | null;
  variant: string;
  failures: FailureRecord[];
  /** Failing runs per checker. */
  verdicts: Record<string, number>;
  /** Faults injected per kind. */
  faults: Record<string, number>;
  wall_ms: number;
  seeds_per_s: number;
  flags: ExploreFlags;
  /** Every run, in seed order. */
  outcomes: OutcomeRecord[];
  /** Fields a later version adds (e.g. coverage counts) ride along. */
  [field: string]: unknown;
}

export interface ExploreMeta {
  title: string;
  flags: ExploreFlags;
  workers: number;
  shard: string | null;
}

export function failureRecord({ failure: f, path, repro, files }: FailureFile): FailureRecord {
  return {
    seed: f.seed,
    transport: f.transport,
    checker: f.checker,
    anomaly: f.violation.anomaly,
    message: f.violation.message,
    witness: f.violation.witness,
    shrunk: f.shrunk ? { runs: f.shrunk.runs, pinned: f.shrunk.pinned, cut_short: f.shrunk.cut_short, size_before: f.shrunk.size_before, size_after: f.shrunk.size_after, message: f.shrunk.violation.message } : null,
    scenario_file: path,
    repro,
    repro_seed: f.repro_seed,
    files,
  };
}

export function exploreSummary(result: ExploreResult, files: readonly FailureFile[], meta: ExploreMeta): ExploreSummary {
  const { flags } = meta;
  return {
    format: SUMMARY_FORMAT,
    title: meta.title,
    seeds_run: result.seeds_run,
    runs: result.runs,
    from: flags.from,
    transport: flags.transport,
    profile: flags.profile,
    workers: meta.workers,
    shard: meta.shard,
    mutant: flags.mutant,
    variant: flags.variant,
    failures: files.map(failureRecord),
    verdicts: result.verdicts,
    faults: result.faults,
    hangs: result.hangs,
    stopped_early: result.stopped_early,
    coverage: result.coverage,
    efficiency: result.efficiency,
    wall_ms: result.wall_ms,
    seeds_per_s: result.seeds_per_s,
    flags,
    outcomes: result.outcomes.map((o) => ({ seed: o.seed, transport: o.transport, verdict: o.verdict, checkers: o.checkers, trace_hash: o.trace_hash, wall_ms: o.wall_ms, efficiency: o.efficiency })),
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
  for (const { failure: f, path, repro, files: own } of files) {
    lines.push("");
    lines.push(`✗ seed ${f.seed} ${f.transport}: ${f.checker}/${f.violation.anomaly}${f.violation.t_ms === null ? "" : ` at ${f.violation.t_ms} ms`}`);
    lines.push(`  ${f.violation.message}`);
    lines.push(...witnessDetail(f.violation.witness).map((l) => l.slice(2)));
    if (f.shrunk) {
      const a = f.shrunk.size_before;
      const b = f.shrunk.size_after;
      const pinned = f.shrunk.pinned > 0 ? ` (${f.shrunk.pinned} random fault${f.shrunk.pinned === 1 ? "" : "s"} pinned)` : "";
      lines.push(`  shrunk in ${f.shrunk.runs} runs${pinned}: ${a.clients}→${b.clients} clients, ${a.ops}→${b.ops} ops, batch ${a.batch_size}→${b.batch_size}, fault rates ${a.fault_rates}→${b.fault_rates}, fault actions ${a.fault_actions}→${b.fault_actions}`);
      lines.push(`  minimal: ${f.shrunk.violation.message}`);
    }
    lines.push(`  scenario: ${path}`);
    if (own.timeline) lines.push(`  timeline: ${path.replace(/\.json$/, ".html")}`);
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
