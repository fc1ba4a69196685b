import type { Ids } from "../../protocol/ports.ts";
import type { Incarnation } from "./scheduler.ts";

/** Deterministic ids: node, incarnation and a counter, so restarts never reuse one. */
export function simIds(incarnation: Incarnation): Ids {
  let n = 0;
  return { next: (prefix) => `${prefix}_${incarnation.node}_${incarnation.number}_${++n}` };
}
