import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// docs/design.md, "Determinism rules": the code under test reads time, timers and
// randomness only through the injected Clock, Random and Ids. This test fails,
// naming file:line, when protocol/, server-under-test/ or client-under-test/
// reach for the real ones directly. real/adapters.ts is outside those folders.

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const GUARDED = ["protocol", "server-under-test", "client-under-test"];

const FORBIDDEN: { name: string; pattern: RegExp }[] = [
  { name: "Date.now", pattern: /\bDate\s*\.\s*now\b/ },
  { name: "new Date", pattern: /\bnew\s+Date\b/ },
  { name: "Math.random", pattern: /\bMath\s*\.\s*random\b/ },
  { name: "setTimeout", pattern: /\bsetTimeout\b/ },
  { name: "setInterval", pattern: /\bsetInterval\b/ },
  { name: "performance.now", pattern: /\bperformance\s*\.\s*now\b/ },
  { name: "randomUUID", pattern: /\brandomUUID\b/ },
];

interface Violation {
  file: string;
  line: number;
  name: string;
  text: string;
}

/**
 * The source with every comment replaced by spaces (newlines kept, so line
 * numbers hold). It keeps only the text of real tokens, as TypeScript's parser
 * sees them, so `//` inside a string or a regex literal is not taken for a comment.
 */
function stripComments(source: string, fileName = "source.ts"): string {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out = source.replace(/[^\n]/g, " ").split("");
  const visit = (node: ts.Node): void => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(file);
    if (children.length === 0) {
      const start = node.getStart(file);
      for (let i = start; i < node.end; i++) out[i] = source[i]!;
      return;
    }
    for (const child of children) visit(child);
  };
  visit(file);
  return out.join("");
}

function findViolations(source: string, fileName: string): Violation[] {
  const lines = stripComments(source, fileName).split("\n");
  const found: Violation[] = [];
  lines.forEach((text, index) => {
    for (const { name, pattern } of FORBIDDEN) {
      if (pattern.test(text)) found.push({ file: fileName, line: index + 1, name, text: text.trim() });
    }
  });
  return found;
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) files.push(path);
  }
  return files;
}

describe("determinism guard", () => {
  it("finds no wall time, timers or entropy in the code under test", () => {
    const files = GUARDED.flatMap((dir) => sourceFiles(join(ROOT, dir)));
    // A guard over no files would pass forever: make sure it is looking at the real tree.
    expect(files.length).toBeGreaterThan(20);
    expect(files.map((f) => relative(ROOT, f))).toContain(join("client-under-test", "replay-loop.ts"));
    const violations = files.flatMap((file) => findViolations(readFileSync(file, "utf8"), relative(ROOT, file)));
    const report = violations.map((v) => `${v.file}:${v.line}: ${v.name} in \`${v.text}\``);
    expect(report, `use the injected Clock, Random or Ids instead:\n${report.join("\n")}`).toEqual([]);
  });

  it("does flag the real adapters, which are the one place allowed to use them", () => {
    const file = join("real", "adapters.ts");
    const names = findViolations(readFileSync(join(ROOT, file), "utf8"), file).map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining(["Date.now", "setTimeout", "randomUUID"]));
  });

  describe("the scanner", () => {
    const source = [
      "// Date.now() in a line comment is fine",
      "/* Math.random() in a block comment is fine */",
      "/** JSDoc may mention setTimeout(fn, 10) */",
      "export function a(): number {",
      "  return Date.now();", // line 5
      "}",
      "const url = 'http://example.com'; const t = new Date();", // line 7: `//` in a string is not a comment
      "const re = /\\/\\//; const r = Math.random();", // line 8: `//` in a regex is not a comment
      "const tpl = `${1}//`; setInterval(() => {}, 5);", // line 9
      "const x = 1; /* performance.now() */ const y = performance . now();", // line 10
      "import { randomUUID } from 'node:crypto';", // line 11
      "const z = globalThis.setTimeout; // and setTimeout here too", // line 12
      "const mention = 'clock'; // new Date( in a trailing comment",
    ].join("\n");

    it("reports each violation in code with its line", () => {
      expect(findViolations(source, "synthetic.ts").map((v) => `${v.line}:${v.name}`)).toEqual([
        "5:Date.now",
        "7:new Date",
        "8:Math.random",
        "9:setInterval",
        "10:performance.now",
        "11:randomUUID",
        "12:setTimeout",
      ]);
    });

    it("blanks comments but keeps line numbers and code", () => {
      const stripped = stripComments(source);
      expect(stripped.split("\n")).toHaveLength(source.split("\n").length);
      expect(stripped).not.toMatch(/fine|JSDoc|trailing/);
      expect(stripped).toContain("'http://example.com'");
      expect(stripped).toContain("/\\/\\//");
    });

    it("passes clean code that only uses the injected ports", () => {
      const clean = "export const later = (clock: Clock) => clock.setTimer(5, () => clock.now());\nconst updated = 'dated';";
      expect(findViolations(clean, "clean.ts")).toEqual([]);
    });
  });
});
