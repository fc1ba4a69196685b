import { RpcSession } from "capnweb";
import { subscribe } from "node:diagnostics_channel";
import type { Socket } from "node:net";
import { WebSocketServer } from "ws";
import { realClock, realIds, realRandom } from "../real/adapters.ts";
import { PushTransport } from "../protocol/message-transport.ts";
import { listen } from "../server-under-test/node-server.ts";
import { createShareServer, openServerDb } from "../server-under-test/share-server.ts";
import { PingTarget } from "./bare-call.ts";
import type { ChildConfig, FromChild, ToChild } from "./loopback-protocol.ts";

// The loopback bench's server: the real share server on 127.0.0.1 in its own
// process, plus a bare capnweb ping endpoint. It counts the bytes its sockets
// read and reports its own CPU time when asked. It exits when the bench that
// forked it goes away (the IPC channel closes), so it never outlives a run.

const send = (message: FromChild) => process.send?.(message);
if (!process.send) throw new Error("loopback-server runs as a forked child of `replaysim bench`");

const config = JSON.parse(process.argv[2] ?? "{}") as ChildConfig;

// Every server socket of this process, live or closed: their bytesRead is what came over the wire.
let closedBytes = 0;
const live = new Set<Socket>();
subscribe("net.server.socket", (message) => {
  const socket = (message as { socket: Socket }).socket;
  live.add(socket);
  socket.once("close", () => {
    live.delete(socket);
    closedBytes += socket.bytesRead;
  });
});
const bytesRead = () => closedBytes + [...live].reduce((sum, s) => sum + s.bytesRead, 0);

const db = openServerDb(config.db_path ?? ":memory:");
if (config.synchronous !== null) db.pragma(`synchronous = ${config.synchronous}`);
const server = createShareServer({ db, clock: realClock, random: realRandom, ids: realIds, limits: config.limits });
const running = await listen(server, 0, "127.0.0.1");

const ping = new WebSocketServer({ host: "127.0.0.1", port: 0 });
await new Promise<void>((resolve) => ping.once("listening", () => resolve()));
ping.on("connection", (socket) => {
  const transport = new PushTransport((frame) => socket.send(frame), () => socket.close());
  socket.on("message", (data) => transport.deliver(data.toString()));
  socket.on("close", () => transport.fail());
  new RpcSession(transport, new PingTarget());
});
const pingPort = (ping.address() as { port: number }).port;

process.on("message", (message: ToChild) => {
  try {
    if (message.type === "share") {
      const share = server.store.createShare(message.session_id);
      send({ type: "share", id: message.id, share_id: share.id, secret: share.secret });
    } else {
      const cpu = process.cpuUsage();
      send({ type: "counters", id: message.id, request_bytes: bytesRead(), server_cpu_us: cpu.user + cpu.system });
    }
  } catch (error) {
    send({ type: "error", id: message.id, message: String((error as Error)?.message ?? error) });
  }
});

process.once("disconnect", () => {
  for (const client of ping.clients) client.terminate();
  ping.close();
  void running.close().finally(() => {
    db.close();
    process.exit(0);
  });
});

send({ type: "ready", url: running.url, ping_url: `ws://127.0.0.1:${pingPort}` });
