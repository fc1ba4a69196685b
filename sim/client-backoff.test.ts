import { describe, expect, test } from "vitest";
import { runScenario } from "./run-scenario.ts";
import { parseScenario, resolveScenario } from "./scenario/load.ts";
import { TRANSPORTS } from "./scenario/schema.ts";

// The reference client's backoff grows with every failed session and starts
// over only at an ack (docs/protocol.md). A server whose disk is full accepts
// the connection and the redeem, then refuses every batch: reconnecting at the
// base delay each time would hammer it for as long as the disk stays full.

const WINDOW_MS = 30_000;

describe("a server that refuses every batch with disk_full for 30 s", () => {
  test.each(TRANSPORTS)("%s: the client's retries thin out (backoff doubling from 5 ms to 5 s), and it drains once space returns", async (transport) => {
    const scenario = resolveScenario(
      parseScenario({
        seed: 1,
        transport,
        clients: [{ ops: 600 }],
        client: { batch_size: 5, backoff_base_ms: 5, backoff_max_ms: 5000 },
        // From 100 ms: a fresh database has free room in its pages; the refusals start once they fill.
        timeline: [{ action: "disk_full", at_ms: 100, node: "server", duration_ms: WINDOW_MS }],
      }),
    );
    const result = await runScenario(scenario, { keepHistory: true });
    expect(result.verdict).toBe("pass");
    const refused = result.history!.filter((e) => e.type === "session_failed" && e.node === "client-1" && e.data.code === "disk_full" && e.t < 100 + WINDOW_MS);
    // Doubling from 5 ms reaches the 5 s cap in ten tries, then one try per 5 s.
    // Reset by every ack, or cut short by every new op, it was one try each 200 ms.
    expect(refused.length).toBeGreaterThan(3);
    expect(refused.length).toBeLessThan(30);
    const gaps = refused.slice(1).map((e, i) => e.t - refused[i]!.t);
    expect(Math.max(...gaps)).toBeGreaterThan(2000);
  });
});
