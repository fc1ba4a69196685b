import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

// The longest files start first, so that neither worker is left alone with a
// gate at the end: on a fresh clone vitest has no timings and would start them
// last (it orders by file size). Measured on 2 cores, longest first.
const LONGEST_FIRST = [
  "scenarios/mutants-gate.test.ts",
  "scenarios/explore-gate.test.ts",
  "sim/explore/explore.test.ts",
  "sim/determinism.test.ts",
  "reports/timeline-browser.test.ts",
  "cli/merge-command.test.ts",
  "cli/run-command.test.ts",
  "real/world/real-mutants.test.ts",
  "real/world/real-run.test.ts",
  "scenarios/golden/trace-hashes.test.ts",
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((name) => f.moduleId.endsWith(name));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    return sorted.map((f, i) => ({ f, i })).sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i).map(({ f }) => f);
  }
}

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "scratch/**", "dist/**"],
    // The pools that tests start run their workers from dist/: rebuilt first if a source changed.
    globalSetup: ["build/vitest-setup.ts"],
    // Both cores: the gates are CPU-bound and independent of each other.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 30_000,
    sequence: { sequencer: LongestFirst },
  },
});
