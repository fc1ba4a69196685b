import { availableParallelism } from "node:os";
import { writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { crashSitesConsole, writeCrashSiteOutputs, type CrashSitesSummary } from "../../reports/crash-sites.ts";
import { exploreConsole, type ExploreFlags } from "../../reports/explore-summary.ts";
import { writeExploreOutputs } from "../../reports/explore-files.ts";
import { findMutant, MUTANTS } from "../../mutants/catalog.ts";
import { A2A_MUTANTS, findA2AMutant } from "../../mutants/a2a/catalog.ts";
import type { SetupName } from "../../a2a-under-test/protocol/ports.ts";
import { implFromFlags, IMPL_FLAGS } from "../impl-flags.ts";
import type { ImplRef } from "../../sim/impl/load-impl.ts";
import { conformanceTable, runsOfExploration, type ClaimVerdict } from "../../sim/claims/conformance.ts";
import { claimsConsole } from "../../reports/claims-table.ts";
import type { FailureFile } from "../../reports/explore-summary.ts";
import { findVariant, VARIANTS } from "../../mutants/variants.ts";
import { enumerateCrashSites } from "../../sim/explore/crash-sites.ts";
import { explore, openPool, type ExploreResult, type Shard } from "../../sim/explore/explore.ts";
import { generateScenario } from "../../sim/scenario/generate.ts";
import { partsFor, UnknownPartsError } from "../../sim/parts.ts";
import { PROFILES, type Profile } from "../../sim/scenario/arbitrary.ts";
import { loadScenarioFile, resolveScenario, ScenarioError, scenarioTransports } from "../../sim/scenario/load.ts";
import { TRANSPORTS, type Scenario, type TransportName } from "../../sim/scenario/schema.ts";
import { givenFlags, UsageError, type FlagValues } from "../args.ts";
import type { Command, Io } from "../command.ts";
import { cpuProfileOption, PROFILE_CPU_FLAG } from "../profile-cpu.ts";
import { RUN_TIMEOUT_FLAG } from "../run-timeout.ts";
import { bar, progressLine } from "../progress.ts";

/** `--sites-max` unless given: a scenario of 150 ops has about 850 sites per transport. */
export const CRASH_SITES_MAX_DEFAULT = 500;
const CRASH_SITES_OUT_DEFAULT = "reports/out/crash-sites";
/** Seed flags that mean nothing to one scenario file's crash sites. */
const SEED_ONLY_FLAGS = ["from", "profile", "shard", "ops-max", "fail-fast", "no-shrink", "check-determinism"];

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const k = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || k < 1 || k > n) throw new UsageError(`--shard expects k/n with 1 <= k <= n, e.g. 1/4; got '${text}'`);
  return { k, n };
}

/**
 * The shard a CI runner asks for through the environment, for runners that
 * number their jobs: REPLAYSIM_SHARD=k/n, or Kubernetes Indexed Jobs'
 * JOB_COMPLETION_INDEX (0-based) with REPLAYSIM_SHARDS=n. The --shard flag wins over both.
 */
export function shardFromEnv(env: NodeJS.ProcessEnv): Shard | undefined {
  const direct = env.REPLAYSIM_SHARD;
  if (direct !== undefined && direct !== "") {
    try {
      return parseShard(direct);
    } catch {
      throw new UsageError(`REPLAYSIM_SHARD expects k/n with 1 <= k <= n, e.g. 2/4; got '${direct}'`);
    }
  }
  const shards = env.REPLAYSIM_SHARDS;
  if (shards === undefined || shards === "") return undefined;
  if (!/^\d+$/.test(shards) || Number(shards) < 1) throw new UsageError(`REPLAYSIM_SHARDS expects a whole number of shards, at least 1; got '${shards}'`);
  const index = env.JOB_COMPLETION_INDEX;
  if (index === undefined || index === "") throw new UsageError("REPLAYSIM_SHARDS is set but JOB_COMPLETION_INDEX is not: set both (an Indexed Job sets the index), or REPLAYSIM_SHARD=k/n");
  const n = Number(shards);
  if (!/^\d+$/.test(index) || Number(index) >= n) throw new UsageError(`JOB_COMPLETION_INDEX expects 0..${n - 1} (REPLAYSIM_SHARDS=${n}); got '${index}'`);
  return { k: Number(index) + 1, n };
}

