// Runs the built output, never a stale one: before dist/ is loaded, the
// sources it was built from are compared (mtime and size, a stat each) with
// the build stamp, and anything changed is rebuilt first. A failed build
// throws; nothing falls back to the old output.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, DIST, outputOf, staleReason } from "./build.mjs";

export { BuildError } from "./build.mjs";

let root;

/**
 * The checkout's root: the nearest folder up from this module with replaysim's
 * package.json. Found, not assumed, because this module also runs bundled
 * inside dist/, where `import.meta.url` is a chunk's.
 */
export function projectRoot() {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      if (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name === "replaysim") return (root = dir);
    } catch {
      // no package.json here, or not ours
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`replaysim: no replaysim package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The built file of a source entry, e.g. builtEntry("sim/explore/worker-entry.ts"). */
export function builtEntry(entry) {
  return pathToFileURL(join(projectRoot(), outputOf(entry)));
}

// Set by importBuilt: this process runs code from dist/, checked as it loaded.
// Its pool (bundled: another copy of this module) then starts workers from the
// same build, without a second check; a process running the TypeScript
// (vitest, tsx) checks every time it starts a pool, a few ms.
const RUNS_BUILT = Symbol.for("replaysim.runs-built");

/**
 * Makes dist/ match the sources, rebuilding when any of them changed, unless
 * this process itself runs from dist/. Throws a BuildError when the build fails.
 */
export function ensureBuilt() {
  if (globalThis[RUNS_BUILT]) return;
  const dir = projectRoot();
  const why = staleReason(dir);
  if (why === null) return;
  if (process.stderr.isTTY) process.stderr.write(`replaysim: ${why}; rebuilding ${DIST}/\n`);
  build(dir);
}

/** Checks dist/ (see ensureBuilt), turns source maps on so stacks name the .ts files, and imports an entry's built module. */
export async function importBuilt(entry) {
  ensureBuilt();
  globalThis[RUNS_BUILT] = true;
  process.setSourceMapsEnabled(true);
  return import(builtEntry(entry).href);
}
