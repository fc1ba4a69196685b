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
import { conformanceTable, type ClaimVerdict, type ConformanceRun } from "../../sim/claims/conformance.ts";
import { claimsConsole } from "../../reports/claims-table.ts";
import { shellQuote } from "../../real/processes/command-server.ts";
import { BlackBoxReadError, loadDbReader, type ReadShares } from "../../real/world/black-box-read.ts";
import type { Command } from "../command.ts";

/** The scenarios a `real` call asks for: each file on each transport it lists (or the one given), one generated seed, or generated seeds S..S+N-1. */
function scenariosOf(flags: Record<string, unknown>): { label: string; scenario: Scenario; repros: { sim: string; real: string } }[] {
  const seed = flags.seed as number | undefined;
  const seeds = flags.seeds as number | undefined;
  const from = flags.from as number | undefined;
  const file = flags.scenario as string | undefined;
  // A server of someone else's may speak only REST: generated seeds against it default to REST; --transport asks for capnweb.
  const transport = (flags.transport as TransportName | undefined) ?? (flags["server-cmd"] !== undefined && file === undefined ? "rest" : undefined);
  const mutant = flags.mutant as string | undefined;
  const variant = flags.variant as string | undefined;
  const given = [seed !== undefined && "--seed S", seeds !== undefined && "--seeds N", file !== undefined && "--scenario FILE"].filter(Boolean);
  if (given.length === 0) throw new UsageError("give --seed S, --seeds N or --scenario FILE");
  if (given.length > 1) throw new UsageError(`give one of --seed S, --seeds N or --scenario FILE, not ${given.join(" and ")}`);
  if (from !== undefined && seeds === undefined) throw new UsageError("--from S goes with --seeds N (the first of N generated seeds)");
  const override = (s: Scenario): Scenario => ({ ...s, ...(mutant === undefined ? {} : { mutant }), ...(variant === undefined ? {} : { variant }) });
  // A black box's run replays with the same command line and reader.
  const server = `${flags["server-cmd"] === undefined ? "" : ` --server-cmd ${shellQuote(flags["server-cmd"] as string)}`}${flags["db-reader"] === undefined ? "" : ` --db-reader ${shellQuote(flags["db-reader"] as string)}`}`;
  try {
    const parts = `${mutant ? ` --mutant ${mutant}` : ""}${variant ? ` --variant ${variant}` : ""}`;
    const generated = (s: number) => ({
      label: `seed ${s}`,
      scenario: generateScenario(s, { profile: flags.profile as Profile, ...(transport ? { transport } : {}), ...(mutant ? { mutant } : {}), ...(variant ? { variant } : {}) }),
      repros: {
        sim: `replaysim run --seed ${s} --profile ${flags.profile as string}${transport ? ` --transport ${transport}` : ""}${parts}`,
        real: `replaysim real --seed ${s} --profile ${flags.profile as string}${transport ? ` --transport ${transport}` : ""}${parts}${server}`,
      },
    });
    const list = file
      ? (transport ? [transport] : scenarioTransports(loadScenarioFile(file))).map((t) => ({
          label: `${file} ${t}`,
          scenario: override(resolveScenario(loadScenarioFile(file), t)),
          repros: { sim: `replaysim run --scenario ${file} --transport ${t}${parts}`, real: `replaysim real --scenario ${file} --transport ${t}${parts}${server}` },
        }))
      : seeds !== undefined
        ? Array.from({ length: seeds }, (_, i) => generated((from ?? 1) + i))
        : [generated(seed!)];
    for (const { scenario } of list) partsFor(scenario);
    return list;
  } catch (error) {
    if (error instanceof ScenarioError || error instanceof UnknownPartsError) throw new UsageError(error.message);
    throw error;
  }
}

/** `--server-cmd` and `--db-reader`, checked before anything starts. */
async function blackBoxOf(flags: Record<string, unknown>): Promise<{ server_cmd?: string; db_reader?: ReadShares }> {
  const cmd = flags["server-cmd"] as string | undefined;
  const reader = flags["db-reader"] as string | undefined;
  if (cmd === undefined) {
    if (reader !== undefined) throw new UsageError("--db-reader MODULE reads a --server-cmd server's database: give --server-cmd too");
    return {};
  }
  if (!cmd.includes("{port}")) throw new UsageError(`--server-cmd must contain {port}, where the harness puts the port the server listens on (e.g. "node my-server.js --port {port} --db {db}"); got: ${cmd}`);
  if (cmd.trim() === "{port}") throw new UsageError("--server-cmd needs a command, not only {port}");
  if (reader === undefined) return { server_cmd: cmd };
  try {
    return { server_cmd: cmd, db_reader: await loadDbReader(reader) };
  } catch (error) {
    if (error instanceof BlackBoxReadError) throw new UsageError(error.message);
    throw error;
  }
}

