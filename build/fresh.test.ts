import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { ENTRIES, outputOf, STAMP, staleReason } from "./build.mjs";
import { builtEntry, projectRoot } from "./fresh.mjs";

/** A checkout of two sources whose stamp says they were built as they are now. */
function builtCheckout(): string {
  const root = mkdtempSync(join(tmpdir(), "replaysim-fresh-"));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  put("sim/a.ts", "export const a = 1;\n");
  put("cli/b.ts", "export const b = 2;\n");
  for (const entry of ENTRIES) put(outputOf(entry), "");
  const inputs: Record<string, { mtime_ms: number; size: number }> = {};
  for (const p of ["sim/a.ts", "cli/b.ts"]) {
    const s = statSync(join(root, p));
    inputs[p] = { mtime_ms: s.mtimeMs, size: s.size };
  }
  put(STAMP, JSON.stringify({ version: 1, entries: ENTRIES, outputs: ENTRIES.map(outputOf), built_ms: Date.now(), inputs }));
  return root;
}

describe("the stale check before dist/ runs", () => {
  test("a build that matches its sources is fresh", () => {
    expect(staleReason(builtCheckout())).toBeNull();
  });

  test("no build yet, a source saved since, one put back with an older time, a source removed, an output removed: each is stale, and says why", () => {
    expect(staleReason(mkdtempSync(join(tmpdir(), "replaysim-fresh-")))).toBe("dist/ is not built yet");

    const edited = builtCheckout();
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(edited, "sim/a.ts"), later, later);
    expect(staleReason(edited)).toBe("sim/a.ts changed");

    // Restored from an archive or a backup: older than the build, and still not what was built.
    const restored = builtCheckout();
    writeFileSync(join(restored, "cli/b.ts"), "export const b = 3;\n");
    utimesSync(join(restored, "cli/b.ts"), new Date(2020, 0, 1), new Date(2020, 0, 1));
    expect(staleReason(restored)).toBe("cli/b.ts changed");

    const removed = builtCheckout();
    rmSync(join(removed, "sim/a.ts"));
    expect(staleReason(removed)).toBe("sim/a.ts is gone");

    const noOutput = builtCheckout();
    rmSync(join(noOutput, outputOf(ENTRIES[1]!)));
    expect(staleReason(noOutput)).toBe(`${outputOf(ENTRIES[1]!)} is missing`);
  });

  test("the project root is found from the module, and entries map into dist/", () => {
    const root = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
    expect(projectRoot()).toBe(root);
    expect(fileURLToPath(builtEntry("sim/explore/worker-entry.ts"))).toBe(join(root, "dist/sim/explore/worker-entry.js"));
  });
});
