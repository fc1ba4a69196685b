import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { parseFlags } from "../cli/args.ts";
import { COMMANDS } from "../cli/main.ts";
import { MUTANTS } from "../mutants/catalog.ts";
import { VARIANTS } from "../mutants/variants.ts";
import { CHECKERS } from "../sim/checkers/index.ts";
import { COVERAGE_CONDITIONS } from "../sim/coverage/conditions.ts";

// The README and docs/ say how many checkers, coverage conditions, mutants and
// seed designs there are, link to each other, and show commands to copy. This
// keeps all of that true against the code: every count written in words or
// digits ("nine checkers", "32 coverage conditions") must equal the code's,
// every relative link must lead to a file (and heading) that exists, every
// `replaysim` line in a shell block must parse with that command's own flags,
// every measured table must say which commit and machine it came from, and
// every section of docs/design.md that a code comment cites must exist.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const README_LINES_MAX = 250;

/** Every markdown file under `dir`, as paths relative to the root. */
function markdownUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...markdownUnder(path));
    else if (entry.name.endsWith(".md")) out.push(path);
  }
  return out.sort();
}

const DOCS = ["README.md", ...markdownUnder("docs")];
/** The mutant catalog states counts too; it is checked with the docs. */
const COUNTED = [...DOCS, "mutants/README.md"];
const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

/** The text outside fenced code blocks, line numbers kept (fenced lines are blanked). */
function prose(text: string): string {
  let fenced = false;
  return text
    .split("\n")
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return "";
      }
      return fenced ? "" : line;
    })
    .join("\n");
}

/** The fenced blocks of a markdown text, with their info string. */
function fencedBlocks(text: string): { lang: string; body: string }[] {
  return [...text.matchAll(/^\s*```([\w-]*)[^\n]*\n([\s\S]*?)^\s*```/gm)].map((m) => ({ lang: m[1] ?? "", body: m[2] ?? "" }));
}

// ---- counts -----------------------------------------------------------------

const UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/** "nine" → 9, "thirty-two" → 32, "1,000" → 1000; undefined if it is not a number. */
export function numberOf(word: string): number | undefined {
  const w = word.toLowerCase();
  if (/^\d[\d,]*$/.test(w)) return Number(w.replaceAll(",", ""));
  const unit = UNITS.indexOf(w);
  if (unit !== -1) return unit;
  const [tens, ones] = w.split(/[-\s]/);
  const t = TENS.indexOf(tens ?? "");
  if (t < 2) return undefined;
  if (ones === undefined) return t * 10;
  const o = UNITS.indexOf(ones);
  return o >= 1 && o <= 9 ? t * 10 + o : undefined;
}

const NUMBER = `\\d[\\d,]*|(?:${TENS.slice(2).join("|")})(?:[-\\s](?:${UNITS.slice(1, 10).join("|")}))?|${UNITS.join("|")}`;

/** What the docs count, and how many of each the code has. */
const KINDS = {
  checkers: { noun: "checkers?", actual: CHECKERS.length },
  "coverage conditions": { noun: "coverage[\\s-]+conditions?", actual: Object.keys(COVERAGE_CONDITIONS).length },
  mutants: { noun: "mutants?", actual: MUTANTS.length },
  "seed designs": { noun: "(?:seed[\\s-]+designs?|variants?)", actual: VARIANTS.length },
} as const;
type Kind = keyof typeof KINDS;

export interface CountClaim {
  file: string;
  line: number;
  phrase: string;
  kind: Kind;
  says: number;
}

/** Every "<number> <thing>" phrase in a text: words or digits, across line breaks, any case. */
export function countClaims(file: string, text: string): CountClaim[] {
  const claims: CountClaim[] = [];
  for (const [kind, { noun }] of Object.entries(KINDS) as [Kind, (typeof KINDS)[Kind]][]) {
    const re = new RegExp(`(?<![\\w-])(${NUMBER})\\s+${noun}(?![\\w-])`, "gi");
    for (const m of text.matchAll(re)) {
      const says = numberOf(m[1]!.replace(/\s+/, " "));
      if (says === undefined) continue;
      claims.push({ file, line: text.slice(0, m.index).split("\n").length, phrase: m[0].replace(/\s+/g, " "), kind, says });
    }
  }
  return claims;
}

