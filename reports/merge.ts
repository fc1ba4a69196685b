import { efficiencyByTransport, type RunEfficiency } from "../sim/efficiency.ts";
import { TRANSPORTS } from "../sim/scenario/schema.ts";
import { SUMMARY_FORMAT, type ExploreSummary, type FailureRecord, type OutcomeRecord } from "./explore-summary.ts";

// Merging the summaries of explore shards (CI matrix jobs) into one, as if a
// single exploration had run every seed. Pure: reading, copying and writing
// files is cli/commands/merge.ts's job. Every field has a rule; a field this
// version does not know is merged by the default rule (see mergeUnknown).

/** Bad input: not an explore output, or shards that cannot be one exploration. */
export class MergeError extends Error {
  readonly code = "bad_input";
}

export interface ShardInput {
  /** The directory as the user named it. */
  dir: string;
  summary: ExploreSummary;
}

/** A file of a failure to copy from a shard's directory into the merged one (both relative to their directory). */
export interface FileCopy {
  dir: string;
  from: string;
  to: string;
  /** For a timeline page: the repro command written in it, and the one to write instead. */
  repro?: { old: string; new: string };
}

export interface Merged {
  summary: ExploreSummary;
  copies: FileCopy[];
  warnings: string[];
}

/** Checks that parsed JSON is an explore summary this version can merge; the message names the directory. */
export function asShardSummary(dir: string, json: unknown): ExploreSummary {
  const s = json as Partial<ExploreSummary> | null;
  if (typeof s !== "object" || s === null || Array.isArray(s)) throw new MergeError(`${dir}: summary.json is not an explore summary (not a JSON object)`);
  if (s.format !== SUMMARY_FORMAT) {
    const old = "seeds_run" in s && "failures" in s;
    throw new MergeError(
      old
        ? `${dir}: summary.json has no per-seed outcomes (written by an older replaysim); run explore again to merge it`
        : `${dir}: summary.json is not an explore summary (format ${JSON.stringify(s.format ?? null)}, expected "${SUMMARY_FORMAT}")`,
    );
  }
  if (!Array.isArray(s.outcomes) || !Array.isArray(s.failures) || typeof s.flags !== "object" || s.flags === null) {
    throw new MergeError(`${dir}: summary.json lacks outcomes, failures or flags`);
  }
  return s as ExploreSummary;
}

const transportRank = (t: string) => {
  const i = (TRANSPORTS as readonly string[]).indexOf(t);
  return i === -1 ? TRANSPORTS.length : i;
};
const byRun = (a: { seed: number; transport: string }, b: { seed: number; transport: string }) => a.seed - b.seed || transportRank(a.transport) - transportRank(b.transport);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A count object: plain keys to non-negative whole numbers, or to more such objects. */
function isCounts(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => (typeof v === "number" && Number.isInteger(v) && v >= 0) || isCounts(v));
}

/** Sums count objects key by key (recursively); keys come out sorted. */
export function sumCounts(values: readonly Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const value of values) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "number") out[k] = ((out[k] as number | undefined) ?? 0) + v;
      else out[k] = sumCounts([(out[k] as Record<string, unknown> | undefined) ?? {}, v as Record<string, unknown>]);
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The rule for a field this version does not know (a later replaysim may add
 * e.g. `coverage`, counts per condition): count objects are summed, a value
 * every shard agrees on is kept, and anything else is kept per shard under
 * `unmerged` with a warning, rather than guessed at.
 */
function mergeUnknown(field: string, inputs: readonly ShardInput[], unmerged: Record<string, Record<string, unknown>>, warnings: string[]): unknown {
  const present = inputs.filter((i) => field in i.summary);
  const values = present.map((i) => i.summary[field]);
  if (values.every(isCounts)) return sumCounts(values as Record<string, unknown>[]);
  if (present.length === inputs.length && values.every((v) => same(v, values[0]))) return values[0];
  unmerged[field] = Object.fromEntries(present.map((i) => [i.dir, i.summary[field]]));
  warnings.push(`field '${field}' differs between shards and has no merge rule: kept per shard under 'unmerged'`);
  return undefined;
}

/** Fields merged by their own rule below; everything else goes through mergeUnknown. */
const KNOWN = new Set([
  "format",
  "title",
  "seeds_run",
  "runs",
  "from",
  "transport",
  "profile",
  "workers",
  "shard",
  "mutant",
  "variant",
  "failures",
  "verdicts",
  "faults",
  "wall_ms",
  "seeds_per_s",
  "flags",
  "outcomes",
  "merged_from",
  "unmerged",
  "efficiency",
  "hangs",
  "stopped_early",
]);

/** Fields of a count nature this version knows to exist in later summaries: summed even when a shard lacks them. */
const COUNT_FIELDS = new Set(["coverage"]);

/**
 * Merges shard summaries. `place` names a failure file inside the merged
 * directory as the repro command should show it (relative to the working
 * directory). Throws MergeError when the shards cannot be one exploration.
 */
