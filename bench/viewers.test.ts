import { expect, test } from "vitest";
import { DEFAULT_LIMITS } from "../protocol/limits.ts";
import { BenchTimeout } from "./deadline.ts";
import type { Endpoint } from "./endpoint.ts";
import { measureViewerCell } from "./viewer-cell.ts";
import { POLL_SETTINGS, runViewersBench, VIEWERS_PLAN, viewersTable, type ViewersPlan } from "./viewers.ts";
import { benchBodies } from "./workload.ts";

// The viewers bench on a tiny plan: every viewer reaches the final cursor over
// real sockets, and a cell that cannot finish fails with a reason instead of
// hanging. Timings are not asserted: they belong in the report.

test("two viewers follow 50 ops to the final cursor by push and by polling, on real loopback sockets", async () => {
  const plan: ViewersPlan = { ...VIEWERS_PLAN, transports: ["websocket", "http-batch"], viewers: [2], writers: ["burst"], ops: 50, batch: 10, samples: 1, settle_ms: 50, sample_deadline_ms: 15_000 };
  const report = await runViewersBench(plan);
  expect(report.rows.map((r) => [r.transport, r.viewers, r.error])).toEqual([
    [null, 0, null],
    ["websocket", 2, null],
    ["http-batch", 2, null],
  ]);
  for (const row of report.rows.slice(1)) {
    // Each viewer applies only what is past its cursor, so 2 × 50 means both reached cursor 50.
    expect(row.entries_delivered).toBe(100);
    expect(row.latency_ms).not.toBeNull();
    expect(row.server_cpu_us_per_entry).toBeGreaterThan(0);
  }
  expect(report.rows[0]!.entries_delivered).toBe(0);
  expect(report.rows[0]!.server_cpu_us_per_op).toBeGreaterThan(0);
  expect(viewersTable(report)).toMatch(/\| burst \| push \(websocket\) \| 2 \|/);
}, 60_000);

test("viewers that never get a session fail the cell with bench_timeout and a reason, never a hang", async () => {
  const silent: Endpoint = {
    transport: () => ({ name: "websocket", connect: () => new Promise(() => {}), follow: () => new Promise(() => {}) }),
    createShare: async () => ({ id: "shr_silent", secret: "s" }),
    counters: async () => ({ request_bytes: 0, server_cpu_us: null }),
    close: async () => {},
  };
  const failure = measureViewerCell({ transport: "websocket", viewers: 3, writer: "burst" }, silent, {
    bodies: benchBodies(20),
    batch: 10,
    pace_ms: 100,
    writer_transport: "websocket",
    poll_settings: POLL_SETTINGS,
    settle_ms: 0,
    samples: 1,
    limits: DEFAULT_LIMITS,
    sample_deadline_ms: 300,
  });
  await expect(failure).rejects.toBeInstanceOf(BenchTimeout);
  await expect(failure).rejects.toThrow(/2 viewers connecting: no result within 300 ms: 2 of 2 viewers short of cursor 20 .*states: connecting ×2/);
});
