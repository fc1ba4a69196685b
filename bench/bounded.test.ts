import { expect, test } from "vitest";
import { DEFAULT_LIMITS } from "../protocol/limits.ts";
import { BenchTimeout } from "./deadline.ts";
import type { Endpoint } from "./endpoint.ts";
import { loopbackEndpoint } from "./loopback.ts";
import { measureCell } from "./sync-cell.ts";
import { benchBodies } from "./workload.ts";

// Nothing in the bench waits unbounded, and nothing it starts outlives it.

const memory = { name: "memory", synchronous: null } as const;
const cell = { mode: "in-process", transport: "websocket", batch: 10, in_flight: 1, storage: memory } as const;

/** A server that accepts connections and then never answers. */
const silent: Endpoint = {
  transport: () => ({ name: "websocket", connect: () => new Promise(() => {}), follow: () => new Promise(() => {}) }),
  createShare: async () => ({ id: "shr_silent", secret: "s" }),
  counters: async () => ({ request_bytes: 0, server_cpu_us: null }),
  close: async () => {},
};

test("a sample that never drains fails the cell with bench_timeout instead of hanging", async () => {
  const failure = measureCell(cell, silent, { bodies: benchBodies(20), time_ms: 10, limits: DEFAULT_LIMITS, files: null, sample_deadline_ms: 200 });
  await expect(failure).rejects.toBeInstanceOf(BenchTimeout);
  await expect(failure).rejects.toThrow(/sync of 20 ops: no result within 200 ms/);
});

test("a loopback server's child process is gone once its endpoint is closed", async () => {
  const endpoint = await loopbackEndpoint(memory, null, DEFAULT_LIMITS, 20_000);
  expect(() => process.kill(endpoint.pid, 0)).not.toThrow();
  const share = await endpoint.createShare("bounded-test");
  expect(share.id).toMatch(/^shr_/);
  await endpoint.close();
  expect(() => process.kill(endpoint.pid, 0)).toThrow(/ESRCH/);
  await expect(endpoint.counters()).rejects.toThrow(/loopback server exited/);
}, 30_000);
