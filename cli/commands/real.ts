import { NotRealError } from "../../real/world/unsupported.ts";
import { runReal, type RealRunResult } from "../../real/world/real-run.ts";
import { partsFor, UnknownPartsError } from "../../sim/parts.ts";
import { PROFILES, type Profile } from "../../sim/scenario/arbitrary.ts";
import { generateScenario } from "../../sim/scenario/generate.ts";
import { loadScenarioFile, resolveScenario, ScenarioError, scenarioTransports } from "../../sim/scenario/load.ts";
import { TRANSPORTS, type Scenario, type TransportName } from "../../sim/scenario/schema.ts";
import { UsageError } from "../args.ts";
import type { Command } from "../command.ts";

/** The scenarios a `real` call asks for: each file on each transport it lists (or the one given), or one generated seed. */
function scenariosOf(flags: Record<string, unknown>): { label: string; scenario: Scenario }[] {
  const seed = flags.seed as number | undefined;
  const file = flags.scenario as string | undefined;
  const transport = flags.transport as TransportName | undefined;
  const mutant = flags.mutant as string | undefined;
  const variant = flags.variant as string | undefined;
  if (seed === undefined && file === undefined) throw new UsageError("give --seed S or --scenario FILE");
  if (seed !== undefined && file !== undefined) throw new UsageError("give --seed S or --scenario FILE, not both");
  const override = (s: Scenario): Scenario => ({ ...s, ...(mutant === undefined ? {} : { mutant }), ...(variant === undefined ? {} : { variant }) });
  try {
    const list = file
      ? (transport ? [transport] : scenarioTransports(loadScenarioFile(file))).map((t) => ({ label: `${file} ${t}`, scenario: override(resolveScenario(loadScenarioFile(file), t)) }))
      : [{ label: `seed ${seed}`, scenario: generateScenario(seed!, { profile: flags.profile as Profile, ...(transport ? { transport } : {}), ...(mutant ? { mutant } : {}), ...(variant ? { variant } : {}) }) }];
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

export const realCommand: Command = {
  spec: {
    name: "real",
    summary: "run a scenario for real: the server and clients as child processes on their own SQLite files, over TCP on loopback, crashes as SIGKILL",
    flags: [
      { name: "scenario", kind: "string", value: "FILE", description: "a scenario file (JSON)" },
      { name: "seed", kind: "int", value: "S", description: "a generated scenario's seed", min: 0, max: 2 ** 53 - 1 },
      { name: "transport", kind: "string", choices: TRANSPORTS, description: "fix the transport (default: the file's, or drawn)" },
      { name: "profile", kind: "string", choices: PROFILES, description: "fault profile of a generated scenario", default: "calm" },
      { name: "mutant", kind: "string", value: "NAME", description: "run against a deliberately broken build" },
      { name: "variant", kind: "string", value: "NAME", description: "run against a seed design" },
      { name: "wall", kind: "duration", value: "DURATION", description: "wall budget of one real run, e.g. 60s", default: 60_000 },
      { name: "time-divisor", kind: "int", value: "N", description: "scenario times (timeline, restart delays) divided by N", min: 1, max: 1000, default: 10 },
      { name: "keep", kind: "string", value: "DIR", description: "keep the run's database files here" },
      { name: "json", kind: "bool", description: "print one JSON object instead of text" },
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
    const results: { label: string; result: RealRunResult }[] = [];
    for (const { label, scenario } of list) {
      let result: RealRunResult;
      try {
        result = await runReal(scenario, {
          wall_ms: flags.wall as number,
          time_scale: 1 / (flags["time-divisor"] as number),
          ...(flags.keep ? { dir: `${flags.keep as string}/${scenario.transport}` } : {}),
        });
      } catch (error) {
        if (error instanceof NotRealError) throw new UsageError(`${label}: ${error.message}`);
        throw error;
      }
      results.push({ label, result });
      if (!flags.json) for (const line of summaryLines(label, result)) io.out(line);
    }
    const failed = results.filter((r) => r.result.verdict !== "pass").length;
    if (flags.json) {
      io.out(JSON.stringify({ format: "replaysim-real/1", verdict: failed === 0 ? "pass" : "fail", runs: results.map(({ label, result: { history: _h, ...r } }) => ({ label, ...r })) }));
    }
    return failed === 0 ? 0 : 1;
  },
};
