import { describe, expect, test } from "vitest";
import { compareWorlds, comparisonLines, type WorldSide } from "./compare.ts";

// The differential verdict's rules, on sides made by hand.
const side = (over: Partial<WorldSide> = {}): WorldSide => ({ verdict: "pass", outcome: "drained", anomalies: [], ops: 10, applied: 10, views: ["aaaa"], work: ["w1"], faults: {}, stopped: {}, ...over });
const repros = { sim: "replaysim run --seed 1", real: "replaysim real --seed 1" };

describe("compareWorlds", () => {
  test("a verdict or an anomaly only one world found is a disagreement, printed with both repros", () => {
    const c = compareWorlds(side(), side({ verdict: "fail", anomalies: ["exactly-once/lost"] }));
    expect(c.disagreements).toEqual(["verdict: simulator pass, real fail", "anomalies only the real run found: exactly-once/lost"]);
    const lines = comparisonLines("seed 1", c, repros).join("\n");
    expect(lines).toMatch(/^≠ seed 1/);
    expect(lines).toContain("simulator: replaysim run --seed 1");
    expect(lines).toContain("real:      replaysim real --seed 1");
  });

  test("the same ops applied and a different final session is a disagreement", () => {
    expect(compareWorlds(side(), side({ views: ["bbbb"] })).disagreements).toEqual(["share 0's final session differs: simulator aaaa, real bbbb"]);
  });

  test("different ops committed, or clients stopped differently, explain a different session: noted, not a finding", () => {
    const ops = compareWorlds(side(), side({ ops: 11, applied: 11, views: ["bbbb"] }));
    expect(ops.disagreements).toEqual([]);
    expect(ops.explained[0]).toMatch(/different ops \(simulator 10 committed, real 11\)/);
    // As many ops, but not the same ones: explained too.
    expect(compareWorlds(side(), side({ work: ["w2"], views: ["bbbb"] })).disagreements).toEqual([]);
    const stopped = compareWorlds(side({ applied: 7, stopped: { "client-1": "bad_secret" } }), side({ views: ["bbbb"] }));
    expect(stopped.disagreements).toEqual([]);
    expect(stopped.explained[0]).toMatch(/clients stopped differently/);
    expect(comparisonLines("seed 2", stopped, repros).join("\n")).toMatch(/^= seed 2[\s\S]*~ clients stopped differently/);
  });

  test("an explanation never hides a verdict: different ops and a failing real run still disagree", () => {
    expect(compareWorlds(side(), side({ ops: 11, verdict: "fail", anomalies: ["exactly-once/duplicated"] })).disagreements).toHaveLength(2);
  });
});
