import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BATCH_MAX, FULL_MATRIX, MODES, QUICK_MATRIX, STORAGE_NAMES, type BenchMatrix } from "../../bench/matrix.ts";
import { runBench } from "../../bench/run-bench.ts";
import { TRANSPORT_NAMES } from "../../client-under-test/transports/transport.ts";
import { SETUPS, type SetupName } from "../../a2a-under-test/protocol/ports.ts";
import { DEFAULT_LIMITS } from "../../protocol/limits.ts";
import { benchHtml } from "../../reports/bench-html.ts";
import { benchConsole } from "../../reports/bench-table.ts";
import { givenFlags, UsageError, type FlagValues } from "../args.ts";
import type { Command, Io } from "../command.ts";
import { bar, progressLine } from "../progress.ts";

/** A comma-separated list for `--flag`: every item checked, duplicates dropped, order kept. */
export function parseList<T>(flag: string, raw: string | undefined, item: (text: string) => T): T[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw new UsageError(`--${flag} expects a comma-separated list, got '${raw}'`);
  return [...new Set(items.map(item))];
}

function choice<T extends string>(flag: string, known: readonly T[], what: string): (text: string) => T {
  return (text) => {
    if (!(known as readonly string[]).includes(text)) throw new UsageError(`--${flag}: unknown ${what} '${text}'; known: ${known.join(", ")}`);
    return text as T;
  };
}

