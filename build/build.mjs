#!/usr/bin/env node
// Builds what Node runs: the TypeScript entries below, bundled by esbuild into
// dist/ (git-ignored) with their source maps. `npm install` runs it (the
// `prepare` script), and fresh.mjs runs it again whenever a source changed.
// Plain JavaScript on purpose: it runs before anything is built.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Every file Node starts from: the CLI, the explore worker thread, the bench's child and scripts. */
export const ENTRIES = ["cli/main.ts", "sim/explore/worker-entry.ts", "bench/loopback-server.ts", "bench/sim-speed.ts", "bench/viewers.bench.ts", "scenarios/golden/write-trace-hashes.ts", "real/processes/server-entry.ts", "real/processes/client-entry.ts", "real/processes/viewer-entry.ts"];
export const DIST = "dist";
/** Written last: which sources the build read, as they were, so a changed one is noticed. */
export const STAMP = "dist/build-stamp.json";
const STAMP_VERSION = 1;
/** Not sources, but they change what the build makes. */
const CONFIG_INPUTS = ["build/build.mjs", "tsconfig.json"];
/** Files of an earlier build stay this long, for a process that started from it and still imports its chunks. */
const KEEP_OLD_MS = 10 * 60_000;

export class BuildError extends Error {
  code = "build_failed";
}

/** Where an entry's output lands: cli/main.ts → dist/cli/main.js. */
export function outputOf(entry) {
  return `${DIST}/${entry.replace(/\.ts$/, ".js")}`;
}

function esbuildOptions(root) {
  return {
    absWorkingDir: root,
    entryPoints: ENTRIES,
    outdir: DIST,
    outbase: ".",
    bundle: true,
    // Chunks shared by the entries, and one per dynamic import: the CLI loads a command's code only when it runs.
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    format: "esm",
    platform: "node",
    target: "node20",
    // node_modules stay imports: native better-sqlite3, and one copy of each package.
    packages: "external",
    sourcemap: true,
    metafile: true,
    write: false,
    logLevel: "silent",
  };
}

function loadEsbuild() {
  try {
    return createRequire(import.meta.url)("esbuild");
  } catch (error) {
    throw new BuildError(`replaysim: cannot build ${DIST}/: esbuild is not installed (${error.message}); run npm install`);
  }
}

/**
 * Writes a file by renaming a finished copy over it, so a process reading it
 * never sees half. Its mtime says when a build last made it (see pruneOld).
 */
function writeAtomic(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, path);
}

function* filesUnder(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

/** Removes what earlier builds made and this one did not, once no process started from them can still want it. */
function pruneOld(root, keep) {
  const now = Date.now();
  for (const path of filesUnder(join(root, DIST))) {
    if (keep.has(path)) continue;
    try {
      if (now - statSync(path).mtimeMs > KEEP_OLD_MS) rmSync(path, { force: true });
    } catch {
      // another build removed it first
    }
  }
}

/** Builds dist/ synchronously (esbuild takes a fraction of a second); throws a BuildError with esbuild's messages. */
export function build(root) {
  const esbuild = loadEsbuild();
  const started_ms = Date.now();
  let result;
  try {
    result = esbuild.buildSync(esbuildOptions(root));
  } catch (error) {
    const messages = error?.errors ?? [];
    const text = messages.length > 0 ? esbuild.formatMessagesSync(messages, { kind: "error", color: false }).join("").trimEnd() : String(error?.message ?? error);
    throw new BuildError(`replaysim: the build of ${DIST}/ failed (esbuild):\n${text}`);
  }
  if (result.warnings.length > 0) process.stderr.write(esbuild.formatMessagesSync(result.warnings, { kind: "warning", color: false }).join(""));
  const written = new Set();
  for (const file of result.outputFiles) {
    writeAtomic(file.path, file.contents);
    written.add(file.path);
  }
  const sources = Object.keys(result.metafile.inputs).filter((p) => !p.includes("node_modules/"));
  const inputs = {};
  for (const p of [...CONFIG_INPUTS, ...sources].sort()) {
    const s = statSync(join(root, p));
    // A source saved while the build ran may not be in it: leave it marked changed.
    inputs[p] = s.mtimeMs >= started_ms ? { mtime_ms: -1, size: -1 } : { mtime_ms: s.mtimeMs, size: s.size };
  }
  const stampPath = join(root, STAMP);
  written.add(stampPath);
  pruneOld(root, written);
  const outputs = ENTRIES.map(outputOf);
  writeAtomic(stampPath, `${JSON.stringify({ version: STAMP_VERSION, entries: ENTRIES, outputs, built_ms: started_ms, inputs }, null, 1)}\n`);
  return { ms: Date.now() - started_ms, files: result.outputFiles.length, inputs: Object.keys(inputs).length };
}

/** Why dist/ cannot be run as it is (a source changed, an output is missing, …), or null when it is up to date. */
export function staleReason(root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, STAMP), "utf8"));
  } catch {
    return `${DIST}/ is not built yet`;
  }
  if (stamp.version !== STAMP_VERSION || JSON.stringify(stamp.entries) !== JSON.stringify(ENTRIES)) return "the build's entries changed";
  for (const out of stamp.outputs) {
    try {
      statSync(join(root, out));
    } catch {
      return `${out} is missing`;
    }
  }
  for (const [p, was] of Object.entries(stamp.inputs)) {
    let now;
    try {
      now = statSync(join(root, p));
    } catch {
      return `${p} is gone`;
    }
    if (now.mtimeMs !== was.mtime_ms || now.size !== was.size) return `${p} changed`;
  }
  return null;
}

// `node build/build.mjs`: the prepare script, and `npm run build`.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  try {
    const r = build(root);
    if (!process.argv.includes("--quiet")) process.stderr.write(`replaysim: built ${relative(process.cwd(), join(root, DIST)) || DIST}/ from ${r.inputs} files in ${r.ms} ms\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof BuildError ? error.message : error?.stack ?? error}\n`);
    process.exitCode = 1;
  }
}
