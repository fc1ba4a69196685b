import { describe, expect, it } from "vitest";
import { SETUPS } from "../../a2a-under-test/protocol/ports.ts";
import { runA2A as runScenario } from "./run-a2a.ts";
import { parseScenario, resolveScenario } from "../scenario/load.ts";
import { generateScenario } from "../scenario/generate.ts";
import type { Scenario } from "../scenario/schema.ts";
import { A2A_TRANSPORT } from "./arbitrary.ts";

const scenario = (setup: (typeof SETUPS)[number], faults: Record<string, number> = {}, seed = 7): Scenario =>
  resolveScenario(parseScenario({ seed, clients: [{ ops: 3 }, { ops: 2 }], a2a: { setup, ask: 0.5, cancel: 0.2, to_terminal: 0.5 }, faults }), A2A_TRANSPORT[setup]);

const FAULTS = { http_drop_request: 0.05, http_drop_response: 0.08, http_duplicate: 0.08, ws_cut: 0.5, server_crash_per_min: 0.8, client_crash_per_min: 0.4 };

describe("the A2A world", () => {
  it.each(SETUPS)("%s: a calm run passes, every message's task is stored finished, and the same seed gives the same trace hash", async (setup) => {
    const first = await runScenario(scenario(setup), { keepHistory: true });
    const again = await runScenario(scenario(setup));
    expect(first.violations).toEqual([]);
    expect(first.stats.outcome).toBe("drained");
    expect(first.trace_hash).toBe(again.trace_hash);
    const a2a = (first as { a2a?: { tasks_stored: number; tasks_terminal: number; items: number } }).a2a!;
    expect(a2a.tasks_stored).toBeGreaterThan(0);
    expect(a2a.tasks_terminal).toBe(a2a.tasks_stored);
    expect(first.history!.some((e) => e.type === "a2a_item")).toBe(true);
  });

  it.each(["hardened", "capnweb"] as const)("%s: passes under every fault kind, with broken streams recovered", async (setup) => {
    let retried = 0;
    let resubscribed = 0;
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const result = await runScenario(scenario(setup, FAULTS, seed));
      expect(result.violations.map((v) => `${seed} ${v.checker}/${v.anomaly}: ${v.message}`)).toEqual([]);
      if (result.coverage.includes("a2a.send_retried")) retried++;
      if (result.coverage.includes("a2a.resubscribe")) resubscribed++;
    }
    // capnweb has one session per client and no per-request HTTP faults, so its sends are retried less often.
    expect(retried + resubscribed).toBeGreaterThan(0);
  });

  it("sdk: a lost reply retried with the same messageId makes a second task, and the checker says so", async () => {
    const found: string[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const result = await runScenario(scenario("sdk", { http_drop_response: 0.15 }, seed));
      found.push(...result.violations.map((v) => `${v.checker}/${v.anomaly}`));
    }
    expect(found).toContain("one-task-per-send/duplicate_task");
  });

  it("puts the real Date and crypto.randomUUID back after a run of the SDK", async () => {
    const before = globalThis.Date;
    await runScenario(scenario("sdk"));
    expect(globalThis.Date).toBe(before);
    expect(globalThis.crypto.randomUUID()).not.toBe(globalThis.crypto.randomUUID());
    expect(Math.abs(Date.now() - new before().getTime())).toBeLessThan(60_000);
  });

  it("generates A2A scenarios per setup from a seed, the same every time", () => {
    for (const setup of SETUPS) {
      const a = generateScenario(11, { profile: "swarm", a2a: setup });
      expect(a.a2a?.setup).toBe(setup);
      expect(a.transport).toBe(A2A_TRANSPORT[setup]);
      expect(generateScenario(11, { profile: "swarm", a2a: setup })).toEqual(a);
    }
  });
});
