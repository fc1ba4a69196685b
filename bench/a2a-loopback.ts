import { serve } from "@hono/node-server";
import Database from "better-sqlite3";
import type { RpcTransport } from "capnweb";
import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import { CAPNWEB_PATH } from "../a2a-under-test/bindings/capnweb-server.ts";
import { A2AError } from "../a2a-under-test/protocol/errors.ts";
import type { A2AClient, A2AServer, SetupName } from "../a2a-under-test/protocol/ports.ts";
import { PushTransport } from "../protocol/message-transport.ts";
import type { Clock } from "../protocol/ports.ts";
import { realClock } from "../real/adapters.ts";
import { SETUP_FACTORIES } from "../sim/a2a/setups.ts";
import { within } from "./deadline.ts";

// One A2A setup's server for real, in this process, on 127.0.0.1: its fetch
// handler behind @hono/node-server, and for capnweb a `ws` WebSocketServer on
// the same http server at /a2a/capnweb. No simulator: real clock, real
// sockets, the real global fetch. Everything started here is closed by
// close(), and by SIGINT while any loopback is open (see `hookSignals`).

export interface A2ALoopbackOptions {
  /** How long the agent waits between two steps. */
  step_ms: number;
  /** Every client call's deadline. */
  call_deadline_ms: number;
  /** better-sqlite3 path; ':memory:' by default. */
  db_path?: string;
}

export interface A2ALoopback {
  readonly setup: SetupName;
  /** `http://127.0.0.1:PORT`; the SDK setup's agent card names it. */
  readonly baseUrl: string;
  readonly port: number;
  /** The node:http server: `listening` is false once closed. */
  readonly http: Server;
  readonly server: A2AServer;
  /** Events the agent handed to the server so far. */
  readonly agentEmitted: number;
  /**
   * Bytes that crossed the server's TCP sockets so far, both directions:
   * counted by wrapping the node:http server's sockets (its `connection`
   * event), bytesRead + bytesWritten of every connection, live or closed. So
   * it is everything on the wire: HTTP request and response heads and bodies,
   * chunked SSE, and the WebSocket upgrade and frames (an upgraded socket is
   * the same socket).
   */
  wireBytes(): number;
  /** A new client of this setup against this server (closed with the loopback). */
  client(): A2AClient;
  /** Closes clients, WebSockets, the server process, its port and its database. Idempotent. */
  close(): Promise<void>;
}

/**
 * The server's clock: the real one, except that a zero delay runs on
 * setImmediate. Node clamps setTimeout(0) to 1 ms, so with the agent's
 * step_ms 0 every setup would be paced by the timer (one step per ms or so,
 * the same for all) rather than by its binding.
 */
export const serverClock: Clock = {
  now: () => realClock.now(),
  setTimer(delay_ms, fn) {
    if (delay_ms > 0) return realClock.setTimer(delay_ms, fn);
    const immediate = setImmediate(fn);
    return { cancel: () => clearImmediate(immediate) };
  },
};

/** Every loopback not yet closed: SIGINT closes them all. */
const open = new Set<{ closeNow(): void }>();
let signalHook: (() => void) | null = null;

function hookSignals(): void {
  if (signalHook) return;
  signalHook = () => {
    for (const lb of [...open]) lb.closeNow();
    open.clear();
    process.exit(130);
  };
  process.once("SIGINT", signalHook);
}

function unhookSignals(): void {
  if (open.size > 0 || !signalHook) return;
  process.off("SIGINT", signalHook);
  signalHook = null;
}

/** A `ws` client socket as a capnweb transport; frames sent before it opens wait for the open. */
function wsClientTransport(url: string, sockets: Set<WebSocket>): RpcTransport {
  const socket = new WebSocket(url);
  sockets.add(socket);
  const waiting: string[] = [];
  const transport = new PushTransport(
    (frame) => {
      if (socket.readyState === WebSocket.CONNECTING) waiting.push(frame);
      else socket.send(frame);
    },
    () => {
      if (socket.readyState === WebSocket.OPEN) socket.close(3000, "rpc session ended");
      else socket.terminate();
    },
  );
  socket.on("open", () => {
    for (const frame of waiting.splice(0)) socket.send(frame);
  });
  socket.on("message", (data) => transport.deliver(data.toString()));
  socket.on("close", () => {
    sockets.delete(socket);
    transport.fail(new A2AError("network", "websocket closed"));
  });
  socket.on("error", (error) => transport.fail(new A2AError("network", error.message)));
  return transport;
}

