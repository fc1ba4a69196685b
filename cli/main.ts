import { helpText, parseFlags, UsageError } from "./args.ts";
import type { Command, Io } from "./command.ts";

/**
 * Every command, loaded only when it runs: `replaysim --help` must answer at
 * once, without capnweb, msw, hono, SQLite and the simulator. The summaries
 * repeat the commands' own (main.test.ts checks they agree).
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: "explore", summary: "run many generated seeds, shrink each failure to a minimal scenario, and say how to replay it", load: async () => (await import("./commands/explore.ts")).exploreCommand },
  { name: "run", summary: "run one scenario in the simulator and judge it: a verdict line and the trace hash", load: async () => (await import("./commands/run.ts")).runCommand },
  { name: "merge", summary: "merge the outputs of explore shards (a CI matrix) into one summary.json, junit.xml and report.html", load: async () => (await import("./commands/merge.ts")).mergeCommand },
  { name: "mutants", summary: "hunt every deliberate bug and seed design: seeds needed to kill each, and the reference clean on the same seeds", load: async () => (await import("./commands/mutants.ts")).mutantsCommand },
  { name: "bench", summary: "measure batch throughput per transport, batch size, in-flight calls, storage and mode, against the raw SQLite ceiling", load: async () => (await import("./commands/bench.ts")).benchCommand },
  { name: "real", summary: "run a scenario for real: the server and clients as child processes on their own SQLite files, over TCP on loopback, crashes as SIGKILL", load: async () => (await import("./commands/real.ts")).realCommand },
  { name: "serve", summary: "run the share server (REST, capnweb HTTP batch and WebSocket on /rpc) until SIGINT or SIGTERM", load: async () => (await import("./commands/serve.ts")).serveCommand },
  { name: "sync", summary: "enqueue generated agent-session ops into a durable outbox and sync them to a server", load: async () => (await import("./commands/sync.ts")).syncCommand },
  { name: "demo", summary: "loopback demo: a real server and a real client in one process, syncing over each transport", load: async () => (await import("./commands/demo.ts")).demoCommand },
];

function usage(): string {
  const rows = COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`);
  return ["replaysim: a deterministic fault-injection bench for durable session replay over capnweb", "", "Commands:", ...rows, "", "Run 'replaysim <command> --help' for its flags."].join("\n");
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  tty: process.stderr.isTTY === true,
};

/** Runs one CLI invocation and returns its exit code: 0 ok, 1 failure found, 2 bad input. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "help") {
    io.out(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) {
    io.err(`replaysim: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes("--help")) {
    io.out(helpText(command.spec));
    return 0;
  }
  try {
    return await command.run(parseFlags(command.spec, rest), io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === "usage") {
      io.err(`replaysim ${name}: ${(error as Error).message}\nRun 'replaysim ${name} --help' for usage.`);
      return 2;
    }
    throw error;
  }
}