const claims = COUNTED.flatMap((file) => countClaims(file, read(file)));

describe("the counts the docs state match the code", () => {
  test("the code's counts are what these docs were written against (update both together)", () => {
    // Not a pin on the code: if one of these moves, the docs must say so, and the test below says where.
    expect(Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [k, v.actual]))).toEqual({
      checkers: CHECKERS.length,
      "coverage conditions": Object.keys(COVERAGE_CONDITIONS).length,
      mutants: MUTANTS.length,
      "seed designs": VARIANTS.length,
    });
  });

  test("the phrase finder finds counts in words and digits, across line breaks, and nothing else", () => {
    const found = countClaims("x.md", "Seven checkers, then 32 coverage\nconditions, thirty-two Coverage Conditions, 26 mutants and both seed designs, two variants; 6 reader-side mutants; one mutant.").map((c) => [c.kind, c.says]);
    expect(found).toEqual([
      ["checkers", 7],
      ["coverage conditions", 32],
      ["coverage conditions", 32],
      ["mutants", 26],
      ["mutants", 1],
      ["seed designs", 2],
    ]);
    expect(numberOf("ninety-nine")).toBe(99);
    expect(numberOf("several")).toBeUndefined();
  });

  test("every count of checkers, coverage conditions, mutants and seed designs is the code's", () => {
    const wrong = claims.filter((c) => c.says !== KINDS[c.kind].actual).map((c) => `${c.file}:${c.line}: "${c.phrase}", but the code has ${KINDS[c.kind].actual} ${c.kind}`);
    expect(wrong).toEqual([]);
  });

  test("the README and the docs do state each count (a check with nothing to check would pass anyway)", () => {
    const stated = (file: string) => new Set(claims.filter((c) => c.file === file).map((c) => c.kind));
    expect([...stated("README.md")].sort()).toEqual(["checkers", "coverage conditions", "mutants", "seed designs"]);
    expect(stated("docs/simulator.md")).toEqual(new Set(["checkers", "coverage conditions"]));
    expect(stated("docs/design.md")).toEqual(new Set(["checkers", "coverage conditions"]));
  });

  test("docs/simulator.md names every checker and every coverage condition, as the code spells them", () => {
    const text = read("docs/simulator.md");
    expect(CHECKERS.filter((name) => !text.includes(`\`${name}\``))).toEqual([]);
    expect(Object.keys(COVERAGE_CONDITIONS).filter((name) => !text.includes(`\`${name}\``))).toEqual([]);
    // ... and no condition the code does not have.
    const listed = [...text.slice(text.indexOf("## Coverage conditions")).matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.keys(COVERAGE_CONDITIONS).sort());
  });

  test("mutants/README.md's catalog has a row for every mutant and seed design", () => {
    const text = read("mutants/README.md");
    expect([...MUTANTS, ...VARIANTS].map((m) => m.name).filter((name) => !text.includes(`| \`${name}\``))).toEqual([]);
  });
});

// ---- links ------------------------------------------------------------------

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a markdown file offers, duplicates numbered as GitHub does. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

interface Link {
  file: string;
  line: number;
  target: string;
}

function linksIn(file: string): Link[] {
  const text = prose(read(file)).replace(/`[^`\n]*`/g, (code) => " ".repeat(code.length));
  return [...text.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => ({ file, line: text.slice(0, m.index).split("\n").length, target: m[1]! }));
}

/** Why a relative link is broken, or null when it leads somewhere. */
function brokenLink(link: Link): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) return null; // https:, mailto: ...
  const [path = "", anchor] = link.target.split("#");
  const to = path === "" ? join(ROOT, link.file) : resolve(dirname(join(ROOT, link.file)), decodeURIComponent(path));
  if (!to.startsWith(ROOT)) return `${link.target} leaves the repository`;
  if (!existsSync(to)) return `${relative(ROOT, to)} does not exist`;
  if (anchor === undefined || anchor === "") return null;
  if (!statSync(to).isFile() || !to.endsWith(".md")) return `#${anchor} on a file that is not markdown`;
  return anchorsOf(readFileSync(to, "utf8")).has(anchor) ? null : `${relative(ROOT, to)} has no heading #${anchor}`;
}