export const exploreCommand: Command = {
  spec: {
    name: "explore",
    summary: "run many generated seeds, shrink each failure to a minimal scenario, and say how to replay it",
    flags: [
      { name: "seeds", kind: "int", value: "N", description: "how many seeds to run", min: 1, max: 100_000_000 },
      { name: "time", kind: "duration", value: "DURATION", description: "run seeds until this much time passed, e.g. 60s (instead of --seeds)" },
      { name: "from", kind: "int", value: "S", description: "first seed", min: 0, default: 1 },
      { name: "transport", kind: "string", choices: [...TRANSPORTS, "all"], description: "fix the transport, or run every seed on all three (default: drawn per seed)" },
      { name: "profile", kind: "string", choices: PROFILES, description: "fault profile", default: "swarm" },
      { name: "workers", kind: "int", value: "K", description: "worker threads (default: the core count)", min: 1, max: 64 },
      { name: "shard", kind: "string", value: "k/n", description: "run only the k-th of n disjoint slices of the seed range (default: from REPLAYSIM_SHARD, or JOB_COMPLETION_INDEX with REPLAYSIM_SHARDS)" },
      { name: "mutant", kind: "string", value: "NAME", description: "explore a deliberately broken build instead of the reference" },
      { name: "variant", kind: "string", value: "NAME", description: "explore a seed design (seed-original, seed-plan) instead of the reference" },
      ...IMPL_FLAGS,
      { name: "a2a", kind: "string", choices: ["sdk", "hardened", "capnweb"], description: "explore the A2A system in this setup instead of the share system (docs/a2a.md)" },
      { name: "ops-max", kind: "int", value: "N", description: "most ops one generated client enqueues", min: 1, max: 100_000, default: 300 },
      RUN_TIMEOUT_FLAG,
      { name: "fail-fast", kind: "bool", description: "stop at the first failing seed; later seeds still running are abandoned" },
      { name: "no-shrink", kind: "bool", description: "report failures as generated, without shrinking them" },
      { name: "check-determinism", kind: "bool", description: "run every seed twice (on two workers when there are several) and fail it if the trace hashes differ" },
      { name: "json", kind: "bool", description: "print one JSON object, no progress" },
      { name: "out", kind: "string", value: "DIR", description: "where failure scenarios and reports go", default: "reports/out" },
      PROFILE_CPU_FLAG,
      { name: "crash-points", kind: "string", value: "all", description: "instead of seeds: run --scenario once per crash site (each crash point's every occurrence, and a power loss at each commit)" },
      { name: "scenario", kind: "string", value: "FILE", description: "with --crash-points: the scenario file whose crash sites to enumerate (each transport it lists)" },
      { name: "sites-max", kind: "int", value: "N", description: "with --crash-points: most sites to run per transport; past it an evenly spaced subset", min: 1, max: 1_000_000, default: CRASH_SITES_MAX_DEFAULT },
      { name: "no-power-loss", kind: "bool", description: "with --crash-points: crashes only, no power-loss sites" },
    ],
    notes: [
      "Writes under --out: failures/seed-S-T-checker.json (shrunk, replayable) and .html (its timeline), summary.json, junit.xml, report.html.",
      "With --crash-points all --scenario FILE: one scenario file per failing site under --out (default reports/out/crash-sites).",
      "Shards from the environment: REPLAYSIM_SHARD=k/n, or JOB_COMPLETION_INDEX (0-based) with REPLAYSIM_SHARDS=n; --shard wins.",
      "Exit codes: 0 no seed failed, 1 a seed failed, 2 bad input.",
      "Example: replaysim explore --seeds 300 --transport all --json",
      "Example: replaysim explore --crash-points all --scenario scenarios/client-crash-after-send.json --transport websocket",
    ],
  },
  async run(flags, io) {
    if (flags["crash-points"] !== undefined || flags.scenario !== undefined) return exploreCrashPoints(flags, io);
    for (const name of ["sites-max", "no-power-loss"]) {
      if (givenFlags(flags).has(name)) throw new UsageError(`--${name} needs --crash-points all --scenario FILE`);
    }
    if (flags.seeds !== undefined && flags.time !== undefined) throw new UsageError("give --seeds or --time, not both");
    const shard = flags.shard === undefined ? shardFromEnv(process.env) : parseShard(flags.shard as string);
    const a2a = flags.a2a as SetupName | undefined;
    const mutant = flags.mutant as string | undefined;
    checkMutantFlag(mutant, a2a);
    const impl = await implFromFlags(flags);
    const variant = flags.variant as string | undefined;
    if (variant !== undefined && !findVariant(variant)) throw new UsageError(`--variant: unknown variant '${variant}'; known: ${VARIANTS.map((v) => v.name).join(", ")}`);
    if (variant !== undefined && mutant !== undefined) throw new UsageError("give --mutant or --variant, not both");
    if (a2a !== undefined && (variant !== undefined || flags.transport !== undefined)) throw new UsageError("--a2a picks its own transport and has no variants: drop --transport and --variant");
    const seeds = flags.seeds === undefined && flags.time === undefined ? 100 : (flags.seeds as number | undefined);
    const workers = (flags.workers as number | undefined) ?? availableParallelism();
    const transport = flags.transport as TransportName | "all" | undefined;
    const profile = flags.profile as Profile;
    const json = flags.json === true;
    const cpu_profile = cpuProfileOption(flags, io, "explore");
    const progress = progressLine(io, !json);
    const result = await explore({
      from: flags.from as number,
      ...(seeds !== undefined ? { seeds } : {}),
      ...(flags.time !== undefined ? { time_ms: flags.time as number } : {}),
      ...(transport ? { transport } : {}),
      profile,
      workers,
      ...(shard ? { shard } : {}),
      ...(mutant ? { mutant } : {}),
      ...(variant ? { variant } : {}),
      ...(a2a ? { a2a } : {}),
      ...(impl ? { impl } : {}),
      ops_max: flags["ops-max"] as number,
      run_timeout_ms: flags["run-timeout"] as number,
      ...(flags["fail-fast"] === true ? { stop_on_failure: true } : {}),
      ...(flags["no-shrink"] === true ? { shrink: false } : {}),
      ...(flags["check-determinism"] === true ? { check_determinism: true } : {}),
      timelines: true,
      ...(cpu_profile ? { cpu_profile } : {}),
      onProgress: (p) =>
        progress.update(
          p.phase === "shrinking"
            ? `shrinking ${p.failures} failing seed${p.failures === 1 ? "" : "s"}…`
            : `${bar(p.done, p.total)}${p.done}${p.total === null ? "" : `/${p.total}`} seeds · ${p.failures} failing · ${p.seeds_per_s.toFixed(1)} seeds/s`,
        ),
    });
    progress.done();
    const label = `explore ${profile}${flags["check-determinism"] === true ? " (determinism checked)" : ""}${transport ? ` ${transport}` : ""}${mutant ? ` mutant ${mutant}` : ""}${variant ? ` variant ${variant}` : ""}${a2a ? ` a2a ${a2a}` : ""}${impl?.client ? ` client ${impl.client}` : ""}${impl?.server ? ` server ${impl.server}` : ""}${shard ? ` shard ${shard.k}/${shard.n}` : ""}`;
    const exploreFlags: ExploreFlags = {
      from: flags.from as number,
      seeds: seeds ?? null,
      time_ms: (flags.time as number | undefined) ?? null,
      transport: transport ?? "drawn",
      profile,
      mutant: mutant ?? null,
      variant: variant ?? "reference",
      ops_max: flags["ops-max"] as number,
      shards: shard?.n ?? 1,
      run_timeout_ms: flags["run-timeout"] as number,
      check_determinism: flags["check-determinism"] === true,
      fail_fast: flags["fail-fast"] === true,
      shrink: flags["no-shrink"] !== true,
    };
    const meta = { title: `replaysim ${label}`, flags: exploreFlags, workers, shard: shard ? `${shard.k}/${shard.n}` : null };
    const { files, summary } = writeExploreOutputs(flags.out as string, result, meta);
    // A run of someone else's module ends with what it got right, claim by claim.
    const claims = impl ? claimsOf(result, files, flags.out as string, impl, (seed, t) => generateScenario(seed, { profile, ...(transport ? { transport: t as TransportName } : {}), ops_max: flags["ops-max"] as number, impl })) : null;
    if (json) io.out(JSON.stringify(claims ? { ...summary, claims: claims.length === 1 ? claims[0]!.verdicts : Object.fromEntries(claims.map((c) => [c.role, c.verdicts])) } : summary));
    else {
      for (const line of exploreConsole(result, files, label)) io.out(line);
      if (claims) for (const c of claims) for (const line of claimsConsole(c.verdicts, c.subject)) io.out(line);
      io.out(`reports: ${flags.out as string}/report.html, junit.xml, summary.json`);
      if (cpu_profile?.written) io.out(`cpu profile: ${cpu_profile.file} (open it in Chrome DevTools' Performance panel, or VS Code)`);
    }
    return files.length === 0 ? 0 : 1;
  },
};

