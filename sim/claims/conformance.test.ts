import { expect, test } from "vitest";
import { conformanceTable, type ConformanceRun } from "./conformance.ts";

const run = (over: Partial<ConformanceRun> = {}): ConformanceRun => ({
  seed: 1,
  transport: "rest",
  verdict: "pass",
  findings: [],
  coverage: [],
  faults_by_kind: {},
  has: { viewers: false, readers: false, wrong_secret: false, ops: 10, client_state: true },
  repro: "replaysim run --seed 1",
  ...over,
});

const status = (table: ReturnType<typeof conformanceTable>, id: string) => table.find((v) => v.id === id)?.status;

test("a clean run holds what it exercised and leaves the rest not exercised", () => {
  const table = conformanceTable([run()], "client");
  expect(status(table, "1")).toBe("held");
  expect(status(table, "36")).toBe("not exercised");
  expect(table.every((v) => v.broken_by === null)).toBe(true);
});

test("a finding breaks its claim and names the run, its checker and the repro", () => {
  const broken = run({ seed: 7, verdict: "fail", faults_by_kind: { crash: 2 }, findings: [{ checker: "exactly-once", anomaly: "lost", message: "op lost" }], repro: "replaysim run --seed 7", timeline: "t.html" });
  const table = conformanceTable([run(), broken], "client");
  expect(table.find((v) => v.id === "36")).toMatchObject({ status: "broken", broken_by: { seed: 7, checker: "exactly-once", anomaly: "lost", repro: "replaysim run --seed 7", timeline: "t.html" } });
  expect(status(table, "1")).toBe("broken");
  expect(status(table, "9")).toBe("held");
});

test("only a run that exercised a claim can break it: a loss without a crash says nothing about crashes", () => {
  const table = conformanceTable([run({ verdict: "fail", findings: [{ checker: "exactly-once", anomaly: "lost", message: "op lost" }] })], "client");
  expect(status(table, "1")).toBe("broken");
  expect(status(table, "36")).toBe("not exercised");
});

test("a server's table holds the server's claims, a client's the client's, and both the end-to-end ones", () => {
  const server = conformanceTable([run()], "server").map((v) => v.id);
  const client = conformanceTable([run()], "client").map((v) => v.id);
  expect(server).toContain("6");
  expect(server).not.toContain("9");
  expect(client).toContain("9");
  expect(client).not.toContain("6");
  expect(server).toContain("22");
  expect(client).toContain("22");
});

test("a client that keeps no sync state where the world reads it does not exercise the claims judged from it", () => {
  const table = conformanceTable([run({ has: { viewers: false, readers: false, wrong_secret: false, ops: 10, client_state: false } })], "client");
  expect(status(table, "9")).toBe("not exercised");
  expect(status(table, "20")).toBe("not exercised");
  expect(status(table, "1")).toBe("held");
});
