#!/usr/bin/env node
// The `replaysim` bin: registers tsx so the TypeScript sources run as they are.
import { register } from "tsx/esm/api";

// `replaysim ... | head` closes the pipe early; that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

register();
const { main } = await import("./main.ts");
process.exitCode = await main(process.argv.slice(2));
