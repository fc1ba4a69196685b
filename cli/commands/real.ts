import { compareWorlds, comparisonLines, realSide, simSide, type Comparison } from "../../real/world/compare.ts";
import { NotRealError } from "../../real/world/unsupported.ts";
import { asRunResult } from "../../real/world/as-run-result.ts";
import { runsJunit } from "../../reports/junit.ts";
import { timelineHtml } from "../../reports/timeline.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openPool } from "../../sim/explore/explore.ts";
import { runGuarded } from "../../sim/explore/guarded-run.ts";
import { runReal, type RealRunResult } from "../../real/world/real-run.ts";
import { partsFor, UnknownPartsError } from "../../sim/parts.ts";
import { PROFILES, type Profile } from "../../sim/scenario/arbitrary.ts";
import { generateScenario } from "../../sim/scenario/generate.ts";
import { loadScenarioFile, resolveScenario, ScenarioError, scenarioTransports } from "../../sim/scenario/load.ts";
import { TRANSPORTS, type Scenario, type TransportName } from "../../sim/scenario/schema.ts";
import { UsageError } from "../args.ts";
import type { Command } from "../command.ts";

/** The scenarios a `real` call asks for: each file on each transport it lists (or the one given), or one generated seed. */
function scenariosOf(flags: Record<string, unknown>): { label: string; scenario: Scenario; repros: { sim: string; real: string } }[] {
  const seed = flags.seed as number | undefined;
  const file = flags.scenario as string | undefined;
  const transport = flags.transport as TransportName | undefined;
  const mutant = flags.mutant as string | undefined;
  const variant = flags.variant as string | undefined;
  if (seed === undefined && file === undefined) throw new UsageError("give --seed S or --scenario FILE");
  if (seed !== undefined && file !== undefined) throw new UsageError("give --seed S or --scenario FILE, not both");
  const override = (s: Scenario): Scenario => ({ ...s, ...(mutant === undefined ? {} : { mutant }), ...(variant === undefined ? {} : { variant }) });
  try {
    const parts = `${mutant ? ` --mutant ${mutant}` : ""}${variant ? ` --variant ${variant}` : ""}`;
    const list = file
      ? (transport ? [transport] : scenarioTransports(loadScenarioFile(file))).map((t) => ({
          label: `${file} ${t}`,
          scenario: override(resolveScenario(loadScenarioFile(file), t)),
          repros: { sim: `replaysim run --scenario ${file} --transport ${t}${parts}`, real: `replaysim real --scenario ${file} --transport ${t}${parts}` },
        }))
      : [
          {
            label: `seed ${seed}`,
            scenario: generateScenario(seed!, { profile: flags.profile as Profile, ...(transport ? { transport } : {}), ...(mutant ? { mutant } : {}), ...(variant ? { variant } : {}) }),
            repros: {
              sim: `replaysim run --seed ${seed} --profile ${flags.profile as string}${transport ? ` --transport ${transport}` : ""}${parts}`,
              real: `replaysim real --seed ${seed} --profile ${flags.profile as string}${transport ? ` --transport ${transport}` : ""}${parts}`,
            },
          },
        ];
    for (const { scenario } of list) partsFor(scenario);
    return list;
  } catch (error) {
    if (error instanceof ScenarioError || error instanceof UnknownPartsError) throw new UsageError(error.message);
    throw error;
  }
}

function summaryLines(label: string, r: RealRunResult): string[] {
  const head = `${r.verdict === "pass" ? "✓" : "✗"} ${label} (real, ${r.transport}): ${r.verdict}, ${r.outcome}, ${r.stats.ops} ops committed, ${r.stats.applied} applied, ${r.stats.crashes} crashes, ${r.stats.restarts} restarts, ${r.stats.wall_ms} ms`;
  return [head, ...r.violations.map((v) => `  ${v.checker}/${v.anomaly}: ${v.message}`)];
}

/** summary.json, junit.xml and a timeline page per run, as explore writes them for simulated runs. */
function writeReports(dir: string, summary: unknown, results: readonly { label: string; result: RealRunResult; scenario: Scenario; repro: string }[]): void {
  mkdirSync(join(dir, "timelines"), { recursive: true });
  writeFileSync(join(dir, "summary.json"), `${JSON.stringify(summary, null, 1)}\n`);
  const fileOf = (label: string) => `${label.replace(/[^a-z0-9._-]+/gi, "-").replace(/^-+|-+$/g, "")}.html`;
  for (const { label, result, scenario, repro } of results) writeFileSync(join(dir, "timelines", fileOf(label)), timelineHtml(asRunResult(scenario, result), repro));
  const cases = results.map(({ label, result, repro }) => {
    const first = result.violations[0];
    return {
      name: `${label} (real)`,
      time_s: result.stats.wall_ms / 1000,
      failure: first ? { type: `${first.checker}/${first.anomaly}`, message: first.message, body: `${first.message}\nreplay: ${repro}\ntimeline: timelines/${fileOf(label)}` } : null,
    };
  });
  writeFileSync(join(dir, "junit.xml"), runsJunit("replaysim real", cases));
}

