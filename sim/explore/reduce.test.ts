import { describe, expect, test } from "vitest";
import { timelineHtml } from "../../reports/timeline.ts";
import type { HistoryEvent } from "../history/history.ts";
import { parseScenario, resolveScenario } from "../scenario/load.ts";
import { explore } from "./explore.ts";
import { candidates, pinFaults, randomFaults } from "./reduce.ts";

const scenario = (input: Record<string, unknown>) => resolveScenario(parseScenario({ seed: 1, ...input }));
const ev = (t: number, node: string, type: string, data: Record<string, unknown> = {}) => ({ t, node, type, data }) as HistoryEvent;

describe("pinning a run's random faults", () => {
  const s = scenario({
    clients: [{ ops: 5 }, { ops: 5 }],
    faults: { server_power_loss_per_min: 0.4, client_crash_per_min: 0.5, server_crash_per_min: 0.2, disk_full_per_min: 1 },
    timeline: [{ action: "disk_full", at_ms: 500, node: "client-1", duration_ms: 1000 }],
  });
  const history = [
    ev(500, "client-1", "disk_full", { duration_ms: 1000 }),
    ev(900, "server", "disk_full", { duration_ms: 2500 }),
    ev(1000, "server", "crash", { cause: "random", power_loss: true }),
    ev(1000, "server", "power_loss", { cause: "random", synchronous: "NORMAL", commits_kept: 1, commits_lost: 2, torn: true, ops_lost: [] }),
    ev(1700, "server", "restart", { incarnation: 2, cursors: {} }),
    ev(2000, "client-2", "crash", { cause: "random" }),
    ev(2000, "client-2", "crash", { cause: "client.after_enqueue_commit" }),
    ev(3000, "server", "crash", { cause: "random", silent: true }),
    ev(4000, "world", "heal"),
    ev(4000, "client-2", "restart", { acked_seq: 0, pending: 0, cursor: 0 }),
  ];

  test("each kind's events become timeline actions where and how they happened; a kind with a silent crash stays random", () => {
    const kinds = randomFaults(s, history);
    expect(kinds.map((k) => k.rate).sort()).toEqual(["client_crash_per_min", "disk_full_per_min", "server_power_loss_per_min"]);
    const byRate = Object.fromEntries(kinds.map((k) => [k.rate, k.actions]));
    expect(byRate.server_power_loss_per_min).toEqual([{ action: "power_loss", at_ms: 1000, node: "server", torn: true, restart_after_ms: 700 }]);
    expect(byRate.client_crash_per_min).toEqual([{ action: "crash", at_ms: 2000, node: "client-2", restart_after_ms: 2000 }]);
    // The timeline's own disk-full window is not pinned a second time.
    expect(byRate.disk_full_per_min).toEqual([{ action: "disk_full", at_ms: 900, node: "server", duration_ms: 2500 }]);

    const pinned = pinFaults(s, kinds);
    expect(pinned.faults.server_power_loss_per_min).toBe(0);
    expect(pinned.faults.client_crash_per_min).toBe(0);
    expect(pinned.faults.disk_full_per_min).toBe(0);
    expect(pinned.faults.server_crash_per_min).toBe(0.2);
    expect(pinned.timeline).toHaveLength(4);
  });
});

describe("candidates", () => {
  test("removing the first client moves every share and name after it down one", () => {
    const s = scenario({
      clients: [{ ops: 3 }, { ops: 4 }, { ops: 2, share: 1 }],
      viewers: [{ share: 1, join_at_ms: 0 }],
      timeline: [
        { action: "stall", at_ms: 10, node: "client-1", duration_ms: 100 },
        { action: "stall", at_ms: 20, node: "client-3", duration_ms: 100 },
        { action: "revoke", at_ms: 30, share: 1 },
        { action: "revoke", at_ms: 40, share: 0 },
      ],
    });
    const fewer = [...candidates(s)].find((c) => c.clients.length === 2 && c.clients[0]!.ops === 4);
    expect(fewer).toBeDefined();
    expect(fewer!.clients).toEqual([expect.objectContaining({ ops: 4 }), expect.objectContaining({ ops: 2, share: 0 })]);
    expect(fewer!.viewers.map((v) => v.share)).toEqual([0]);
    expect(fewer!.timeline).toEqual([
      { action: "stall", at_ms: 20, node: "client-2", duration_ms: 100 },
      { action: "revoke", at_ms: 30, share: 0, rotate_secret: false },
    ]);
    // Client 2's share has a co-producer and a viewer: it cannot go first.
    expect([...candidates(s)].some((c) => c.clients.length === 2 && c.clients[0]!.ops === 3 && c.clients[1]!.ops === 2)).toBe(false);
  });

  test("every op count below the current one is tried smallest first, and each fault rate on its own", () => {
    const s = scenario({ clients: [{ ops: 40 }], faults: { ws_cut: 0.1, http_delay: 0.2 } });
    const all = [...candidates(s)];
    expect(all.filter((c) => c.clients[0]!.ops < 40).map((c) => c.clients[0]!.ops)).toEqual([1, 5, 10, 20, 39]);
    expect(all.some((c) => c.faults.ws_cut === 0 && c.faults.http_delay === 0.2)).toBe(true);
    expect(all.some((c) => c.faults.ws_cut === 0 && c.faults.http_delay === 0)).toBe(true);
  });
});

describe("the old durability settings, found and reduced", () => {
  test("server-sync-normal dies on seed 33, and the failure shrinks to a couple of ops and one pinned server power loss that took them", async () => {
    const result = await explore({ from: 33, seeds: 1, profile: "swarm", mutant: "server-sync-normal", workers: 2, shrink_runs_max: 40, timelines: true });
    const failure = result.failures[0]!;
    expect(failure.checker).toBe("exactly-once");
    expect(failure.shrunk!.pinned).toBeGreaterThan(0);
    expect(failure.shrunk!.size_after.ops).toBeLessThanOrEqual(3);
    const scenario = failure.scenario!;
    expect(scenario.timeline).toContainEqual(expect.objectContaining({ action: "power_loss", node: "server" }));
    expect(scenario.faults.server_power_loss_per_min).toBe(0);
    // Its timeline shows the power loss and the op it took.
    const lost = failure.replay!.history!.find((e) => e.type === "power_loss");
    expect(lost?.type === "power_loss" && lost.data.ops_lost).toEqual(["prd_client-1_1_1#1"]);
    const page = timelineHtml(failure.replay!, "replaysim run --scenario x.json");
    expect(page).toContain("power_loss");
    expect(page).toContain("prd_client-1_1_1#1");
  }, 120_000);
});
