import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { helpText, parseFlags, UsageError, type CommandSpec } from "../cli/args.ts";
import { processIo } from "../cli/main.ts";
import { progressLine } from "../cli/progress.ts";
import { measureSimSpeed, type SimSpeedReport } from "./sim-speed-measure.ts";

// `npm run bench:sim` (node build/run.mjs bench/sim-speed.ts): per transport,
// µs of wall time per simulated event, time compression, ms per seed and
// seeds/s in one worker; then the speedup of two workers over one. A table
// on stdout (or only JSON with --json), and the JSON report in --out.

const spec: CommandSpec = {
  name: "bench:sim",
  summary: "what the simulator costs per transport, and what a second worker buys",
  flags: [
    { name: "seeds", kind: "int", value: "N", description: "generated swarm seeds per transport", min: 1, max: 10_000, default: 30 },
    { name: "from", kind: "int", value: "S", description: "first seed", min: 0, default: 1 },
    { name: "json", kind: "bool", description: "print only the JSON report" },
    { name: "out", kind: "string", value: "FILE", description: "where the JSON report goes", default: "reports/out/bench-sim.json" },
  ],
  notes: ["Run it on an otherwise idle machine: the figures are wall time."],
};

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

export function simSpeedConsole(r: SimSpeedReport): string[] {
  const out = [`bench:sim: ${r.seeds_per_transport} swarm seeds per transport from seed ${r.from}, one worker`, ""];
  out.push(
    ...table(
      ["transport", "runs", "passed", "events", "µs/event", "compression", "ms/seed", "seeds/s"],
      r.transports.map((t) => [t.transport, String(t.runs), String(t.passed), t.events.toLocaleString("en-US"), t.us_per_event.toFixed(1), `${t.time_compression.toLocaleString("en-US")}×`, t.ms_per_seed.toFixed(1), t.seeds_per_s.toFixed(1)]),
    ),
  );
  out.push("");
  out.push(`all ${r.workers.one.runs} runs: 1 worker ${(r.workers.one.wall_ms / 1000).toFixed(1)} s (${r.workers.one.seeds_per_s} seeds/s), 2 workers ${(r.workers.two.wall_ms / 1000).toFixed(1)} s (${r.workers.two.seeds_per_s} seeds/s): ${r.workers.speedup}× speedup`);
  out.push(r.same_results ? "same verdicts and trace hashes on 1 and 2 workers" : `DIFFERENT results on 1 and 2 workers for ${r.mismatches.length} runs: ${r.mismatches.slice(0, 5).map((m) => `seed ${m.seed} ${m.transport}`).join(", ")}`);
  out.push("");
  out.push("Goals (issue 11):");
  for (const g of r.goals) out.push(`  ${g.met ? "met    " : "not met"}  ${g.name}: ${g.value} (target ${g.target})`);
  out.push("", `machine: ${r.machine.cpus} cpus, node ${r.machine.node}, load ${r.machine.loadavg_1m_at_start} at start; took ${(r.wall_ms / 1000).toFixed(1)} s`);
  return out;
}

async function main(argv: string[]): Promise<number> {
  const io = processIo;
  if (argv.includes("--help")) {
    io.out(helpText(spec).replace("replaysim bench:sim", "npm run bench:sim --"));
    return 0;
  }
  let flags;
  try {
    flags = parseFlags(spec, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`bench:sim: ${error.message}`);
    return 2;
  }
  const json = flags.json === true;
  const progress = progressLine(io, !json);
  const report = await measureSimSpeed({ seeds: flags.seeds as number, from: flags.from as number, onProgress: (text) => progress.update(`bench:sim: ${text}`) });
  progress.done();
  const file = flags.out as string;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  if (json) io.out(JSON.stringify(report));
  else for (const line of [...simSpeedConsole(report), `report: ${file}`]) io.out(line);
  // Timings are never a failure; different results on 1 and 2 workers are.
  return report.same_results ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
