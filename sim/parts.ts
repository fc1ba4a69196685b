import { findMutant, MUTANTS } from "../mutants/catalog.ts";
import type { Mutant } from "../mutants/mutant.ts";
import { findVariant, VARIANTS } from "../mutants/variants.ts";
import type { Scenario } from "./scenario/schema.ts";
import { loadedImplementation } from "./impl/load-impl.ts";
import type { WorldParts } from "./world/world.ts";

export class UnknownPartsError extends Error {
  readonly code = "bad_scenario";
}

/** The reference implementation: nothing replaced. */
export const REFERENCE_PARTS: WorldParts = { server: {}, client: {} };

function partsOf(component: Mutant, options: Scenario["options"]): WorldParts {
  try {
    return component.options ? component.options(options) : component.parts;
  } catch (error) {
    throw new UnknownPartsError((error as Error).message);
  }
}

/** What a scenario's `variant` and `mutant` fields put in place of the reference components. */
export function partsFor(scenario: Pick<Scenario, "variant" | "mutant" | "options"> & { impl?: Scenario["impl"] }): WorldParts {
  const impl = scenario.impl;
  if (impl?.client || impl?.server || impl?.viewer) {
    if (scenario.variant !== "reference" || scenario.mutant !== null) throw new UnknownPartsError("a scenario runs your modules, a variant or a mutant: one of them");
    const client = impl.client ? loadedImplementation(impl.client, "client").client! : undefined;
    const server = impl.server ? loadedImplementation(impl.server, "server").server! : undefined;
    const viewer = impl.viewer ? loadedImplementation(impl.viewer, "viewer").viewer! : undefined;
    return { server: {}, client: {}, ...(client ? { clientFactory: (deps) => client(deps) } : {}), ...(server ? { serverFactory: server } : {}), ...(viewer ? { viewerFactory: viewer } : {}) };
  }
  if (scenario.variant !== "reference") {
    const variant = findVariant(scenario.variant);
    if (!variant) throw new UnknownPartsError(`unknown variant '${scenario.variant}'; known: reference, ${VARIANTS.map((v) => v.name).join(", ")}`);
    if (scenario.mutant !== null) throw new UnknownPartsError("a scenario runs a variant or a mutant, not both");
    return partsOf(variant, scenario.options);
  }
  if (scenario.mutant === null) return REFERENCE_PARTS;
  const mutant = findMutant(scenario.mutant);
  if (!mutant) throw new UnknownPartsError(`unknown mutant '${scenario.mutant}'; known: ${MUTANTS.map((m) => m.name).join(", ")}`);
  return partsOf(mutant, scenario.options);
}
