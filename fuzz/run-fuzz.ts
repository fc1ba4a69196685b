import fc from "fast-check";
import { ERROR_CODES } from "../protocol/errors.ts";
import { caseArbitrary, ENTRY_POINTS, reproOf, type EntryPoint, type FuzzCase } from "./cases.ts";
import { openTarget, type Target } from "./target.ts";

// Runs fuzz cases against every entry point and checks, after every case:
// - the server never crashes (no 5xx, nothing thrown) and never hangs;
// - every refusal carries a code: a 4xx with `{error: {code}}`, or a capnweb
//   reject or abort whose error has a `code`;
// - a refused call changes nothing: the server's tables hash the same before
//   and after;
// - no answer reveals a stack trace, a file path or a secret.
// The first failing case of an entry point is shrunk by fast-check to a
// minimal one and printed as a command that replays it.

/** A case that takes longer than this is a hang. */
export const CASE_TIMEOUT_MS = 5_000;
const KNOWN_CODES = new Set<string>(ERROR_CODES);
const LEAK = /\n\s+at |\bat [^\n]*\((?:file:|\/)|\.(?:ts|js|mjs):\d+|node_modules|\/work\/|\/home\/|\/root\//;

export type Property = "crash" | "hang" | "refusal_without_code" | "state_change" | "leak";

export interface EntryCounts {
  cases: number;
  accepted: number;
  refused: number;
  crashes: number;
  hangs: number;
  state_changes: number;
  refusals_without_code: number;
  leaks: number;
}

export interface FuzzFailure {
  entry: EntryPoint;
  property: Property;
  detail: string;
  repro: string;
}

export interface FuzzResult {
  seed: number;
  counts: Record<EntryPoint, EntryCounts>;
  failures: FuzzFailure[];
  wall_ms: number;
}

interface Verdict {
  accepted: boolean;
  problems: { property: Property; detail: string }[];
}

function capnwebMessages(text: string): unknown[][] {
  const out: unknown[][] = [];
  for (const line of text.split("\n")) {
    try {
      const value = JSON.parse(line) as unknown;
      if (Array.isArray(value)) out.push(value);
    } catch {
      // not a capnweb message: judged by the caller
    }
  }
  return out;
}

/** capnweb answers: refusals (reject, abort) must carry a known code; any resolve means something was accepted. */
function judgeCapnweb(text: string, problems: Verdict["problems"]): boolean {
  let accepted = false;
  for (const m of capnwebMessages(text)) {
    if (m[0] === "resolve") accepted = true;
    if (m[0] !== "reject" && m[0] !== "abort") continue;
    const code = /"code":"([a-z_]+)"/.exec(JSON.stringify(m))?.[1];
    if (code === undefined || !KNOWN_CODES.has(code)) problems.push({ property: "refusal_without_code", detail: `capnweb ${m[0]} without a protocol code: ${JSON.stringify(m).slice(0, 300)}` });
  }
  return accepted;
}

async function runCase(target: Target, c: FuzzCase): Promise<Verdict> {
  const problems: Verdict["problems"] = [];
  const before = target.state();
  let text: string;
  let accepted: boolean;
  try {
    if (c.entry === "websocket") {
      text = (await target.frames(c.frames)).join("\n");
      accepted = judgeCapnweb(text, problems);
    } else {
      const reply = await target.http(c.method, c.path, c.body);
      text = reply.text;
      if (reply.status >= 500) problems.push({ property: "crash", detail: `HTTP ${reply.status}: ${text.slice(0, 300)}` });
      if (reply.status >= 400) {
        accepted = false;
        let code: unknown;
        try {
          code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
        } catch {
          code = undefined;
        }
        if (typeof code !== "string" || !KNOWN_CODES.has(code)) problems.push({ property: "refusal_without_code", detail: `HTTP ${reply.status} without a protocol code: ${text.slice(0, 300)}` });
        else if (reply.status < 400 || reply.status > 499) problems.push({ property: "crash", detail: `a refusal with status ${reply.status}` });
      } else {
        accepted = c.entry === "rpc-batch" ? judgeCapnweb(text, problems) : true;
      }
    }
  } catch (error) {
    return { accepted: false, problems: [{ property: "crash", detail: `threw: ${String((error as Error)?.message ?? error).slice(0, 300)}` }] };
  }
  if (LEAK.test(text)) problems.push({ property: "leak", detail: `the answer reveals a stack or a path: ${text.slice(0, 300)}` });
  for (const secret of target.secrets) if (text.includes(secret)) problems.push({ property: "leak", detail: "the answer reveals a secret or a token" });
  if (!accepted && target.state() !== before) problems.push({ property: "state_change", detail: "a refused call changed the server's tables" });
  return { accepted, problems };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), ms)))]).finally(() => clearTimeout(timer));
}

function emptyCounts(): EntryCounts {
  return { cases: 0, accepted: 0, refused: 0, crashes: 0, hangs: 0, state_changes: 0, refusals_without_code: 0, leaks: 0 };
}

const COUNTER: Record<Property, keyof EntryCounts> = { crash: "crashes", hang: "hangs", refusal_without_code: "refusals_without_code", state_change: "state_changes", leak: "leaks" };

export interface FuzzOptions {
  cases: number;
  seed: number;
  entries?: readonly EntryPoint[];
  onProgress?: (done: number, total: number) => void;
}

/** Runs `cases` cases, split evenly over the entry points, from one seed: the same seed, the same cases. */
export async function fuzz(options: FuzzOptions): Promise<FuzzResult> {
  const started = performance.now();
  const entries = options.entries ?? ENTRY_POINTS;
  const counts = Object.fromEntries(ENTRY_POINTS.map((e) => [e, emptyCounts()])) as Record<EntryPoint, EntryCounts>;
  const failures: FuzzFailure[] = [];
  let done = 0;
  for (const [i, entry] of entries.entries()) {
    const numRuns = Math.floor(options.cases / entries.length) + (i < options.cases % entries.length ? 1 : 0);
    if (numRuns === 0) continue;
    let target = await openTarget(options.seed);
    let shrinking = false;
    const property = fc.asyncProperty(caseArbitrary(entry, target.share), async (c) => {
      // An accepted call may change the target (a new share, a deletion): start the next case from a fresh one.
      const verdict = await withTimeout(runCase(target, c), CASE_TIMEOUT_MS);
      const result: Verdict = verdict === "timeout" ? { accepted: false, problems: [{ property: "hang", detail: `no answer within ${CASE_TIMEOUT_MS} ms` }] } : verdict;
      if (!shrinking) {
        const n = counts[entry];
        n.cases++;
        if (result.accepted) n.accepted++;
        else n.refused++;
        for (const p of result.problems) n[COUNTER[p.property]]++;
        options.onProgress?.(++done, options.cases);
      }
      if (result.accepted || result.problems.length > 0) {
        target.close();
        target = await openTarget(options.seed);
      }
      if (result.problems.length > 0) shrinking = true;
      return result.problems.length === 0;
    });
    const report = await fc.check(property, { seed: options.seed + i, numRuns, endOnFailure: false });
    if (report.failed && report.counterexample) {
      const [c] = report.counterexample;
      const again = await runCase(target, c);
      const first = again.problems[0] ?? { property: "crash" as const, detail: report.errorInstance ? String(report.errorInstance) : "failed" };
      failures.push({ entry, property: first.property, detail: first.detail, repro: reproOf(c) });
      // The cases fast-check skipped after the failure still count as not run.
    }
    target.close();
  }
  return { seed: options.seed, counts, failures, wall_ms: Math.round(performance.now() - started) };
}
