import { expect, test } from "vitest";
import { ENTRY_POINTS } from "./cases.ts";
import { fuzz } from "./run-fuzz.ts";

// A fixed-seed subset of the fuzzer in every `npm test`: 2,000 cases over the
// four entry points, with every property checked after every case.
// `npm run fuzz -- --cases N` runs more.

test("2,000 hostile inputs over every entry point: no crash, no hang, a code on every refusal, no state change, no leak", async () => {
  const result = await fuzz({ cases: 2000, seed: 1 });
  expect(result.failures).toEqual([]);
  for (const entry of ENTRY_POINTS) {
    const c = result.counts[entry];
    expect(c.cases).toBe(500);
    // The inputs are hostile: most are refused, and the near-valid ones sometimes get through.
    expect(c.refused).toBeGreaterThan(100);
    expect({ crashes: c.crashes, hangs: c.hangs, state_changes: c.state_changes, refusals_without_code: c.refusals_without_code, leaks: c.leaks }).toEqual({
      crashes: 0,
      hangs: 0,
      state_changes: 0,
      refusals_without_code: 0,
      leaks: 0,
    });
  }
}, 240_000);
