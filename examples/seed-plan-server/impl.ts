// The seed plan's server as a module of the kind `--server` takes: the
// reference server over a document store with a bounded dedupe window of op
// ids. A server module keeps the reference schema in its database, because the
// world reads the server's committed tables as evidence; this one only swaps
// the store.
//
// Run it: replaysim explore --seeds 200 --server examples/seed-plan-server
import { seedPlanImplementation } from "../../mutants/seed-plan.ts";

export const server = seedPlanImplementation().server;
