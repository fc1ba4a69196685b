import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

// The repository's own import graph, read from the sources as text: every
// relative `import … from`, `export … from` and `import("…")`, types included.

const SKIP = new Set(["node_modules", "dist", "scratch", ".git", "reports/out"]);
const SOURCE = /\.(ts|mjs|js)$/;

export type ImportGraph = Map<string, string[]>;

function sources(root: string, dir = ""): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = dir ? `${dir}/${name}` : name;
    if (SKIP.has(name) || SKIP.has(path) || name.startsWith(".")) return [];
    if (statSync(join(root, path)).isDirectory()) return sources(root, path);
    return SOURCE.test(name) && !name.endsWith(".d.mts") ? [path] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^"';]*?from\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)|^import\s*["'](\.[^"']+)["']/gm;

/** File → the repository files it imports (paths relative to `root`). Test files are left out unless asked for. */
export function importGraph(root: string, options: { tests?: boolean } = {}): ImportGraph {
  const files = sources(root).filter((f) => options.tests || !/\.test\.ts$/.test(f));
  const known = new Set(sources(root));
  const graph: ImportGraph = new Map();
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    const targets = new Set<string>();
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3]!;
      const target = relative(root, normalize(join(root, dirname(file), spec)));
      if (known.has(target)) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** Every import circle, each as the files around it, starting from its smallest path. */
export function importCircles(graph: ImportGraph): string[][] {
  const circles = new Map<string, string[]>();
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") {
        const circle = stack.slice(stack.indexOf(next));
        const start = circle.indexOf([...circle].sort()[0]!);
        const canonical = [...circle.slice(start), ...circle.slice(0, start)];
        circles.set(canonical.join(" -> "), canonical);
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of [...graph.keys()].sort()) if (!state.has(file)) visit(file);
  return [...circles.values()];
}

/** Every file `from` reaches through imports, itself excluded. */
export function reachable(graph: ImportGraph, from: string): Set<string> {
  const seen = new Set<string>();
  const todo = [...(graph.get(from) ?? [])];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    todo.push(...(graph.get(file) ?? []));
  }
  return seen;
}
