#!/usr/bin/env node
// `node build/run.mjs bench/sim-speed.ts [args…]`: runs an entry as built into
// dist/, rebuilt first if any source changed (see fresh.mjs). The entry sees
// its own arguments from process.argv[2] on.
import { BuildError, importBuilt } from "./fresh.mjs";

const [entry] = process.argv.splice(2, 1);
if (!entry) {
  process.stderr.write("usage: node build/run.mjs ENTRY.ts [args…]\n");
  process.exit(2);
}
try {
  await importBuilt(entry);
} catch (error) {
  if (!(error instanceof BuildError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
