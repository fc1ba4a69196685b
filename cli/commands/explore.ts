import { availableParallelism } from "node:os";
import { exploreConsole, type ExploreFlags } from "../../reports/explore-summary.ts";
import { writeExploreOutputs } from "../../reports/explore-files.ts";
import { findMutant, MUTANTS } from "../../mutants/catalog.ts";
import { findVariant, VARIANTS } from "../../mutants/variants.ts";
import { explore, type Shard } from "../../sim/explore/explore.ts";
import { PROFILES, type Profile } from "../../sim/scenario/arbitrary.ts";
import { TRANSPORTS, type TransportName } from "../../sim/scenario/schema.ts";
import { UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import { cpuProfileOption, PROFILE_CPU_FLAG } from "../profile-cpu.ts";
import { RUN_TIMEOUT_FLAG } from "../run-timeout.ts";
import { bar, progressLine } from "../progress.ts";

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
      { name: "ops-max", kind: "int", value: "N", description: "most ops one generated client enqueues", min: 1, max: 100_000, default: 300 },
      RUN_TIMEOUT_FLAG,
      { name: "fail-fast", kind: "bool", description: "stop at the first failing seed; later seeds still running are abandoned" },
      { name: "no-shrink", kind: "bool", description: "report failures as generated, without shrinking them" },
      { name: "check-determinism", kind: "bool", description: "run every seed twice (on two workers when there are several) and fail it if the trace hashes differ" },
      { name: "json", kind: "bool", description: "print one JSON object, no progress" },
      { name: "out", kind: "string", value: "DIR", description: "where failure scenarios and reports go", default: "reports/out" },
      PROFILE_CPU_FLAG,
    ],
    notes: [
      "Writes under --out: failures/seed-S-T-checker.json (shrunk, replayable) and .html (its timeline), summary.json, junit.xml, report.html.",
      "Shards from the environment: REPLAYSIM_SHARD=k/n, or JOB_COMPLETION_INDEX (0-based) with REPLAYSIM_SHARDS=n; --shard wins.",
      "Exit codes: 0 no seed failed, 1 a seed failed, 2 bad input.",
      "Example: replaysim explore --seeds 300 --transport all --json",
    ],
  },
  async run(flags, io) {
    if (flags.seeds !== undefined && flags.time !== undefined) throw new UsageError("give --seeds or --time, not both");
    const shard = flags.shard === undefined ? shardFromEnv(process.env) : parseShard(flags.shard as string);
    const mutant = flags.mutant as string | undefined;
    if (mutant !== undefined && !findMutant(mutant)) throw new UsageError(`--mutant: unknown mutant '${mutant}'; known: ${MUTANTS.map((m) => m.name).join(", ")}`);
    const variant = flags.variant as string | undefined;
    if (variant !== undefined && !findVariant(variant)) throw new UsageError(`--variant: unknown variant '${variant}'; known: ${VARIANTS.map((v) => v.name).join(", ")}`);
    if (variant !== undefined && mutant !== undefined) throw new UsageError("give --mutant or --variant, not both");
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
    const label = `explore ${profile}${flags["check-determinism"] === true ? " (determinism checked)" : ""}${transport ? ` ${transport}` : ""}${mutant ? ` mutant ${mutant}` : ""}${variant ? ` variant ${variant}` : ""}${shard ? ` shard ${shard.k}/${shard.n}` : ""}`;
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
    if (json) io.out(JSON.stringify(summary));
    else {
      for (const line of exploreConsole(result, files, label)) io.out(line);
      io.out(`reports: ${flags.out as string}/report.html, junit.xml, summary.json`);
      if (cpu_profile?.written) io.out(`cpu profile: ${cpu_profile.file} (open it in Chrome DevTools' Performance panel, or VS Code)`);
    }
    return files.length === 0 ? 0 : 1;
  },
};
