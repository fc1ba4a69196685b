import { RUN_TIMEOUT_MS_DEFAULT } from "../sim/explore/pool.ts";
import type { FlagSpec } from "./args.ts";

/** `--run-timeout`: the wall budget of every simulated run, shared by run, explore and mutants. */
export const RUN_TIMEOUT_FLAG: FlagSpec = {
  name: "run-timeout",
  kind: "duration",
  value: "DURATION",
  description: "wall budget of one simulated run; past it the run fails with liveness/hang, e.g. 10s",
  default: RUN_TIMEOUT_MS_DEFAULT,
};
