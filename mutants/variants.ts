import type { Mutant } from "./mutant.ts";
import { seedOriginal } from "./seed-original.ts";
import { seedPlan } from "./seed-plan.ts";

/** The earlier designs of this system, run as they were written. */
export const VARIANTS: readonly Mutant[] = [seedOriginal, seedPlan];

export function findVariant(name: string): Mutant | undefined {
  return VARIANTS.find((v) => v.name === name);
}
