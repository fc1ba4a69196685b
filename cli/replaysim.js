#!/usr/bin/env node
// The `replaysim` bin: runs the CLI as built into dist/ (plain JavaScript, no
// TypeScript loader), after rebuilding it if any source changed since.
import { BuildError, importBuilt } from "../build/fresh.mjs";

// `replaysim ... | head` closes the pipe early; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

let cli;
try {
  cli = await importBuilt("cli/main.ts");
} catch (error) {
  // A failed build never falls back to the old output.
  if (!(error instanceof BuildError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
process.exitCode = await cli.main(process.argv.slice(2));
// Done: exit now rather than wait for a handle something left open (a real
// run's socket or worker seen, rarely, to keep the command alive after its
// report). Children are killed on exit (real/processes/children.ts); stdout and
// stderr are written synchronously to files and pipes on Linux, so nothing is cut.
process.exit();
