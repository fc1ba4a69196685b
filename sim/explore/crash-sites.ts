import { CRASH_POINTS, type CrashPoint } from "../../protocol/ports.ts";
import type { CheckerName } from "../checker-names.ts";
import type { Scenario, TimelineAction, TransportName } from "../scenario/schema.ts";
import { runGuarded } from "./guarded-run.ts";
import type { TaskPool } from "./pool.ts";
import type { RunReport } from "./tasks.ts";

// `replaysim explore --crash-points all`: every crash site of one scenario,
// not only the ones a seed happens to draw. A census run counts how often
// each node reached each crash point before the run healed; each (node,
// point, nth) is then a site, and so is a power loss at each occurrence of a
// commit point of the server and of each writer. Every site is one run of
// the scenario with one `crash_at` entry added to its timeline.

/** One place to die: `node` dies (or its host loses power) the `nth` time it reaches `point`. */
export interface CrashSiteSpec {
  node: string;
  point: CrashPoint;
  nth: number;
  power_loss: boolean;
}

/** A checker's finding, without its witness: what a site's report lists. */
export interface SiteViolation {
  checker: CheckerName;
  anomaly: string;
  message: string;
}

export interface CrashSiteFailure {
  site: CrashSiteSpec;
  /** The group it belongs to, as in `by_point`. */
  key: string;
  /** The input scenario with the site's `crash_at` entry added: replays this failure. */
  scenario: Scenario;
  violations: SiteViolation[];
  /** Whether the crash fired in the failing run; null when the run never reported it (a hang, a dead worker). */
  fired: boolean | null;
  outcome: RunReport["stats"]["outcome"];
}

/** What each tried site gave, in site order. */
export interface SiteOutcome {
  site: CrashSiteSpec;
  verdict: "pass" | "fail";
  /** False: the nth reach did not happen in this run (an earlier crash changed it); null: unknown (hang, dead worker). */
  fired: boolean | null;
  wall_ms: number;
}

/** One node/point (crashes and power losses are separate groups). */
export interface PointSites {
  node: string;
  point: CrashPoint;
  power_loss: boolean;
  found: number;
  tried: number;
  failed: number;
  not_reached: number;
  skipped: number;
  /** The occurrences not tried, as ranges: "2-5,7,9-12"; "" when none. */
  skipped_nth: string;
}

export type SkipReason = "budget" | "baseline_failed";

export interface CrashSitesResult {
  scenario: Scenario;
  transport: TransportName;
  /** The scenario as given, without an added crash: the census run. */
  baseline: { verdict: "pass" | "fail"; violations: SiteViolation[]; outcome: RunReport["stats"]["outcome"]; wall_ms: number };
  sites_found: number;
  sites_tried: number;
  /** Tried sites whose crash never fired: not failures. */
  not_reached: number;
  skipped: { count: number; reason: SkipReason | null; sites_max: number; by_point: Record<string, number> };
  failures: CrashSiteFailure[];
  by_point: Record<string, PointSites>;
  outcomes: SiteOutcome[];
  wall_ms: number;
}

export interface CrashSitesProgress {
  phase: "census" | "sites";
  done: number;
  total: number;
  failures: number;
  not_reached: number;
  runs_per_s: number;
}

export interface CrashSitesOptions {
  scenario: Scenario;
  pool: TaskPool;
  /** Most sites to run; past it an evenly spaced subset is tried. */
  sites_max: number;
  /** Also a power loss at each commit point's occurrences. */
  power_loss: boolean;
  onProgress?: (progress: CrashSitesProgress) => void;
}

/**
 * The commit points: a power loss there tests what the commit made durable.
 * Viewers never lose power (their host is a person's browser).
 */
export const POWER_LOSS_POINTS: readonly CrashPoint[] = CRASH_POINTS.filter((p) => !p.startsWith("viewer.") && p.includes("after") && (p.includes("commit") || p.includes("applied")));

/** Nodes whose host can lose power: the server and the writers. */
const POWERED_NODE = /^(server|client-\d+)$/;

