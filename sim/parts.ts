import { findMutant, MUTANTS } from "../mutants/catalog.ts";
import type { Scenario } from "./scenario/schema.ts";
import type { WorldParts } from "./world.ts";

export class UnknownPartsError extends Error {
  readonly code = "bad_scenario";
}

/** The reference implementation: nothing replaced. */
export const REFERENCE_PARTS: WorldParts = { server: {}, client: {} };

/** What a scenario's `variant` and `mutant` fields put in place of the reference components. */
export function partsFor(scenario: Pick<Scenario, "variant" | "mutant" | "options">): WorldParts {
  if (scenario.variant !== "reference") throw new UnknownPartsError(`unknown variant '${scenario.variant}'`);
  if (scenario.mutant === null) return REFERENCE_PARTS;
  const mutant = findMutant(scenario.mutant);
  if (!mutant) throw new UnknownPartsError(`unknown mutant '${scenario.mutant}'; known: ${MUTANTS.map((m) => m.name).join(", ")}`);
  return mutant.options ? mutant.options(scenario.options) : mutant.parts;
}
