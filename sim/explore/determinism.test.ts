import { describe, expect, test } from "vitest";
import { noEfficiency } from "../efficiency.ts";
import { determinismViolation } from "./determinism.ts";
import { explore } from "./explore.ts";
import type { RunReport } from "./tasks.ts";

function report(trace_hash: string, lines: string[]): RunReport {
  return {
    seed: 9,
    transport: "rest",
    verdict: "pass",
    trace_hash,
    violations: [],
    coverage: [],
    stats: { ops: 0, applied: 0, faults: 0, faults_by_kind: {}, sim_time_ms: 0, wall_ms: 0, events: 0, outcome: "drained", efficiency: noEfficiency() },
    final: { clients: [], shares: [] },
    lines,
  };
}

describe("the determinism check", () => {
  test("names the first history event where two runs of a seed part, with both versions", () => {
    const v = determinismViolation(report("a", ['[0,"x","start",{}]', '[5,"c","sent",{"seq":1}]', "[9]"]), report("b", ['[0,"x","start",{}]', '[5,"c","sent",{"seq":2}]']));
    expect(v).toMatchObject({ checker: "determinism", anomaly: "diverged", t_ms: 5 });
    expect(v!.witness).toMatchObject({ event_index: 1, first_run: '[5,"c","sent",{"seq":1}]', second_run: '[5,"c","sent",{"seq":2}]' });
    expect(determinismViolation(report("a", ["[0]"]), report("a", ["[0]"]))).toBeNull();
  });

  test("a world that reads an unseeded source passes every single run, and is caught only when each seed runs twice", async () => {
    const common = { from: 1, seeds: 2, profile: "flaky" as const, transport: "http-batch" as const, workers: 2, mutant: "client-unseeded-batching", shrink: false };
    const once = await explore(common);
    expect(once.failures).toEqual([]);
    const twice = await explore({ ...common, check_determinism: true });
    expect(twice.check_determinism).toBe(true);
    expect(twice.failures.length).toBeGreaterThan(0);
    const f = twice.failures[0]!;
    expect([f.checker, f.violation.anomaly]).toEqual(["determinism", "diverged"]);
    expect(f.violation.witness.first_run).not.toEqual(f.violation.witness.second_run);
    expect(f.repro_seed).toMatch(/--check-determinism$/);
  }, 120_000);
});
