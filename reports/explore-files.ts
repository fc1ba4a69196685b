import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { ExploreFailure, ExploreResult } from "../sim/explore/explore.ts";
import { RUN_TIMEOUT_MS_DEFAULT } from "../sim/explore/pool.ts";
import { generateScenario } from "../sim/scenario/generate.ts";
import type { Scenario } from "../sim/scenario/schema.ts";
import { exploreJson, type FailureFile } from "./explore-summary.ts";
import { exploreHtml } from "./html.ts";
import { exploreJunit } from "./junit.ts";

/** A failure's scenario as a file a person can read, commit and replay. */
function failureScenario(f: ExploreFailure): Scenario & { expect?: Record<string, unknown> } {
  const scenario = f.scenario ?? generateScenario(f.seed, f.options);
  const how = f.shrunk ? `shrunk from seed ${f.seed} in ${f.shrunk.runs} runs` : `seed ${f.seed} as generated`;
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

/**
 * Writes what an exploration produced under `outDir`: each failure's scenario,
 * summary.json, junit.xml and report.html. Returns the failure files with
 * their replay commands (paths relative to the working directory).
 */
export function writeExploreOutputs(outDir: string, result: ExploreResult, meta: { title: string; extra: Record<string, unknown> }): FailureFile[] {
  mkdirSync(join(outDir, "failures"), { recursive: true });
  const files = result.failures.map((failure) => {
    const path = join(outDir, "failures", `seed-${failure.seed}-${failure.transport}-${failure.checker}.json`);
    writeFileSync(path, `${JSON.stringify(failureScenario(failure), null, 2)}\n`);
    const shown = relative(process.cwd(), path) || path;
    return { failure, path: shown, repro: fileRepro(shown, failure, result.run_timeout_ms) };
  });
  writeFileSync(join(outDir, "summary.json"), `${JSON.stringify(exploreJson(result, files, meta.extra), null, 2)}\n`);
  writeFileSync(join(outDir, "junit.xml"), exploreJunit(result, files, meta.title));
  writeFileSync(join(outDir, "report.html"), exploreHtml(result, files, meta.title));
  return files;
}
