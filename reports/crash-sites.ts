import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeSite, type CrashSiteFailure, type CrashSiteSpec, type CrashSitesResult, type PointSites, type SiteViolation } from "../sim/explore/crash-sites.ts";
import { RUN_TIMEOUT_MS_DEFAULT } from "../sim/explore/pool.ts";
import { reproCommand } from "../sim/explore/repro.ts";
import type { Scenario } from "../sim/scenario/schema.ts";
import { shownPath } from "./explore-files.ts";

// What `explore --crash-points all` produced, for people (console), machines
// (JSON) and later runs (one replayable scenario file per failing site).

/** A failing site as the report lists it: the site, what broke, and how to replay it. */
export interface CrashSiteFailureRecord {
  site: CrashSiteSpec;
  /** Its group in `by_point`. */
  key: string;
  /** The site in words. */
  description: string;
  /** The first violation's checker, anomaly and message; every one of them is under `violations`. */
  checker: string;
  anomaly: string;
  message: string;
  violations: SiteViolation[];
  fired: boolean | null;
  outcome: string;
  scenario_file: string;
  repro: string;
}

/** The `--json` object for one scenario on one transport. */
export interface CrashSitesSummary {
  scenario: string;
  transport: string;
  mutant: string | null;
  variant: string;
  power_loss: boolean;
  /** The scenario run as given (the census run); when it fails, no site is tried. */
  baseline: { verdict: "pass" | "fail"; violations: SiteViolation[]; outcome: string; wall_ms: number; repro: string };
  sites_found: number;
  sites_tried: number;
  not_reached: number;
  skipped: CrashSitesResult["skipped"];
  failures: CrashSiteFailureRecord[];
  by_point: Record<string, PointSites>;
  wall_ms: number;
}

/** The name a failing site's file gets: `NAME-TRANSPORT-NODE-POINT-NTH[-power-loss].json`. */
export function siteFileName(name: string, transport: string, site: CrashSiteSpec): string {
  return `${name}-${transport}-${site.node}-${site.point}-${site.nth}${site.power_loss ? "-power-loss" : ""}.json`;
}

const DESCRIPTION_MAX = 2000;

/** A failing site's scenario as a file a person can read, commit and replay. */
function siteScenarioFile(failure: CrashSiteFailure, source: string): Scenario & { expect?: Record<string, unknown> } {
  const { expect: _dropped, ...scenario } = failure.scenario;
  const first = failure.violations[0];
  const target = scenario.mutant ? ` against mutant ${scenario.mutant}` : scenario.variant !== "reference" ? ` against variant ${scenario.variant}` : "";
  const description = `crash site of ${source} (${scenario.transport})${target}: ${describeSite(failure.site)}${first ? `: ${first.checker}/${first.anomaly}: ${first.message}` : ""}`;
  return {
    ...scenario,
    // The schema takes at most 2,000 characters.
    description: description.length > DESCRIPTION_MAX ? `${description.slice(0, DESCRIPTION_MAX - 1)}…` : description,
    // A mutant's or variant's file stays a regression test by failing; the reference's by passing once fixed.
    ...((scenario.mutant || scenario.variant !== "reference") && first ? { expect: { fails_with: first.checker } } : {}),
  };
}

/**
 * Writes one scenario file per failing site into `outDir` and returns the
 * summary with each file's path (as typed from the working directory) and
 * the command that replays it.
 */
