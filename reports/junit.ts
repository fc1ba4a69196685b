import type { ExploreResult } from "../sim/explore/explore.ts";
import type { FailureFile } from "./explore-summary.ts";

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** JUnit XML for CI: one test case per seed and transport. */
export function exploreJunit(result: ExploreResult, files: readonly FailureFile[], suite: string): string {
  const byRun = new Map(files.map((f) => [`${f.failure.seed}/${f.failure.transport}`, f]));
  const cases = result.outcomes.map((o) => {
    const name = `seed ${o.seed} ${o.transport}`;
    const head = `    <testcase classname="${xml(suite)}" name="${xml(name)}" time="${(o.wall_ms / 1000).toFixed(3)}"`;
    if (o.verdict === "pass") return `${head}/>`;
    const file = byRun.get(`${o.seed}/${o.transport}`);
    const v = o.violation!;
    const body = [v.message, file ? `scenario: ${file.path}` : "", file ? `replay: ${file.repro}` : ""].filter(Boolean).join("\n");
    return `${head}>\n      <failure type="${xml(`${v.checker}/${v.anomaly}`)}" message="${xml(v.message)}">${xml(body)}</failure>\n    </testcase>`;
  });
  const failures = result.outcomes.filter((o) => o.verdict === "fail").length;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="replaysim" tests="${result.outcomes.length}" failures="${failures}" time="${(result.wall_ms / 1000).toFixed(3)}">`,
    `  <testsuite name="${xml(suite)}" tests="${result.outcomes.length}" failures="${failures}" time="${(result.wall_ms / 1000).toFixed(3)}">`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}
