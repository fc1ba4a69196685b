// `npm run fuzz -- --cases N [--seed S] [--json]`: fuzz every entry point of the share server.
import { parseFlags, UsageError, helpText, type CommandSpec } from "../cli/args.ts";
import { progressLine } from "../cli/progress.ts";
import { processIo } from "../cli/main.ts";
import { ENTRY_POINTS } from "./cases.ts";
import { fuzz } from "./run-fuzz.ts";

const spec: CommandSpec = {
  name: "fuzz",
  summary: "fuzz every entry point of the share server: REST, capnweb HTTP batch, capnweb over WebSocket, legacy /sync",
  flags: [
    { name: "cases", kind: "int", value: "N", description: "cases in all, split evenly over the entry points", min: 1, max: 10_000_000, default: 2000 },
    { name: "seed", kind: "int", value: "S", description: "the same seed runs the same cases", min: 0, default: 1 },
    { name: "json", kind: "bool", description: "print one JSON object, no progress" },
  ],
  notes: ["Exit codes: 0 no property failed, 1 one did (its shrunk case is printed with a command that replays it), 2 bad input."],
};

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help")) {
    processIo.out(helpText(spec));
    return 0;
  }
  let flags;
  try {
    flags = parseFlags(spec, argv);
  } catch (error) {
    if (error instanceof UsageError) {
      processIo.err(`fuzz: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const json = flags.json === true;
  const progress = progressLine(processIo, !json);
  const result = await fuzz({ cases: flags.cases as number, seed: flags.seed as number, onProgress: (done, total) => progress.update(`fuzz: ${done}/${total} cases`) });
  progress.done();
  if (json) {
    processIo.out(JSON.stringify(result));
  } else {
    const cols = ["cases", "accepted", "refused", "crashes", "hangs", "state_changes", "refusals_without_code", "leaks"] as const;
    processIo.out(`fuzz seed ${result.seed}: ${Object.values(result.counts).reduce((n, c) => n + c.cases, 0)} cases in ${(result.wall_ms / 1000).toFixed(1)} s`);
    processIo.out(["entry point".padEnd(12), ...cols.map((c) => c.padStart(Math.max(7, c.length)))].join("  "));
    for (const entry of ENTRY_POINTS) {
      const c = result.counts[entry];
      processIo.out([entry.padEnd(12), ...cols.map((k) => String(c[k]).padStart(Math.max(7, k.length)))].join("  "));
    }
    for (const f of result.failures) processIo.out(`\n✗ ${f.entry}: ${f.property}: ${f.detail}\n  replay (shrunk): ${f.repro}`);
    if (result.failures.length === 0) processIo.out("no crash, no hang, no refusal without a code, no state change on a refusal, no leak");
  }
  return result.failures.length === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
