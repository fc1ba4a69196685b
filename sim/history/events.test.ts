import { describe, expect, expectTypeOf, it } from "vitest";
import type { ProbeEvent } from "../../protocol/ports.ts";
import { canonicalJson } from "./canonical-json.ts";
import { isEvent, type HistoryEventMap, type HistoryEventType } from "./events.ts";
import { History, type HistoryEvent } from "./history.ts";

describe("the typed history", () => {
  it("a misspelled event type, or data of the wrong shape, does not compile", () => {
    const history = new History();
    // @ts-expect-error: "http_snet" is no event type
    history.record(1, "client-1", "http_snet", { request: 1, method: "POST", path: "/rpc" });
    // @ts-expect-error: an http_sent event has no `status`
    history.record(1, "client-1", "http_sent", { request: 1, status: 200 });
    // @ts-expect-error: "crashed" is no event type
    history.ofType("crashed");
    // @ts-expect-error: nor is "craash"
    history.events.filter(isEvent("craash"));
    // The lines above threw nothing at run time: only the compiler refuses them.
    expect(history.events.map((e) => e.type)).toEqual(["http_snet", "http_sent"]);
  });

  it("a recorded event round-trips: the same event back, typed, and its canonical line", () => {
    const history = new History();
    const data: HistoryEventMap["http_sent"] = { request: 3, method: "POST", path: "/rpc" };
    const recorded = history.record(7, "client-2", "http_sent", data);
    expect(recorded).toEqual({ t: 7, node: "client-2", type: "http_sent", data });
    const [sent] = history.ofType("http_sent");
    expectTypeOf(sent!.data.request).toEqualTypeOf<number>();
    expect(sent).toBe(recorded);
    expect(history.events).toEqual([recorded]);
    expect(history.canonicalLines()).toEqual(['[7,"client-2","http_sent",{"method":"POST","path":"/rpc","request":3}]']);
    expect(JSON.parse(history.canonicalLines()[0]!)).toEqual([7, "client-2", "http_sent", data]);
  });

  it("narrowing on the type narrows the data", () => {
    const history = new History();
    history.record(0, "client-1", "crash", { cause: "random", silent: true });
    history.record(1, "client-1", "http_received", { request: 1, status: null });
    const seen: string[] = [];
    for (const e of history.events as readonly HistoryEvent[]) {
      if (e.type === "crash") seen.push(`${e.data.cause}${e.data.silent ? " (silent)" : ""}`);
      else if (e.type === "http_received") seen.push(`request ${e.data.request}: ${String(e.data.status)}`);
    }
    expect(seen).toEqual(["random (silent)", "request 1: null"]);
    expect(history.events.filter(isEvent("crash")).map((e) => e.data.cause)).toEqual(["random"]);
  });

  it("a probe event is recorded as its type, with the rest of its fields as data", () => {
    const history = new History();
    const event: ProbeEvent = { type: "served", share: "sh_0", via: "push", cursor_from: 1, cursor_to: 2, count: 2, limit: 50, epoch: 0, scope: "read", in_flight: 1 };
    history.recordProbe(4, "server", event);
    const { type, ...data } = event;
    expect(history.events).toEqual([{ t: 4, node: "server", type: "served", data }]);
    expect(history.canonicalLines()).toEqual([canonicalJson([4, "server", type, data])]);
    // The same line as the world wrote before it had recordProbe.
    const before = new History();
    before.record(4, "server", type, data);
    expect(history.traceHash()).toBe(before.traceHash());
  });

  it("maps every probe event type, with the probe's fields as data", () => {
    expectTypeOf<ProbeEvent["type"]>().toExtend<HistoryEventType>();
    expectTypeOf<HistoryEventMap["viewer_applied"]>().toEqualTypeOf<Omit<Extract<ProbeEvent, { type: "viewer_applied" }>, "type">>();
  });
});
