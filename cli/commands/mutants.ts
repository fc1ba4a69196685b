import { A2A_MUTANTS } from "../../mutants/a2a/catalog.ts";
import { availableParallelism } from "node:os";
import { mutantsJson, mutantsSummary, mutantsTable } from "../../reports/mutants-table.ts";
import { MUTANTS } from "../../mutants/catalog.ts";
import { VARIANTS } from "../../mutants/variants.ts";
import { huntMutants } from "../../sim/explore/mutants.ts";
import { PROFILES, type Profile } from "../../sim/scenario/arbitrary.ts";
import { TRANSPORTS, type TransportName } from "../../sim/scenario/schema.ts";
import { UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import { RUN_TIMEOUT_FLAG } from "../run-timeout.ts";
import { progressLine } from "../progress.ts";

const NAMES = [...MUTANTS, ...VARIANTS].map((m) => m.name);

export const mutantsCommand: Command = {
  spec: {
    name: "mutants",
    summary: "hunt every deliberate bug and seed design: seeds needed to kill each, and the reference clean on the same seeds",
    flags: [
      { name: "seeds", kind: "int", value: "N", description: "most seeds to explore per mutant", min: 1, max: 100_000, default: 200 },
      { name: "from", kind: "int", value: "S", description: "first seed", min: 0, default: 1 },
      { name: "transport", kind: "string", choices: [...TRANSPORTS, "all"], description: "fix the transport, or run every seed on all three (default: drawn per seed)" },
      { name: "profile", kind: "string", choices: PROFILES, description: "fault profile", default: "swarm" },
      { name: "a2a", kind: "string", choices: ["hardened", "capnweb"], description: "hunt the A2A mutants of the hardened core on this setup instead (docs/a2a.md)" },
      { name: "only", kind: "string", value: "A,B", description: "hunt only these mutants or variants (comma-separated)" },
      { name: "workers", kind: "int", value: "K", description: "worker threads (default: the core count)", min: 1, max: 64 },
      { name: "ops-max", kind: "int", value: "N", description: "most ops one generated client enqueues", min: 1, max: 100_000, default: 300 },
      RUN_TIMEOUT_FLAG,
      { name: "json", kind: "bool", description: "print one JSON object, no progress" },
    ],
    notes: [`Mutants: ${MUTANTS.map((m) => m.name).join(", ")}`, `Variants: ${VARIANTS.map((v) => v.name).join(", ")}`, `A2A mutants (--a2a): ${A2A_MUTANTS.map((m) => m.name).join(", ")}`, "Exit codes: 0 every one killed and the reference clean, 1 otherwise, 2 bad input."],
  },
  async run(flags, io) {
    const only = flags.only === undefined ? undefined : (flags.only as string).split(",").map((n) => n.trim());
    const a2a = flags.a2a as "hardened" | "capnweb" | undefined;
    const known = a2a ? A2A_MUTANTS.map((m) => m.name) : NAMES;
    for (const name of only ?? []) if (!known.includes(name)) throw new UsageError(`--only: unknown ${a2a ? "A2A mutant" : "mutant or variant"} '${name}'`);
    if (a2a && flags.transport !== undefined) throw new UsageError("--a2a picks its own transport: drop --transport");
    const json = flags.json === true;
    const progress = progressLine(io, !json);
    const transport = flags.transport as TransportName | "all" | undefined;
    const result = await huntMutants({
      seeds: flags.seeds as number,
      from: flags.from as number,
      ...(transport ? { transport } : {}),
      profile: flags.profile as Profile,
      workers: (flags.workers as number | undefined) ?? availableParallelism(),
      ops_max: flags["ops-max"] as number,
      run_timeout_ms: flags["run-timeout"] as number,
      ...(only ? { names: only } : {}),
      ...(a2a ? { a2a } : {}),
      onProgress: (text) => progress.update(text),
    });
    progress.done();
    if (json) io.out(JSON.stringify(mutantsJson(result)));
    else for (const line of [...mutantsTable(result), "", ...mutantsSummary(result)]) io.out(line);
    return result.reference_clean && result.mutants.every((m) => m.killed) ? 0 : 1;
  },
};
