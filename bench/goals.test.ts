import { expect, test } from "vitest";
import { goals } from "./goals.ts";
import type { CellRow } from "./report.ts";

const cell = (over: Partial<CellRow>): CellRow => ({
  kind: "cell",
  mode: "in-process",
  transport: "websocket",
  batch: 100,
  in_flight: 1,
  storage: "memory",
  synchronous: null,
  ops: 100,
  samples: 1,
  ops_per_s: 1000,
  enqueue_ops_per_s: 1,
  latency_ms: null,
  calls: 1,
  op_amplification: 1,
  request_bytes_per_op: 1,
  server_cpu_us_per_op: null,
  ceiling_ratio: null,
  error: null,
  ...over,
});

test("the ceiling goal takes each transport's best in-flight setting and needs every transport at 0.5", () => {
  const [g] = goals([
    cell({ transport: "websocket", in_flight: 1, ceiling_ratio: 0.4 }),
    cell({ transport: "websocket", in_flight: 4, ceiling_ratio: 0.6 }),
    cell({ transport: "rest", ceiling_ratio: 0.45 }),
    cell({ transport: "rest", batch: 10, ceiling_ratio: 0.9 }),
  ]);
  expect(g).toMatchObject({ name: "in-process batch 100 vs SQLite ceiling, memory", ratios: { websocket: 0.6, rest: 0.45 }, met: false });
});

test("the loopback goal divides websocket by rest at the same in-flight setting and storage; error rows count for nothing", () => {
  const result = goals([
    cell({ mode: "loopback", batch: 1, transport: "websocket", ops_per_s: 3000 }),
    cell({ mode: "loopback", batch: 1, transport: "rest", ops_per_s: 1000 }),
    cell({ mode: "loopback", batch: 1, transport: "websocket", in_flight: 4, ops_per_s: 0, error: "boom" }),
    cell({ mode: "loopback", batch: 1, transport: "rest", in_flight: 4, ops_per_s: 900 }),
    cell({ mode: "loopback", batch: 1, transport: "websocket", storage: "file", synchronous: "FULL", ops_per_s: 500 }),
    cell({ mode: "loopback", batch: 1, transport: "rest", storage: "file", synchronous: "FULL", ops_per_s: 400 }),
  ]);
  expect(result).toEqual([
    { name: "loopback batch 1 websocket vs rest, memory", target: "websocket ops/s ≥ 2 × rest ops/s", ratios: { "in-flight 1": 3 }, met: true },
    { name: "loopback batch 1 websocket vs rest, file/FULL", target: "websocket ops/s ≥ 2 × rest ops/s", ratios: { "in-flight 1": 1.25 }, met: false },
  ]);
});