/** The scenario file on each transport asked for: --transport T or all, else every one it lists. */
function crashPointScenarios(file: string, transport: TransportName | "all" | undefined, mutant: string | undefined, variant: string | undefined, impl?: ImplRef): Scenario[] {
  try {
    const loaded = loadScenarioFile(file);
    const transports = transport === "all" ? [...TRANSPORTS] : transport ? [transport] : scenarioTransports(loaded);
    return transports.map((t) => {
      const scenario = { ...resolveScenario(loaded, t), ...(mutant === undefined ? {} : { mutant }), ...(variant === undefined ? {} : { variant }), ...(impl === undefined ? {} : { impl }) };
      partsFor(scenario);
      return scenario;
    });
  } catch (error) {
    if (error instanceof ScenarioError || error instanceof UnknownPartsError) throw new UsageError(`--scenario: ${error.message}`);
    throw error;
  }
}

/** `explore --crash-points all --scenario FILE`: every crash site of one scenario, on each of its transports. */
async function exploreCrashPoints(flags: FlagValues, io: Io): Promise<number> {
  const given = givenFlags(flags);
  const mode = flags["crash-points"] as string | undefined;
  if (mode === undefined) throw new UsageError("--scenario needs --crash-points all (to run one scenario file, use replaysim run --scenario FILE)");
  if (mode !== "all") throw new UsageError(`--crash-points takes only 'all' (every crash site of the scenario); got '${mode}'`);
  const file = flags.scenario as string | undefined;
  if (file === undefined) throw new UsageError("--crash-points needs --scenario FILE: the scenario whose crash sites to run");
  for (const name of ["seeds", "time"]) {
    if (flags[name] !== undefined) throw new UsageError(`--crash-points runs one scenario's crash sites, not generated seeds: give no --${name}`);
  }
  for (const name of SEED_ONLY_FLAGS) {
    if (given.has(name)) throw new UsageError(`--${name} is for generated seeds; it does not apply to --crash-points`);
  }
  const mutant = flags.mutant as string | undefined;
  if (mutant !== undefined && !findMutant(mutant)) throw new UsageError(`--mutant: unknown mutant '${mutant}'; known: ${MUTANTS.map((m) => m.name).join(", ")}`);
  const variant = flags.variant as string | undefined;
  if (variant !== undefined && !findVariant(variant)) throw new UsageError(`--variant: unknown variant '${variant}'; known: ${VARIANTS.map((v) => v.name).join(", ")}`);
  if (variant !== undefined && mutant !== undefined) throw new UsageError("give --mutant or --variant, not both");
  // Your modules' crash sites: the points they reach through ports.crash, and a power loss at each of their commits.
  const impl = await implFromFlags(flags);
  const scenarios = crashPointScenarios(file, flags.transport as TransportName | "all" | undefined, mutant, variant, impl);
  const json = flags.json === true;
  const out = given.has("out") ? (flags.out as string) : CRASH_SITES_OUT_DEFAULT;
  const power_loss = flags["no-power-loss"] !== true;
  const run_timeout_ms = flags["run-timeout"] as number;
  const workers = (flags.workers as number | undefined) ?? availableParallelism();
  const cpu_profile = cpuProfileOption(flags, io, "explore");
  const progress = progressLine(io, !json);
  const name = basename(file).replace(/\.json$/, "");
  const summaries: CrashSitesSummary[] = [];
  const pool = openPool(workers, run_timeout_ms, cpu_profile);
  try {
    for (const scenario of scenarios) {
      const label = scenarios.length > 1 ? `${scenario.transport}: ` : "";
      const result = await enumerateCrashSites({
        scenario,
        pool,
        sites_max: flags["sites-max"] as number,
        power_loss,
        onProgress: (p) =>
          progress.update(
            p.phase === "census"
              ? `${label}census run of ${file}…`
              : `${label}${bar(p.done, p.total)}${p.done}/${p.total} sites · ${p.failures} failing · ${p.not_reached} not reached · ${p.runs_per_s.toFixed(1)} runs/s`,
          ),
      });
      summaries.push(writeCrashSiteOutputs(out, result, { source: file, name, power_loss, run_timeout_ms }));
    }
  } finally {
    await pool.close();
    progress.done();
  }
  const failed = summaries.some((s) => s.failures.length > 0 || s.baseline.verdict !== "pass");
  if (json) {
    io.out(JSON.stringify(summaries.length === 1 ? summaries[0] : { format: "replaysim-crash-sites/1", scenario: file, verdict: failed ? "fail" : "pass", runs: summaries }));
  } else {
    summaries.forEach((s, i) => {
      if (i > 0) io.out("");
      for (const line of crashSitesConsole(s)) io.out(line);
    });
    if (summaries.some((s) => s.failures.length > 0)) io.out(`failing sites' scenarios: ${out}/`);
    if (cpu_profile?.written) io.out(`cpu profile: ${cpu_profile.file} (open it in Chrome DevTools' Performance panel, or VS Code)`);
  }
  return failed ? 1 : 0;
}

