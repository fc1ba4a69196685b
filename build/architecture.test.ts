import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { importCircles, importGraph, reachable } from "./import-graph.ts";

// The layout's rules (docs/design.md, "Layout"), held against the code's own imports.

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const graph = importGraph(root);
const folder = (file: string) => file.split("/")[0]!;

describe("the house", () => {
  test("has no import circle anywhere, type imports included", () => {
    expect(importCircles(graph).map((c) => c.join(" -> "))).toEqual([]);
  });

  test("the checkers read only the run record, the checker names, the reference model and pure helpers: never a world, a network or a node", () => {
    const allowed = /^(sim\/checkers\/|sim\/run-record\.ts$|sim\/checker-names\.ts$|sim\/history\/(history|canonical-json|events)\.ts$|sim\/adversary\/attempts\.ts$|protocol\/(ops|session-view|ports|limits)\.ts$)/;
    const reached = new Set<string>();
    for (const file of graph.keys()) if (file.startsWith("sim/checkers/")) for (const r of reachable(graph, file)) reached.add(r);
    expect([...reached].filter((f) => !allowed.test(f)).sort()).toEqual([]);
  });

  test("arrows point one way: the code under test never imports the simulator, the reports or the CLI", () => {
    const below: Record<string, string[]> = {
      protocol: ["protocol"],
      "server-under-test": ["server-under-test", "protocol"],
      "client-under-test": ["client-under-test", "protocol"],
      "a2a-under-test": ["a2a-under-test", "protocol"],
      mutants: ["mutants", "server-under-test", "client-under-test", "a2a-under-test", "protocol"],
    };
    const wrong: string[] = [];
    for (const [file, targets] of graph) {
      const may = below[folder(file)];
      if (!may) continue;
      for (const t of targets) if (!may.includes(folder(t))) wrong.push(`${file} -> ${t}`);
    }
    expect(wrong).toEqual([]);
  });

  test("the simulator never imports the reports or the CLI", () => {
    const wrong = [...graph].flatMap(([file, targets]) => (folder(file) === "sim" ? targets.filter((t) => ["reports", "cli"].includes(folder(t))).map((t) => `${file} -> ${t}`) : []));
    expect(wrong).toEqual([]);
  });
});

describe("the import reader", () => {
  const dir = mkdtempSync(join(tmpdir(), "replaysim-imports-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  put("a/one.ts", 'import type { B } from "../b/two.ts";\nexport const a = 1;\n');
  put("b/two.ts", 'export { a } from "../a/one.ts";\nexport type B = number;\n');
  put("b/three.ts", 'const m = await import("./two.ts");\nimport "node:fs";\n');
  put("b/three.test.ts", 'import { a } from "../a/one.ts";\n');

  test("sees type imports, re-exports and dynamic imports, and finds the circle they make", () => {
    const g = importGraph(dir);
    expect(Object.fromEntries(g)).toEqual({ "a/one.ts": ["b/two.ts"], "b/two.ts": ["a/one.ts"], "b/three.ts": ["b/two.ts"] });
    expect(importCircles(g)).toEqual([["a/one.ts", "b/two.ts"]]);
    expect([...reachable(g, "b/three.ts")].sort()).toEqual(["a/one.ts", "b/two.ts"]);
  });
});
