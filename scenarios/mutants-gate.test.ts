import { expect, test } from "vitest";
import { A2A_MUTANTS } from "../mutants/a2a/catalog.ts";
import { MUTANTS } from "../mutants/catalog.ts";
import { VARIANTS } from "../mutants/variants.ts";
import { huntMutants } from "../sim/explore/mutants.ts";

// The CI gate for the bench itself: every deliberate bug and both seed designs
// are killed within a fixed budget of generated seeds, and the reference
// survives every seed any of them needed.

const SEED_BUDGET = 200;
// About 3 minutes on a quiet 2-core machine, more beside the other test files;
// a generous timeout, since every run inside is bounded by the pool's watchdog.

test(`every mutant and variant dies within ${SEED_BUDGET} seeds; the reference stays clean on the same seeds`, async () => {
  const result = await huntMutants({ seeds: SEED_BUDGET, from: 1, profile: "swarm", workers: 2 });
  expect(result.mutants.map((m) => m.name).sort()).toEqual([...MUTANTS, ...VARIANTS].map((m) => m.name).sort());
  const alive = result.mutants.filter((m) => !m.killed).map((m) => m.name);
  expect(alive).toEqual([]);
  for (const m of result.mutants) expect(m.seeds_to_kill!).toBeLessThanOrEqual(SEED_BUDGET);
  expect(result.reference_failures).toEqual([]);
  expect(result.reference_clean).toBe(true);
}, 600_000);

test(`every A2A mutant of the hardened core dies within ${SEED_BUDGET} seeds, on both setups that use it; the reference stays clean`, async () => {
  for (const a2a of ["hardened", "capnweb"] as const) {
    const result = await huntMutants({ seeds: SEED_BUDGET, from: 1, profile: "swarm", workers: 2, a2a });
    expect(result.mutants.map((m) => m.name).sort()).toEqual(A2A_MUTANTS.map((m) => m.name).sort());
    expect(result.mutants.filter((m) => !m.killed).map((m) => `${a2a}: ${m.name}`)).toEqual([]);
    expect(result.reference_failures).toEqual([]);
  }
}, 120_000);
