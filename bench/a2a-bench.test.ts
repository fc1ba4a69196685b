import { expect, test } from "vitest";
import { SETUPS } from "../a2a-under-test/protocol/ports.ts";
import { a2aBenchConsole } from "../reports/a2a-bench-table.ts";
import { A2A_BENCH_DEFAULTS, runA2ABench } from "./a2a-bench.ts";
import type { A2ALoopback } from "./a2a-loopback.ts";

// A tiny A2A bench over real loopback sockets: every setup measured, counts
// that make sense, and every server's port closed at the end. No timing
// assertions: only that there are numbers.

test("a tiny A2A bench measures every setup for real and in the simulator, and closes every server", async () => {
  const loopbacks: A2ALoopback[] = [];
  const sigintListeners = process.listenerCount("SIGINT");
  const result = await runA2ABench({
    ...A2A_BENCH_DEFAULTS,
    messages: 6,
    clients: 2,
    chunks: 2,
    sim_seeds: 2,
    deadline_ms: 20_000,
    call_deadline_ms: 5_000,
    onLoopback: (lb) => loopbacks.push(lb),
  });

  expect(result.rows.map((r) => r.setup)).toEqual([...SETUPS]);
  for (const { setup, real, sim } of result.rows) {
    expect(real.error, setup).toBeNull();
    expect(real.completed, setup).toBe(6);
    // Each message: at least working, 2 chunks and completed.
    expect(real.items, setup).toBeGreaterThanOrEqual(6 * 4);
    expect(real.wire_bytes, setup).toBeGreaterThan(0);
    expect(real.messages_per_s, setup).toBeGreaterThan(0);
    expect(real.events_per_s, setup).toBeGreaterThan(0);
    expect(real.bytes_per_event, setup).toBeGreaterThan(0);

    expect(sim.error, setup).toBeNull();
    expect(sim.seeds_run, setup).toBe(2);
    expect(sim.messages, setup).toBeGreaterThan(0);
    expect(sim.resubscribes_per_100_messages, setup).toBeGreaterThanOrEqual(0);
    expect(sim.retries_per_100_messages, setup).toBeGreaterThanOrEqual(0);
  }

  expect(loopbacks.map((lb) => lb.setup)).toEqual([...SETUPS]);
  for (const lb of loopbacks) {
    expect(lb.http.listening, lb.setup).toBe(false);
    expect(lb.agentEmitted, lb.setup).toBeGreaterThan(0);
  }
  // No SIGINT handler left behind once every loopback is closed.
  expect(process.listenerCount("SIGINT")).toBe(sigintListeners);

  const table = a2aBenchConsole(result);
  expect(table[0]).toMatch(/^setup\s+messages\/s\s+events\/s\s+bytes\/event\s+resubscribes per 100 msgs \(sim\)\s+retried sends per 100 msgs \(sim\)$/);
  for (const setup of SETUPS) expect(table.some((l) => l.startsWith(`${setup} `))).toBe(true);
}, 30_000);
