import { MUTANTS } from "../../mutants/catalog.ts";
import type { Mutant } from "../../mutants/mutant.ts";
import { VARIANTS } from "../../mutants/variants.ts";
import { A2A_MUTANTS } from "../../mutants/a2a/catalog.ts";
import type { SetupName } from "../../a2a-under-test/protocol/ports.ts";
import type { Profile } from "../scenario/arbitrary.ts";
import type { TransportName } from "../scenario/schema.ts";
import { explore, openPool } from "./explore.ts";

export interface MutantVerdict {
  name: string;
  kind: "mutant" | "variant";
  bug: string;
  expected: readonly string[];
  killed: boolean;
  /** Seeds explored up to and including the first that killed it. */
  seeds_to_kill: number | null;
  /** The checker of the killing run's first violation. */
  checker: string | null;
  /** Every checker the killing run tripped. */
  checkers: string[];
  seed: number | null;
  transport: TransportName | null;
  message: string | null;
  wall_ms: number;
}

export interface HuntResult {
  reference_clean: boolean;
  reference_seeds: number;
  reference_failures: { seed: number; transport: string; checker: string; message: string }[];
  mutants: MutantVerdict[];
  kill_rate: number;
  median_seeds_to_kill: number | null;
  wall_ms: number;
}

export interface HuntOptions {
  /** Most seeds to explore per mutant. */
  seeds: number;
  from: number;
  transport?: TransportName | "all";
  profile: Profile;
  workers: number;
  ops_max?: number;
  run_timeout_ms?: number;
  /** Hunt the A2A mutants (mutants/a2a/) on this setup of the A2A system instead. */
  a2a?: SetupName;
  /** Only these mutants and variants (all when absent). */
  names?: readonly string[];
  onProgress?: (text: string) => void;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * For each mutant and variant, explores seeds until one kills it (or the
 * budget runs out), then checks that the reference survives every seed any of
 * them needed. Results do not depend on the worker count.
 */
export async function huntMutants(options: HuntOptions): Promise<HuntResult> {
  const started = performance.now();
  const pool = openPool(options.workers, options.run_timeout_ms);
  type Target = { component: Pick<Mutant, "name" | "bug" | "caught_by">; kind: "mutant" | "variant" };
  const all: Target[] = options.a2a
    ? A2A_MUTANTS.map((component) => ({ component, kind: "mutant" as const }))
    : [...MUTANTS.map((component) => ({ component, kind: "mutant" as const })), ...VARIANTS.map((component) => ({ component, kind: "variant" as const }))];
  const targets = all.filter((t) => !options.names || options.names.includes(t.component.name));
  const common = {
    from: options.from,
    profile: options.profile,
    workers: options.workers,
    pool,
    shrink_max: 0,
    ...(options.transport ? { transport: options.transport } : {}),
    ...(options.ops_max ? { ops_max: options.ops_max } : {}),
    ...(options.a2a ? { a2a: options.a2a } : {}),
  };
  try {
    const hunt = async (i: number): Promise<MutantVerdict> => {
      const { component, kind } = targets[i]!;
      options.onProgress?.(`${i + 1}/${targets.length} hunting ${component.name}…`);
      const t0 = performance.now();
      const result = await explore({
        ...common,
        seeds: options.seeds,
        stop_on_failure: true,
        // The hunts beside it keep the other workers busy: fewer seeds run ahead only to be abandoned.
        seeds_in_flight: Math.max(1, pool.size),
        // A nondeterministic build passes every single run: only running each seed twice catches it.
        check_determinism: component.caught_by.includes("determinism"),
        ...(kind === "mutant" ? { mutant: component.name } : { variant: component.name }),
        onProgress: (p) => options.onProgress?.(`${i + 1}/${targets.length} ${component.name}: seed ${options.from + p.done - 1}, ${p.failures ? "killed" : "alive"}`),
      });
      const kill = result.outcomes.find((o) => o.verdict === "fail");
      return {
        name: component.name,
        kind,
        bug: component.bug,
        expected: component.caught_by,
        killed: kill !== undefined,
        seeds_to_kill: kill ? kill.seed - options.from + 1 : null,
        checker: kill?.violation?.checker ?? null,
        checkers: kill?.checkers ?? [],
        seed: kill?.seed ?? null,
        transport: kill?.transport ?? null,
        message: kill?.violation?.message ?? null,
        wall_ms: Math.round(performance.now() - t0),
      };
    };
    // As many hunts at once as there are workers: most mutants die on their first
    // seed, and one hunt alone leaves the other workers on seeds it then abandons.
    // Each hunt finds its earliest killing seed whatever runs beside it.
    const verdicts: MutantVerdict[] = new Array(targets.length);
    let nextTarget = 0;
    const hunter = async () => {
      for (let i = nextTarget++; i < targets.length; i = nextTarget++) verdicts[i] = await hunt(i);
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(pool.size, targets.length)) }, hunter));
    const reference_seeds = Math.max(0, ...verdicts.map((v) => v.seeds_to_kill ?? options.seeds));
    options.onProgress?.(`reference over seeds ${options.from}..${options.from + reference_seeds - 1}…`);
    const checkDeterminism = targets.some((t) => t.component.caught_by.includes("determinism"));
    const reference = reference_seeds > 0 ? await explore({ ...common, seeds: reference_seeds, check_determinism: checkDeterminism }) : null;
    const kills = verdicts.filter((v) => v.killed);
    return {
      reference_clean: reference === null || reference.failures.length === 0,
      reference_seeds,
      reference_failures: (reference?.failures ?? []).map((f) => ({ seed: f.seed, transport: f.transport, checker: f.checker, message: f.violation.message })),
      mutants: verdicts,
      kill_rate: verdicts.length === 0 ? 0 : Math.round((kills.length / verdicts.length) * 1000) / 1000,
      median_seeds_to_kill: median(kills.map((v) => v.seeds_to_kill!)),
      wall_ms: Math.round(performance.now() - started),
    };
  } finally {
    await pool.close();
  }
}