export const realCommand: Command = {
  spec: {
    name: "real",
    summary: "run a scenario for real: the server and clients as child processes on their own SQLite files, over TCP on loopback, crashes as SIGKILL",
    flags: [
      { name: "scenario", kind: "string", value: "FILE", description: "a scenario file (JSON)" },
      { name: "seed", kind: "int", value: "S", description: "a generated scenario's seed", min: 0, max: 2 ** 53 - 1 },
      { name: "transport", kind: "string", choices: TRANSPORTS, description: "fix the transport (default: the file's, or drawn)" },
      { name: "profile", kind: "string", choices: PROFILES, description: "fault profile of a generated scenario", default: "swarm" },
      { name: "mutant", kind: "string", value: "NAME", description: "run against a deliberately broken build" },
      { name: "variant", kind: "string", value: "NAME", description: "run against a seed design" },
      { name: "wall", kind: "duration", value: "DURATION", description: "wall budget of one real run, e.g. 60s", default: 60_000 },
      { name: "time-divisor", kind: "int", value: "N", description: "scenario times (timeline, restart delays) divided by N", min: 1, max: 1000, default: 10 },
      { name: "keep", kind: "string", value: "DIR", description: "keep the run's database files and wire logs here" },
      { name: "compare", kind: "bool", description: "also run each scenario in the simulator and report both side by side; exit 1 on a disagreement" },
      { name: "repeat", kind: "int", value: "N", description: "run each scenario N times for real and report how stable its verdict is", min: 1, max: 100, default: 1 },
      { name: "json", kind: "bool", description: "print one JSON object instead of text" },
      { name: "out", kind: "string", value: "DIR", description: "also write summary.json, junit.xml and one timeline page per run (marked real, in wall time)" },
    ],
    notes: [
      "Faults with no real counterpart yet (network faults, viewers, power loss, disk full, revokes) are refused, each named: exit 2.",
      "Every child process runs in its own process group and is killed when the run ends, pass, fail or Ctrl-C.",
      "Exit codes: 0 pass, 1 a checker found a violation, 2 bad input or a scenario real mode cannot run.",
      "Example: replaysim real --scenario scenarios/server-crash-after-commit.json",
    ],
  },
  async run(flags, io) {
    const list = scenariosOf(flags);
    const repeat = flags.repeat as number;
    const compare = flags.compare === true;
    const results: { label: string; result: RealRunResult; comparison?: Comparison; scenario: Scenario; repro: string }[] = [];
    const pool = compare ? openPool(1) : null;
    try {
      for (const { label, scenario, repros } of list) {
        const sim = pool ? await runGuarded(pool, scenario) : null;
        for (let i = 1; i <= repeat; i++) {
          let result: RealRunResult;
          try {
            result = await runReal(scenario, {
              wall_ms: flags.wall as number,
              time_scale: 1 / (flags["time-divisor"] as number),
              ...(flags.keep ? { dir: `${flags.keep as string}/${scenario.transport}${repeat > 1 ? `-${i}` : ""}` } : {}),
            });
          } catch (error) {
            if (error instanceof NotRealError) throw new UsageError(`${label}: ${error.message}`);
            throw error;
          }
          const comparison = sim ? compareWorlds(simSide({ ...sim.report, scenario }), realSide(result)) : undefined;
          const runLabel = repeat > 1 ? `${label} #${i}` : label;
          results.push({ label: runLabel, result, scenario, repro: repros.real, ...(comparison ? { comparison } : {}) });
          if (flags.json) continue;
          for (const line of comparison ? comparisonLines(runLabel, comparison, repros) : summaryLines(runLabel, result)) io.out(line);
        }
        if (repeat > 1 && !flags.json) {
          const mine = results.filter((r) => r.label.startsWith(`${label} #`));
          const passed = mine.filter((r) => r.result.verdict === "pass").length;
          io.out(`  stability of ${label}: pass ${passed} of ${repeat}`);
        }
      }
    } finally {
      await pool?.close();
    }
    const failed = results.filter((r) => r.result.verdict !== "pass").length;
    const disagreed = results.filter((r) => (r.comparison?.disagreements.length ?? 0) > 0).length;
    const explained = results.filter((r) => (r.comparison?.disagreements.length ?? 1) === 0 && r.comparison!.explained.length > 0).length;
    const runs = results.map(({ label, result: { history: _h, ...r }, comparison }) => ({ label, ...r, ...(comparison ? { comparison } : {}) }));
    const summary = { format: "replaysim-real/1", verdict: failed === 0 ? "pass" : "fail", ...(compare ? { disagreements: disagreed, explained } : {}), runs };
    if (flags.out) writeReports(flags.out as string, summary, results);
    if (flags.json) io.out(JSON.stringify(summary));
    else {
      if (compare) io.out(`${results.length - disagreed} of ${results.length} runs agree with the simulator${explained > 0 ? ` (${explained} with explained differences, marked ~)` : ""}`);
      if (flags.out) io.out(`reports: ${flags.out as string}/summary.json, junit.xml, timelines/`);
    }
    if (compare) return disagreed === 0 ? 0 : 1;
    return failed === 0 ? 0 : 1;
  },
};
