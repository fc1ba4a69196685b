import type { CoreParts } from "../../a2a-under-test/core/core-parts.ts";
import type { Scenario } from "../../sim/scenario/schema.ts";

/** A deliberate bug in the hardened A2A core: a component replaced at one of its seams (core-parts.ts). */
export interface A2AMutant {
  name: string;
  bug: string;
  caught_by: readonly string[];
  core: Partial<CoreParts>;
}

export const A2A_MUTANTS: readonly A2AMutant[] = [];

export function findA2AMutant(name: string): A2AMutant | undefined {
  return A2A_MUTANTS.find((m) => m.name === name);
}

/** The core parts an A2A scenario's mutant replaces (none for the reference). */
export function a2aCoreParts(scenario: Scenario): Partial<CoreParts> {
  return scenario.mutant ? (findA2AMutant(scenario.mutant)?.core ?? {}) : {};
}
