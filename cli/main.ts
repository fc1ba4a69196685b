import { helpText, parseFlags, UsageError } from "./args.ts";
import type { Command, Io } from "./command.ts";
import { benchCommand } from "./commands/bench.ts";
import { demoCommand } from "./commands/demo.ts";
import { exploreCommand } from "./commands/explore.ts";
import { mergeCommand } from "./commands/merge.ts";
import { mutantsCommand } from "./commands/mutants.ts";
import { runCommand } from "./commands/run.ts";
import { serveCommand } from "./commands/serve.ts";
import { syncCommand } from "./commands/sync.ts";

const COMMANDS: readonly Command[] = [exploreCommand, runCommand, mergeCommand, mutantsCommand, benchCommand, serveCommand, syncCommand, demoCommand];

function usage(): string {
  const rows = COMMANDS.map((c) => `  ${c.spec.name.padEnd(9)} ${c.spec.summary}`);
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
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    io.err(`replaysim: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
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
