import { describe, expect, test } from "vitest";
import type { Io } from "../cli/command.ts";
import { main } from "../cli/main.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { efficiencyByTransport, runEfficiency, type RunEfficiency } from "./efficiency.ts";
import type { HistoryEvent, HistoryEventType } from "./history/history.ts";
import { runScenario } from "./run-scenario.ts";
import { parseScenario, resolveScenario } from "./scenario/load.ts";

/** Events cut down to the fields the figures read: their types are checked, their data is not. */
const ev = (t: number, node: string, type: HistoryEventType, data: Record<string, unknown> = {}): HistoryEvent => ({ t, node, type, data }) as HistoryEvent;

describe("runEfficiency", () => {
  // Two clients: client-1 loses a reply and resends 3..4 on a second session; client-2 runs clean.
  const history: HistoryEvent[] = [
    ...[1, 2, 3, 4].map((seq) => ev(0, "client-1", "enqueue_committed", { seq })),
    ...[1, 2].map((seq) => ev(0, "client-2", "enqueue_committed", { seq })),
    ev(1, "client-1", "redeemed", {}),
    ev(1, "client-2", "redeemed", {}),
    ev(2, "client-1", "call_sent", { seq_from: 1, seq_to: 2 }),
    ev(2, "client-2", "call_sent", { seq_from: 1, seq_to: 2 }),
    ev(3, "server", "applied", { count: 2 }),
    ev(3, "server", "applied", { count: 2 }),
    ev(4, "client-2", "marked_acked", { acked_seq: 2 }),
    ev(5, "client-1", "call_sent", { seq_from: 3, seq_to: 4 }),
    ev(6, "server", "applied", { count: 2 }),
    ev(7, "client-1", "session_failed", {}),
    ev(100, "world", "heal", {}),
    ev(150, "client-1", "redeemed", {}),
    ev(150, "client-1", "marked_acked", { acked_seq: 2 }),
    ev(160, "client-1", "call_sent", { seq_from: 3, seq_to: 4 }),
    ev(170, "client-1", "marked_acked", { acked_seq: 4 }),
  ];

  test("counts ops sent over ops applied, reconnects beyond each client's first session, and heal to last ack", () => {
    expect(runEfficiency(history, "drained")).toEqual({ ops: 6, ops_sent: 8, ops_applied: 6, reconnects: 1, heal_to_drained_ms: 70 });
  });

  test("a run that did not drain, or never healed, has no heal-to-drained time", () => {
    expect(runEfficiency(history, "stuck").heal_to_drained_ms).toBeNull();
    expect(runEfficiency(history.filter((e) => e.type !== "heal"), "drained").heal_to_drained_ms).toBeNull();
  });

  test("drained before the heal is zero, not negative", () => {
    const early = history.filter((e) => e.t < 100).concat(ev(100, "world", "heal", {}));
    expect(runEfficiency(early, "drained").heal_to_drained_ms).toBe(0);
  });
});

describe("efficiencyByTransport", () => {
  const run = (e: Partial<RunEfficiency>): RunEfficiency => ({ ops: 0, ops_sent: 0, ops_applied: 0, reconnects: 0, heal_to_drained_ms: null, ...e });

  test("sums each transport's runs and takes p50 and max over the runs that drained", () => {
    const byTransport = efficiencyByTransport([
      { transport: "websocket", efficiency: run({ ops: 400, ops_sent: 420, ops_applied: 400, reconnects: 2, heal_to_drained_ms: 10 }) },
      { transport: "rest", efficiency: run({ ops: 100, ops_sent: 100, ops_applied: 100, heal_to_drained_ms: 0 }) },
      { transport: "websocket", efficiency: run({ ops: 600, ops_sent: 630, ops_applied: 600, reconnects: 3, heal_to_drained_ms: 30 }) },
      { transport: "websocket", efficiency: run({ ops: 0, heal_to_drained_ms: null }) },
    ]);
    expect(Object.keys(byTransport)).toEqual(["websocket", "rest"]);
    expect(byTransport.websocket).toEqual({
      runs: 3,
      ops: 1000,
      ops_sent: 1050,
      ops_applied: 1000,
      reconnects: 5,
      reconnects_per_1000_ops: 5,
      op_amplification: 1.05,
      heal_to_drained_ms: { runs: 2, p50: 10, max: 30 },
    });
    expect(byTransport.rest!.op_amplification).toBe(1);
  });

  test("nothing sent or applied gives null ratios, not NaN", () => {
    const e = efficiencyByTransport([{ transport: "rest", efficiency: run({}) }]).rest!;
    expect(e.reconnects_per_1000_ops).toBeNull();
    expect(e.op_amplification).toBeNull();
    expect(e.heal_to_drained_ms).toEqual({ runs: 0, p50: null, max: null });
  });
});

