import { checkClientFits, checkServerFits, checkViewerFits } from "../sim/impl/check-fit.ts";
import { ImplError, loadImplementation, rolesOf, type ImplRef } from "../sim/impl/load-impl.ts";
import { UsageError, type FlagSpec, type FlagValues } from "./args.ts";

// The flags that run your own implementation instead of the reference
// (docs/your-implementation.md). A module that does not fit is bad input:
// exit 2 with what is missing, before any run starts.

export const IMPL_FLAGS: FlagSpec[] = [
  { name: "client", kind: "string", value: "MODULE", description: "run your client module (a .ts or .js file, or a folder with impl.ts/index.ts) instead of the reference client" },
  { name: "server", kind: "string", value: "MODULE", description: "run your server module (built on the reference's schema) instead of the reference server; a server of your own schema or language: replaysim real --server-cmd" },
  { name: "viewer", kind: "string", value: "MODULE", description: "run your viewer module instead of the reference viewer" },
  { name: "impl", kind: "string", value: "MODULE", description: "run every role your module exports (client, server, viewer) instead of the reference's" },
];

/** The modules the flags name, loaded and checked; undefined for the reference. */
export async function implFromFlags(flags: FlagValues): Promise<ImplRef | undefined> {
  const client = flags.client as string | undefined;
  const server = flags.server as string | undefined;
  const viewer = flags.viewer as string | undefined;
  const impl = flags.impl as string | undefined;
  if (impl !== undefined && (client !== undefined || server !== undefined || viewer !== undefined)) throw new UsageError("give --impl, or --client, --server and --viewer: not both");
  if (client === undefined && server === undefined && viewer === undefined && impl === undefined) return undefined;
  const flag = impl !== undefined ? "--impl" : client !== undefined ? "--client" : server !== undefined ? "--server" : "--viewer";
  for (const other of ["mutant", "variant", "a2a"]) if (flags[other] !== undefined) throw new UsageError(`${flag} runs your modules in place of the reference's: drop --${other}`);
  try {
    const ref: ImplRef = {};
    if (impl !== undefined) {
      const roles = await rolesOf(impl);
      if (roles.length === 0) throw new ImplError(`${impl} exports no 'client', 'server' or 'viewer' factory (docs/your-implementation.md)`);
      for (const role of roles) ref[role] = impl;
    }
    if (client !== undefined) ref.client = client;
    if (server !== undefined) ref.server = server;
    if (viewer !== undefined) ref.viewer = viewer;
    if (ref.client) checkClientFits(ref.client, await loadImplementation(ref.client, "client"));
    if (ref.server) checkServerFits(ref.server, await loadImplementation(ref.server, "server"));
    if (ref.viewer) checkViewerFits(ref.viewer, await loadImplementation(ref.viewer, "viewer"));
    return ref;
  } catch (error) {
    if (error instanceof ImplError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}