export function siteKey(site: Pick<CrashSiteSpec, "node" | "point" | "power_loss">): string {
  return `${site.node}/${site.point}${site.power_loss ? "/power_loss" : ""}`;
}

/** "3rd", for a person reading a site. */
function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

/** A site in words: "client-1 loses power the 3rd time it reaches client.after_enqueue_commit". */
export function describeSite(site: CrashSiteSpec): string {
  return `${site.node} ${site.power_loss ? "loses power" : "crashes"} the ${ordinal(site.nth)} time it reaches ${site.point}`;
}

/** The scenario with the site's crash added to its timeline (restart after the default 1 s). */
export function scenarioWithSite(scenario: Scenario, site: CrashSiteSpec): Scenario {
  const entry: TimelineAction = { action: "crash_at", node: site.node, point: site.point, nth: site.nth, restart_after_ms: 1000, power_loss: site.power_loss, torn: false };
  return { ...scenario, timeline: [...scenario.timeline, entry] };
}

/** Sorted whole numbers as ranges: [2,3,4,5,7] → "2-5,7". */
export function ranges(ns: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ns.length; ) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === ns[j]! + 1) j++;
    parts.push(i === j ? `${ns[i]}` : `${ns[i]}-${ns[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/**
 * How many of each group's sites to try when there are more than `max`:
 * first each group's first site, then each group's last, then the rest of
 * the budget shared out in proportion to the groups' inner sites (largest
 * remainder, ties to the earlier group). Sums to min(max, total).
 */
export function allocate(sizes: readonly number[], max: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= max) return [...sizes];
  const take = sizes.map(() => 0);
  let left = max;
  for (const round of [1, 2]) {
    for (let g = 0; g < sizes.length && left > 0; g++) {
      if (sizes[g]! >= round) {
        take[g]!++;
        left--;
      }
    }
  }
  const inner = sizes.map((n) => Math.max(0, n - 2));
  const innerTotal = inner.reduce((a, b) => a + b, 0);
  if (left <= 0 || innerTotal === 0) return take;
  const shares = inner.map((n) => (left * n) / innerTotal);
  const floors = shares.map(Math.floor);
  let rest = left - floors.reduce((a, b) => a + b, 0);
  const order = shares.map((s, g) => ({ g, frac: s - floors[g]! })).sort((a, b) => b.frac - a.frac || a.g - b.g);
  for (const { g } of order) {
    if (rest <= 0) break;
    if (floors[g]! < inner[g]!) {
      floors[g]!++;
      rest--;
    }
  }
  return take.map((t, g) => t + floors[g]!);
}

/** `k` of the occurrences 1..n, evenly spaced, the first and (for k ≥ 2) the last among them. */
export function evenlySpaced(n: number, k: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i + 1);
  if (k <= 0) return [];
  if (k === 1) return [1];
  return Array.from({ length: k }, (_, i) => 1 + Math.round((i * (n - 1)) / (k - 1)));
}

interface Group {
  node: string;
  point: CrashPoint;
  power_loss: boolean;
  reached: number;
}

/** Every site group a census gives: each (node, point) as crashes, then the commit points of powered nodes as power losses. */
export function siteGroups(census: readonly { node: string; point: CrashPoint; reached: number }[], power_loss: boolean): Group[] {
  const reached = census.filter((c) => c.reached > 0);
  const crashes = reached.map((c) => ({ node: c.node, point: c.point, power_loss: false, reached: c.reached }));
  const losses = power_loss ? reached.filter((c) => POWERED_NODE.test(c.node) && POWER_LOSS_POINTS.includes(c.point)).map((c) => ({ node: c.node, point: c.point, power_loss: true, reached: c.reached })) : [];
  return [...crashes, ...losses];
}

const violationsOf = (report: RunReport): SiteViolation[] => report.violations.map((v) => ({ checker: v.checker, anomaly: v.anomaly, message: v.message }));

/**
 * Runs one scenario once per crash site, on the pool (as many sites in
 * flight as it has workers), and reports every failing site with the
 * scenario that replays it. A site whose nth reach never happened in its
 * run is `not_reached`, not a failure. When the scenario fails as given,
 * no site is tried: every site would fail with it.
 */
export async function enumerateCrashSites(options: CrashSitesOptions): Promise<CrashSitesResult> {
  const started = performance.now();
  const { scenario, pool } = options;
  const sites_max = Math.max(1, Math.floor(options.sites_max));
  let done = 0;
  let failing = 0;
  let notReached = 0;
  let total = 0;
  const progress = (phase: CrashSitesProgress["phase"]) =>
    options.onProgress?.({ phase, done, total, failures: failing, not_reached: notReached, runs_per_s: done / Math.max(0.001, (performance.now() - started) / 1000) });

  progress("census");
  const census = await runGuarded(pool, scenario, { census: true });
  if (!census) throw new Error("the census run was cancelled");
  const base = census.report;
  const baseline = { verdict: base.verdict, violations: violationsOf(base), outcome: base.stats.outcome, wall_ms: Math.round(base.stats.wall_ms) };

  const groups = siteGroups(base.crash_sites ?? [], options.power_loss);
  const sites_found = groups.reduce((n, g) => n + g.reached, 0);
  const baselineFailed = base.verdict !== "pass";
  const counts = baselineFailed ? groups.map(() => 0) : allocate(groups.map((g) => g.reached), sites_max);
  const chosen = groups.flatMap((g, i) => evenlySpaced(g.reached, counts[i]!).map((nth) => ({ node: g.node, point: g.point, nth, power_loss: g.power_loss })));
  total = chosen.length;

  const outcomes: SiteOutcome[] = new Array(chosen.length);
  const failed: (CrashSiteFailure | undefined)[] = new Array(chosen.length);
  let next = 0;
  const runNext = async (): Promise<void> => {
    while (next < chosen.length) {
      const i = next++;
      const site = chosen[i]!;
      const withSite = scenarioWithSite(scenario, site);
      const run = await runGuarded(pool, withSite, { census: true });
      if (!run) throw new Error("a crash-site run was cancelled");
      const report = run.report;
      const reached = report.crash_sites?.find((c) => c.node === site.node && c.point === site.point)?.reached ?? 0;
      const fired = report.crash_sites === undefined ? null : reached >= site.nth;
      outcomes[i] = { site, verdict: report.verdict, fired, wall_ms: Math.round(report.stats.wall_ms) };
      if (report.verdict === "fail") {
        failing++;
        failed[i] = { site, key: siteKey(site), scenario: withSite, violations: violationsOf(report), fired, outcome: report.stats.outcome };
      } else if (fired === false) notReached++;
      done++;
      progress("sites");
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, pool.size), chosen.length) }, runNext));

  const by_point: Record<string, PointSites> = {};
  const skippedBy: Record<string, number> = {};
  groups.forEach((g, i) => {
    const key = siteKey(g);
    const tried = new Set(evenlySpaced(g.reached, counts[i]!));
    const mine = outcomes.filter((o) => siteKey(o.site) === key);
    const skippedNth = Array.from({ length: g.reached }, (_, k) => k + 1).filter((n) => !tried.has(n));
    by_point[key] = {
      node: g.node,
      point: g.point,
      power_loss: g.power_loss,
      found: g.reached,
      tried: tried.size,
      failed: mine.filter((o) => o.verdict === "fail").length,
      not_reached: mine.filter((o) => o.verdict === "pass" && o.fired === false).length,
      skipped: skippedNth.length,
      skipped_nth: ranges(skippedNth),
    };
    if (skippedNth.length > 0) skippedBy[key] = skippedNth.length;
  });
  const skippedCount = sites_found - chosen.length;
  return {
    scenario,
    transport: scenario.transport,
    baseline,
    sites_found,
    sites_tried: chosen.length,
    not_reached: notReached,
    skipped: { count: skippedCount, reason: skippedCount === 0 ? null : baselineFailed ? "baseline_failed" : "budget", sites_max, by_point: skippedBy },
    failures: failed.filter((f): f is CrashSiteFailure => f !== undefined),
    by_point,
    outcomes,
    wall_ms: Math.round(performance.now() - started),
  };
}
