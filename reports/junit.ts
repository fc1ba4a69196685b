import { esc as xml } from "./escape.ts";
import type { ExploreSummary } from "./explore-summary.ts";

/** JUnit XML for CI: one test case per seed and transport. */
export function exploreJunit(summary: ExploreSummary): string {
  const suite = summary.title;
  const byRun = new Map(summary.failures.map((f) => [`${f.seed}/${f.transport}`, f]));
  const cases = summary.outcomes.map((o) => {
    const name = `seed ${o.seed} ${o.transport}`;
    const head = `    <testcase classname="${xml(suite)}" name="${xml(name)}" time="${(o.wall_ms / 1000).toFixed(3)}"`;
    if (o.verdict === "pass") return `${head}/>`;
    const f = byRun.get(`${o.seed}/${o.transport}`);
    const type = f ? `${f.checker}/${f.anomaly}` : (o.checkers[0] ?? "fail");
    const message = f?.message ?? `failed: ${o.checkers.join(", ")}`;
    const body = [message, f ? `scenario: ${f.scenario_file}` : "", f ? `replay: ${f.repro}` : ""].filter(Boolean).join("\n");
    return `${head}>\n      <failure type="${xml(type)}" message="${xml(message)}">${xml(body)}</failure>\n    </testcase>`;
  });
  const failures = summary.outcomes.filter((o) => o.verdict === "fail").length;
  const time = (summary.wall_ms / 1000).toFixed(3);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="replaysim" tests="${summary.outcomes.length}" failures="${failures}" time="${time}">`,
    `  <testsuite name="${xml(suite)}" tests="${summary.outcomes.length}" failures="${failures}" time="${time}">`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}

/** One test case of a plain run list (real runs): its name, wall time, and failure if any. */
export interface JunitCase {
  name: string;
  time_s: number;
  failure: { type: string; message: string; body: string } | null;
}

/** JUnit XML for a list of runs that are not an exploration, e.g. `replaysim real --out`. */
export function runsJunit(suite: string, cases: readonly JunitCase[]): string {
  const failures = cases.filter((c) => c.failure).length;
  const time = cases.reduce((t, c) => t + c.time_s, 0).toFixed(3);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="replaysim" tests="${cases.length}" failures="${failures}" time="${time}">`,
    `  <testsuite name="${xml(suite)}" tests="${cases.length}" failures="${failures}" time="${time}">`,
    ...cases.map((c) => {
      const head = `    <testcase classname="${xml(suite)}" name="${xml(c.name)}" time="${c.time_s.toFixed(3)}"`;
      if (!c.failure) return `${head}/>`;
      return `${head}>\n      <failure type="${xml(c.failure.type)}" message="${xml(c.failure.message)}">${xml(c.failure.body)}</failure>\n    </testcase>`;
    }),
    `  </testsuite>`,
    `</testsuites>`,
    "",
  ].join("\n");
}