function wholeNumber(flag: string, min: number, max: number): (text: string) => number {
  return (text) => {
    const n = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} takes whole numbers from ${min} to ${max}, got '${text}'`);
    return n;
  };
}

/** The matrix the flags ask for: --quick or the full one, with any axis given overriding it. */
export function matrixFromFlags(flags: FlagValues): BenchMatrix {
  const base = flags.quick === true ? QUICK_MATRIX : FULL_MATRIX;
  const transports = parseList("transport", flags.transport as string | undefined, choice("transport", TRANSPORT_NAMES, "transport"));
  const batches = parseList("batch", flags.batch as string | undefined, wholeNumber("batch", 1, BATCH_MAX));
  const in_flight = parseList("in-flight", flags["in-flight"] as string | undefined, wholeNumber("in-flight", 1, DEFAULT_LIMITS.calls_in_flight_max));
  const storages = parseList("storage", flags.storage as string | undefined, choice("storage", STORAGE_NAMES, "storage"));
  const modes = parseList("mode", flags.mode as string | undefined, choice("mode", MODES, "mode"));
  return {
    transports: transports ?? base.transports,
    batches: (batches ?? base.batches).slice().sort((a, b) => a - b),
    in_flight: (in_flight ?? base.in_flight).slice().sort((a, b) => a - b),
    storages: storages ?? base.storages,
    modes: modes ?? base.modes,
    ops: (flags.ops as number | undefined) ?? base.ops,
    time_ms: (flags.time as number | undefined) ?? base.time_ms,
  };
}

const list = (xs: readonly (string | number)[]) => xs.join(",");

/** The flags only the share matrix reads: refused together with --a2a. */
const SHARE_ONLY_FLAGS = ["transport", "batch", "in-flight", "storage", "mode", "time", "quick"];

/**
 * The setups `--a2a` asks for. The flag parser has no flag with an optional
 * value, so `--a2a` is a switch and its list comes as the bare argument after
 * it: `--a2a` alone is every setup, `--a2a sdk,capnweb` two of them.
 */
export function a2aSetupsFromFlags(flags: FlagValues): SetupName[] | undefined {
  const bare = (flags._ as string[] | undefined) ?? [];
  if (flags.a2a !== true) {
    if (bare.length > 0) throw new UsageError(`unexpected argument '${bare[0]}' (a list of setups goes after --a2a)`);
    return undefined;
  }
  const shareOnly = SHARE_ONLY_FLAGS.filter((f) => givenFlags(flags).has(f));
  if (shareOnly.length > 0) throw new UsageError(`--a2a measures the A2A setups, not the share matrix: drop ${shareOnly.map((f) => `--${f}`).join(", ")}`);
  if (bare.length === 0) return [...SETUPS];
  return parseList("a2a", bare.join(","), choice("a2a", SETUPS, "setup"))!;
}

const A2A_OUT = "reports/out/bench";

async function runA2ABenchCommand(setups: SetupName[], flags: FlagValues, io: Io): Promise<number> {
  const { A2A_BENCH_DEFAULTS, runA2ABench } = await import("../../bench/a2a-bench.ts");
  const { a2aBenchConsole } = await import("../../reports/a2a-bench-table.ts");
  const json = flags.json === true;
  const progress = progressLine(io, !json);
  const result = await runA2ABench({
    ...A2A_BENCH_DEFAULTS,
    setups,
    messages: (flags.ops as number | undefined) ?? A2A_BENCH_DEFAULTS.messages,
    onProgress: (p) => progress.update(`${bar(p.done, p.total)}${p.done}/${p.total} ${p.label}`),
  });
  progress.done();
  const out = (flags.out as string | undefined) ?? A2A_OUT;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "a2a.json"), `${JSON.stringify(result, null, 2)}\n`);
  if (json) io.out(JSON.stringify(result));
  else {
    for (const line of a2aBenchConsole(result)) io.out(line);
    io.out(`wrote ${join(out, "a2a.json")}`);
  }
  return result.rows.some((r) => r.real.error !== null || r.sim.error !== null) ? 1 : 0;
}

export const benchCommand: Command = {
  spec: {
    name: "bench",
    summary: "measure batch throughput per transport, batch size, in-flight calls, storage and mode, against the raw SQLite ceiling",
    flags: [
      { name: "transport", kind: "string", value: "LIST", description: `transports to measure (default ${list(FULL_MATRIX.transports)})` },
      { name: "batch", kind: "string", value: "LIST", description: `ops per appendOps call, 1 to ${BATCH_MAX} (default ${list(FULL_MATRIX.batches)})` },
      { name: "in-flight", kind: "string", value: "LIST", description: `calls outstanding at once (default ${list(FULL_MATRIX.in_flight)})` },
      { name: "storage", kind: "string", value: "LIST", description: "memory, file (file: WAL, measured with synchronous=NORMAL and FULL) (default memory,file)" },
      { name: "mode", kind: "string", value: "LIST", description: "in-process (no sockets), loopback (server in a child process on 127.0.0.1) (default both)" },
      { name: "ops", kind: "int", value: "N", description: `ops in the outbox per sample (default ${FULL_MATRIX.ops}; --quick ${QUICK_MATRIX.ops})`, min: 1, max: 1_000_000 },
      { name: "time", kind: "duration", value: "DURATION", description: `tinybench's time per cell (default ${FULL_MATRIX.time_ms}ms; --quick ${QUICK_MATRIX.time_ms}ms)` },
      { name: "quick", kind: "bool", description: "a small matrix for CI: every transport at batch 1 and 100, in-flight 1, memory, both modes" },
      { name: "json", kind: "bool", description: "print one JSON object, no progress" },
      { name: "out", kind: "string", value: "DIR", description: "also write bench.json and bench.html there (--a2a: a2a.json, default reports/out/bench)" },
      { name: "a2a", kind: "bool", description: `instead of the share matrix, the A2A setups (${list(SETUPS)}, or the list after it): real loopback msgs/s, events/s, bytes/event; resubscribes and retried sends from simulated swarm seeds` },
    ],
    positional: { name: "SETUPS", description: "only after --a2a: which A2A setups to measure, comma-separated (default all)", min: 0 },
    notes: [
      "Each cell: sync ops/s (outbox filled first, timed from start to drained), enqueue ops/s (timed apart), per-call p50/p99,",
      "request bytes per op, server CPU per op (loopback), and the ratio to the raw SQLite ceiling at the same batch size and storage.",
      "Exit codes: 0 every row measured, 1 some cell failed or timed out (it has an error row), 2 bad input.",
      "Example: replaysim bench --quick --out reports/out/bench",
      "A2A: replaysim bench --a2a [sdk,hardened,capnweb] [--ops N messages per setup, default 200] [--json] [--out DIR]",
    ],
  },
  async run(flags, io) {
    const setups = a2aSetupsFromFlags(flags);
    if (setups) return runA2ABenchCommand(setups, flags, io);
    const matrix = matrixFromFlags(flags);
    const json = flags.json === true;
    const progress = progressLine(io, !json);
    const report = await runBench(matrix, {
      quick: flags.quick === true,
      onProgress: (p) => progress.update(`${bar(p.done, p.total)}${p.done}/${p.total} ${p.label}`),
    });
    progress.done();
    const out = flags.out as string | undefined;
    if (out !== undefined) {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, "bench.json"), `${JSON.stringify(report, null, 2)}\n`);
      writeFileSync(join(out, "bench.html"), benchHtml(report, `replaysim bench${report.quick ? " --quick" : ""}`));
    }
    if (json) io.out(JSON.stringify(report));
    else {
      for (const line of benchConsole(report)) io.out(line);
      if (out !== undefined) io.out(`wrote ${join(out, "bench.json")} and ${join(out, "bench.html")}`);
    }
    return report.rows.some((r) => r.error !== null) ? 1 : 0;
  },
};
