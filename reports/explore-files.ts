import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { ExploreFailure, ExploreResult } from "../sim/explore/explore.ts";
import { RUN_TIMEOUT_MS_DEFAULT } from "../sim/explore/pool.ts";
import { generateScenario } from "../sim/scenario/generate.ts";
import type { Scenario } from "../sim/scenario/schema.ts";
import { exploreSummary, type ExploreMeta, type ExploreSummary, type FailureFile } from "./explore-summary.ts";
import { exploreHtml } from "./html.ts";
import { exploreJunit } from "./junit.ts";
import { timelineHtml } from "./timeline.ts";

/** A failure's scenario as a file a person can read, commit and replay. */
function failureScenario(f: ExploreFailure): Scenario & { expect?: Record<string, unknown> } {
  const scenario = f.scenario ?? generateScenario(f.seed, f.options);
  const pinned = f.shrunk?.pinned ? `, ${f.shrunk.pinned} random fault${f.shrunk.pinned === 1 ? "" : "s"} pinned to the timeline` : "";
  const how = f.shrunk ? `shrunk from seed ${f.seed} in ${f.shrunk.runs} runs${pinned}` : `seed ${f.seed} as generated`;
  const violation = f.shrunk?.violation ?? f.violation;
  const target = scenario.mutant ? ` against mutant ${scenario.mutant}` : scenario.variant !== "reference" ? ` against variant ${scenario.variant}` : "";
  return {
    ...scenario,
    description: `${how} (${scenario.profile ?? "generated"}, ${scenario.transport})${target}: ${violation.checker}/${violation.anomaly}: ${violation.message}`,
    // A mutant's or variant's file stays a regression test by failing; the reference's by passing once fixed.
    ...(scenario.mutant || scenario.variant !== "reference" ? { expect: { fails_with: f.checker } } : {}),
  };
}

/** The command that replays a failure's file, with the flags its verdict needs. */
function fileRepro(path: string, failure: ExploreFailure, run_timeout_ms: number): string {
  const flags = [
    ...(failure.checker === "determinism" ? ["--check-determinism"] : []),
    ...(run_timeout_ms !== RUN_TIMEOUT_MS_DEFAULT ? [`--run-timeout ${run_timeout_ms}ms`] : []),
  ];
  return [`replaysim run --scenario ${path}`, ...flags].join(" ");
}

/** The name a failure's files share: `seed-S-T-checker`, then .json for the scenario and .html for its timeline. */
export function failureBaseName(f: { seed: number; transport: string; checker: string }): string {
  return `seed-${f.seed}-${f.transport}-${f.checker}`;
}

/** A path as the user would type it from the working directory. */
export function shownPath(path: string): string {
  return relative(process.cwd(), path) || path;
}

/** Writes summary.json, junit.xml and report.html for a summary into `outDir`. */
export function writeSummaryOutputs(outDir: string, summary: ExploreSummary): void {
  writeFileSync(join(outDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(outDir, "junit.xml"), exploreJunit(summary));
  writeFileSync(join(outDir, "report.html"), exploreHtml(summary));
}

/**
 * Writes what an exploration produced under `outDir`: each failure's scenario
 * (and, when it was replayed, its timeline page), summary.json, junit.xml and
 * report.html. Returns the failure files with their replay commands (paths
 * relative to the working directory) and the summary.
 */
export function writeExploreOutputs(outDir: string, result: ExploreResult, meta: ExploreMeta): { files: FailureFile[]; summary: ExploreSummary } {
  mkdirSync(join(outDir, "failures"), { recursive: true });
  const files = result.failures.map((failure): FailureFile => {
    const base = failureBaseName(failure);
    const scenario = `failures/${base}.json`;
    const shown = shownPath(join(outDir, scenario));
    writeFileSync(join(outDir, scenario), `${JSON.stringify(failureScenario(failure), null, 2)}\n`);
    const repro = fileRepro(shown, failure, result.run_timeout_ms);
    let timeline: string | null = null;
    if (failure.replay?.history) {
      timeline = `failures/${base}.html`;
      writeFileSync(join(outDir, timeline), timelineHtml(failure.replay, repro));
    }
    return { failure, path: shown, repro, files: { scenario, timeline } };
  });
  const summary = exploreSummary(result, files, meta);
  writeSummaryOutputs(outDir, summary);
  return { files, summary };
}
