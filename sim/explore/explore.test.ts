import { describe, expect, test } from "vitest";
import { main } from "../../cli/main.ts";
import type { Io } from "../../cli/command.ts";
import { generateScenario } from "../scenario/generate.ts";
import { runScenario } from "../run-scenario.ts";
import { explore, seedsOf } from "./explore.ts";
import { noLarger, scenarioSize } from "./size.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), tty: false };
}

describe("shards", () => {
  test("k/n slices are disjoint and together cover the range exactly once", () => {
    const all = [...seedsOf(10, 23, undefined)];
    const a = [...seedsOf(10, 23, { k: 1, n: 2 })];
    const b = [...seedsOf(10, 23, { k: 2, n: 2 })];
    expect(a.filter((s) => b.includes(s))).toEqual([]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(all);
    const thirds = [1, 2, 3].flatMap((k) => [...seedsOf(10, 23, { k, n: 3 })]);
    expect(thirds.sort((x, y) => x - y)).toEqual(all);
  });

  test("explore runs exactly its shard's seeds", async () => {
    const half = await explore({ from: 1, seeds: 6, shard: { k: 2, n: 2 }, profile: "calm", workers: 1, ops_max: 10 });
    expect(half.outcomes.map((o) => o.seed)).toEqual([2, 4, 6]);
  });
});

describe("run --seed replays what explore ran as that seed", () => {
  test.each(["websocket", "http-batch", "rest"] as const)("%s", async (transport) => {
    const explored = await explore({ from: 31, seeds: 2, transport, profile: "flaky", workers: 1 });
    for (const outcome of explored.outcomes) {
      const io = captureIo();
      const code = await main(["run", "--seed", String(outcome.seed), "--transport", transport, "--profile", "flaky", "--json"], io);
      expect(code).toBe(outcome.verdict === "pass" ? 0 : 1);
      expect(JSON.parse(io.stdout[0]!).trace_hash).toBe(outcome.trace_hash);
    }
  });
});

describe("shrinking, against a server that skips the duplicate check", () => {
  test("finds a failure, shrinks it on every axis, keeps the checker, and its repro command reproduces it", async () => {
    const out = mkdtempSync(join(tmpdir(), "replaysim-shrink-"));
    const io = captureIo();
    const code = await main(["explore", "--seeds", "2", "--from", "1", "--transport", "http-batch", "--mutant", "no-dedupe", "--workers", "1", "--json", "--out", out], io);
    expect(code).toBe(1);
    const report = JSON.parse(io.stdout[0]!);
    expect(report.failures.length).toBeGreaterThan(0);
    const failure = report.failures[0];
    expect(failure.seed).toBe(1);
    const original = generateScenario(1, { profile: "swarm", transport: "http-batch", mutant: "no-dedupe" });
    const before = scenarioSize(original);
    expect(failure.shrunk.size_before).toEqual(before);
    const after = failure.shrunk.size_after;
    expect(noLarger(after, before)).toBe(true);
    expect(JSON.stringify(after)).not.toBe(JSON.stringify(before));
    // The original run failed with this checker too.
    expect((await runScenario(original)).violations.some((v) => v.checker === failure.checker)).toBe(true);
    // The printed command, run as printed, fails with the same checker.
    expect(failure.repro).toMatch(/^replaysim run --scenario \S+\.json$/);
    const replay = captureIo();
    const replayCode = await main([...failure.repro.split(" ").slice(1), "--json"], replay);
    expect(replayCode).toBe(1);
    expect(JSON.parse(replay.stdout[0]!).violations.map((v: { checker: string }) => v.checker)).toContain(failure.checker);
  }, 240_000);
});
