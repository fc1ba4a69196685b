// client-unseeded-batching
// Bug: the batch planner cuts batches at a size drawn from Math.random, to
//      "spread load". Every single run is correct, but no two runs of a seed
//      are the same, so no failure it meets can be replayed.
// Models: any read of an unseeded source (Math.random, Date.now, a global
//      counter) that slips past the injected Random, Clock and Ids.
// Caught by: determinism (explore --check-determinism runs each seed twice).
import { planBatch } from "../client-under-test/batching.ts";
import type { Mutant } from "./mutant.ts";

export const clientUnseededBatching: Mutant = {
  name: "client-unseeded-batching",
  bug: "batch sizes drawn from Math.random: runs cannot be replayed",
  caught_by: ["determinism"],
  parts: {
    server: {},
    client: { makePlanner: () => (pending, limits) => planBatch(pending.slice(0, 1 + Math.floor(Math.random() * pending.length)), limits) },
  },
};
