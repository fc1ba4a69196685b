import { describe, expect, test } from "vitest";
import { SUMMARY_FORMAT, type ExploreSummary, type FailureRecord, type OutcomeRecord } from "./explore-summary.ts";
import { asShardSummary, MergeError, mergeSummaries, sumCounts, type ShardInput } from "./merge.ts";

const outcome = (seed: number, verdict: "pass" | "fail" = "pass", checkers: string[] = []): OutcomeRecord => ({ seed, transport: "rest", verdict, checkers, trace_hash: `h${seed}`, wall_ms: 10 });

const failure = (dir: string, seed: number): FailureRecord => ({
  seed,
  transport: "rest",
  checker: "exactly-once",
  anomaly: "duplicated",
  message: `seed ${seed} duplicated`,
  witness: { seq: 1 },
  shrunk: null,
  scenario_file: `${dir}/failures/seed-${seed}-rest-exactly-once.json`,
  repro_seed: `replaysim run --seed ${seed}`,
  repro: `replaysim run --scenario ${dir}/failures/seed-${seed}-rest-exactly-once.json`,
  files: { scenario: `failures/seed-${seed}-rest-exactly-once.json`, timeline: `failures/seed-${seed}-rest-exactly-once.html` },
});

function shard(dir: string, k: number, n: number, outcomes: OutcomeRecord[], extra: Partial<ExploreSummary> = {}): ShardInput {
  const failures = outcomes.filter((o) => o.verdict === "fail").map((o) => failure(dir, o.seed));
  return {
    dir,
    summary: {
      format: SUMMARY_FORMAT,
      title: `replaysim explore swarm shard ${k}/${n}`,
      seeds_run: outcomes.length,
      runs: outcomes.length,
      from: 1,
      transport: "drawn",
      profile: "swarm",
      workers: 2,
      shard: `${k}/${n}`,
      mutant: null,
      variant: "reference",
      failures,
      verdicts: {},
      faults: { crash: k, ws_cut: 1 },
      wall_ms: 1000 * k,
      seeds_per_s: 1,
      flags: { from: 1, seeds: 6, time_ms: null, transport: "drawn", profile: "swarm", mutant: null, variant: "reference", ops_max: 300, shards: n, run_timeout_ms: 10_000, check_determinism: false, fail_fast: false, shrink: true },
      outcomes,
      ...extra,
    },
  };
}

const place = (relative: string) => `M/${relative}`;