/** Starts `setup`'s server on 127.0.0.1, port 0. */
export async function startA2ALoopback(setup: SetupName, options: A2ALoopbackOptions): Promise<A2ALoopback> {
  const factory = SETUP_FACTORIES[setup];
  const db = new Database(options.db_path ?? ":memory:");
  let ids = 0;
  let emitted = 0;

  // Wire bytes: every socket of the http server, live or closed.
  let closedBytes = 0;
  const live = new Set<Socket>();
  const clients = new Set<A2AClient>();
  const clientSockets = new Set<WebSocket>();
  let server: A2AServer | null = null;
  let wss: WebSocketServer | null = null;
  let http!: Server;

  const address = await new Promise<AddressInfo>((resolve, reject) => {
    // The server is made once the port is known (the SDK's agent card names the base URL); until then nothing can connect.
    // Plain HTTP/1.1 (no http2 options), so a node:http Server.
    http = serve({ fetch: (request: Request) => (server ? server.fetch(request) : Promise.resolve(new Response("starting", { status: 503 }))), hostname: "127.0.0.1", port: 0 }, (info) => {
      http.off("error", reject);
      resolve(info);
    }) as Server;
    http.once("error", reject);
    http.on("connection", (socket: Socket) => {
      live.add(socket);
      socket.once("close", () => {
        live.delete(socket);
        closedBytes += socket.bytesRead + socket.bytesWritten;
      });
    });
  }).catch((error: unknown) => {
    db.close();
    throw error;
  });
  const baseUrl = `http://127.0.0.1:${address.port}`;

  server = factory.server(
    {
      clock: serverClock,
      ids: { next: (prefix) => `${prefix}-${++ids}` },
      db,
      step_ms: options.step_ms,
      agentEmitted: () => {
        emitted++;
      },
    },
    baseUrl,
    {},
  );
  const a2a = server;
  if (a2a.acceptWebSocket) {
    wss = new WebSocketServer({ server: http, path: CAPNWEB_PATH });
    wss.on("connection", (socket) => {
      const transport = new PushTransport(
        (frame) => socket.send(frame),
        () => socket.close(3000, "rpc session ended"),
      );
      socket.on("message", (data) => transport.deliver(data.toString()));
      socket.on("close", () => transport.fail());
      socket.on("error", () => transport.fail());
      a2a.acceptWebSocket!(transport);
    });
  }

  let closed: Promise<void> | null = null;
  const entry = {
    /** Synchronous part of closing: everything stops and every socket is cut. */
    closeNow() {
      for (const c of clients) c.close();
      clients.clear();
      for (const s of clientSockets) s.terminate();
      clientSockets.clear();
      a2a.stop();
      for (const s of wss?.clients ?? []) s.terminate();
      wss?.close();
      http.closeAllConnections();
      for (const s of live) s.destroy();
    },
  };
  open.add(entry);
  hookSignals();

  const close = (): Promise<void> =>
    (closed ??= (async () => {
      entry.closeNow();
      await within(new Promise<void>((resolve) => http.close(() => resolve())), 3000, `${setup} loopback close`).catch(() => {});
      open.delete(entry);
      unhookSignals();
      db.close();
    })());

  return {
    setup,
    baseUrl,
    port: address.port,
    http,
    server: a2a,
    get agentEmitted() {
      return emitted;
    },
    wireBytes: () => closedBytes + [...live].reduce((sum, s) => sum + s.bytesRead + s.bytesWritten, 0),
    client() {
      if (closed) throw new Error(`${setup} loopback is closed`);
      const client = factory.client({
        clock: realClock,
        baseUrl,
        fetch: (input, init) => globalThis.fetch(input, init),
        headers: {},
        ...(a2a.acceptWebSocket ? { openWebSocket: () => wsClientTransport(`${baseUrl.replace(/^http/, "ws")}${CAPNWEB_PATH}`, clientSockets) } : {}),
        deadline_ms: options.call_deadline_ms,
      });
      clients.add(client);
      return client;
    },
    close,
  };
}
