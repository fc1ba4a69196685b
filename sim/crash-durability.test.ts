import Database from "better-sqlite3";
import { expect, test } from "vitest";
import { captureCommitted } from "./nodes/durable.ts";
import { runScenario } from "./run-scenario.ts";
import { parseScenario, resolveScenario } from "./scenario/load.ts";

// A crash keeps exactly what SQLite committed, nothing more.

test("an image taken at a crash inside a transaction holds only committed rows", async () => {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (x INTEGER)");
  db.prepare("INSERT INTO t VALUES (1)").run();
  let image: Buffer | undefined;
  expect(() =>
    db.transaction(() => {
      db.prepare("INSERT INTO t VALUES (2)").run();
      captureCommitted(db, (i) => (image = i));
      throw new Error("crashed mid-transaction");
    })(),
  ).toThrow("crashed mid-transaction");
  await Promise.resolve();
  expect(db.open).toBe(false);
  const restored = new Database(image!);
  expect(restored.prepare("SELECT x FROM t ORDER BY x").pluck().all()).toEqual([1]);
});

test.each(["websocket", "http-batch", "rest"] as const)(
  "%s: an op whose enqueue had not committed is not expected anywhere; one that committed is delivered",
  async (transport) => {
    const scenario = resolveScenario(
      parseScenario({
        seed: 5,
        clients: [{ ops: 30 }],
        timeline: [
          { action: "crash_at", node: "client-1", point: "client.before_enqueue_commit", nth: 7, restart_after_ms: 500 },
          { action: "crash_at", node: "client-1", point: "client.after_enqueue_commit", nth: 15, restart_after_ms: 500 },
        ],
      }),
      transport,
    );
    const result = await runScenario(scenario, { keepHistory: true });
    const history = result.history ?? [];
    const crashes = history.filter((e) => e.type === "crash").map((e) => e.data.cause);
    expect(crashes).toEqual(["client.before_enqueue_commit", "client.after_enqueue_commit"]);
    // The agent tried 30 ops; the one interrupted before commit never became an op.
    expect(history.filter((e) => e.type === "enqueue_interrupted")).toHaveLength(2);
    const committed = history.filter((e) => e.type === "enqueue_committed");
    expect(committed).toHaveLength(29);
    // Seqs have no hole: the rolled-back enqueue gave its seq to the next op.
    expect(committed.map((e) => e.data.seq)).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
    // The op interrupted after its commit was delivered like every other.
    expect(result.stats.applied).toBe(29);
    expect(result.verdict).toBe("pass");
  },
);

test("a run that would go on forever ends at its limit with a clear verdict", async () => {
  const scenario = resolveScenario(parseScenario({ seed: 3, clients: [{ ops: 50 }], limits: { events_max: 40 } }), "websocket");
  const result = await runScenario(scenario);
  expect(result.stats.outcome).toBe("event_limit");
  expect(result.verdict).toBe("fail");
  expect(result.violations.map((v) => `${v.checker}/${v.anomaly}`)).toContain("liveness/event_limit");
});
