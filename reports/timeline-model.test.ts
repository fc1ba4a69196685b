import { describe, expect, test } from "vitest";
import type { HistoryEvent } from "../sim/history/history.ts";
import { runScenario } from "../sim/run-scenario.ts";
import { loadScenarioFile, resolveScenario } from "../sim/scenario/load.ts";
import { matchesWitness, witnessQuery } from "./timeline-keys.ts";
import { LAYOUT, layoutRows } from "./timeline-layout.ts";
import { buildTimeline } from "./timeline-model.ts";
import { timelineHtml } from "./timeline.ts";

const pinned = async (name: string) => {
  const scenario = resolveScenario(loadScenarioFile(new URL(`../scenarios/regressions/mutants/${name}.json`, import.meta.url).pathname));
  return runScenario(scenario, { keepHistory: true });
};

const ev = (t: number, node: string, type: string, data: Record<string, unknown> = {}): HistoryEvent => ({ t, node, type, data }) as HistoryEvent;
const START = [ev(0, "server", "start", { shares: ["sh_a"] }), ev(0, "client-1", "start", { producer: "p1", share: "sh_a", scope: "write", secret: "valid" })];

describe("the diagram's data, from a history", () => {
  test("HTTP: a request, its answer, a dropped request, a dropped answer and a late copy pair up by request number", () => {
    const m = buildTimeline(
      [
        ...START,
        ev(1, "client-1", "call_sent", { producer: "p1", seq_from: 1, seq_to: 2 }),
        ev(1, "client-1", "http_sent", { request: 1, method: "POST", path: "/rpc" }),
        ev(5, "server", "applied", { share: "sh_a", producer: "p1", seq_from: 1, seq_to: 2, count: 2, cursor_to: 2, epoch: 0, scope: "write" }),
        ev(5, "client-1", "http_handled", { request: 1, status: 200 }),
        ev(9, "client-1", "http_received", { request: 1, status: 200 }),
        ev(10, "client-1", "http_sent", { request: 2, method: "POST", path: "/rpc" }),
        ev(12, "client-1", "http_dropped", { request: 2, leg: "request" }),
        ev(20, "client-1", "http_received", { request: 2, status: null }),
        ev(21, "client-1", "http_sent", { request: 3, method: "POST", path: "/api/share/sh_a/ops" }),
        ev(25, "client-1", "http_dropped", { request: 3, leg: "response", status: 200 }),
        ev(30, "client-1", "http_received", { request: 3, status: null }),
        ev(40, "client-1", "http_duplicate_delivered", { request: 1 }),
      ],
      "http-batch",
      null,
      40,
    );
    expect(m.lanes.map((l) => l.name)).toEqual(["server", "client-1"]);
    expect(m.arrows.map((a) => [a.kind, a.label, a.reach < 1 ? "lost" : "delivered"])).toEqual([
      ["request", "#1–2", "delivered"],
      ["response", "", "delivered"],
      ["request", "", "lost"],
      ["request", "ops", "delivered"],
      ["response", "", "lost"],
      ["duplicate", "copy #1–2", "delivered"],
    ]);
    const request = m.arrows[0]!;
    expect(m.lanes[request.fromLane]!.name).toBe("client-1");
    expect(m.lanes[request.toLane]!.name).toBe("server");
    expect(m.rows[request.toRow]!.t).toBe(5);
    expect(m.rows[m.arrows[1]!.toRow]!.t).toBe(9);
    // The late copy leaves when the original did.
    expect(m.arrows[5]!.fromRow).toBe(request.fromRow);
    expect(m.rows.flatMap((r) => r.labels.map((l) => l.text))).toContain("apply client-1 #1–2 → cur 2");
  });

  test("WebSocket: a segment's send and arrival pair up, a call rides the segment capnweb wrote just before its probe, a lost one ends short", () => {
    const m = buildTimeline(
      [
        ...START,
        ev(3, "client-1", "ws_sent", { link: 1, direction: "to_server", segment: 1 }),
        ev(3, "client-1", "call_sent", { producer: "p1", seq_from: 4, seq_to: 4 }),
        ev(7, "client-1", "ws_delivered", { link: 1, direction: "to_server", segment: 1, frames: ["push", "pull"] }),
        ev(7, "client-1", "ws_sent", { link: 1, direction: "to_client", segment: 2 }),
        ev(8, "client-1", "ws_closed", { link: 1, reason: "cut to_client after 0 frames" }),
        ev(9, "client-1", "ws_lost", { link: 1, direction: "to_client", segment: 2, frames: ["resolve"], reason: "closed" }),
      ],
      "websocket",
      null,
      9,
    );
    expect(m.arrows.map((a) => [a.kind, a.label, a.reach])).toEqual([
      ["frame", "#4", 1],
      ["frame", "", 0.6],
    ]);
    expect(m.lanes[m.arrows[1]!.fromLane]!.name).toBe("server");
    const cut = m.rows.find((r) => r.glyph === "cut")!;
    expect(cut.labels[0]!.text).toMatch(/^ws 1 cut/);
  });

  test("crashes open a down band that the restart closes; partitions and stalls are bands too", () => {
    const m = buildTimeline(
      [
        ...START,
        ev(10, "client-1", "crash", { cause: "random" }),
        ev(40, "client-1", "restart", { acked_seq: 0, pending: 2, cursor: 0 }),
        ev(50, "all", "partition", { duration_ms: 100 }),
        ev(150, "all", "partition_ended", {}),
        ev(160, "client-1", "stall", { duration_ms: 10 }),
      ],
      "rest",
      null,
      200,
    );
    const bands = m.bands.map((b) => [b.kind, m.lanes[b.lane]!.name, m.rows[b.fromRow]!.t, m.rows[b.toRow]!.t]);
    expect(bands).toEqual([
      ["down", "client-1", 10, 40],
      ["partition", "server", 50, 150],
      // Still open at the end: it runs to the last row.
      ["stall", "client-1", 160, 160],
    ]);
    expect(m.rows.find((r) => r.glyph === "crash")!.labels[0]!.text).toBe("crash: random");
  });

  test("a type this version does not know still gets a mark, on its own lane", () => {
    const m = buildTimeline([...START, ev(5, "viewer-1", "subscribed", { cursor: 3 })], "websocket", null, 5);
    expect(m.lanes.map((l) => l.name)).toEqual(["server", "client-1", "viewer-1"]);
    expect(m.rows.at(-1)!.labels[0]!.text).toBe("subscribed");
    expect(m.rows.at(-1)!.details[0]).toBe("subscribed: cursor 3");
  });

  test("a viewer's lane says what was served, applied and why it stopped, with the cursors", () => {
    const m = buildTimeline(
      [
        ...START,
        ev(5, "server", "served", { share: "sh_a", via: "push", cursor_from: 1, cursor_to: 3, count: 3, limit: 50, epoch: 0, scope: "read", in_flight: 1 }),
        ev(9, "viewer-1", "viewer_applied", { viewer: "v1", share: "sh_a", cursor_from: 0, cursor_to: 3, count: 3 }),
        ev(12, "viewer-1", "viewer_stopped", { viewer: "v1", code: "bad_secret", message: "rotated" }),
      ],
      "websocket",
      null,
      12,
    );
    const labels = m.rows.flatMap((r) => r.labels.map((l) => l.text));
    expect(labels).toEqual(expect.arrayContaining(["serve push cur 1–3", "applied cur 1–3", "stopped: bad_secret"]));
    expect(m.rows.find((r) => r.glyph === "crash")!.details[0]).toBe("viewer stopped for good: bad_secret: rotated");
  });

  test("charts: outbox depth and acked seq per client, the cursor per share", () => {
    const m = buildTimeline(
      [
        ...START,
        ev(1, "client-1", "enqueue_committed", { producer: "p1", seq: 1, op_id: "o1" }),
        ev(2, "client-1", "enqueue_committed", { producer: "p1", seq: 2, op_id: "o2" }),
        ev(5, "server", "applied", { share: "sh_a", producer: "p1", seq_from: 1, seq_to: 2, count: 2, cursor_to: 2, epoch: 0, scope: "write" }),
        ev(9, "client-1", "marked_acked", { producer: "p1", acked_seq: 2 }),
      ],
      "rest",
      null,
      10,
    );
    const chart = (title: string) => m.charts.find((c) => c.title.startsWith(title))!;
    expect(chart("share 0").series[0]!.points).toEqual([
      [0, 0],
      [5, 2],
    ]);
    const client = chart("client-1").series;
    expect(client.find((s) => s.name === "outbox depth")!.points.map((p) => p[1])).toEqual([0, 1, 2, 0]);
    expect(client.find((s) => s.name === "acked seq")!.points.map((p) => p[1])).toEqual([0, 0, 0, 2]);
  });
});

