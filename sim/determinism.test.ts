import { describe, expect, test } from "vitest";
import { runScenario } from "./run-scenario.ts";
import { generateScenario } from "./scenario/generate.ts";
import { parseScenario, resolveScenario } from "./scenario/load.ts";

// docs/design.md rule 5: the same scenario and seed always give the same trace hash.

const SEEDS = 200;

describe("trace hashes", () => {
  test(`${SEEDS} generated seeds, each run twice, give equal hashes; distinct seeds give distinct hashes`, async () => {
    const hashes = new Map<string, number>();
    const mismatches: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      // Small workloads keep this quick; every transport and fault kind still comes up.
      const scenario = generateScenario(seed, { profile: "swarm", ops_max: 40 });
      const first = await runScenario(scenario);
      const second = await runScenario(scenario);
      if (first.trace_hash !== second.trace_hash) mismatches.push(seed);
      expect(first.verdict, `seed ${seed}: ${first.violations[0]?.message}`).toBe("pass");
      hashes.set(first.trace_hash, seed);
    }
    expect(mismatches).toEqual([]);
    expect(hashes.size).toBe(SEEDS);
  }, 240_000);

  test("the hash covers what happened: one more fault changes it, the workload draws stay the same", async () => {
    const base = resolveScenario(parseScenario({ seed: 9, clients: [{ ops: 60 }] }), "websocket");
    const faulty = { ...base, faults: { ...base.faults, ws_cut: 1 } };
    const a = await runScenario(base, { keepHistory: true });
    const b = await runScenario(faulty, { keepHistory: true });
    expect(b.stats.faults).toBeGreaterThan(0);
    expect(a.trace_hash).not.toBe(b.trace_hash);
    // Rule 2: faults draw from their own streams, so the agent enqueued the very same ops.
    const kinds = (r: typeof a) => (r.history ?? []).filter((e) => e.type === "enqueue_committed").map((e) => e.data.op_id);
    expect(kinds(b)).toEqual(kinds(a));
  });
});
