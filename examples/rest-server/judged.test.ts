import { afterAll, describe, expect, test } from "vitest";
import type { Io } from "../../cli/command.ts";
import { main } from "../../cli/main.ts";
import { liveChildren } from "../../real/processes/children.ts";

// The example servers judged the way a team would judge theirs: replaysim's
// real mode runs a scenario against the process as a black box. The correct
// server holds; the broken copy's one mistake (it applies a duplicate again)
// is caught, with a command that replays it.

afterAll(() => expect(liveChildren()).toBe(0));

async function real(server: string): Promise<{ code: number; json: { runs: { verdict: string; violations: { checker: string; anomaly: string }[] }[]; claims: { id: string; status: string; broken_by: { repro: string } | null }[] } }> {
  const out: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: () => {}, tty: false };
  const code = await main(["real", "--server-cmd", `node examples/${server}/main.js --port {port} --db {db}`, "--scenario", "scenarios/duplicate-request-late.json", "--transport", "rest", "--json"], io);
  return { code, json: JSON.parse(out.join("\n")) };
}

describe.concurrent("examples/rest-server under replaysim real --server-cmd", () => {
  test("the correct server passes, with the claims this scenario exercises held", async () => {
    const { code, json } = await real("rest-server");
    expect(json.runs.map((r) => r.violations)).toEqual([[]]);
    expect(code).toBe(0);
    expect(json.claims.find((c) => c.id === "4")?.status).toBe("held");
    expect(json.claims.filter((c) => c.status === "broken")).toEqual([]);
  }, 60_000);

  test("the broken copy applies the late duplicates again, and the report says so with a replay command", async () => {
    const { code, json } = await real("rest-server-broken");
    expect(code).toBe(1);
    expect(json.runs[0]!.violations.map((v) => `${v.checker}/${v.anomaly}`)).toContain("exactly-once/duplicated");
    const claim4 = json.claims.find((c) => c.id === "4")!;
    expect(claim4.status).toBe("broken");
    expect(claim4.broken_by!.repro).toContain("--server-cmd");
    expect(claim4.broken_by!.repro).toContain("rest-server-broken");
  }, 60_000);
});
