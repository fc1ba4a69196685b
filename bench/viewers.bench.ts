// `npm run bench:viewers`: live viewers following one writer, by push over
// WebSocket or by polling over HTTP. Prints a table (or, with --json, only the
// report as JSON) and writes the report to reports/out/bench-viewers.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { helpText, parseFlags, UsageError, type CommandSpec } from "../cli/args.ts";
import { parseList } from "../cli/commands/bench.ts";
import { bar, progressLine } from "../cli/progress.ts";
import { TRANSPORT_NAMES, type TransportName } from "../client-under-test/transports/transport.ts";
import type { WriterPace } from "./viewer-cell.ts";
import { runViewersBench, VIEWERS_PLAN, viewersTable, type ViewersPlan } from "./viewers.ts";

const WRITERS: readonly WriterPace[] = ["burst", "paced"];
const VIEWERS_MAX = 500;

const spec: CommandSpec = {
  name: "bench:viewers",
  summary: "live viewers following one writer: push over WebSocket against polling over HTTP",
  flags: [
    { name: "transport", kind: "string", value: "LIST", description: "how viewers follow: websocket (push), http-batch, rest (poll)", default: VIEWERS_PLAN.transports.join(",") },
    { name: "viewers", kind: "string", value: "LIST", description: `viewers per cell, each 1 to ${VIEWERS_MAX}`, default: VIEWERS_PLAN.viewers.join(",") },
    { name: "writer", kind: "string", value: "LIST", description: "burst (outbox full, synced as fast as acks return), paced (one batch per --pace-ms)", default: VIEWERS_PLAN.writers.join(",") },
    { name: "ops", kind: "int", value: "N", description: "ops the writer appends per sample", min: 1, max: 100_000, default: VIEWERS_PLAN.ops },
    { name: "pace-ms", kind: "int", value: "MS", description: "paced writer: ms between two batches of 100", min: 1, max: 10_000, default: VIEWERS_PLAN.pace_ms },
    { name: "samples", kind: "int", value: "N", description: "measured samples per cell, after one small warm-up (default: 3 below 10 viewers, else 1)", min: 1, max: 20 },
    { name: "json", kind: "bool", description: "print only the report, as JSON" },
    { name: "out", kind: "string", value: "FILE", description: "where to write the JSON report", default: "reports/out/bench-viewers.json" },
  ],
  notes: ["Exit codes: 0 every cell measured, 1 some cell failed (its row says why), 2 bad input."],
};

function choice<T extends string>(flag: string, known: readonly T[]): (text: string) => T {
  return (text) => {
    if (!(known as readonly string[]).includes(text)) throw new UsageError(`--${flag}: unknown value '${text}'; known: ${known.join(", ")}`);
    return text as T;
  };
}

function viewerCount(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > VIEWERS_MAX) throw new UsageError(`--viewers takes whole numbers from 1 to ${VIEWERS_MAX}, got '${text}'`);
  return n;
}

function planFrom(argv: readonly string[]): ViewersPlan | "help" {
  if (argv.includes("--help")) return "help";
  const flags = parseFlags(spec, argv);
  return {
    ...VIEWERS_PLAN,
    transports: parseList("transport", flags.transport as string, choice<TransportName>("transport", TRANSPORT_NAMES))!,
    viewers: parseList("viewers", flags.viewers as string, viewerCount)!,
    writers: parseList("writer", flags.writer as string, choice<WriterPace>("writer", WRITERS))!,
    ops: flags.ops as number,
    pace_ms: flags["pace-ms"] as number,
    samples: (flags.samples as number | undefined) ?? null,
  };
}

/** Writes to stdout and waits until it is flushed: the process exits right after. */
function print(text: string): Promise<void> {
  return new Promise((resolve) => process.stdout.write(text, () => resolve()));
}

async function main(argv: readonly string[]): Promise<number> {
  let plan: ViewersPlan | "help";
  let json: boolean;
  let out: string;
  try {
    plan = planFrom(argv);
    const flags = plan === "help" ? {} : parseFlags(spec, argv);
    json = flags.json === true;
    out = String(flags.out ?? "");
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`bench:viewers: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (plan === "help") {
    await print(`${helpText(spec)}\n`);
    return 0;
  }
  const progress = progressLine({ out: () => {}, err: () => {}, tty: process.stderr.isTTY === true }, true);
  const report = await runViewersBench(plan, (p) => progress.update(`${bar(p.done, p.total)}${p.done}/${p.total} ${p.label}`));
  progress.done();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  await print(json ? `${JSON.stringify(report)}\n` : `${viewersTable(report)}\n\nwrote ${out}\n`);
  return report.rows.some((r) => r.error !== null) ? 1 : 0;
}

// Exit explicitly: a viewer left backing off after a failed cell must not keep the process alive.
process.exit(await main(process.argv.slice(2)));