export function writeCrashSiteOutputs(
  outDir: string,
  result: CrashSitesResult,
  meta: { source: string; name: string; power_loss: boolean; run_timeout_ms: number },
): CrashSitesSummary {
  const timeout = meta.run_timeout_ms !== RUN_TIMEOUT_MS_DEFAULT ? { run_timeout_ms: meta.run_timeout_ms } : {};
  if (result.failures.length > 0) mkdirSync(outDir, { recursive: true });
  const failures = result.failures.map((failure): CrashSiteFailureRecord => {
    const file = join(outDir, siteFileName(meta.name, result.transport, failure.site));
    writeFileSync(file, `${JSON.stringify(siteScenarioFile(failure, meta.source), null, 2)}\n`);
    const shown = shownPath(file);
    const first = failure.violations[0];
    return {
      site: failure.site,
      key: failure.key,
      description: describeSite(failure.site),
      checker: first?.checker ?? "",
      anomaly: first?.anomaly ?? "",
      message: first?.message ?? "",
      violations: failure.violations,
      fired: failure.fired,
      outcome: failure.outcome,
      scenario_file: shown,
      repro: reproCommand({ scenario: shown, ...timeout }),
    };
  });
  const scenario = result.scenario;
  return {
    scenario: meta.source,
    transport: result.transport,
    mutant: scenario.mutant,
    variant: scenario.variant,
    power_loss: meta.power_loss,
    baseline: {
      ...result.baseline,
      repro: reproCommand({ scenario: meta.source, transport: result.transport, ...(scenario.mutant ? { mutant: scenario.mutant } : {}), ...(scenario.variant !== "reference" ? { variant: scenario.variant } : {}), ...timeout }),
    },
    sites_found: result.sites_found,
    sites_tried: result.sites_tried,
    not_reached: result.not_reached,
    skipped: result.skipped,
    failures,
    by_point: result.by_point,
    wall_ms: result.wall_ms,
  };
}

/** Failing sites listed one by one on the console; the rest are in their files and the JSON. */
const CONSOLE_FAILURES_MAX = 20;

/** A long list of skipped occurrences, cut at a comma for the console (the JSON has all of it). */
function clip(list: string, max = 48): string {
  if (list.length <= max) return list;
  return `${list.slice(0, list.lastIndexOf(",", max))},…`;
}

export function crashSitesConsole(summary: CrashSitesSummary): string[] {
  const s = summary;
  const failed = s.failures.length > 0 || s.baseline.verdict !== "pass";
  const target = s.mutant ? ` mutant ${s.mutant}` : s.variant !== "reference" ? ` variant ${s.variant}` : "";
  const lines = [
    `${failed ? "FAIL" : "PASS"} crash sites of ${s.scenario} ${s.transport}${target}: ${s.sites_found} sites found, ${s.sites_tried} tried, ${s.failures.length} failing, ${s.not_reached} not reached, in ${(s.wall_ms / 1000).toFixed(1)} s`,
  ];
  if (s.baseline.verdict !== "pass") {
    lines.push(`the scenario fails as given, without an added crash: no site was tried (${s.skipped.count} skipped)`);
    for (const v of s.baseline.violations) lines.push(`  ${v.checker}/${v.anomaly}: ${v.message}`);
    lines.push(`  replay: ${s.baseline.repro}`);
    return lines;
  }
  if (s.skipped.reason === "budget") {
    lines.push(`skipped ${s.skipped.count} sites over the budget of ${s.skipped.sites_max} (--sites-max): an evenly spaced subset was tried, each point's first and last occurrence among them`);
  }
  const rows = Object.entries(s.by_point);
  if (rows.length > 0) {
    const width = Math.max(...rows.map(([k]) => k.length), "site".length);
    const heads = ["found", "tried", "failed", "not_reached", "skipped"];
    const cells = (values: (string | number)[]) => values.map((v, i) => String(v).padStart(heads[i]!.length + 2)).join("");
    lines.push(`  ${"site".padEnd(width)}${cells(heads)}`);
    for (const [key, p] of rows) {
      lines.push(`  ${key.padEnd(width)}${cells([p.found, p.tried, p.failed, p.not_reached, p.skipped])}${p.skipped_nth ? `  skipped nth ${clip(p.skipped_nth)}` : ""}`);
    }
  } else lines.push("no crash point was reached before the run healed: there is no site to try");
  for (const f of s.failures.slice(0, CONSOLE_FAILURES_MAX)) {
    lines.push("");
    lines.push(`✗ ${f.description}${f.fired === false ? " (the crash did not fire in this run)" : ""}: ${f.checker}/${f.anomaly}`);
    lines.push(`  ${f.message}`);
    const others = f.violations.slice(1).map((v) => `${v.checker}/${v.anomaly}`);
    if (others.length > 0) lines.push(`  also: ${others.join(", ")}`);
    lines.push(`  replay: ${f.repro}`);
  }
  if (s.failures.length > CONSOLE_FAILURES_MAX) lines.push("", `… and ${s.failures.length - CONSOLE_FAILURES_MAX} more failing sites (every one in --json, each with its scenario file)`);
  return lines;
}
