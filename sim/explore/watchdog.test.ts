import { describe, expect, test } from "vitest";
import { serverRevokeThrows } from "../../mutants/server-revoke-throws.ts";
import { ShareClient } from "../../client-under-test/share-client.ts";
import { parseScenario, resolveScenario } from "../scenario/load.ts";
import { generateScenario } from "../scenario/generate.ts";
import { runScenario } from "../run-scenario.ts";
import { eventsMax } from "../run-limits.ts";
import { explore } from "./explore.ts";
import { runGuarded } from "./guarded-run.ts";
import { workerPool } from "./pool.ts";

// Every run ends with a verdict: a spin, a livelock, a throw or a dead worker
// is a failure of that run, never a stuck or crashed bench.

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

describe("the watchdog", () => {
  test("a client spinning in microtasks is stopped from outside: liveness/hang with where it stood, and the pool goes on", async () => {
    const pool = workerPool(1, 4_000);
    try {
      const spinning = generateScenario(1, { profile: "calm", transport: "websocket", mutant: "client-spin-microtask" });
      const run = await runGuarded(pool, spinning, { repro: "replaysim run --seed 1 --transport websocket --profile calm --mutant client-spin-microtask" });
      const v = run!.report.violations[0]!;
      expect(run!.report.verdict).toBe("fail");
      expect([v.checker, v.anomaly]).toEqual(["liveness", "hang"]);
      expect(run!.report.stats.outcome).toBe("hang");
      expect(v.witness).toMatchObject({ seed: 1, transport: "websocket", repro: expect.stringContaining("--mutant client-spin-microtask") });
      expect(v.witness.events).toBeGreaterThan(0);
      const last = v.witness.last_events as unknown[];
      expect(last.length).toBeGreaterThan(0);
      expect(last.length).toBeLessThanOrEqual(20);
      expect(last[0]).toEqual(expect.arrayContaining([expect.any(Number), expect.any(String), expect.any(String)]));
      // The stopped worker was replaced: the same pool still runs a healthy scenario to a pass.
      const healthy = await runGuarded(pool, generateScenario(1, { profile: "calm", transport: "websocket" }));
      expect(healthy!.report.verdict).toBe("pass");
    } finally {
      await pool.close();
    }
  }, 60_000);

  test("a zero-delay retry loop ends at the scaled event limit, well below the old two million", async () => {
    const scenario = generateScenario(3, { profile: "calm", transport: "websocket", mutant: "client-spin-timer" });
    const result = await runScenario(scenario);
    expect(result.violations.map((v) => `${v.checker}/${v.anomaly}`)).toContain("liveness/event_limit");
    expect(result.stats.events).toBe(eventsMax(scenario) + 1);
    expect(eventsMax(scenario)).toBeLessThan(200_000);
  }, 60_000);

  test("explore with --workers 1 is protected too, and stop_on_failure abandons later seeds", async () => {
    const result = await explore({ from: 1, seeds: 6, profile: "calm", workers: 1, mutant: "client-spin-microtask", stop_on_failure: true, shrink: false, run_timeout_ms: 4_000 });
    expect(result.failures.map((f) => f.seed)).toEqual([1]);
    expect(result.outcomes.map((o) => o.seed)).toEqual([1]);
    expect(result.stopped_early).toBe(true);
    expect(result.hangs).toBe(1);
    expect(result.failures[0]!.repro_seed).toBe("replaysim run --seed 1 --profile calm --mutant client-spin-microtask --run-timeout 4000ms");
  }, 60_000);

  test("a worker that dies under a run is a harness failure of that run, and a fresh worker takes its place", async () => {
    const pool = workerPool(1, 4_000, fixture("dying-worker.mjs"));
    try {
      const scenario = generateScenario(2, { profile: "calm", transport: "rest" });
      for (let i = 0; i < 2; i++) {
        const run = await runGuarded(pool, scenario);
        expect(run!.report.violations.map((v) => `${v.checker}/${v.anomaly}`)).toEqual(["harness/worker_died"]);
        expect(run!.report.violations[0]!.message).toMatch(/the worker died under its task/);
      }
    } finally {
      await pool.close();
    }
  }, 60_000);

  test("workers that cannot start fail the runs with the reason instead of respawning forever", async () => {
    const pool = workerPool(1, 4_000, fixture("broken-worker.mjs"));
    try {
      const run = await runGuarded(pool, generateScenario(2, { profile: "calm", transport: "rest" }));
      expect(run!.report.violations[0]).toMatchObject({ checker: "harness", anomaly: "worker_died" });
      expect(run!.report.violations[0]!.message).toMatch(/fail to start: .*this worker cannot start/);
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe("code under test that throws into the simulator", () => {
  const withRevoke = () =>
    resolveScenario(parseScenario({ seed: 5, clients: [{ ops: 30 }], timeline: [{ action: "revoke", at_ms: 200, share: 0 }] }), "http-batch");

  test("a throw from an admin path (the world's revoke) ends the run with harness/sut_error, a trimmed stack and the seed", async () => {
    const result = await runScenario(withRevoke(), { parts: serverRevokeThrows.parts, keepHistory: true });
    expect(result.verdict).toBe("fail");
    expect(result.stats.outcome).toBe("harness_error");
    const v = result.violations[0]!;
    expect([v.checker, v.anomaly]).toEqual(["harness", "sut_error"]);
    expect(v.message).toMatch(/TypeError: Cannot read properties of undefined/);
    expect(v.witness).toMatchObject({ seed: 5, transport: "http-batch" });
    const stack = v.witness.stack as string[];
    expect(stack.length).toBeGreaterThan(0);
    expect(stack.length).toBeLessThanOrEqual(8);
    expect(stack[0]).toMatch(/server-revoke-throws\.ts/);
    expect(stack.join("\n")).not.toContain(process.cwd());
    expect(result.trace_hash).toMatch(/^[0-9a-f]{64}$/);
    // The same world with the reference server passes.
    expect((await runScenario(withRevoke())).verdict).toBe("pass");
  }, 60_000);

  test("a throw while the world inspects a client is caught the same way", async () => {
    let calls = 0;
    const result = await runScenario(withRevoke(), {
      parts: {
        server: {},
        client: {},
        clientFactory: (deps, parts) => {
          const client = new ShareClient(deps, parts);
          const status = client.status.bind(client);
          client.status = () => {
            if (++calls > 3) throw new RangeError("status exploded");
            return status();
          };
          return client;
        },
      },
    });
    expect(result.violations.map((v) => `${v.checker}/${v.anomaly}`)).toEqual(["harness/sut_error"]);
    expect(result.violations[0]!.message).toMatch(/RangeError: status exploded/);
  }, 60_000);
});