/** A timeline page's file name under --out/timelines/. */
const fileOf = (label: string) => `${label.replace(/[^a-z0-9._-]+/gi, "-").replace(/^-+|-+$/g, "")}.html`;

/** One real run as the conformance report reads it. */
function conformanceRun(result: RealRunResult, scenario: Scenario, repro: string, timeline: string | undefined): ConformanceRun {
  const findings: ConformanceRun["findings"] = [];
  for (const v of result.violations) if (!findings.some((f) => f.checker === v.checker)) findings.push({ checker: v.checker, anomaly: v.anomaly, message: v.message });
  return {
    seed: result.seed,
    transport: result.transport,
    verdict: result.verdict,
    findings,
    coverage: asRunResult(scenario, result).coverage,
    faults_by_kind: asRunResult(scenario, result).stats.faults_by_kind,
    has: {
      viewers: scenario.viewers.length > 0,
      readers: scenario.clients.some((c) => c.scope === "read"),
      wrong_secret: scenario.clients.some((c) => c.secret === "wrong") || scenario.viewers.some((v) => v.secret === "wrong"),
      ops: scenario.clients.reduce((n, c) => n + c.ops, 0),
      // The reference clients' outboxes are read at the end.
      client_state: true,
    },
    repro,
    ...(timeline ? { timeline } : {}),
  };
}

function summaryLines(label: string, r: RealRunResult): string[] {
  const head = `${r.verdict === "pass" ? "✓" : "✗"} ${label} (real, ${r.transport}): ${r.verdict}, ${r.outcome}, ${r.stats.ops} ops committed, ${r.stats.applied} applied, ${r.stats.crashes} crashes, ${r.stats.restarts} restarts, ${r.stats.wall_ms} ms`;
  const skipped = Object.entries(r.stats.skipped_by_kind ?? {}).map(([k, n]) => `${k} ×${n}`);
  return [head, ...(skipped.length > 0 ? [`  skipped for a black box (not exercised): ${skipped.join(", ")}`] : []), ...r.violations.map((v) => `  ${v.checker}/${v.anomaly}: ${v.message}`)];
}

