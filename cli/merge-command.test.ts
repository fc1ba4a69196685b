import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { SHARD_FLAGS, writeShard, writeShards } from "../reports/shard-fixture.ts";
import type { Io } from "./command.ts";
import { shardFromEnv } from "./commands/explore.ts";
import { main } from "./main.ts";
import { replaysimWithEnv } from "./spawn-cli.ts";

function captureIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l), tty: false };
}

describe("replaysim merge", () => {
  let root: string;
  let shards: string[];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "replaysim-merge-"));
    shards = await writeShards(root);
  }, 120_000);

  test("merges two shards: seeds in order, the same failures with their files, exit 1 because a shard failed", async () => {
    const out = join(root, "merged");
    const io = captureIo();
    const code = await main(["merge", ...shards, "--out", out, "--json"], io);
    expect(code).toBe(1);
    const summary = JSON.parse(io.stdout[0]!);
    expect(summary).toEqual(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")));
    expect(summary.outcomes.map((o: { seed: number }) => o.seed)).toEqual([9, 10, 11, 12]);
    expect(summary.seeds_run).toBe(4);
    const parts = shards.map((d) => JSON.parse(readFileSync(join(d, "summary.json"), "utf8")));
    const failures = parts.flatMap((p) => p.failures).sort((a, b) => a.seed - b.seed);
    expect(failures.length).toBeGreaterThan(0);
    expect(summary.failures.map((f: { seed: number; message: string }) => [f.seed, f.message])).toEqual(failures.map((f) => [f.seed, f.message]));
    for (const f of summary.failures) {
      expect(f.scenario_file).toMatch(/merged\/failures\/seed-\d+-http-batch-[a-z-]+\.json$/);
      expect(f.repro).toBe(`replaysim run --scenario ${f.scenario_file}`);
      expect(existsSync(join(out, f.files.scenario))).toBe(true);
      // Only shrunk failures (the first of each checker and anomaly) were replayed for a timeline.
      if (f.shrunk === null) continue;
      const page = readFileSync(join(out, f.files.timeline), "utf8");
      expect(page).toContain(`<code id="repro">${f.repro}</code>`);
    }
    expect(summary.failures.some((f: { files: { timeline: string | null } }) => f.files.timeline !== null)).toBe(true);
    expect(readFileSync(join(out, "junit.xml"), "utf8")).toMatch(new RegExp(`<testsuite name="[^"]+" tests="4" failures="${failures.length}"`));
    expect(readFileSync(join(out, "report.html"), "utf8")).toContain(`href="${summary.failures[0].files.timeline}"`);
    // Figures with their own rule: coverage summed, efficiency computed again from every run, nothing left unmerged.
    expect(summary.unmerged).toBeUndefined();
    expect(Object.values(summary.coverage as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(
      parts.reduce((n, p) => n + Object.values(p.coverage as Record<string, number>).reduce((a: number, b: number) => a + b, 0), 0),
    );
    expect(Object.keys(summary.efficiency)).toEqual(["http-batch"]);
    expect(summary.efficiency["http-batch"].runs).toBe(4);
  }, 60_000);

  test("a directory that is not an explore output is bad input: exit 2, named, nothing written", async () => {
    const empty = join(root, "empty");
    mkdirSync(empty, { recursive: true });
    const out = join(root, "not-written");
    const io = captureIo();
    expect(await main(["merge", shards[0]!, empty, "--out", out], io)).toBe(2);
    expect(io.stderr.join("\n")).toContain(`${empty} is not an explore output: it has no summary.json`);
    expect(existsSync(out)).toBe(false);
    const junk = join(root, "junk");
    mkdirSync(junk, { recursive: true });
    writeFileSync(join(junk, "summary.json"), "{ not json");
    const io2 = captureIo();
    expect(await main(["merge", junk, "--out", out], io2)).toBe(2);
    expect(io2.stderr.join("\n")).toContain(`${junk}/summary.json is not valid JSON`);
  });

  test("shards of different flags are bad input naming the directories and the flag", async () => {
    const other = join(root, "other-ops");
    await writeShard(other, 2, { ...SHARD_FLAGS, ops_max: 10 });
    const io = captureIo();
    expect(await main(["merge", shards[0]!, other, "--out", join(root, "m2")], io)).toBe(2);
    expect(io.stderr.join("\n")).toMatch(new RegExp(`flag 'ops_max' differs \\(${shards[0]} has 80, ${other} has 10\\)`));
  }, 60_000);

  test("no directory, or --out one of the shards, is a usage error", async () => {
    const io = captureIo();
    expect(await main(["merge", "--out", join(root, "x")], io)).toBe(2);
    expect(io.stderr.join("\n")).toMatch(/give at least 1 DIR argument/);
    const io2 = captureIo();
    expect(await main(["merge", ...shards, "--out", shards[1]!], io2)).toBe(2);
    expect(io2.stderr.join("\n")).toMatch(/is one of the shards being merged/);
  });
});

describe("the shard from the environment", () => {
  test.each([
    [{ REPLAYSIM_SHARD: "2/4" }, { k: 2, n: 4 }],
    [{ JOB_COMPLETION_INDEX: "0", REPLAYSIM_SHARDS: "3" }, { k: 1, n: 3 }],
    [{ JOB_COMPLETION_INDEX: "2", REPLAYSIM_SHARDS: "3" }, { k: 3, n: 3 }],
    // REPLAYSIM_SHARD wins over an index.
    [{ REPLAYSIM_SHARD: "1/2", JOB_COMPLETION_INDEX: "1", REPLAYSIM_SHARDS: "2" }, { k: 1, n: 2 }],
    // An Indexed Job that does not ask for sharding is not sharded.
    [{ JOB_COMPLETION_INDEX: "4" }, undefined],
    [{}, undefined],
  ])("%j gives %j", (env, shard) => {
    expect(shardFromEnv(env)).toEqual(shard);
  });

  test.each([
    [{ REPLAYSIM_SHARD: "3/2" }, /REPLAYSIM_SHARD expects k\/n/],
    [{ REPLAYSIM_SHARD: "half" }, /REPLAYSIM_SHARD expects k\/n/],
    [{ REPLAYSIM_SHARDS: "two", JOB_COMPLETION_INDEX: "0" }, /REPLAYSIM_SHARDS expects a whole number/],
    [{ REPLAYSIM_SHARDS: "2" }, /REPLAYSIM_SHARDS is set but JOB_COMPLETION_INDEX is not/],
    [{ REPLAYSIM_SHARDS: "2", JOB_COMPLETION_INDEX: "2" }, /JOB_COMPLETION_INDEX expects 0..1/],
    [{ REPLAYSIM_SHARDS: "2", JOB_COMPLETION_INDEX: "-1" }, /JOB_COMPLETION_INDEX expects 0..1/],
  ])("%j is bad input naming the variable", (env, message) => {
    expect(() => shardFromEnv(env)).toThrow(message);
  });

  test("explore takes its shard from REPLAYSIM_SHARD, the flag wins, and a bad value exits 2", async () => {
    const out = () => mkdtempSync(join(tmpdir(), "replaysim-envshard-"));
    const args = ["explore", "--seeds", "4", "--profile", "calm", "--ops-max", "3", "--workers", "1", "--json"];
    const clean = { REPLAYSIM_SHARDS: undefined, JOB_COMPLETION_INDEX: undefined };
    const [fromEnv, flagWins, indexed, bad] = await Promise.all([
      replaysimWithEnv({ ...clean, REPLAYSIM_SHARD: "2/2" }, ...args, "--out", out()),
      replaysimWithEnv({ ...clean, REPLAYSIM_SHARD: "2/2" }, ...args, "--shard", "1/2", "--out", out()),
      replaysimWithEnv({ REPLAYSIM_SHARD: undefined, JOB_COMPLETION_INDEX: "1", REPLAYSIM_SHARDS: "2" }, ...args, "--out", out()),
      replaysimWithEnv({ ...clean, REPLAYSIM_SHARD: "0/2" }, ...args, "--out", out()),
    ]);
    const seeds = (r: { stdout: string }) => JSON.parse(r.stdout).outcomes.map((o: { seed: number }) => o.seed);
    expect(seeds(fromEnv)).toEqual([2, 4]);
    expect(JSON.parse(fromEnv.stdout).shard).toBe("2/2");
    expect(seeds(flagWins)).toEqual([1, 3]);
    expect(seeds(indexed)).toEqual([2, 4]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/REPLAYSIM_SHARD expects k\/n/);
  }, 60_000);
});
