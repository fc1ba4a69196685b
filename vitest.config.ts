import { defineConfig } from "vitest/config";

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
  },
});
