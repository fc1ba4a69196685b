import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "scratch/**"],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
