import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { generateScenario } from "../scenario/generate.ts";
import { runGuarded } from "./guarded-run.ts";
import { workerPool, type CpuProfileOption } from "./pool.ts";

// `--profile-cpu`: the first slot's worker profiles its runs, and closing the
// pool waits until the file is written, whatever happened to that worker.

function profiling(): { option: CpuProfileOption; outcome: () => { written: boolean; problem: string | null } | null } {
  let outcome: { written: boolean; problem: string | null } | null = null;
  const path = join(mkdtempSync(join(tmpdir(), "replaysim-pool-profile-")), "w.cpuprofile");
  return { option: { path, onDone: (o) => (outcome = o) }, outcome: () => outcome };
}

function samplesIn(path: string): number {
  const profile = JSON.parse(readFileSync(path, "utf8")) as { nodes: unknown[]; samples: number[]; timeDeltas: number[] };
  expect(profile.nodes.length).toBeGreaterThan(1);
  expect(profile.timeDeltas.length).toBe(profile.samples.length);
  return profile.samples.length;
}

describe("a profiled pool", () => {
  test("a run cancelled under the profiled worker: the worker still writes its profile before it goes, and close waits for it", async () => {
    const p = profiling();
    const pool = workerPool(1, 10_000, undefined, { cpu_profile: p.option });
    const done = await runGuarded(pool, generateScenario(2, { profile: "calm", transport: "rest" }));
    expect(done!.report.verdict).toBe("pass");
    const abort = new AbortController();
    // Long enough (thousands of ops) that the abort lands mid-run even when a loaded machine fires its timer late.
    const long = generateScenario(5, { profile: "swarm", transport: "http-batch" });
    const cancelled = runGuarded(pool, { ...long, clients: long.clients.map((c) => ({ ...c, ops: c.ops * 50 })) }, { signal: abort.signal });
    setTimeout(() => abort.abort(), 30);
    expect(await cancelled).toBeNull();
    await pool.close();
    expect(p.outcome()).toEqual({ written: true, problem: null });
    expect(samplesIn(p.option.path)).toBeGreaterThan(0);
  }, 60_000);

  test("a profiled worker stopped by the watchdog: its replacement is profiled, and the outcome says so", async () => {
    const p = profiling();
    const pool = workerPool(1, 2_000, undefined, { cpu_profile: p.option });
    const spinning = await runGuarded(pool, generateScenario(1, { profile: "calm", transport: "websocket", mutant: "client-spin-microtask" }));
    expect(spinning!.report.stats.outcome).toBe("hang");
    const healthy = await runGuarded(pool, generateScenario(1, { profile: "calm", transport: "websocket" }));
    expect(healthy!.report.verdict).toBe("pass");
    await pool.close();
    expect(p.outcome()?.written).toBe(true);
    expect(p.outcome()?.problem).toMatch(/replacement/);
    expect(samplesIn(p.option.path)).toBeGreaterThan(0);
  }, 60_000);

  test("with two workers, the first slot's profile is written", async () => {
    const p = profiling();
    const pool = workerPool(2, 10_000, undefined, { cpu_profile: p.option });
    const runs = await Promise.all([1, 2, 3, 4].map((seed) => runGuarded(pool, generateScenario(seed, { profile: "calm", transport: "websocket" }))));
    expect(runs.every((r) => r!.report.verdict === "pass")).toBe(true);
    await pool.close();
    expect(p.outcome()).toEqual({ written: true, problem: null });
    expect(samplesIn(p.option.path)).toBeGreaterThan(0);
  }, 60_000);
});
