import type { SetupName } from "../../a2a-under-test/protocol/ports.ts";
import { checkMutantFlag } from "./explore.ts";
import { implFromFlags, IMPL_FLAGS } from "../impl-flags.ts";
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
import { loadScenarioFile, resolveScenario, ScenarioError, scenarioTransports } from "../../sim/scenario/load.ts";
import { TRANSPORTS, type Scenario, type TransportName } from "../../sim/scenario/schema.ts";
import { UsageError, type FlagValues } from "../args.ts";
import type { Command, Io } from "../command.ts";
import { cpuProfileOption, PROFILE_CPU_FLAG } from "../profile-cpu.ts";
import { RUN_TIMEOUT_FLAG } from "../run-timeout.ts";

/** Every (file, transport) a `run --scenario` asks for: each file on each transport it lists, or on the one given. */
function scenarioMatrix(files: readonly string[], transport: TransportName | undefined): { file: string; transport: TransportName }[] {
  try {
    return files.flatMap((file) => (transport ? [transport] : scenarioTransports(loadScenarioFile(file))).map((t) => ({ file, transport: t })));
  } catch (error) {
    if (error instanceof ScenarioError) throw new UsageError(error.message);
    throw error;
  }
}

/** Several runs: one verdict line each (or one JSON object listing them); exit 1 if any failed. */
async function runMatrix(matrix: { file: string; transport: TransportName }[], flags: FlagValues, io: Io): Promise<number> {
  for (const name of ["history", "html", "seed", "mutant", "variant", "profile-cpu"]) {
    if (flags[name] !== undefined) throw new UsageError(`--${name} needs a single run: give one scenario file and --transport`);
  }
  const run_timeout_ms = flags["run-timeout"] as number;
  const check = flags["check-determinism"] === true;
  const scenarios = matrix.map(({ file, transport }) => {
    try {
      const scenario = resolveScenario(loadScenarioFile(file), transport);
      partsFor(scenario);
      return { file, scenario };
    } catch (error) {
      if (error instanceof ScenarioError || error instanceof UnknownPartsError) throw new UsageError(error.message);
      throw error;
    }
  });
  const pool = openPool(check ? 2 : 1, run_timeout_ms);
  const results: RunResult[] = [];
  try {
    for (const { file, scenario } of scenarios) {
      const repro = reproCommand({ scenario: file, transport: scenario.transport, ...(run_timeout_ms !== RUN_TIMEOUT_MS_DEFAULT ? { run_timeout_ms } : {}), check_determinism: check });
      const result = check ? await runJudged(pool, scenario, { twice: true, repro }) : await single(pool, scenario, repro, false);
      results.push(result);
      if (!flags.json) for (const line of [`${file}:`, ...consoleSummary(result, repro)]) io.out(line);
    }
  } finally {
    await pool.close();
  }
  const failed = results.filter((r) => r.verdict !== "pass").length;
  if (flags.json) io.out(JSON.stringify({ format: "replaysim-runs/1", verdict: failed === 0 ? "pass" : "fail", runs: results.map((r, i) => ({ file: scenarios[i]!.file, ...runJson(r) })) }));
  else io.out(`${results.length - failed} of ${results.length} runs passed`);
  return failed === 0 ? 0 : 1;
}

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
      ...IMPL_FLAGS,
      { name: "a2a", kind: "string", choices: ["sdk", "hardened", "capnweb"], description: "with --seed: the A2A system's scenario for the seed, in this setup (docs/a2a.md)" },
      { name: "variant", kind: "string", value: "NAME", description: "run against a seed design: seed-original or seed-plan" },
      { name: "json", kind: "bool", description: "print one JSON object instead of text" },
      { name: "history", kind: "string", value: "FILE", description: "also write the canonical history, one event per line" },
      RUN_TIMEOUT_FLAG,
      { name: "check-determinism", kind: "bool", description: "run the scenario twice, on two workers, and fail if the trace hashes differ" },
      { name: "html", kind: "string", value: "FILE", description: "also write the run's timeline: one self-contained HTML page" },
      PROFILE_CPU_FLAG,
    ],
    positional: { name: "FILE", description: "more scenario files after --scenario FILE; a shell glob works (--scenario scenarios/viewer-*.json)", min: 0 },
    notes: [
      "A scenario file that lists several transports runs on each of them unless --transport picks one; several files run one after another.",
      "Exit codes: 0 pass, 1 a checker found a violation, 2 bad input.",
      "Example: replaysim run --seed 7 --json",
    ],
  },
  async run(flags, io) {
    const seed = flags.seed as number | undefined;
    const file = flags.scenario as string | undefined;
    const transport = flags.transport as TransportName | undefined;
    const more = (flags._ as string[] | undefined) ?? [];
    if (more.length > 0 && file === undefined) throw new UsageError(`unexpected argument '${more[0]}' (scenario files follow --scenario)`);
    if (seed === undefined && file === undefined) throw new UsageError("give --seed S, --scenario FILE, or both");
    if (file !== undefined) {
      const matrix = scenarioMatrix([file, ...more], transport);
      if (matrix.length > 1) return runMatrix(matrix, flags, io);
    }
    const mutant = flags.mutant as string | undefined;
    const variant = flags.variant as string | undefined;
    const a2a = flags.a2a as SetupName | undefined;
    if (a2a !== undefined && (file !== undefined || transport !== undefined || variant !== undefined)) throw new UsageError("--a2a goes with --seed alone: no --scenario, --transport or --variant");
    checkMutantFlag(mutant, a2a);
    const impl = await implFromFlags(flags);
    let scenario: Scenario;
    try {
      if (file) {
        const loaded = resolveScenario(loadScenarioFile(file), transport);
        scenario = {
          ...loaded,
          ...(seed === undefined ? {} : { seed }),
          ...(mutant === undefined ? {} : { mutant }),
          ...(variant === undefined ? {} : { variant }),
          ...(impl === undefined ? {} : { impl }),
        };
      } else {
        scenario = generateScenario(seed!, { profile: flags.profile as Profile, ...(transport ? { transport } : {}), ...(mutant ? { mutant } : {}), ...(variant ? { variant } : {}), ...(a2a ? { a2a } : {}), ...(impl ? { impl } : {}) });
      }
      if (!scenario.a2a) partsFor(scenario);
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
      ...(a2a ? { a2a } : {}),
      ...(impl ? { impl } : {}),
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
