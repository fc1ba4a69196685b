import type { Mutant, Parts } from "./mutant.ts";
import { noDedupe } from "./no-dedupe.ts";

/** Every deliberate bug the bench must catch, by name. */
export const MUTANTS: readonly Mutant[] = [noDedupe];

export function findMutant(name: string): Mutant | undefined {
  return MUTANTS.find((m) => m.name === name);
}

export type { Mutant, Parts };