describe("a real run's efficiency", () => {
  const lostReply = resolveScenario(
    parseScenario({ seed: 101, clients: [{ ops: 120 }], client: { batch_size: 10, calls_in_flight: 2, deadline_ms: 2000 }, timeline: [{ action: "lose_reply", node: "client-1", nth_apply: 2 }] }),
    "websocket",
  );

  test("a lost reply on websocket costs a reconnect; every applied op was sent, and the log agrees", async () => {
    const result = await runScenario(lostReply);
    const e = result.stats.efficiency;
    expect(result.verdict).toBe("pass");
    expect(e.ops).toBe(result.stats.ops);
    expect(e.ops_applied).toBe(result.stats.applied);
    expect(e.reconnects).toBeGreaterThanOrEqual(1);
    expect(e.ops_sent).toBeGreaterThanOrEqual(e.ops_applied);
    expect(e.heal_to_drained_ms).not.toBeNull();
  });

  test("a client that ignores redeem's last_seq passes every checker, and its resends show as op amplification", async () => {
    const reference = await runScenario(lostReply);
    // It hears only what its own acks said: a reply it lost is never made up for at redeem.
    let heard = 0;
    const forgetful = await runScenario(lostReply, {
      parts: {
        server: {},
        client: {
          wrapConnection: (c) => ({
            redeem: async () => ({ ...(await c.redeem()), last_seq: heard }),
            append: async (ops) => {
              const ack = await c.append(ops);
              heard = Math.max(heard, ack.last_seq);
              return ack;
            },
            close: () => c.close(),
          }),
        },
      },
    });
    expect(forgetful.verdict).toBe("pass");
    expect(forgetful.stats.efficiency.ops_applied).toBe(reference.stats.efficiency.ops_applied);
    expect(forgetful.stats.efficiency.ops_sent).toBeGreaterThan(reference.stats.efficiency.ops_sent);
  });
});

describe("explore reports efficiency per transport", () => {
  test("--json has an efficiency object per transport, and the summary a line per transport", async () => {
    const lines: string[] = [];
    const io: Io = { out: (l) => lines.push(l), err: () => {}, tty: false };
    const args = ["explore", "--seeds", "3", "--transport", "all", "--profile", "chaos", "--ops-max", "30", "--workers", "1", "--out", mkdtempSync(join(tmpdir(), "replaysim-eff-"))];
    expect(await main([...args, "--json"], io)).toBe(0);
    const report = JSON.parse(lines[0]!);
    expect(Object.keys(report.efficiency)).toEqual(["websocket", "http-batch", "rest"]);
    for (const e of Object.values(report.efficiency) as { runs: number; op_amplification: number; reconnects_per_1000_ops: number; heal_to_drained_ms: { p50: number } }[]) {
      expect(e.runs).toBe(3);
      expect(e.op_amplification).toBeGreaterThanOrEqual(1);
      expect(e.reconnects_per_1000_ops).toBeGreaterThanOrEqual(0);
      expect(e.heal_to_drained_ms.p50).toBeGreaterThanOrEqual(0);
    }
    lines.length = 0;
    expect(await main(args, io)).toBe(0);
    expect(lines.filter((l) => l.startsWith("efficiency ")).map((l) => l.split(":")[0])).toEqual(["efficiency websocket", "efficiency http-batch", "efficiency rest"]);
  }, 60_000);
});
