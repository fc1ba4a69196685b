// replaysim's own reference client, as a module of the kind `--client` takes:
// what a team's module looks like at its smallest. Running it gives exactly
// the trace hashes of the reference (scenarios/golden/trace-hashes.json).
//
// Run it: replaysim explore --seeds 100 --client examples/reference-client
import { referenceImplementation } from "../../mutants/implementation.ts";

export const client = referenceImplementation.client;