describe("merging shard summaries", () => {
  test("seeds in order, failures kept with their files moved under the merged directory, counts summed", () => {
    const a = shard("A", 1, 2, [outcome(1), outcome(3, "fail", ["exactly-once", "order"]), outcome(5)]);
    const b = shard("B", 2, 2, [outcome(2, "fail", ["exactly-once"]), outcome(4), outcome(6)]);
    const { summary, copies, warnings } = mergeSummaries([b, a], place);
    expect(warnings).toEqual([]);
    expect(summary.outcomes.map((o) => o.seed)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(summary.seeds_run).toBe(6);
    expect(summary.runs).toBe(6);
    expect(summary.verdicts).toEqual({ "exactly-once": 2, order: 1 });
    expect(summary.faults).toEqual({ crash: 3, ws_cut: 2 });
    expect(summary.shard).toBeNull();
    expect(summary.wall_ms).toBe(2000);
    expect(summary.failures.map((f) => [f.seed, f.scenario_file, f.repro, f.files.timeline])).toEqual([
      [2, "M/failures/seed-2-rest-exactly-once.json", "replaysim run --scenario M/failures/seed-2-rest-exactly-once.json", "failures/seed-2-rest-exactly-once.html"],
      [3, "M/failures/seed-3-rest-exactly-once.json", "replaysim run --scenario M/failures/seed-3-rest-exactly-once.json", "failures/seed-3-rest-exactly-once.html"],
    ]);
    expect(copies).toContainEqual({ dir: "A", from: "failures/seed-3-rest-exactly-once.json", to: "failures/seed-3-rest-exactly-once.json" });
    // The timeline's own repro command is rewritten to the copied scenario.
    expect(copies).toContainEqual({
      dir: "B",
      from: "failures/seed-2-rest-exactly-once.html",
      to: "failures/seed-2-rest-exactly-once.html",
      repro: { old: "replaysim run --scenario B/failures/seed-2-rest-exactly-once.json", new: "replaysim run --scenario M/failures/seed-2-rest-exactly-once.json" },
    });
    expect(summary.merged_from).toEqual([
      { dir: "A", shard: "1/2", seeds_run: 3, runs: 3, failures: 1, wall_ms: 1000 },
      { dir: "B", shard: "2/2", seeds_run: 3, runs: 3, failures: 1, wall_ms: 2000 },
    ]);
  });

  test.each([
    ["profile", { profile: "chaos" }],
    ["mutant", { mutant: "no-dedupe" }],
    ["ops_max", { ops_max: 20 }],
    ["seeds", { seeds: 60 }],
    ["shards", { shards: 3 }],
    ["from", { from: 7 }],
  ])("shards whose flag %s differs are bad input, naming both directories", (flag, change) => {
    const a = shard("A", 1, 2, [outcome(1)]);
    const b = shard("B", 2, 2, [outcome(2)]);
    b.summary.flags = { ...b.summary.flags, ...change };
    const attempt = () => mergeSummaries([a, b], place);
    expect(attempt).toThrow(MergeError);
    expect(attempt).toThrow(new RegExp(`flag '${flag}' differs \\(A has .*, B has .*\\)`));
  });

  test("the same shard twice, or two shards that ran one seed, are bad input", () => {
    expect(() => mergeSummaries([shard("A", 1, 2, [outcome(1)]), shard("A2", 1, 2, [outcome(3)])], place)).toThrow(/the same shard twice: A and A2 are both shard 1\/2/);
    expect(() => mergeSummaries([shard("A", 1, 2, [outcome(1)]), shard("B", 2, 2, [outcome(1)])], place)).toThrow(/overlapping shards: A and B both ran seed 1 on rest/);
  });

  test("a missing shard is merged with a warning", () => {
    const { summary, warnings } = mergeSummaries([shard("A", 1, 3, [outcome(1)]), shard("C", 3, 3, [outcome(3)])], place);
    expect(summary.seeds_run).toBe(2);
    expect(warnings).toEqual(["shard 2/3 not given: the merged report covers only part of the seed range"]);
  });

  test("fields of a later version: count objects are summed, agreed values kept, anything else kept per shard", () => {
    const a = shard("A", 1, 2, [outcome(1)], { coverage: { "reply lost after apply/rest": 2, "crash point/server.before_commit": 1 }, note: "same", latency_profile: { seeds_per_core_s: 1.5 } });
    const b = shard("B", 2, 2, [outcome(2)], { coverage: { "reply lost after apply/rest": 3, "late duplicate": 1 }, note: "same", latency_profile: { seeds_per_core_s: 2.5 } });
    const { summary, warnings } = mergeSummaries([a, b], place);
    expect(summary.coverage).toEqual({ "crash point/server.before_commit": 1, "late duplicate": 1, "reply lost after apply/rest": 5 });
    expect(summary.note).toBe("same");
    expect(summary.latency_profile).toBeUndefined();
    expect(summary.unmerged).toEqual({ latency_profile: { A: { seeds_per_core_s: 1.5 }, B: { seeds_per_core_s: 2.5 } } });
    expect(warnings).toEqual([expect.stringMatching(/field 'latency_profile' differs between shards and has no merge rule/)]);
  });

  test("sumCounts adds nested count objects key by key", () => {
    expect(sumCounts([{ a: 1, b: { x: 1 } }, { a: 2, b: { x: 2, y: 1 }, c: 4 }])).toEqual({ a: 3, b: { x: 3, y: 1 }, c: 4 });
  });
});

describe("what counts as an explore summary", () => {
  test.each([
    [[], /not an explore summary \(not a JSON object\)/],
    [{ hello: 1 }, /not an explore summary \(format null/],
    [{ seeds_run: 3, failures: [] }, /has no per-seed outcomes \(written by an older replaysim\)/],
    [{ format: SUMMARY_FORMAT, failures: [] }, /lacks outcomes, failures or flags/],
  ])("%j is refused, naming the directory", (json, message) => {
    expect(() => asShardSummary("some/dir", json)).toThrow(message);
    expect(() => asShardSummary("some/dir", json)).toThrow(/^some\/dir/);
  });
});