describe("the witness", () => {
  const names = { laneOfProducer: (p: string) => (p === "p1" ? "client-1" : undefined), shareName: (id: string) => (id === "sh_a" ? "share 0" : undefined), shareOfLane: () => "share 0" };

  test("exactly-once's duplicate names a producer's seq, its op id and two cursors", () => {
    const q = witnessQuery({ producer: "p1", seq: 8, op_id: "o8", cursors: [8, 9] }, names);
    expect(q).toEqual({ lane: "client-1", share: "share 0", seqs: [{ lo: 8, hi: 8 }], cursors: [{ lo: 8, hi: 8 }, { lo: 9, hi: 9 }], ops: ["o8"] });
    expect(matchesWitness({ seqs: [{ lane: "client-1", lo: 7, hi: 9 }], ops: [], cursors: [] }, q)).toBe(true);
    // The same seq of another producer is another op.
    expect(matchesWitness({ seqs: [{ lane: "client-2", lo: 8, hi: 8 }], ops: [], cursors: [] }, q)).toBe(false);
    expect(matchesWitness({ seqs: [], ops: [], cursors: [{ share: "share 0", lo: 9, hi: 9 }] }, q)).toBe(true);
    expect(matchesWitness({ seqs: [], ops: [], cursors: [{ share: "share 0", lo: 10, hi: 12 }] }, q)).toBe(false);
  });

  test("an op named as producer#seq, and an applied event's range with its cursor span", () => {
    expect(witnessQuery({ op: "p1#4", cursor: 2, share: "sh_a" }, names)).toMatchObject({ lane: "client-1", seqs: [{ lo: 4, hi: 4 }], cursors: [{ lo: 2, hi: 2 }] });
    expect(witnessQuery({ producer: "p1", seq_from: 3, seq_to: 5, count: 3, cursor_to: 9 }, names)).toMatchObject({ seqs: [{ lo: 3, hi: 5 }], cursors: [{ lo: 7, hi: 9 }] });
  });

  test("no-dedupe's pinned regression: both applies of seq 8 and both requests that carried it are highlighted, nothing of seq 7", async () => {
    const result = await pinned("no-dedupe");
    const m = buildTimeline(result.history!, result.transport, result.violations[0]!.witness, result.stats.sim_time_ms);
    const applies = m.rows.filter((r) => r.witness && r.labels.some((l) => l.text.startsWith("apply client-1 #8 ")));
    expect(applies.length).toBe(2);
    expect(m.arrows.filter((a) => a.witness && a.kind === "request").map((a) => a.label)).toEqual(["#8", "#8"]);
    expect(m.rows.some((r) => r.labels.some((l) => l.witness && l.text.includes("#7")))).toBe(false);
    expect(m.rows.some((r) => r.labels.some((l) => l.witness && l.text === "enq #8"))).toBe(true);
    expect(m.firstWitnessRow).toBe(m.rows.find((r) => r.witness)!.index);
    expect(m.lanes.find((l) => l.name === "client-1")!.witness).toBe(true);
  });
});