describe("links in the README and docs/", () => {
  const links = DOCS.flatMap(linksIn);

  test("the README is short", () => {
    expect(read("README.md").split("\n").length).toBeLessThanOrEqual(README_LINES_MAX);
  });

  test("the README and docs/ do link to each other (the checker has something to check)", () => {
    expect(links.filter((l) => l.file === "README.md" && l.target.startsWith("docs/")).length).toBeGreaterThan(5);
  });

  test("every relative link leads to a file, and every #anchor to a heading, that exists", () => {
    const broken = links.map((l) => [l, brokenLink(l)] as const).filter(([, why]) => why !== null).map(([l, why]) => `${l.file}:${l.line}: (${l.target}) ${why}`);
    expect(broken).toEqual([]);
  });

  test("the link checker catches a missing file and a missing heading", () => {
    expect(brokenLink({ file: "README.md", line: 1, target: "docs/no-such-page.md" })).toMatch(/does not exist/);
    expect(brokenLink({ file: "README.md", line: 1, target: "docs/cli.md#no-such-heading" })).toMatch(/no heading/);
    expect(brokenLink({ file: "docs/README.md", line: 1, target: "cli.md#replaysim-run-one-scenario" })).toBeNull();
    expect(slug("`npm run bench:sim`: what the simulator costs")).toBe("npm-run-benchsim-what-the-simulator-costs");
  });
});

// ---- commands ---------------------------------------------------------------

interface Shown {
  file: string;
  line: string;
  argv: string[];
}