/** summary.json, junit.xml and a timeline page per run, as explore writes them for simulated runs. */
function writeReports(dir: string, summary: unknown, results: readonly { label: string; result: RealRunResult; scenario: Scenario; repro: string }[]): void {
  mkdirSync(join(dir, "timelines"), { recursive: true });
  writeFileSync(join(dir, "summary.json"), `${JSON.stringify(summary, null, 1)}\n`);
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
      { name: "seeds", kind: "int", value: "N", description: "run N generated seeds one after another (from --from), each on fresh files", min: 1, max: 1000 },
      { name: "from", kind: "int", value: "S", description: "the first seed of --seeds (default 1)", min: 0, max: 2 ** 53 - 1 },
      { name: "transport", kind: "string", choices: TRANSPORTS, description: "fix the transport (default: the file's, or drawn; rest for generated seeds with --server-cmd)" },
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
      { name: "server-cmd", kind: "string", value: "CMD", description: "run your own server as a black box instead of the reference: a shell command line with {port} (required) and {db} filled in by the harness" },
      { name: "db-reader", kind: "string", value: "MODULE", description: "with --server-cmd: a .ts/.js module exporting readShares(dbPath) that reads the final shares from the server's file, instead of GET /log and /snapshot" },
    ],
    notes: [
      "Faults with no real counterpart yet (network faults, viewers, power loss, disk full, revokes) are refused, each named: exit 2.",
      "Every child process runs in its own process group and is killed when the run ends, pass, fail or Ctrl-C.",
      "Exit codes: 0 pass, 1 a checker found a violation, 2 bad input or a scenario real mode cannot run.",
      "Example: replaysim real --scenario scenarios/server-crash-after-commit.json",
      "--server-cmd: the command runs through sh -c in its own process group and must stay in the foreground; it is ready when its port answers HTTP (15 s at most), a crash is SIGKILL to its group, a restart runs the same line. Revokes, disk full, the adversary, server crash points and server power loss need the server's insides: they are skipped and reported as such. The run ends with the conformance claims table.",
      'Example: replaysim real --server-cmd "node examples/rest-server/main.js --port {port} --db {db}" --seeds 5 --transport rest',
    ],
  },
  async run(flags, io) {
    const blackBox = await blackBoxOf(flags);
    const list = scenariosOf(flags);
    const repeat = flags.repeat as number;
    const compare = flags.compare === true;
    const many = list.length > 1;
    const results: { label: string; result: RealRunResult; comparison?: Comparison; scenario: Scenario; repro: string }[] = [];
    /** Runs of a --server-cmd server that ended in an error instead of a verdict (it did not start, or its shares could not be read). */
    const errors: { label: string; error: string }[] = [];
    const pool = compare ? openPool(1) : null;
    try {
      scenarios: for (const { label, scenario, repros } of list) {
        const sim = pool ? await runGuarded(pool, scenario) : null;
        for (let i = 1; i <= repeat; i++) {
          const runLabel = repeat > 1 ? `${label} #${i}` : label;
          let result: RealRunResult;
          try {
            result = await runReal(scenario, {
              wall_ms: flags.wall as number,
              time_scale: 1 / (flags["time-divisor"] as number),
              ...(flags.keep ? { dir: `${flags.keep as string}/${many ? `seed-${scenario.seed}-` : ""}${scenario.transport}${repeat > 1 ? `-${i}` : ""}` } : {}),
              ...blackBox,
            });
          } catch (error) {
            if (error instanceof NotRealError) throw new UsageError(`${label}: ${error.message}`);
            if (!blackBox.server_cmd) throw error;
            // Someone else's server: a run that could not start it or read it back is reported, and the next goes on.
            const message = String((error as Error)?.message ?? error);
            errors.push({ label: runLabel, error: message });
            if (!flags.json) io.out(`✗ ${runLabel} (real, ${scenario.transport}): error: ${message}`);
            // A command that never came up will not come up for the next seed either.
            if (results.length === 0 && /did not answer HTTP|ended before it answered/.test(message)) break scenarios;
            continue;
          }
          const comparison = sim ? compareWorlds(simSide({ ...sim.report, scenario }), realSide(result)) : undefined;
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
    const failed = results.filter((r) => r.result.verdict !== "pass").length + errors.length;
    const disagreed = results.filter((r) => (r.comparison?.disagreements.length ?? 0) > 0).length;
    const explained = results.filter((r) => (r.comparison?.disagreements.length ?? 1) === 0 && r.comparison!.explained.length > 0).length;
    const runs = results.map(({ label, result: { history: _h, ...r }, comparison }) => ({ label, ...r, ...(comparison ? { comparison } : {}) }));
    // Someone else's server ends with the claims it kept, broke, or was never put to.
    const claims: ClaimVerdict[] | null = blackBox.server_cmd
      ? conformanceTable(
          results.map(({ label, result, scenario, repro }) => conformanceRun(result, scenario, repro, flags.out ? join(flags.out as string, "timelines", fileOf(label)) : undefined)),
          "server",
        )
      : null;
    const summary = {
      format: "replaysim-real/1",
      verdict: failed === 0 ? "pass" : "fail",
      ...(compare ? { disagreements: disagreed, explained } : {}),
      ...(blackBox.server_cmd ? { server_cmd: blackBox.server_cmd } : {}),
      runs,
      ...(errors.length > 0 ? { errors } : {}),
      ...(claims ? { claims } : {}),
    };
    if (flags.out) writeReports(flags.out as string, summary, results);
    if (flags.json) io.out(JSON.stringify(summary));
    else {
      if (compare) io.out(`${results.length - disagreed} of ${results.length} runs agree with the simulator${explained > 0 ? ` (${explained} with explained differences, marked ~)` : ""}`);
      if (many || repeat > 1) io.out(`${results.length - (failed - errors.length)} of ${results.length + errors.length} real runs passed${errors.length > 0 ? `, ${errors.length} ended in an error` : ""}`);
      if (claims) for (const line of claimsConsole(claims, `--server-cmd ${blackBox.server_cmd!}`)) io.out(line);
      if (flags.out) io.out(`reports: ${flags.out as string}/summary.json, junit.xml, timelines/`);
    }
    if (compare) return disagreed === 0 && errors.length === 0 ? 0 : 1;
    return failed === 0 ? 0 : 1;
  },
};
