import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { shownPath, writeSummaryOutputs } from "../../reports/explore-files.ts";
import { asShardSummary, MergeError, mergeSummaries, type ShardInput } from "../../reports/merge.ts";
import { reproElement } from "../../reports/timeline.ts";
import { UsageError } from "../args.ts";
import type { Command } from "../command.ts";

/** Reads one shard's summary.json; anything that is not an explore output is a MergeError naming the directory. */
function readShard(dir: string): ShardInput {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new MergeError(`${dir}: not a directory`);
  const path = join(dir, "summary.json");
  if (!existsSync(path)) throw new MergeError(`${dir} is not an explore output: it has no summary.json`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new MergeError(`${dir}/summary.json is not valid JSON: ${(error as Error).message}`);
  }
  return { dir, summary: asShardSummary(dir, json) };
}

export const mergeCommand: Command = {
  spec: {
    name: "merge",
    summary: "merge the outputs of explore shards (a CI matrix) into one summary.json, junit.xml and report.html",
    positional: { name: "DIR", description: "an explore --out directory, one per shard", min: 1 },
    flags: [
      { name: "out", kind: "string", value: "DIR", description: "where the merged reports and failure files go", default: "reports/merged" },
      { name: "json", kind: "bool", description: "print the merged summary as one JSON object" },
    ],
    notes: [
      "Seeds come out in order; every failure keeps its scenario file and timeline, copied under --out/failures/.",
      "The shards must come from one exploration: the same --seeds, --from, --profile, --transport, --mutant, --variant, --ops-max and shard count.",
      "Exit codes: 0 no shard failed, 1 a shard failed, 2 bad input (a directory that is not an explore output, shards of different flags).",
      "Example: replaysim merge shard-1 shard-2 shard-3 --out merged",
    ],
  },
  async run(flags, io) {
    const dirs = flags._ as string[];
    const out = flags.out as string;
    const clash = dirs.find((d) => resolve(d) === resolve(out));
    if (clash !== undefined) throw new UsageError(`--out ${out} is one of the shards being merged; choose another directory`);
    let merged;
    try {
      const inputs = dirs.map(readShard);
      merged = mergeSummaries(inputs, (relative) => shownPath(join(out, relative)));
      // Everything is read and checked before anything is written: bad input leaves --out untouched.
      for (const c of merged.copies) if (!existsSync(join(c.dir, c.from))) throw new MergeError(`${c.dir}: ${c.from} is missing (its summary.json lists it)`);
    } catch (error) {
      if (error instanceof MergeError) throw new UsageError(error.message);
      throw error;
    }
    mkdirSync(join(out, "failures"), { recursive: true });
    for (const c of merged.copies) {
      const from = join(c.dir, c.from);
      const to = join(out, c.to);
      if (!c.repro) copyFileSync(from, to);
      else writeFileSync(to, readFileSync(from, "utf8").replace(reproElement(c.repro.old), reproElement(c.repro.new)));
    }
    writeSummaryOutputs(out, merged.summary);
    for (const w of merged.warnings) io.err(`replaysim merge: warning: ${w}`);
    const s = merged.summary;
    if (flags.json) io.out(JSON.stringify(s));
    else {
      io.out(`${s.failures.length === 0 ? "PASS" : "FAIL"} ${s.title}: ${s.seeds_run} seeds (${s.runs} runs); ${s.failures.length} failing`);
      const verdicts = Object.entries(s.verdicts);
      io.out(`checkers: ${verdicts.length === 0 ? "no violations" : verdicts.map(([c, n]) => `${c} ${n}`).join(", ")}`);
      for (const f of s.failures) io.out(`✗ seed ${f.seed} ${f.transport}: ${f.checker}/${f.anomaly}: ${f.message}\n  replay: ${f.repro}${f.files.timeline ? `\n  timeline: ${shownPath(join(out, f.files.timeline))}` : ""}`);
      io.out(`reports: ${out}/report.html, junit.xml, summary.json`);
    }
    return s.outcomes.some((o) => o.verdict === "fail") ? 1 : 0;
  },
};