export function mergeSummaries(inputs: readonly ShardInput[], place: (relative: string) => string): Merged {
  if (inputs.length === 0) throw new MergeError("give at least one explore output directory");
  const warnings: string[] = [];
  const first = inputs[0]!;

  // One exploration: every flag that decides which runs happen must agree.
  const flagNames = [...new Set(inputs.flatMap((i) => Object.keys(i.summary.flags)))].sort();
  for (const name of flagNames) {
    const other = inputs.find((i) => !same(i.summary.flags[name as keyof typeof i.summary.flags], first.summary.flags[name as keyof typeof first.summary.flags]));
    if (other) {
      const show = (i: ShardInput) => `${i.dir} has ${JSON.stringify(i.summary.flags[name as keyof typeof i.summary.flags] ?? null)}`;
      throw new MergeError(`shards of different explorations: flag '${name}' differs (${show(first)}, ${show(other)})`);
    }
  }
  const seenShard = new Map<string, string>();
  for (const i of inputs) {
    const shard = i.summary.shard ?? "1/1";
    const twice = seenShard.get(shard);
    if (twice !== undefined) throw new MergeError(`the same shard twice: ${twice} and ${i.dir} are both shard ${shard}`);
    seenShard.set(shard, i.dir);
  }
  const seenRun = new Map<string, string>();
  for (const i of inputs) {
    for (const o of i.summary.outcomes) {
      const key = `${o.seed}/${o.transport}`;
      const twice = seenRun.get(key);
      if (twice !== undefined && twice !== i.dir) throw new MergeError(`overlapping shards: ${twice} and ${i.dir} both ran seed ${o.seed} on ${o.transport}`);
      seenRun.set(key, i.dir);
    }
  }
  const n = first.summary.flags.shards;
  const missing = Array.from({ length: n }, (_, k) => `${k + 1}/${n}`).filter((s) => !seenShard.has(n === 1 ? "1/1" : s));
  if (missing.length > 0) warnings.push(`shard${missing.length === 1 ? "" : "s"} ${missing.join(", ")} not given: the merged report covers only part of the seed range`);

  const outcomes: OutcomeRecord[] = inputs.flatMap((i) => i.summary.outcomes).sort(byRun);
  const copies: FileCopy[] = [];
  const failures: FailureRecord[] = inputs
    .flatMap((i) =>
      i.summary.failures.map((f) => {
        const scenario = `failures/${f.files.scenario.split("/").pop()}`;
        const scenario_file = place(scenario);
        const repro = f.repro.replace(f.scenario_file, scenario_file);
        copies.push({ dir: i.dir, from: f.files.scenario, to: scenario });
        let timeline: string | null = null;
        if (f.files.timeline) {
          timeline = `failures/${f.files.timeline.split("/").pop()}`;
          copies.push({ dir: i.dir, from: f.files.timeline, to: timeline, repro: { old: f.repro, new: repro } });
        }
        return { ...f, scenario_file, repro, files: { scenario, timeline } };
      }),
    )
    .sort(byRun);
  const targets = new Map<string, string>();
  for (const c of copies) {
    const twice = targets.get(c.to);
    if (twice !== undefined) throw new MergeError(`two shards wrote ${c.to}: ${twice} and ${c.dir}`);
    targets.set(c.to, c.dir);
  }

  const verdicts: Record<string, number> = {};
  for (const o of outcomes) for (const c of o.checkers) verdicts[c] = (verdicts[c] ?? 0) + 1;
  const seeds = new Set(outcomes.map((o) => o.seed));
  // Shards run side by side: the matrix took as long as its slowest job.
  const wall_ms = Math.max(...inputs.map((i) => i.summary.wall_ms));
  const unmerged: Record<string, Record<string, unknown>> = {};
  const later: Record<string, unknown> = {};
  for (const field of [...new Set(inputs.flatMap((i) => Object.keys(i.summary)))].filter((f) => !KNOWN.has(f)).sort()) {
    const value = COUNT_FIELDS.has(field)
      ? sumCounts(inputs.map((i) => (isCounts(i.summary[field]) ? (i.summary[field] as Record<string, unknown>) : {})))
      : mergeUnknown(field, inputs, unmerged, warnings);
    if (value !== undefined) later[field] = value;
  }
  // Figures this version knows how to combine: efficiency again from the runs, hangs summed, an early stop anywhere.
  const withEfficiency = outcomes.filter((o): o is OutcomeRecord & { efficiency: RunEfficiency } => o.efficiency !== undefined);
  if (withEfficiency.length === outcomes.length && outcomes.length > 0) later.efficiency = efficiencyByTransport(withEfficiency);
  if (inputs.some((i) => typeof i.summary.hangs === "number")) later.hangs = inputs.reduce((n, i) => n + (typeof i.summary.hangs === "number" ? i.summary.hangs : 0), 0);
  if (inputs.some((i) => typeof i.summary.stopped_early === "boolean")) later.stopped_early = inputs.some((i) => i.summary.stopped_early === true);
  const summary: ExploreSummary = {
    format: SUMMARY_FORMAT,
    title: `${first.summary.title.replace(/ shard \d+\/\d+$/, "")}, merged from ${inputs.length} shard${inputs.length === 1 ? "" : "s"}`,
    seeds_run: seeds.size,
    runs: outcomes.length,
    from: first.summary.from,
    transport: first.summary.transport,
    profile: first.summary.profile,
    workers: inputs.reduce((sum, i) => sum + i.summary.workers, 0),
    shard: null,
    mutant: first.summary.mutant,
    variant: first.summary.variant,
    failures,
    verdicts: Object.fromEntries(Object.entries(verdicts).sort()),
    faults: sumCounts(inputs.map((i) => i.summary.faults)) as Record<string, number>,
    wall_ms,
    seeds_per_s: Math.round((seeds.size / Math.max(0.001, wall_ms / 1000)) * 10) / 10,
    flags: first.summary.flags,
    outcomes,
    ...later,
    merged_from: [...inputs]
      .sort((a, b) => (a.summary.shard ?? "").localeCompare(b.summary.shard ?? "", undefined, { numeric: true }))
      .map((i) => ({ dir: i.dir, shard: i.summary.shard, seeds_run: i.summary.seeds_run, runs: i.summary.runs, failures: i.summary.failures.length, wall_ms: i.summary.wall_ms })),
    ...(Object.keys(unmerged).length ? { unmerged } : {}),
  };
  return { summary, copies, warnings };
}
