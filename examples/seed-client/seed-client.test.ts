import { afterAll, expect, test } from "vitest";
import { explore, openPool } from "../../sim/explore/explore.ts";

// The example module reproduces the seed design through the public interface:
// over the same seeds, `--client examples/seed-client` and the built-in
// `seed-original` variant fail the same way, with the same trace hashes.

const pool = openPool(2);
afterAll(() => pool.close());

test("examples/seed-client fails like the seed-original variant, seed for seed", async () => {
  const common = { from: 1, seeds: 8, profile: "swarm" as const, workers: 2, pool, shrink: false };
  const mine = await explore({ ...common, impl: { client: "examples/seed-client" } });
  const seed = await explore({ ...common, variant: "seed-original" });
  expect(mine.outcomes.map((o) => `${o.seed}/${o.transport}: ${o.verdict} ${o.checkers.join(",")}`)).toEqual(seed.outcomes.map((o) => `${o.seed}/${o.transport}: ${o.verdict} ${o.checkers.join(",")}`));
  expect(mine.outcomes.map((o) => o.trace_hash)).toEqual(seed.outcomes.map((o) => o.trace_hash));
  expect(mine.failures.length).toBeGreaterThan(5);
  expect(Object.keys(mine.verdicts)).toEqual(expect.arrayContaining(["exactly-once", "convergence"]));
  expect(mine.outcomes[0]!.repro).toContain("--client examples/seed-client");
}, 120_000);
