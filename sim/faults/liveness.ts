/**
 * Anything that injects faults. After the workload, the run moves every one of
 * them into liveness mode at once, each by its own method (as TigerBeetle's
 * faulty components each have `transition_to_liveness_mode`): from then on the
 * world heals, and the only question left is whether the system recovers.
 */
export interface FaultSource {
  transitionToLiveness(): void;
}

/** Moves every fault source into liveness mode, in the order given. */
export function transitionToLiveness(sources: readonly FaultSource[]): void {
  for (const source of sources) source.transitionToLiveness();
}
