import { checkClientFits } from "../sim/impl/check-client.ts";
import { ImplError, loadImplementation } from "../sim/impl/load-impl.ts";
import { UsageError, type FlagSpec, type FlagValues } from "./args.ts";

// The flags that run your own implementation instead of the reference
// (docs/your-implementation.md). A module that does not fit is bad input:
// exit 2 with what is missing, before any run starts.

export const IMPL_FLAGS: FlagSpec[] = [
  { name: "client", kind: "string", value: "MODULE", description: "run your client module (a .ts or .js file, or a folder with impl.ts/index.ts) instead of the reference client" },
  { name: "impl", kind: "string", value: "MODULE", description: "run every role your module exports (today: client) instead of the reference's" },
  { name: "server", kind: "string", value: "MODULE", description: "your server module in the simulator: not built yet (use replaysim real against a running server)" },
  { name: "viewer", kind: "string", value: "MODULE", description: "your viewer module: not built yet" },
];

/** The client module the flags name, loaded and checked; undefined for the reference. */
export async function clientModuleFromFlags(flags: FlagValues): Promise<string | undefined> {
  for (const role of ["server", "viewer"] as const) {
    if (flags[role] !== undefined) throw new UsageError(`--${role}: running your own ${role} module in the simulator is not built yet; --client (or --impl exporting client) is`);
  }
  const client = flags.client as string | undefined;
  const impl = flags.impl as string | undefined;
  if (client !== undefined && impl !== undefined) throw new UsageError("give --client or --impl, not both");
  const path = client ?? impl;
  if (path === undefined) return undefined;
  for (const other of ["mutant", "variant", "a2a"]) if (flags[other] !== undefined) throw new UsageError(`--${client !== undefined ? "client" : "impl"} runs your module against the reference server: drop --${other}`);
  try {
    checkClientFits(path, await loadImplementation(path, "client"));
  } catch (error) {
    if (error instanceof ImplError) throw new UsageError(`--${client !== undefined ? "client" : "impl"}: ${error.message}`);
    throw error;
  }
  return path;
}
