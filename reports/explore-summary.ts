import type { ExploreFailure, ExploreResult } from "../sim/explore/explore.ts";

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
}

export interface OutcomeRecord {
  seed: number;
  transport: string;
  verdict: "pass" | "fail";
  checkers: string[];
  trace_hash: string;
  wall_ms: number;
}

export interface FailureRecord {
  seed: number;
  transport: string;
  checker: string;
  anomaly: string;
  message: string;
  witness: Record<string, unknown>;
  shrunk: { runs: number; size_before: unknown; size_after: unknown; message: string } | null;
  scenario_file: string;
  repro: string;
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
    shrunk: f.shrunk ? { runs: f.shrunk.runs, size_before: f.shrunk.size_before, size_after: f.shrunk.size_after, message: f.shrunk.violation.message } : null,
    scenario_file: path,
    repro,
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
    wall_ms: result.wall_ms,
    seeds_per_s: result.seeds_per_s,
    flags,
    outcomes: result.outcomes.map((o) => ({ seed: o.seed, transport: o.transport, verdict: o.verdict, checkers: o.checkers, trace_hash: o.trace_hash, wall_ms: o.wall_ms })),
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
  for (const { failure: f, path, repro, files: own } of files) {
    lines.push("");
    lines.push(`✗ seed ${f.seed} ${f.transport}: ${f.checker}/${f.violation.anomaly}${f.violation.t_ms === null ? "" : ` at ${f.violation.t_ms} ms`}`);
    lines.push(`  ${f.violation.message}`);
    if (f.shrunk) {
      const a = f.shrunk.size_before;
      const b = f.shrunk.size_after;
      lines.push(`  shrunk in ${f.shrunk.runs} runs: ${a.clients}→${b.clients} clients, ${a.ops}→${b.ops} ops, batch ${a.batch_size}→${b.batch_size}, fault rates ${a.fault_rates}→${b.fault_rates}, timeline ${a.timeline}→${b.timeline}`);
      lines.push(`  minimal: ${f.shrunk.violation.message}`);
    }
    lines.push(`  scenario: ${path}`);
    if (own.timeline) lines.push(`  timeline: ${path.replace(/\.json$/, ".html")}`);
    lines.push(`  replay:   ${repro}`);
  }
  return lines;
}