describe("layout", () => {
  test("an idle stretch collapses to a break; expanded, time is linear", () => {
    const ts = [0, 5, 5, 11_405];
    const collapsed = layoutRows(ts, [1, 1, 2, 1], [true, true, true, true], true);
    expect(collapsed.breaks).toEqual([{ y: expect.any(Number), dt_ms: 11_400 }]);
    expect(collapsed.y[3]! - collapsed.y[2]!).toBe(LAYOUT.row + LAYOUT.line + LAYOUT.breakPx);
    const expanded = layoutRows(ts, [1, 1, 1, 1], [true, true, true, true], false);
    expect(expanded.breaks).toEqual([]);
    expect(expanded.y[3]! - expanded.y[2]!).toBeCloseTo(LAYOUT.row + 11_400 * LAYOUT.pxPerMs);
    // Rows at the same instant still get a row each, in history order.
    expect(expanded.y[2]! - expanded.y[1]!).toBe(LAYOUT.row);
    const hidden = layoutRows(ts, [1, 1, 1, 1], [true, false, true, true], true);
    expect(Number.isNaN(hidden.y[1]!)).toBe(true);
  });
});

describe("the page", () => {
  test("is one self-contained file: an inline <svg> with one lane per node, no external resource", async () => {
    const result = await pinned("no-dedupe");
    const html = timelineHtml(result, "replaysim run --scenario x.json");
    expect(html).toMatch(/<svg id="diagram"/);
    expect(html.match(/<line class="lane /g)?.length).toBe(2);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(html).toContain(`<code id="repro">replaysim run --scenario x.json</code>`);
  });
});
