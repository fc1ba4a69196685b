// Helpers the fault proxy's tests share: a target behind a proxy, HTTP and WebSocket clients.
import { request } from "node:http";
import { connect as tcpConnect } from "node:net";
import { WebSocket } from "ws";
import { startEchoTarget, type EchoTarget } from "./echo-target.ts";
import { startFaultProxy, type FaultProxy, type FaultProxyOptions, type ProxyRules, type WireEntry } from "./fault-proxy.ts";

/** What each test started, undone last first by runCleanups() (each test file calls it afterEach). */
export const cleanups: (() => Promise<void> | void)[] = [];

export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

export async function setup(rules?: ProxyRules, extra: Omit<FaultProxyOptions, "target" | "rules"> = {}): Promise<{ target: EchoTarget; proxy: FaultProxy }> {
  const target = await startEchoTarget();
  cleanups.push(() => target.close());
  const proxy = await startFaultProxy({ target: target.url, rules, ...extra });
  cleanups.push(() => proxy.close());
  return { target, proxy };
}

export interface Reply {
  status: number;
  body: string;
  /** How many reads the response body arrived in. */
  dataEvents: number;
}

/** One request on its own connection; rejects with the socket error (e.g. ECONNRESET). */
export function call(proxy: FaultProxy, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${proxy.url}${path}`, { method: body === undefined ? "GET" : "POST", agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), dataEvents: chunks.length }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

export interface Client {
  ws: WebSocket;
  received: string[];
  /** Raw TCP view: did the proxy end the connection (FIN), or reset it? */
  fin: boolean;
  socketError: string | undefined;
  closed: Promise<number>;
}

export function connect(proxy: FaultProxy, path: string, headers: Record<string, string> = {}): Promise<Client> {
  const ws = new WebSocket(`${proxy.url.replace("http:", "ws:")}${path}`, { headers });
  const client: Client = {
    ws,
    received: [],
    fin: false,
    socketError: undefined,
    closed: new Promise((resolve) => ws.on("close", (code) => resolve(code))),
  };
  ws.on("upgrade", (res) => {
    res.socket.on("end", () => (client.fin = true));
    res.socket.on("error", (err: NodeJS.ErrnoException) => (client.socketError = err.code));
  });
  ws.on("message", (data: Buffer, binary) => client.received.push(binary ? `b64:${data.toString("base64")}` : data.toString("utf8")));
  cleanups.push(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("error", reject);
  });
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function entries(proxy: FaultProxy, kind: WireEntry["kind"]): WireEntry[] {
  return proxy.log().filter((e) => e.kind === kind);
}

/** A promise's outcome as it stands, to assert that it is still pending. */
export function watch<T>(promise: Promise<T>): { state: "pending" | "resolved" | "rejected" } {
  const seen: { state: "pending" | "resolved" | "rejected" } = { state: "pending" };
  promise.then(
    () => (seen.state = "resolved"),
    () => (seen.state = "rejected"),
  );
  return seen;
}

export interface RawClient {
  /** Every byte the proxy sent. */
  data: string;
  fin: boolean;
  error: string | undefined;
  closed: boolean;
}

/** A bare TCP connection to the proxy, to see exactly what comes back (bytes, FIN, RST). */
export async function rawConnect(proxy: FaultProxy, send?: string): Promise<RawClient> {
  const socket = tcpConnect(proxy.port, "127.0.0.1");
  cleanups.push(() => void socket.destroy());
  const raw: RawClient = { data: "", fin: false, error: undefined, closed: false };
  socket.on("data", (chunk: Buffer) => (raw.data += chunk.toString("utf8")));
  socket.on("end", () => (raw.fin = true));
  socket.on("error", (err: NodeJS.ErrnoException) => (raw.error = err.code ?? err.message));
  socket.on("close", () => (raw.closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  if (send !== undefined) socket.write(send);
  return raw;
}