/** `--mutant` names a share-system mutant, or with `--a2a` an A2A one (mutants/a2a/). */
export function checkMutantFlag(mutant: string | undefined, a2a: SetupName | undefined): void {
  if (mutant === undefined) return;
  if (a2a !== undefined) {
    if (!findA2AMutant(mutant)) throw new UsageError(`--mutant: unknown A2A mutant '${mutant}'; known: ${A2A_MUTANTS.map((m) => m.name).join(", ")}`);
    if (a2a === "sdk") throw new UsageError("--mutant: the A2A mutants break the hardened core; use --a2a hardened or --a2a capnweb");
    return;
  }
  if (!findMutant(mutant)) throw new UsageError(`--mutant: unknown mutant '${mutant}'; known: ${MUTANTS.map((m) => m.name).join(", ")}`);
}

/** The conformance report of an exploration, one table per role under test; also written to claims.json under --out. */
function claimsOf(result: ExploreResult, files: readonly FailureFile[], out: string, impl: ImplRef, scenarioOf: (seed: number, transport: string) => Scenario): { role: "client" | "server" | "viewer"; subject: string; verdicts: ClaimVerdict[] }[] {
  const failureFiles = files.map((f) => ({ seed: f.failure.seed, transport: f.failure.transport, repro: f.repro, timeline: f.files.timeline ? join(out, f.files.timeline) : null }));
  const runs = runsOfExploration(result.outcomes, scenarioOf, failureFiles);
  const tables = (["client", "server", "viewer"] as const).filter((role) => impl[role]).map((role) => ({ role, subject: `${role} ${impl[role]!}`, verdicts: conformanceTable(runs, role) }));
  writeFileSync(join(out, "claims.json"), `${JSON.stringify(tables.length === 1 ? tables[0]!.verdicts : Object.fromEntries(tables.map((t) => [t.role, t.verdicts])), null, 1)}\n`);
  return tables;
}
