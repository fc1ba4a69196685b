import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { GOLDEN, GOLDEN_PATH, goldenDifferences, goldenHashes, type GoldenFile } from "./trace-hashes.ts";

// Behaviour is pinned: every generated seed 1..60 on every transport must give
// the trace hash committed in scenarios/golden/trace-hashes.json.

const golden = JSON.parse(readFileSync(GOLDEN_PATH, "utf8")) as GoldenFile;

test("the golden file is for the seeds and options the code runs", () => {
  expect({ seeds: golden.seeds, profile: golden.profile, ops_max: golden.ops_max }).toEqual(GOLDEN);
  for (const hashes of Object.values(golden.hashes)) {
    expect(hashes).toHaveLength(GOLDEN.seeds);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{64}$/);
  }
});

test("every golden seed gives its committed trace hash", async () => {
  const differences = goldenDifferences(golden.hashes, await goldenHashes());
  expect(differences, "behaviour changed for these seeds; if on purpose, run `npm run golden` and say why in the commit").toEqual([]);
}, 180_000);

test("a changed hash is reported by transport and seed", () => {
  const changed = structuredClone(golden.hashes);
  changed.rest[6] = "0".repeat(64);
  expect(goldenDifferences(changed, golden.hashes)).toEqual(["rest/7"]);
});
