import { writeFileSync } from "node:fs";
import { consoleSummary, runJson } from "../../reports/run-summary.ts";
import { timelineHtml } from "../../reports/timeline.ts";
import { canonicalJson } from "../../sim/history/canonical-json.ts";
import { partsFor, UnknownPartsError } from "../../sim/parts.ts";
import { openPool } from "../../sim/explore/explore.ts";
import { runGuarded, runJudged } from "../../sim/explore/guarded-run.ts";
import { RUN_TIMEOUT_MS_DEFAULT, type TaskPool } from "../../sim/explore/pool.ts";
import type { RunResult } from "../../sim/run-scenario.ts";
import { reproCommand } from "../../sim/explore/repro.ts";
import { PROFILES, type Profile } from "../../sim/scenario/arbitrary.ts";
import { generateScenario } from "../../sim/scenario/generate.ts";
import { loadScenarioFile, resolveScenario, ScenarioError } from "../../sim/scenario/load.ts";
import { TRANSPORTS, type Scenario, type TransportName } from "../../sim/scenario/schema.ts";
import { UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import { cpuProfileOption, PROFILE_CPU_FLAG } from "../profile-cpu.ts";
import { RUN_TIMEOUT_FLAG } from "../run-timeout.ts";

async function single(pool: TaskPool, scenario: Scenario, repro: string, keepHistory: boolean): Promise<RunResult> {
  const run = await runGuarded(pool, scenario, { repro, ...(keepHistory ? { keep: "history" as const } : {}) });
  if (!run) throw new Error("the run was cancelled");
  return { ...run.report, scenario };
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
      RUN_TIMEOUT_FLAG,
      { name: "check-determinism", kind: "bool", description: "run the scenario twice, on two workers, and fail if the trace hashes differ" },
      { name: "html", kind: "string", value: "FILE", description: "also write the run's timeline: one self-contained HTML page" },
      PROFILE_CPU_FLAG,
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
    const run_timeout_ms = flags["run-timeout"] as number;
    const repro = reproCommand({
      ...(seed !== undefined ? { seed } : {}),
      ...(file ? { scenario: file } : {}),
      ...(transport ? { transport } : {}),
      ...(mutant ? { mutant } : {}),
      ...(variant ? { variant } : {}),
      profile: flags.profile as string,
      ...(run_timeout_ms !== RUN_TIMEOUT_MS_DEFAULT ? { run_timeout_ms } : {}),
      check_determinism: flags["check-determinism"] === true,
    });
    const check = flags["check-determinism"] === true;
    const keepHistory = flags.history !== undefined || flags.html !== undefined;
    // Even one run goes to a worker under the watchdog: code under test may spin forever.
    const cpu_profile = cpuProfileOption(flags, io, "run");
    const pool = openPool(check ? 2 : 1, run_timeout_ms, cpu_profile);
    let result: RunResult;
    try {
      result = check ? await runJudged(pool, scenario, { twice: true, repro }) : await single(pool, scenario, repro, keepHistory);
    } finally {
      await pool.close();
    }
    if (flags.history !== undefined) {
      const lines = (result.history ?? []).map((e) => canonicalJson([e.t, e.node, e.type, e.data]));
      writeFileSync(flags.history as string, lines.length ? `${lines.join("\n")}\n` : "");
    }
    if (flags.html !== undefined) writeFileSync(flags.html as string, timelineHtml(result, repro));
    if (flags.json) io.out(JSON.stringify(runJson(result)));
    else {
      for (const line of consoleSummary(result, repro)) io.out(line);
      if (cpu_profile?.written) io.out(`cpu profile: ${cpu_profile.file}`);
    }
    return result.verdict === "pass" ? 0 : 1;
  },
};
