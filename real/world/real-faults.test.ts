import { afterAll, describe, expect, test } from "vitest";
import { loadScenarioFile, parseScenario, resolveScenario } from "../../sim/scenario/load.ts";
import type { TransportName } from "../../sim/scenario/schema.ts";
import { liveChildren } from "../processes/children.ts";
import { runReal } from "./real-run.ts";

// The fault kinds whose real counterparts live in the harness rather than in
// the proxy's network faults: lost replies, stalls, power loss, revokes, the
// adversary, silent host deaths and full disks.
afterAll(() => expect(liveChildren()).toBe(0));

const named = (file: string, transport: TransportName) => resolveScenario(loadScenarioFile(`scenarios/${file}.json`), transport);
const eventsOf = <T extends string>(history: readonly { type: string; node: string; data: unknown }[], type: T) => history.filter((e) => e.type === type);

describe.concurrent("harness faults, for real", () => {
  test("lost-response-after-apply on rest: the proxy loses the replies to the listed applied batches, and each op still lands once", async () => {
    const result = await runReal(named("lost-response-after-apply", "rest"));
    expect(result.stats.faults_by_kind.lose_reply).toBe(2);
    expect(result.violations).toEqual([]);
    expect(result.stats.applied).toBe(result.stats.ops);
  }, 30_000);

  test("stall-longer-than-deadline on websocket: the proxy holds the traffic past the client's deadline, and the client recovers", async () => {
    const result = await runReal(named("stall-longer-than-deadline", "websocket"));
    expect(result.stats.faults_by_kind.stall).toBe(1);
    expect(eventsOf(result.history, "stall")).toHaveLength(1);
    expect(result.violations).toEqual([]);
    expect(result.outcome).toBe("drained");
  }, 30_000);

  test("power-loss-old-settings on http-batch: SIGKILL, then the WAL cut to what synchronous=NORMAL made durable; the loss is reported as expected", async () => {
    const result = await runReal(named("power-loss-old-settings", "http-batch"));
    const [loss] = eventsOf(result.history, "power_loss");
    expect(loss?.node).toBe("server");
    expect((loss?.data as { synchronous: string }).synchronous).toBe("NORMAL");
    expect(result.verdict).toBe("pass");
    // Whatever the cut took was acked: the checkers see it and call it expected, as in the simulator.
    const lost = (loss?.data as { commits_lost: number }).commits_lost;
    if (lost > 0) expect(result.expected?.length ?? 0).toBeGreaterThan(0);
  }, 30_000);

  test("viewer-revoke-while-following on rest: the admin's revokes go through the server, and the adversary's writes as a reader are refused with a code, changing nothing", async () => {
    const result = await runReal(named("viewer-revoke-while-following", "rest"));
    expect(result.stats.faults_by_kind.revoke).toBe(2);
    const probes = eventsOf(result.history, "forbidden_probe").map((e) => e.data as { attempt: string; outcome: string; code: string | null; state_changed: boolean });
    expect(probes.map((p) => p.attempt).sort()).toEqual(["reader_append", "reader_revoke"]);
    for (const p of probes) expect(p).toMatchObject({ outcome: "refused", code: "read_only", state_changed: false });
    expect(result.violations).toEqual([]);
  }, 30_000);

  test("a silent server death black-holes every connection until the server is back; full disks on both sides refuse writes until they have room", async () => {
    const scenario = resolveScenario(
      parseScenario({
        seed: 4,
        transport: "websocket",
        clients: [{ ops: 80 }],
        client: { batch_size: 4, deadline_ms: 400 },
        faults: { crash_silent: 1 },
        timeline: [
          { action: "disk_full", at_ms: 1000, node: "server", duration_ms: 4000 },
          { action: "disk_full", at_ms: 2000, node: "client-1", duration_ms: 3000 },
          { action: "crash", at_ms: 8000, node: "server", restart_after_ms: 3000 },
        ],
      }),
    );
    const result = await runReal(scenario);
    const crash = eventsOf(result.history, "crash").find((e) => e.node === "server");
    expect(crash?.data).toMatchObject({ cause: "harness", silent: true });
    expect(result.stats.faults_by_kind.crash_silent).toBe(1);
    expect(eventsOf(result.history, "disk_full").map((e) => e.node).sort()).toEqual(["client-1", "server"]);
    expect(eventsOf(result.history, "disk_full_ended")).toHaveLength(2);
    expect(result.violations).toEqual([]);
    expect(result.stats.applied).toBe(result.stats.ops);
  }, 30_000);
});
