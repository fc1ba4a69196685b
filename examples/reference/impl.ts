// replaysim's reference client, server and viewer, as one module of the kind `--impl`
// takes. Running it gives exactly the reference's trace hashes: the world
// builds everything through this interface.
//
// Run it: replaysim explore --seeds 100 --impl examples/reference
import { referenceImplementation } from "../../mutants/implementation.ts";

export const client = referenceImplementation.client;
export const server = referenceImplementation.server;
export const viewer = referenceImplementation.viewer;
