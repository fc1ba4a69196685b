import { existsSync, statSync } from "node:fs";
import { extname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Implementation } from "../../mutants/implementation.ts";

// Loads a module under test (`--client MODULE`, `--impl MODULE`): a file, or a
// folder holding one of the usual entry names. TypeScript loads through tsx,
// so a team's module needs no build step of its own. Each thread loads a
// module once; the workers of an exploration load it again themselves.

export class ImplError extends Error {
  readonly code = "bad_impl";
}

/** Which modules a scenario runs instead of the reference's, by role; paths as given (relative to the working directory). */
export interface ImplRef {
  client?: string;
  server?: string;
  viewer?: string;
}

export type ImplRole = "client" | "server" | "viewer";
export const IMPL_ROLES: readonly ImplRole[] = ["client", "server", "viewer"];

const ENTRY_NAMES = ["impl.ts", "index.ts", "client.ts", "main.ts", "impl.js", "index.js", "client.js", "main.js", "impl.mjs", "index.mjs"];

/** The file a path names: itself, or a folder's entry. */
export function resolveImplPath(path: string): string {
  const abs = isAbsolute(path) ? path : resolve(process.cwd(), path);
  if (!existsSync(abs)) throw new ImplError(`${path}: no such file or folder`);
  if (!statSync(abs).isDirectory()) return abs;
  const entry = ENTRY_NAMES.map((name) => join(abs, name)).find((file) => existsSync(file));
  if (!entry) throw new ImplError(`${path} is a folder with none of ${ENTRY_NAMES.join(", ")}: name the module file`);
  return entry;
}

/** Per file, what it exports by role. */
const loaded = new Map<string, Record<string, unknown>>();

async function importModule(file: string): Promise<Record<string, unknown>> {
  const ext = extname(file);
  if (ext === ".ts" || ext === ".mts" || ext === ".tsx") {
    const { tsImport } = await import("tsx/esm/api");
    return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** Imports the module (once per thread) and checks that it exports the factory its role needs. */
export async function loadImplementation(path: string, role: ImplRole): Promise<Implementation> {
  const file = resolveImplPath(path);
  let exported = loaded.get(file);
  if (!exported) {
    try {
      exported = await importModule(file);
    } catch (error) {
      throw new ImplError(`${path} did not load: ${(error as Error)?.message ?? error}`);
    }
    loaded.set(file, exported);
  }
  return roleOf(path, exported, role);
}

/** A named export, or a default export holding the factories. */
function roleOf(path: string, exported: Record<string, unknown>, role: ImplRole): Implementation {
  const source = (typeof exported[role] === "function" ? exported : (exported.default as Record<string, unknown> | undefined)) ?? {};
  if (typeof source[role] !== "function") {
    const has = Object.keys(exported).join(", ") || "nothing";
    throw new ImplError(`${path} exports no '${role}' factory (it exports: ${has}); a ${role} module exports \`${role}(ports)\` returning the ${role} (docs/your-implementation.md)`);
  }
  return { [role]: source[role] } as Implementation;
}

/** The roles a module exports, of those the simulator runs. */
export async function rolesOf(path: string): Promise<ImplRole[]> {
  const file = resolveImplPath(path);
  if (!loaded.has(file)) {
    try {
      loaded.set(file, await importModule(file));
    } catch (error) {
      throw new ImplError(`${path} did not load: ${(error as Error)?.message ?? error}`);
    }
  }
  const exported = loaded.get(file)!;
  const source = { ...((exported.default as Record<string, unknown> | undefined) ?? {}), ...exported };
  return IMPL_ROLES.filter((role) => typeof source[role] === "function");
}

/** Loads every module a scenario names, so the world can build from them synchronously. */
export async function preloadImplementations(ref: ImplRef | undefined): Promise<void> {
  if (ref?.client) await loadImplementation(ref.client, "client");
  if (ref?.server) await loadImplementation(ref.server, "server");
  if (ref?.viewer) await loadImplementation(ref.viewer, "viewer");
}

/** A module already loaded in this thread, for one role. */
export function loadedImplementation(path: string, role: ImplRole): Implementation {
  const exported = loaded.get(resolveImplPath(path));
  if (!exported) throw new ImplError(`${path} was not loaded in this thread before its run`);
  return roleOf(path, exported, role);
}
