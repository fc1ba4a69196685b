// Test support: a tiny real server to put behind the fault proxy. It echoes and records what it got.
//   POST /echo  -> 200 with the request body (any other path: 404)
//   GET  /rpc   -> WebSocket that echoes every message; ?silent: no echo; ?burst=N: sends s1..sN on open
// push() sends a message of the server's own to every open WebSocket.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export interface TargetRequest {
  method: string;
  path: string;
  body: string;
  headers: IncomingHttpHeaders;
}

export interface TargetConnection {
  path: string;
  headers: IncomingHttpHeaders;
  /** Text messages as text, binary ones as "b64:<base64>". */
  messages: string[];
  /** How the TCP connection ended, once it has: a close frame, a FIN without one, or a reset. */
  ending?: { code: number; fin: boolean; error?: string };
}

export interface EchoTarget {
  readonly url: string;
  readonly requests: TargetRequest[];
  readonly connections: TargetConnection[];
  /** Sends `message` on every open WebSocket; returns how many. */
  push(message: string): number;
  close(): Promise<void>;
}

export async function startEchoTarget(): Promise<EchoTarget> {
  const requests: TargetRequest[] = [];
  const connections: TargetConnection[] = [];
  const sockets = new Set<Socket>();
  const open = new Set<WebSocket>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? "", path: req.url ?? "", body: body.toString("utf8"), headers: req.headers });
      if (req.url === "/echo" && req.method === "POST") {
        res.writeHead(200, { "content-type": req.headers["content-type"] ?? "text/plain" }).end(body);
      } else {
        res.writeHead(404).end("not found");
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on("connection", (ws, req) => {
    const url = new URL(req.url ?? "/", "http://target");
    const record: TargetConnection = { path: req.url ?? "", headers: req.headers, messages: [] };
    connections.push(record);
    const socket = req.socket;
    let fin = false;
    let error: string | undefined;
    socket.on("end", () => (fin = true));
    socket.on("error", (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    ws.on("error", () => {});
    ws.on("message", (data: Buffer, binary) => {
      record.messages.push(binary ? `b64:${data.toString("base64")}` : data.toString("utf8"));
      if (!url.searchParams.has("silent")) ws.send(data, { binary });
    });
    ws.on("close", (code) => (record.ending = { code, fin, error }));
    open.add(ws);
    ws.once("close", () => open.delete(ws));
    const burst = Number(url.searchParams.get("burst") ?? 0);
    for (let i = 1; i <= burst; i++) ws.send(`s${i}`);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections,
    push: (message) => {
      for (const ws of open) ws.send(message);
      return open.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        wss.close();
        server.close(() => resolve());
      }),
  };
}
