import { afterAll, describe, expect, test } from "vitest";
import type { Io } from "../../cli/command.ts";
import { main } from "../../cli/main.ts";
import { loadScenarioFile, resolveScenario } from "../../sim/scenario/load.ts";
import type { TransportName } from "../../sim/scenario/schema.ts";
import { liveChildren } from "../processes/children.ts";
import { runReal } from "./real-run.ts";
import { NotRealError } from "./unsupported.ts";

// Real runs mostly wait on processes and sockets, so they run side by side; none may leave a process behind.
afterAll(() => expect(liveChildren()).toBe(0));

// Real mode's smoke: named scenarios through real processes, real sockets and
// SIGKILL (real-mutants.test.ts has the mutants and --compare). Each run takes
// 2 to 6 s of wall time.

const named = (file: string, transport: TransportName) => resolveScenario(loadScenarioFile(`scenarios/${file}.json`), transport);

describe.concurrent("named scenarios, for real", () => {
  test.each([
    ["server-crash-after-commit", "websocket"],
    ["client-crash-after-send", "http-batch"],
  ] as const)("%s on %s: the process dies at its crash point, comes back on its files, and every op lands once", async (file, transport) => {
    const result = await runReal(named(file, transport));
    expect(result.violations).toEqual([]);
    expect(result.verdict).toBe("pass");
    expect(result.outcome).toBe("drained");
    expect(result.stats.crashes).toBeGreaterThanOrEqual(1);
    expect(result.stats.restarts).toBe(result.stats.crashes);
    expect(result.stats.applied).toBe(result.stats.ops);
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

describe("viewers, for real", () => {
  test("enumerate-small: a viewer that joins at 0 in a sub-second run is waited for until it has started and caught up", async () => {
    const result = await runReal(named("enumerate-small", "rest"));
    expect(result.violations).toEqual([]);
    expect(result.outcome).toBe("drained");
  }, 30_000);

  test("generated calm seed 3 (a late joiner that starts from a snapshot): every viewer catches up, and reader-prefix sees the snapshot on the wire", async () => {
    const { generateScenario } = await import("../../sim/scenario/generate.ts");
    const scenario = generateScenario(3, { profile: "calm" });
    expect(scenario.viewers.length).toBeGreaterThan(0);
    const result = await runReal(scenario);
    expect(result.violations).toEqual([]);
    expect(result.outcome).toBe("drained");
  }, 30_000);
});

describe("what real mode cannot run", () => {
  // A request past the positions the proxy decides ahead: a valid scenario, but not one real mode can place.
  const farFile = async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const file = join(mkdtempSync(join(tmpdir(), "replaysim-far-")), "far.json");
    writeFileSync(file, JSON.stringify({ seed: 1, transports: ["rest"], clients: [{ ops: 3 }], timeline: [{ action: "http", node: "client-1", request: 6000, fault: "drop_request" }] }));
    return file;
  };

  test("a scenario real mode cannot express is refused, each reason named, nothing started", async () => {
    const scenario = resolveScenario(loadScenarioFile(await farFile()), "rest");
    await expect(runReal(scenario)).rejects.toThrow(NotRealError);
    await expect(runReal(scenario)).rejects.toThrow(/timeline\[0\]: http request 6000 on client-1: the proxy decides the first 5000 requests only/);
    expect(liveChildren()).toBe(0);
  });

  test("replaysim real on such a file: exit 2, the reasons on stderr", async () => {
    const err: string[] = [];
    const io: Io = { out: () => {}, err: (l) => err.push(l), tty: false };
    expect(await main(["real", "--scenario", await farFile()], io)).toBe(2);
    expect(err.join("\n")).toMatch(/http request 6000 on client-1/);
  });
});

describe("replaysim real --out", () => {
  test("writes summary.json, junit.xml and a timeline page marked real", async () => {
    const { mkdtempSync, readFileSync, readdirSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const out = mkdtempSync(join(tmpdir(), "replaysim-real-out-"));
    const io: Io = { out: () => {}, err: () => {}, tty: false };
    expect(await main(["real", "--scenario", "scenarios/client-crash-after-send.json", "--transport", "websocket", "--out", out], io)).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
    expect(summary.format).toBe("replaysim-real/1");
    expect(summary.runs[0].mode).toBe("real");
    expect(readFileSync(join(out, "junit.xml"), "utf8")).toMatch(/<testcase classname="replaysim real" name="scenarios\/client-crash-after-send.json websocket \(real\)" time="\d+\.\d{3}"\/>/);
    const [page] = readdirSync(join(out, "timelines"));
    const html = readFileSync(join(out, "timelines", page!), "utf8");
    expect(html).toContain("replaysim timeline: real · seed");
    expect(html).toContain("of wall time (a real run)");
    // The wire, as the proxy saw it, is drawn: the link the client opened, and frames across it.
    expect(html).toContain("WebSocket link 1 open");
    expect(html).toMatch(/ws 1 segment \d+ arrives: push/);
  }, 30_000);
});
