import { describe, expect, test } from "vitest";
import type { Io } from "../../cli/command.ts";
import { main } from "../../cli/main.ts";
import { loadScenarioFile, parseScenario, resolveScenario } from "../../sim/scenario/load.ts";
import type { TransportName } from "../../sim/scenario/schema.ts";
import { liveChildren } from "../processes/children.ts";
import { runReal } from "./real-run.ts";
import { NotRealError } from "./unsupported.ts";

// Real mode's smoke: named scenarios and catalog mutants through real
// processes, real sockets and SIGKILL. Each run takes 2 to 4 s of wall time.

const named = (file: string, transport: TransportName) => resolveScenario(loadScenarioFile(`scenarios/${file}.json`), transport);
const generated = (input: Record<string, unknown>) => resolveScenario(parseScenario({ seed: 3, transport: "websocket", client: { batch_size: 5, calls_in_flight: 2 }, ...input }));

describe("named scenarios, for real", () => {
  test.each([
    ["server-crash-after-commit", "websocket"],
    ["client-crash-after-send", "http-batch"],
    ["crash-before-enqueue-commit", "rest"],
  ] as const)("%s on %s: the process dies at its crash point, comes back on its files, and every op lands once", async (file, transport) => {
    const result = await runReal(named(file, transport));
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe("pass");
    expect(result.outcome).toBe("drained");
    expect(result.stats.crashes).toBeGreaterThanOrEqual(1);
    expect(result.stats.restarts).toBe(result.stats.crashes);
    expect(result.stats.applied).toBe(result.stats.ops);
    expect(liveChildren()).toBe(0);
  }, 30_000);

  test.each([
    ["duplicate-request-late", "rest", "duplicate"],
    ["partition-spanning-batches", "websocket", "refuse"],
  ] as const)("%s on %s: the fault proxy applies the network faults (%s), and the reference passes", async (file, transport, fault) => {
    const result = await runReal(named(file, transport));
    expect(result.violations).toEqual([]);
    expect(result.stats.faults_by_kind[fault]).toBeGreaterThan(0);
    expect(result.stats.applied).toBe(result.stats.ops);
  }, 30_000);

  test("wrong-secret on http-batch: the client stops with the code the wire shows the server sent, which liveness accepts", async () => {
    const result = await runReal(named("wrong-secret", "http-batch"));
    expect(result.violations).toEqual([]);
    expect(result.final.clients.some((c) => c.stopped?.code === "bad_secret")).toBe(true);
  }, 30_000);
});

describe("catalog mutants, killed for real", () => {
  const twoClients = [{ ops: 60 }, { ops: 40 }];
  const serverDiesBeforeCommit = [{ action: "crash_at", node: "server", point: "server.before_commit", nth: 3, restart_after_ms: 500 }];
  test.each([
    ["ack-before-commit", { clients: twoClients, timeline: serverDiesBeforeCommit }, "exactly-once"],
    ["client-trims-on-send", { clients: twoClients, timeline: serverDiesBeforeCommit }, "exactly-once"],
    ["read-only-writes", { clients: [{ ops: 30 }, { ops: 20, scope: "read" }] }, "capability"],
    ["redeem-wrong-producer", { clients: [{ ops: 60 }, { ops: 40, share: 0 }], timeline: [{ action: "crash_at", node: "client-2", point: "client.after_send_before_ack", nth: 3, restart_after_ms: 300 }] }, "exactly-once"],
  ] as const)("%s", async (mutant, input, checker) => {
    const result = await runReal(generated({ ...input, mutant }), { wall_ms: 6_000 });
    expect(result.verdict).toBe("fail");
    expect(result.violations.map((v) => v.checker)).toContain(checker);
    expect(liveChildren()).toBe(0);
    // The reference does not fail that way on the same scenario.
    const reference = await runReal(generated(input), { wall_ms: 6_000 });
    expect(reference.violations.map((v) => v.checker)).not.toContain(checker);
  }, 40_000);

  test.each(["no-dedupe", "dedupe-per-batch"])("%s: the late copies of duplicate-request-late apply again (http-batch)", async (mutant) => {
    const result = await runReal({ ...named("duplicate-request-late", "http-batch"), mutant });
    expect(result.violations.map((v) => `${v.checker}/${v.anomaly}`)).toContain("exactly-once/duplicated");
  }, 30_000);
});

describe("what real mode cannot run", () => {
  test("a scenario with faults that have no real counterpart yet is refused, each named", async () => {
    const scenario = named("disk-full-both-sides", "websocket");
    await expect(runReal(scenario)).rejects.toThrow(NotRealError);
    await expect(runReal(scenario)).rejects.toThrow(/timeline\[0\]: disk_full on server/);
  });

  test("replaysim real on such a file: exit 2, the reasons on stderr, nothing started", async () => {
    const err: string[] = [];
    const io: Io = { out: () => {}, err: (l) => err.push(l), tty: false };
    expect(await main(["real", "--scenario", "scenarios/stall-longer-than-deadline.json"], io)).toBe(2);
    expect(err.join("\n")).toMatch(/stall on client-1: no real counterpart yet/);
    expect(liveChildren()).toBe(0);
  });
});