/** A shell line's words: a quoted argument (a --server-cmd) is one word. */
function shellWords(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Every replaysim invocation in a shell block: `npx replaysim`, `node cli/replaysim.js`, `npm run replaysim --`. */
function replaysimLines(file: string): Shown[] {
  const out: Shown[] = [];
  for (const block of fencedBlocks(read(file)).filter((b) => b.lang === "sh")) {
    for (const raw of block.body.split("\n")) {
      const line = raw.replace(/\s+#.*$/, "").trim();
      const m = /^(?:npx replaysim|node cli\/replaysim\.js|npm run(?: -s)? replaysim --|replaysim)(?:\s+(.*))?$/.exec(line);
      if (m) out.push({ file, line, argv: shellWords(m[1] ?? "") });
    }
  }
  return out;
}

/** What is wrong with a command line as the docs show it, or null. */
async function badCommand(shown: Shown): Promise<string | null> {
  const [name, ...args] = shown.argv;
  if (name === undefined || name === "--help") return null;
  const entry = COMMANDS.find((c) => c.name === name);
  if (!entry) return `no command '${name}'`;
  if (args.includes("--help")) return null;
  const spec = (await entry.load()).spec;
  let flags;
  try {
    flags = parseFlags(spec, args);
  } catch (error) {
    return (error as Error).message;
  }
  const names = new Set([...MUTANTS, ...VARIANTS].map((m) => m.name));
  for (const key of ["mutant", "variant", "only"]) {
    const value = flags[key];
    if (typeof value !== "string") continue;
    const unknown = value.split(",").filter((n) => !names.has(n));
    if (unknown.length > 0) return `--${key} names no mutant or variant: ${unknown.join(", ")}`;
  }
  // Scenario files the repository holds must be there (outputs such as reports/out/... are not).
  for (const arg of args.filter((a) => a.startsWith("scenarios/") && a.endsWith(".json"))) {
    const dir = join(ROOT, dirname(arg));
    const pattern = new RegExp(`^${arg.slice(arg.lastIndexOf("/") + 1).replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`);
    if (!existsSync(dir) || !readdirSync(dir).some((f) => pattern.test(f))) return `${arg} matches no file`;
  }
  return null;
}

describe("commands the README and docs/ show", () => {
  const shown = DOCS.flatMap(replaysimLines);
  const scripts = Object.keys((JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts);

  test("there are some (the checker has something to check)", () => {
    expect(shown.filter((s) => s.file === "README.md").length).toBeGreaterThan(3);
    expect(new Set(shown.map((s) => s.argv[0]))).toEqual(new Set(["--help", ...COMMANDS.map((c) => c.name)]));
  });

  test("every replaysim line names a command and flags it takes, with valid values", async () => {
    const bad: string[] = [];
    for (const s of shown) {
      const why = await badCommand(s);
      if (why !== null) bad.push(`${s.file}: ${s.line}: ${why}`);
    }
    expect(bad).toEqual([]);
  });

  test("the command checker catches an unknown command, flag, value and mutant", async () => {
    const check = (line: string) => badCommand({ file: "x", line, argv: line.split(" ") });
    expect(await check("runn --seed 7")).toMatch(/no command/);
    expect(await check("run --seeds 7")).toMatch(/unknown flag --seeds/);
    expect(await check("run --transport carrier-pigeon")).toMatch(/must be one of/);
    expect(await check("explore --mutant no-such-bug")).toMatch(/no mutant/);
    expect(await check("run --scenario scenarios/no-such-file.json")).toMatch(/matches no file/);
    expect(await check("run --scenario scenarios/viewer-*.json")).toBeNull();
  });

  test("every npm script a shell block runs exists, and the test command is npm test", () => {
    const missing: string[] = [];
    for (const file of DOCS) {
      for (const block of fencedBlocks(read(file)).filter((b) => b.lang === "sh")) {
        for (const m of block.body.matchAll(/npm run(?: -s)? ([\w:-]+)/g)) if (!scripts.includes(m[1]!)) missing.push(`${file}: npm run ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
    // .ci/run runs `npm ci` then `npm test`, "the README's test command".
    expect(fencedBlocks(read("README.md")).some((b) => b.lang === "sh" && /^npm test$/m.test(b.body))).toBe(true);
  });
});

// ---- measured results and the design the code cites --------------------------

describe("docs/results/ and docs/design.md", () => {
  const results = DOCS.filter((f) => f.startsWith("docs/results/") && !f.endsWith("/README.md"));

  test("every results page starts with the commit and the machine its figures came from", () => {
    expect(results.length).toBeGreaterThanOrEqual(6);
    const unstamped = results.filter((f) => {
      const top = read(f).split("\n").slice(0, 12).join("\n");
      return !/^- \*\*Commit:\*\* .*`[0-9a-f]{7,40}`/m.test(top) || !/^- \*\*Machine:\*\* \S/m.test(top);
    });
    expect(unstamped).toEqual([]);
  });

  test("every section and determinism rule of the design that a code comment cites exists in docs/design.md", () => {
    const design = read("docs/design.md");
    const headings = new Set([...prose(design).matchAll(/^#{2,6}\s+(.+?)\s*$/gm)].map((m) => m[1]!));
    const anchors = anchorsOf(design);
    const rulesText = design.slice(design.indexOf("## Determinism rules"), design.indexOf("\n## ", design.indexOf("## Determinism rules") + 1));
    const rules = new Set([...rulesText.matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1])));
    const citations: string[] = [];
    const missing: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!["node_modules", "dist", "scratch", ".git"].includes(entry.name)) walk(path);
          continue;
        }
        if (!/\.(ts|mjs|js)$/.test(entry.name)) continue;
        // Comments wrap: join a comment's lines before looking for "design.md ... rule 3".
        const text = read(path).replace(/\n\s*(?:\/\/|\*)\s*/g, " ");
        for (const m of text.matchAll(/(?:DESIGN|docs\/design)\.md(?:#([\w-]+)|,?\s+(?:"([^"]+)"|rules? (\d+)))/g)) {
          citations.push(path);
          if (m[1] !== undefined && !anchors.has(m[1])) missing.push(`${path}: #${m[1]}`);
          if (m[2] !== undefined && !headings.has(m[2])) missing.push(`${path}: section "${m[2]}"`);
          if (m[3] !== undefined && !rules.has(Number(m[3]))) missing.push(`${path}: rule ${m[3]}`);
        }
      }
    };
    walk("");
    expect(citations.length).toBeGreaterThan(10);
    expect(rules).toEqual(new Set([1, 2, 3, 4, 5]));
    expect(missing).toEqual([]);
  });
});
