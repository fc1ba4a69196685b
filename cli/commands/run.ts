import { writeFileSync } from "node:fs";
import { consoleSummary, runJson } from "../../reports/run-summary.ts";
import { timelineHtml } from "../../reports/timeline.ts";
import { canonicalJson } from "../../sim/history/canonical-json.ts";
import { partsFor, UnknownPartsError } from "../../sim/parts.ts";
import { runScenario } from "../../sim/run-scenario.ts";
import { PROFILES, type Profile } from "../../sim/scenario/arbitrary.ts";
import { generateScenario } from "../../sim/scenario/generate.ts";
import { loadScenarioFile, resolveScenario, ScenarioError } from "../../sim/scenario/load.ts";
import { TRANSPORTS, type Scenario, type TransportName } from "../../sim/scenario/schema.ts";
import { UsageError } from "../args.ts";
import type { Command } from "../command.ts";

/** The exact command line that replays a scenario. */
export function reproCommand(flags: { seed?: number; scenario?: string; transport?: string; profile?: string; mutant?: string; variant?: string }): string {
  const parts = ["replaysim run"];
  if (flags.seed !== undefined) parts.push(`--seed ${flags.seed}`);
  if (flags.scenario) parts.push(`--scenario ${flags.scenario}`);
  if (flags.transport) parts.push(`--transport ${flags.transport}`);
  if (flags.profile && !flags.scenario) parts.push(`--profile ${flags.profile}`);
  if (flags.mutant) parts.push(`--mutant ${flags.mutant}`);
  if (flags.variant) parts.push(`--variant ${flags.variant}`);
  return parts.join(" ");
}

export const runCommand: Command = {
  spec: {
    name: "run",
    summary: "run one scenario in the simulator and judge it: a verdict line and the trace hash",
    flags: [
      { name: "seed", kind: "int", value: "S", description: "the run's seed; alone, it also draws the scenario", min: 0, max: 2 ** 53 - 1 },
      { name: "scenario", kind: "string", value: "FILE", description: "a scenario file (JSON) instead of a generated one" },
      { name: "transport", kind: "string", choices: TRANSPORTS, description: "fix the transport (default: drawn, or the file's)" },
      { name: "profile", kind: "string", choices: PROFILES, description: "fault profile of a generated scenario", default: "swarm" },
      { name: "mutant", kind: "string", value: "NAME", description: "run against a deliberately broken build (see replaysim mutants --help)" },
      { name: "variant", kind: "string", value: "NAME", description: "run against a seed design: seed-original or seed-plan" },
      { name: "json", kind: "bool", description: "print one JSON object instead of text" },
      { name: "history", kind: "string", value: "FILE", description: "also write the canonical history, one event per line" },
      { name: "html", kind: "string", value: "FILE", description: "also write the run's timeline: one self-contained HTML page" },
    ],
    notes: ["Exit codes: 0 pass, 1 a checker found a violation, 2 bad input.", "Example: replaysim run --seed 7 --json"],
  },
  async run(flags, io) {
    const seed = flags.seed as number | undefined;
    const file = flags.scenario as string | undefined;
    const transport = flags.transport as TransportName | undefined;
    if (seed === undefined && file === undefined) throw new UsageError("give --seed S, --scenario FILE, or both");
    const mutant = flags.mutant as string | undefined;
    const variant = flags.variant as string | undefined;
    let scenario: Scenario;
    try {
      if (file) {
        const loaded = resolveScenario(loadScenarioFile(file), transport);
        scenario = {
          ...loaded,
          ...(seed === undefined ? {} : { seed }),
          ...(mutant === undefined ? {} : { mutant }),
          ...(variant === undefined ? {} : { variant }),
        };
      } else {
        scenario = generateScenario(seed!, { profile: flags.profile as Profile, ...(transport ? { transport } : {}), ...(mutant ? { mutant } : {}), ...(variant ? { variant } : {}) });
      }
      partsFor(scenario);
    } catch (error) {
      if (error instanceof ScenarioError || error instanceof UnknownPartsError) throw new UsageError(error.message);
      throw error;
    }
    const result = await runScenario(scenario, { keepHistory: flags.history !== undefined || flags.html !== undefined });
    if (flags.history !== undefined) {
      const lines = (result.history ?? []).map((e) => canonicalJson([e.t, e.node, e.type, e.data]));
      writeFileSync(flags.history as string, `${lines.join("\n")}\n`);
    }
    const repro = reproCommand({
      ...(seed !== undefined ? { seed } : {}),
      ...(file ? { scenario: file } : {}),
      ...(transport ? { transport } : {}),
      ...(mutant ? { mutant } : {}),
      ...(variant ? { variant } : {}),
      profile: flags.profile as string,
    });
    if (flags.html !== undefined) writeFileSync(flags.html as string, timelineHtml(result, repro));
    if (flags.json) io.out(JSON.stringify(runJson(result)));
    else for (const line of consoleSummary(result, repro)) io.out(line);
    return result.verdict === "pass" ? 0 : 1;
  },
};
