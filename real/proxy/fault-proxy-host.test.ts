// The fault proxy's host-level faults over real sockets: black hole, stall windows, a lost applied
// reply, and the appendOps hook.
import { afterEach, describe, expect, test } from "vitest";
import { WebSocket } from "ws";
import type { EchoTarget } from "./echo-target.ts";
import type { FaultProxy, WireEntry } from "./fault-proxy.ts";
import { validateProxyRules } from "./rules.ts";
import { call, connect, entries, rawConnect, runCleanups, setup, sleep, waitFor, watch } from "./test-kit.ts";

afterEach(runCleanups);

const faults = (proxy: FaultProxy, fault: string): WireEntry[] => proxy.log().filter((e) => e.fault === fault);

describe("black hole", () => {
  test("HTTP: requests and new connections get nothing, restore resets them, then new requests pass", async () => {
    const { target, proxy } = await setup({ http: [{ request: 2, fault: "delay", ms: 200 }] });
    expect((await call(proxy, "/echo", "before")).body).toBe("before");
    // Request 2 is inside the proxy (delayed) when the host dies: it must not reach the target.
    const inFlight = call(proxy, "/echo", "in flight");
    await waitFor("request 2 to be held", () => faults(proxy, "delay").length === 1);
    proxy.blackhole();
    // heal() is the liveness phase, not the host's return: the black hole stays.
    proxy.heal();
    const during = call(proxy, "/echo", "during");
    const idle = await rawConnect(proxy);
    const [inFlightSeen, duringSeen] = [watch(inFlight), watch(during)];
    await waitFor("both requests swallowed", () => faults(proxy, "blackhole").length === 2);
    await sleep(300);
    expect([inFlightSeen.state, duringSeen.state]).toEqual(["pending", "pending"]);
    expect(idle).toEqual({ data: "", fin: false, error: undefined, closed: false });
    expect(target.requests.map((r) => r.body)).toEqual(["before"]);

    proxy.restore();
    await expect(inFlight).rejects.toMatchObject({ code: "ECONNRESET" });
    await expect(during).rejects.toMatchObject({ code: "ECONNRESET" });
    await waitFor("the idle connection's reset", () => idle.closed);
    expect(idle).toMatchObject({ data: "", fin: false, error: "ECONNRESET" });
    expect((await call(proxy, "/echo", "after")).body).toBe("after");
    expect(target.requests.map((r) => r.body)).toEqual(["before", "after"]);
    // Request 3 is swallowed as it arrives, request 2 when its delay ends.
    expect(faults(proxy, "blackhole").sort((a, b) => (a.n ?? 0) - (b.n ?? 0))).toEqual([
      expect.objectContaining({ kind: "http_fault", n: 2, body: "in flight", detail: "request" }),
      expect.objectContaining({ kind: "http_fault", n: 3, body: "during", detail: "request" }),
    ]);
  });

  test("WebSocket: frames swallowed both ways, a close and an upgrade unanswered; restore resets the client and closes the target's side", async () => {
    const { target, proxy } = await setup();
    const client = await connect(proxy, "/rpc");
    client.ws.send("m1");
    await waitFor("the first echo", () => client.received.length === 1);

    proxy.blackhole();
    client.ws.send("m2");
    expect(target.push("s1")).toBe(1);
    await waitFor("both frames swallowed", () => faults(proxy, "blackhole").length === 2);
    // A live proxy answers a close frame with its own and ends the socket; a dead host does not.
    client.ws.close(1000, "bye");
    const upgrade = connect(proxy, "/rpc");
    const upgradeSeen = watch(upgrade);
    await waitFor("the upgrade swallowed", () => faults(proxy, "blackhole").length === 3);
    await sleep(300);
    expect(client.ws.readyState).toBe(WebSocket.CLOSING);
    expect([client.fin, client.socketError]).toEqual([false, undefined]);
    expect(upgradeSeen.state).toBe("pending");
    expect(client.received).toEqual(["m1"]);
    expect(target.connections.map((c) => c.messages)).toEqual([["m1"]]);
    expect(target.connections[0]!.ending).toBeUndefined();

    proxy.restore();
    expect(await client.closed).toBe(1006);
    expect([client.fin, client.socketError]).toEqual([false, "ECONNRESET"]);
    await expect(upgrade).rejects.toMatchObject({ code: "ECONNRESET" });
    // Nothing is left open toward the target.
    await waitFor("the target's side to end", () => target.connections[0]!.ending !== undefined);
    const fresh = await connect(proxy, "/rpc");
    fresh.ws.send("m3");
    await waitFor("the new connection's echo", () => fresh.received.length === 1);
    expect(target.connections.map((c) => c.messages)).toEqual([["m1"], ["m3"]]);
    expect(faults(proxy, "blackhole")).toEqual([
      expect.objectContaining({ kind: "ws_fault", conn: 1, direction: "to_server", frame: 2, body: "m2" }),
      expect.objectContaining({ kind: "ws_fault", conn: 1, direction: "to_client", frame: 2, body: "s1" }),
      expect.objectContaining({ kind: "ws_fault", conn: 2, path: "/rpc", detail: "upgrade" }),
    ]);
  });

  test("close() during a black hole still ends every connection", async () => {
    const { proxy } = await setup();
    proxy.blackhole();
    const idle = await rawConnect(proxy, "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor("the request swallowed", () => faults(proxy, "blackhole").length === 1);
    await proxy.close();
    await waitFor("the connection to end", () => idle.closed);
    expect(idle.data).toBe("");
  });
});

describe("stall windows", () => {
  test("traffic on connections is held until the window ends, then delivered in order; new connections still open", async () => {
    let clock = 0;
    const { target, proxy } = await setup({ stall: [{ from_ms: 100, to_ms: 200 }] }, { now: () => clock });
    const client = await connect(proxy, "/rpc?silent");
    client.ws.send("before");
    await waitFor("the first frame", () => target.connections[0]?.messages.length === 1);

    clock = 150;
    client.ws.send("d1");
    client.ws.send("d2");
    // Unlike a partition, a connection opened now gets through; its frames are held like the rest.
    const late = await connect(proxy, "/rpc?silent");
    late.ws.send("x1");
    expect(target.push("p1")).toBe(2);
    expect(target.push("p2")).toBe(2);
    const request = call(proxy, "/echo", "held");
    const requestSeen = watch(request);
    await sleep(300);
    expect(target.connections.map((c) => c.messages)).toEqual([["before"], []]);
    expect([client.received, late.received]).toEqual([[], []]);
    expect(target.requests).toEqual([]);
    expect(requestSeen.state).toBe("pending");

    clock = 250;
    expect((await request).body).toBe("held");
    await waitFor("every held frame", () => target.connections[0]!.messages.length === 3 && client.received.length === 2 && late.received.length === 2);
    await waitFor("conn 2's frame", () => target.connections[1]!.messages.length === 1);
    expect(target.connections.map((c) => c.messages)).toEqual([["before", "d1", "d2"], ["x1"]]);
    expect([client.received, late.received]).toEqual([
      ["p1", "p2"],
      ["p1", "p2"],
    ]);
    expect(faults(proxy, "stall").length).toBeGreaterThanOrEqual(4);
    expect(faults(proxy, "stall").every((e) => e.detail?.includes("held until 200 ms"))).toBe(true);
    expect(faults(proxy, "partition").concat(faults(proxy, "refuse"))).toEqual([]);
  });

  test("a held response waits, and heal() ends the window at once", async () => {
    let target: EchoTarget | undefined;
    // The clock enters the (endless) window once the target has the request: its response is held.
    const now = () => ((target?.requests.length ?? 0) > 0 ? 150 : 0);
    const started = await setup({ stall: [{ from_ms: 100, to_ms: 1e9 }] }, { now });
    target = started.target;
    const proxy = started.proxy;
    const client = await connect(proxy, "/rpc");
    const request = call(proxy, "/echo", "reply held");
    const requestSeen = watch(request);
    await waitFor("the target to get the request", () => target.requests.length === 1);
    client.ws.send("w1");
    await sleep(300);
    expect(requestSeen.state).toBe("pending");
    expect(target.connections[0]!.messages).toEqual([]);
    expect(entries(proxy, "http_fault")).toEqual([expect.objectContaining({ n: 1, fault: "stall", detail: "response held until 1000000000 ms" })]);

    proxy.heal();
    expect((await request).body).toBe("reply held");
    await waitFor("the frame's echo", () => client.received.length === 1);
    expect(client.received).toEqual(["w1"]);
  });
});

describe("lose_reply", () => {
  test("WebSocket: the 2nd applied reply is lost and both connections reset; the 1st and 3rd arrive", async () => {
    const { target, proxy } = await setup({ lose_reply: [2] });
    const client = await connect(proxy, "/rpc");
    for (const frame of ['{"applied":1,"k":1}', '{"applied":0,"k":"none"}', '{"k":"no ack"}']) {
      client.ws.send(frame);
      await waitFor(`the echo of ${frame}`, () => client.received.at(-1) === frame);
    }
    client.ws.send('{"applied":2,"k":2}');
    expect(await client.closed).toBe(1006);
    expect([client.fin, client.socketError]).toEqual([false, "ECONNRESET"]);
    expect(client.received).toEqual(['{"applied":1,"k":1}', '{"applied":0,"k":"none"}', '{"k":"no ack"}']);
    // The server got (applied) it; its connection was reset too.
    expect(target.connections[0]!.messages.at(-1)).toBe('{"applied":2,"k":2}');
    await waitFor("the target's side to end", () => target.connections[0]!.ending !== undefined);
    expect(target.connections[0]!.ending).toMatchObject({ code: 1006, error: "ECONNRESET" });

    const again = await connect(proxy, "/rpc");
    again.ws.send('{"applied":3,"k":3}');
    await waitFor("the 3rd applied reply", () => again.received.length === 1);
    expect(faults(proxy, "lose_reply")).toEqual([
      expect.objectContaining({ kind: "ws_fault", conn: 1, direction: "to_client", frame: 4, body: '{"applied":2,"k":2}', detail: "applied reply 2" }),
    ]);
  });

  test("HTTP: a listed applied reply is lost with a reset, counted over the whole proxy; none after heal()", async () => {
    const { target, proxy } = await setup({ lose_reply: [1, 3, 4] });
    await expect(call(proxy, "/echo", '{"applied":4}')).rejects.toMatchObject({ code: "ECONNRESET" });
    expect((await call(proxy, "/echo", '{"applied":0}')).body).toBe('{"applied":0}');
    expect((await call(proxy, "/echo", '{"result":{"applied":2}}')).body).toBe('{"result":{"applied":2}}');
    // WebSocket acks count in the same sequence: this is applied reply 3.
    const client = await connect(proxy, "/rpc");
    client.ws.send('{"applied":1}');
    expect(await client.closed).toBe(1006);
    proxy.heal();
    expect((await call(proxy, "/echo", '{"applied":5}')).body).toBe('{"applied":5}');
    expect(target.requests.map((r) => r.body)).toEqual(['{"applied":4}', '{"applied":0}', '{"result":{"applied":2}}', '{"applied":5}']);
    expect(faults(proxy, "lose_reply")).toEqual([
      expect.objectContaining({ kind: "http_fault", n: 1, status: 200, body: '{"applied":4}', detail: "applied reply 1" }),
      expect.objectContaining({ kind: "ws_fault", conn: 1, detail: "applied reply 3" }),
    ]);
  });
});

describe("onAppendCall", () => {
  test("counts appendOps calls as they go to the server: frames, bodies, REST POST .../ops and copies, not dropped ones", async () => {
    let clock = 0;
    let target: EchoTarget | undefined;
    /** Per call: nth, and how many frames the target had then (the call is not there yet). */
    const calls: [number, number][] = [];
    const onAppendCall = (nth: number) => {
      calls.push([nth, target?.connections[0]?.messages.length ?? -1]);
      if (nth === 2) throw new Error("hook failed");
    };
    const started = await setup(
      {
        http: [
          { request: 2, fault: "drop_request" },
          { request: 3, fault: "duplicate", delay_ms: 20 },
        ],
        stall: [{ from_ms: 100, to_ms: 200 }],
      },
      { now: () => clock, onAppendCall },
    );
    target = started.target;
    const proxy = started.proxy;
    const append = '["push",["pipeline",1,["appendOps"],[[{"op_id":"a"}]]]]';
    const client = await connect(proxy, "/rpc?silent");
    client.ws.send(append);
    client.ws.send('["push",["pipeline",1,["readOps"],[0]]]');
    await waitFor("both frames", () => target.connections[0]!.messages.length === 2);
    expect(calls).toEqual([[1, 0]]);

    // A REST append (the hook throws: logged, and the request still goes on).
    expect((await call(proxy, "/shares/s1/ops?x=1", "{}")).status).toBe(404);
    await expect(call(proxy, "/echo", append)).rejects.toMatchObject({ code: "ECONNRESET" });
    expect((await call(proxy, "/echo", append)).body).toBe(append);
    await waitFor("the copy", () => target.requests.length === 3);
    expect((await call(proxy, "/shares/s1/ops")).status).toBe(404);
    expect(calls.map(([nth]) => nth)).toEqual([1, 2, 3, 4]);
    expect(faults(proxy, "hook_error")).toEqual([expect.objectContaining({ kind: "http_fault", n: 1, detail: expect.stringContaining("hook failed") })]);

    // Held by a stall: counted when it is released, just before the target gets it.
    clock = 150;
    client.ws.send(append);
    await sleep(200);
    expect(calls.length).toBe(4);
    clock = 250;
    await waitFor("the held call", () => target.connections[0]!.messages.length === 3);
    expect(calls.at(-1)).toEqual([5, 2]);
  });
});

test("stall and lose_reply rules are validated", () => {
  const bad: [unknown, string][] = [
    [{ stall: [{ from_ms: 50, to_ms: 50 }] }, "rules.stall[0].to_ms"],
    [{ stall: [{ from_ms: -1, to_ms: 5 }] }, "rules.stall[0].from_ms"],
    [{ stall: [{ from_ms: 1, to_ms: 5, ms: 3 }] }, "rules.stall[0].ms"],
    [{ stall: { from_ms: 1, to_ms: 5 } }, "rules.stall"],
    [{ lose_reply: [1, 0] }, "rules.lose_reply[1]"],
    [{ lose_reply: [1.5] }, "rules.lose_reply[0]"],
    [{ lose_reply: 2 }, "rules.lose_reply"],
  ];
  for (const [rules, field] of bad) {
    expect(() => validateProxyRules(rules), field).toThrow(expect.objectContaining({ code: "bad_proxy_rule", field }));
  }
  expect(validateProxyRules({ stall: [{ from_ms: 0, to_ms: 10 }], lose_reply: [2, 5] })).toEqual({ stall: [{ from_ms: 0, to_ms: 10 }], lose_reply: [2, 5] });
});
