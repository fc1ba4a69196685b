// The fault proxy over real sockets: a real target server, real HTTP and WebSocket clients.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, test } from "vitest";
import { startFaultProxy, type WireEntry } from "./fault-proxy.ts";
import { validateProxyRules } from "./rules.ts";
import { call, cleanups, connect, entries, runCleanups, setup, sleep, waitFor } from "./test-kit.ts";

afterEach(runCleanups);

describe("fault proxy", () => {
  test("passes HTTP and WebSocket through unchanged and logs all of it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fault-proxy-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const logFile = join(dir, "wire.jsonl");
    const { target, proxy } = await setup(undefined, { logFile });
    const auth = { authorization: "Bearer t0k", cookie: "sid=42", "user-agent": "replaysim-test" };

    expect(await call(proxy, "/echo", "hello", auth)).toMatchObject({ status: 200, body: "hello" });
    expect(await call(proxy, "/nope")).toMatchObject({ status: 404, body: "not found" });
    expect(target.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ["POST", "/echo", "hello"],
      ["GET", "/nope", ""],
    ]);
    expect(target.requests[0]!.headers).toMatchObject(auth);

    // The client offers compression; the proxy strips it on both legs.
    const client = await connect(proxy, "/rpc?x=1", auth);
    expect(client.ws.extensions).toBe("");
    client.ws.send("m1");
    client.ws.send(Buffer.from([1, 2, 3]));
    await waitFor("both echoes", () => client.received.length === 2);
    expect(client.received).toEqual(["m1", "b64:AQID"]);
    client.ws.close(1000, "bye");
    await waitFor("the target's close", () => target.connections[0]?.ending !== undefined);
    await waitFor("the close logged both ways", () => entries(proxy, "ws_close").length === 2);

    const conn = target.connections[0]!;
    expect(conn.path).toBe("/rpc?x=1");
    expect(conn.headers).toMatchObject(auth);
    expect(conn.headers["sec-websocket-extensions"]).toBeUndefined();
    expect(conn.messages).toEqual(["m1", "b64:AQID"]);
    expect(conn.ending).toMatchObject({ code: 1000 });

    const log = proxy.log();
    const strip = (e: WireEntry) => ({ ...e, t_ms: 0 });
    expect(log.filter((e) => e.kind.startsWith("http")).map(strip)).toEqual([
      { t_ms: 0, kind: "http_request", n: 1, method: "POST", path: "/echo", body: "hello", bytes: 5 },
      { t_ms: 0, kind: "http_response", n: 1, method: "POST", path: "/echo", status: 200, body: "hello", bytes: 5 },
      { t_ms: 0, kind: "http_request", n: 2, method: "GET", path: "/nope", body: "", bytes: 0 },
      { t_ms: 0, kind: "http_response", n: 2, method: "GET", path: "/nope", status: 404, body: "not found", bytes: 9 },
    ]);
    expect(log.filter((e) => e.kind.startsWith("ws")).map(strip)).toEqual([
      { t_ms: 0, kind: "ws_open", conn: 1, path: "/rpc?x=1" },
      { t_ms: 0, kind: "ws_frame", conn: 1, direction: "to_server", frame: 1, body: "m1", bytes: 2 },
      { t_ms: 0, kind: "ws_frame", conn: 1, direction: "to_server", frame: 2, body: "AQID", bytes: 3, detail: "binary" },
      { t_ms: 0, kind: "ws_frame", conn: 1, direction: "to_client", frame: 1, body: "m1", bytes: 2 },
      { t_ms: 0, kind: "ws_frame", conn: 1, direction: "to_client", frame: 2, body: "AQID", bytes: 3, detail: "binary" },
      expect.objectContaining({ kind: "ws_close", conn: 1, direction: "to_server", detail: "1000 bye" }),
      expect.objectContaining({ kind: "ws_close", conn: 1, direction: "to_client", detail: "1000 bye" }),
    ]);
    const times = log.map((e) => e.t_ms);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const fileLines = readFileSync(logFile, "utf8").trim().split("\n");
    expect(fileLines.map((line) => JSON.parse(line) as WireEntry)).toEqual(log);
  });

  test("drop_request: the target never sees it, the client's connection is reset", async () => {
    const { target, proxy } = await setup({ http: [{ request: 2, fault: "drop_request" }] });
    expect((await call(proxy, "/echo", "one")).body).toBe("one");
    await expect(call(proxy, "/echo", "two")).rejects.toMatchObject({ code: "ECONNRESET" });
    expect((await call(proxy, "/echo", "three")).body).toBe("three");
    expect(target.requests.map((r) => r.body)).toEqual(["one", "three"]);
    expect(entries(proxy, "http_request").map((e) => e.n)).toEqual([1, 3]);
    expect(entries(proxy, "http_fault")).toEqual([expect.objectContaining({ n: 2, fault: "drop_request", body: "two" })]);
  });

  test("heal: from then on no rule applies, and latency stays", async () => {
    const { target, proxy } = await setup({ http: [{ request: 2, fault: "drop_request" }], latency_ms: 1 });
    expect((await call(proxy, "/echo", "one")).body).toBe("one");
    proxy.heal();
    expect((await call(proxy, "/echo", "two")).body).toBe("two");
    expect(target.requests.map((r) => r.body)).toEqual(["one", "two"]);
    expect(entries(proxy, "http_fault")).toEqual([]);
  });

  test("drop_response: the target handles it, the client's connection is reset", async () => {
    const { target, proxy } = await setup({ http: [{ request: 1, fault: "drop_response" }] });
    await expect(call(proxy, "/echo", "applied")).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(target.requests.map((r) => r.body)).toEqual(["applied"]);
    expect(entries(proxy, "http_response")).toEqual([]);
    expect(entries(proxy, "http_fault")).toEqual([expect.objectContaining({ n: 1, fault: "drop_response", status: 200, body: "applied" })]);
  });

  test("duplicate: the target gets the request twice, the client one response", async () => {
    const { target, proxy } = await setup({ http: [{ request: 1, fault: "duplicate", delay_ms: 50 }] });
    expect(await call(proxy, "/echo", "twice")).toMatchObject({ status: 200, body: "twice" });
    await waitFor("the copy's response", () => entries(proxy, "http_response").length === 2);
    expect(target.requests.map((r) => r.body)).toEqual(["twice", "twice"]);
    expect(entries(proxy, "http_request").map((e) => [e.n, e.body, e.detail])).toEqual([
      [1, "twice", undefined],
      [1, "twice", "duplicate"],
    ]);
    expect(entries(proxy, "http_response").map((e) => [e.n, e.status, e.detail])).toEqual([
      [1, 200, undefined],
      [1, 200, "duplicate"],
    ]);
  });

  test("delay: a held request reaches the target after a later one", async () => {
    const { target, proxy } = await setup({ http: [{ request: 1, fault: "delay", ms: 300 }] });
    const first = call(proxy, "/echo", "first");
    // Request 1 must be "first": wait until the proxy holds it before sending the second.
    await waitFor("the delay to start", () => entries(proxy, "http_fault").length === 1);
    const second = call(proxy, "/echo", "second");
    expect((await second).body).toBe("second");
    expect((await first).body).toBe("first");
    expect(target.requests.map((r) => r.body)).toEqual(["second", "first"]);
  });

  test("latency: frames and requests are slowed but keep their order", async () => {
    const { target, proxy } = await setup({ latency_ms: 30 });
    const client = await connect(proxy, "/rpc");
    const sent = Array.from({ length: 20 }, (_, i) => `m${i + 1}`);
    for (const message of sent) client.ws.send(message);
    await waitFor("all echoes", () => client.received.length === sent.length);
    expect(target.connections[0]!.messages).toEqual(sent);
    expect(client.received).toEqual(sent);
    expect((await call(proxy, "/echo", "slow")).body).toBe("slow");
  });

  test("refuse: the upgrade gets a 503 and the target never sees the connection", async () => {
    const { target, proxy } = await setup({ ws: [{ conn: 1, fault: "refuse" }] });
    await expect(connect(proxy, "/rpc")).rejects.toThrow(/503/);
    const second = await connect(proxy, "/rpc");
    second.ws.send("hi");
    await waitFor("the echo", () => second.received.length === 1);
    expect(target.connections.length).toBe(1);
    expect(entries(proxy, "ws_fault")).toEqual([expect.objectContaining({ conn: 1, fault: "refuse", status: 503 })]);
    expect(entries(proxy, "ws_open").map((e) => e.conn)).toEqual([2]);
  });

  describe.each([
    ["to_server", "close"],
    ["to_server", "reset"],
    ["to_client", "close"],
    ["to_client", "reset"],
  ] as const)("cut after frame 2 %s with %s", (direction, how) => {
    test("frames up to 2 arrive, none after, and both ends see the right ending", async () => {
      const { target, proxy } = await setup({ ws: [{ conn: 1, fault: "cut", after_frame: 2, direction, how }] });
      const client = await connect(proxy, direction === "to_server" ? "/rpc?silent" : "/rpc?silent&burst=5");
      if (direction === "to_server") for (let i = 1; i <= 5; i++) client.ws.send(`m${i}`);
      expect(await client.closed).toBe(1006);
      await waitFor("the target's side to end", () => target.connections[0]?.ending !== undefined);
      const ending = target.connections[0]!.ending!;

      if (direction === "to_server") {
        expect(target.connections[0]!.messages).toEqual(["m1", "m2"]);
      } else {
        expect(client.received).toEqual(["s1", "s2"]);
      }
      if (how === "close") {
        expect([client.fin, client.socketError]).toEqual([true, undefined]);
        expect([ending.code, ending.fin, ending.error]).toEqual([1006, true, undefined]);
      } else {
        expect(client.socketError).toBe("ECONNRESET");
        expect(ending).toMatchObject({ code: 1006, error: "ECONNRESET" });
      }
      expect(entries(proxy, "ws_fault").find((e) => e.fault === "cut")).toMatchObject({ conn: 1, direction, frame: 2, detail: how });
      const delivered = entries(proxy, "ws_frame").filter((e) => e.direction === direction);
      expect(delivered.map((e) => e.frame)).toEqual([1, 2]);
    });
  });

  test("stall: frames after k are held, then released in order", async () => {
    const { proxy } = await setup({ ws: [{ conn: 1, fault: "stall", after_frame: 2, direction: "to_client", ms: 800 }] });
    const client = await connect(proxy, "/rpc?silent&burst=5");
    await waitFor("frames 1 and 2", () => client.received.length >= 2);
    await sleep(150);
    expect(client.received).toEqual(["s1", "s2"]);
    await waitFor("the rest", () => client.received.length === 5);
    expect(client.received).toEqual(["s1", "s2", "s3", "s4", "s5"]);
    const frames = entries(proxy, "ws_frame").filter((e) => e.direction === "to_client");
    expect(frames.map((e) => e.frame)).toEqual([1, 2, 3, 4, 5]);
    // Timers never fire early, so the hold is at least the stall (less a rounding margin).
    expect(frames[2]!.t_ms - frames[1]!.t_ms).toBeGreaterThanOrEqual(750);
  });

  test("partition: new requests dropped, new connections refused, open ones held until it ends", async () => {
    let clock = 0;
    const { target, proxy } = await setup({ partition: [{ from_ms: 100, to_ms: 200 }] }, { now: () => clock });
    const client = await connect(proxy, "/rpc");
    client.ws.send("before");
    await waitFor("the first echo", () => client.received.length === 1);

    clock = 150;
    await expect(call(proxy, "/echo", "lost")).rejects.toMatchObject({ code: "ECONNRESET" });
    await expect(connect(proxy, "/rpc")).rejects.toThrow(/503/);
    client.ws.send("during");
    await sleep(150);
    expect(target.connections[0]!.messages).toEqual(["before"]);

    clock = 250;
    await waitFor("the held frame's echo", () => client.received.length === 2);
    expect(client.received).toEqual(["before", "during"]);
    expect((await call(proxy, "/echo", "after")).body).toBe("after");
    expect(target.requests.map((r) => r.body)).toEqual(["after"]);
    expect(target.connections.length).toBe(1);
    const faults = proxy.log().filter((e) => e.kind.endsWith("fault"));
    expect(faults).toEqual([
      expect.objectContaining({ kind: "http_fault", n: 1, fault: "drop_request", detail: "partition", t_ms: 150 }),
      expect.objectContaining({ kind: "ws_fault", conn: 2, fault: "refuse", detail: "partition", t_ms: 150 }),
      expect.objectContaining({ kind: "ws_fault", conn: 1, direction: "to_server", frame: 2, fault: "partition", t_ms: 150 }),
    ]);
  });

  test("chunk_bytes: the body arrives in several reads and intact", async () => {
    const { proxy } = await setup({ chunk_bytes: 100 });
    const body = Array.from({ length: 1000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("");
    const reply = await call(proxy, "/echo", body);
    expect(reply.body).toBe(body);
    expect(reply.dataEvents).toBeGreaterThan(2);
  });

  test("close() releases every socket and timer: a process using the proxy exits by itself", async () => {
    const here = fileURLToPath(new URL(".", import.meta.url));
    // Open a stalled WebSocket and a delayed request, then close: nothing may keep the process alive.
    const script = `
      const { startEchoTarget } = await import(${JSON.stringify(join(here, "echo-target.ts"))});
      const { startFaultProxy } = await import(${JSON.stringify(join(here, "fault-proxy.ts"))});
      const { WebSocket } = await import("ws");
      const http = await import("node:http");
      const target = await startEchoTarget();
      const proxy = await startFaultProxy({ target: target.url, rules: {
        latency_ms: 5,
        http: [{ request: 1, fault: "delay", ms: 60000 }],
        ws: [{ conn: 1, fault: "stall", after_frame: 1, direction: "to_client", ms: 60000 }],
      } });
      const ws = new WebSocket(proxy.url.replace("http:", "ws:") + "/rpc?silent&burst=3");
      const received = [];
      ws.on("message", (d) => received.push(String(d)));
      const wsClosed = new Promise((resolve) => ws.on("close", resolve));
      ws.on("error", () => {});
      await new Promise((resolve) => ws.on("open", resolve));
      const pending = new Promise((resolve) => {
        const req = http.request(proxy.url + "/echo", { method: "POST", agent: false }, () => resolve("answered"));
        req.on("error", (e) => resolve(e.code));
        req.end("held");
      });
      while (received.length < 1 || proxy.log().filter((e) => e.kind === "http_fault").length < 1) {
        await new Promise((r) => setTimeout(r, 5));
      }
      await proxy.close();
      const outcome = { request: await pending, wsClose: await wsClosed, received, targetRequests: target.requests.length };
      await target.close();
      console.log("RESULT " + JSON.stringify(outcome));
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: join(here, "..", ".."),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    // A generous bound: the child only has to notice an empty event loop.
    const watchdog = setTimeout(() => child.kill("SIGKILL"), 8000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on("exit", (c, s) => resolve([c, s])));
    clearTimeout(watchdog);
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: "" });
    const result = JSON.parse(stdout.split("RESULT ")[1] ?? "null") as Record<string, unknown>;
    expect(result).toEqual({ request: "ECONNRESET", wsClose: 1006, received: ["s1"], targetRequests: 0 });
  });

  test("a bad rule is rejected with code bad_proxy_rule, naming the field", async () => {
    await expect(startFaultProxy({ target: "http://127.0.0.1:9", rules: { http: [{ request: 0, fault: "drop_request" }] } })).rejects.toMatchObject({
      code: "bad_proxy_rule",
      field: "rules.http[0].request",
    });
    const bad: [unknown, string][] = [
      [{ latency: 5 }, "rules.latency"],
      [{ ws: [{ conn: 1, fault: "cut", after_frame: 1, direction: "up", how: "close" }] }, "rules.ws[0].direction"],
      [{ ws: [{ conn: 1, fault: "stall", after_frame: 1, direction: "to_server" }] }, "rules.ws[0].ms"],
      [{ http: [{ request: 1, fault: "delay", ms: -1 }] }, "rules.http[0].ms"],
      [{ http: [{ request: 1, fault: "drop_request" }, { request: 1, fault: "delay", ms: 5 }] }, "rules.http[1].request"],
      [{ partition: [{ from_ms: 50, to_ms: 10 }] }, "rules.partition[0].to_ms"],
      [{ chunk_bytes: 0 }, "rules.chunk_bytes"],
      [{ ws: [{ conn: 2, fault: "refuse" }, { conn: 2, fault: "stall", after_frame: 1, direction: "to_client", ms: 5 }] }, "rules.ws[0].conn"],
    ];
    for (const [rules, field] of bad) {
      let error: unknown;
      try {
        validateProxyRules(rules);
      } catch (err) {
        error = err;
      }
      expect(error, field).toMatchObject({ code: "bad_proxy_rule", field, message: expect.stringContaining(field) });
    }
  });
});
