import { expect, test } from "vitest";
import { COVERAGE_CONDITIONS, unreached } from "../sim/coverage/conditions.ts";
import { explore } from "../sim/explore/explore.ts";

// The CI gate: a fixed range of generated seeds on every transport, against
// the reference implementation, with zero failures. Sized to keep `npm test`
// under five minutes on two cores; `replaysim explore` covers wider ranges.

const FROM = 1;
const SEEDS = 40;

test(`seeds ${FROM}..${FROM + SEEDS - 1} pass on every transport (swarm profile), each run twice on two workers with the same trace hash`, async () => {
  const result = await explore({ from: FROM, seeds: SEEDS, transport: "all", profile: "swarm", workers: 2, check_determinism: true });
  expect(result.check_determinism).toBe(true);
  expect(result.runs).toBe(SEEDS * 3);
  expect(result.hangs).toBe(0);
  const failing = result.failures.map((f) => `seed ${f.seed} ${f.transport}: ${f.checker}/${f.violation.anomaly}: ${f.violation.message}`);
  expect(failing).toEqual([]);
  // The range is not calm: faults of many kinds were injected.
  expect(Object.keys(result.faults).length).toBeGreaterThanOrEqual(8);
  // A pass proves something only about cases the runs reached: every coverage condition, at least once.
  const never = unreached(result.coverage).map((name) => `${name}: ${COVERAGE_CONDITIONS[name as keyof typeof COVERAGE_CONDITIONS]}`);
  expect(never, "coverage conditions never reached over the gate's seeds").toEqual([]);
}, 240_000);
