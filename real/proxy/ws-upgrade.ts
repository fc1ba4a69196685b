// WebSocket upgrades through the proxy: numbered, refused or connected to the target first, then
// accepted, so the client's handshake reflects what the real server said.
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { endToEndHeaders, offeredProtocols, WS_HANDSHAKE_HEADERS } from "./headers.ts";
import { resetSocket, type ProxyContext } from "./proxy-context.ts";
import { partitionAt } from "./rules.ts";
import { payloadFields } from "./wire-log.ts";
import { WsRelay } from "./ws-relay.ts";

export function createWsUpgradeHandler(ctx: ProxyContext): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  // The subprotocol the target picked, per client request, so the client gets the same one.
  const picked = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    // No compression: frames on both legs stay readable in the log.
    perMessageDeflate: false,
    // Pings are relayed, not answered by the proxy.
    autoPong: false,
    handleProtocols: (_offered, req) => picked.get(req) ?? false,
  });
  let count = 0;

  return (req, duplex, head) => {
    const socket = duplex as Socket;
    ctx.track(socket);
    if (ctx.closed) return;
    if (String(req.headers.upgrade).toLowerCase() !== "websocket") {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const conn = ++count;
    const path = req.url ?? "/";
    // A dead host answers nothing: the client waits until restore() resets its connection.
    const unanswered = (why: string): boolean => {
      if (!ctx.blackhole.swallows(socket)) return false;
      ctx.log.add({ kind: "ws_fault", conn, path, fault: "blackhole", detail: why });
      return true;
    };
    if (unanswered("upgrade")) return;
    const refusedByRule = ctx.rules.ws?.some((r) => r.conn === conn && r.fault === "refuse") ?? false;
    const partitioned = partitionAt(ctx.rules, ctx.now()) !== undefined;
    if (refusedByRule || partitioned) {
      ctx.log.add({ kind: "ws_fault", conn, path, fault: "refuse", status: 503, detail: partitioned && !refusedByRule ? "partition" : undefined });
      refuse(socket, 503, "Service Unavailable");
      return;
    }

    const upstream = new WebSocket(`ws://${ctx.target.host}${ctx.targetPath(path)}`, offeredProtocols(req.headers["sec-websocket-protocol"]), {
      perMessageDeflate: false,
      autoPong: false,
      followRedirects: false,
      headers: endToEndHeaders(req.headers, WS_HANDSHAKE_HEADERS) as Record<string, string>,
    });
    let upstreamSocket: Socket | undefined;
    let settled = false;
    let relayed = false;
    const forget = ctx.onClose(() => upstream.terminate());
    // The client gave up (or its handshake failed) before the relay started.
    socket.once("close", () => {
      if (!relayed) upstream.terminate();
    });

    upstream.on("upgrade", (res: IncomingMessage) => {
      upstreamSocket = res.socket as Socket;
      ctx.track(upstreamSocket);
      ctx.blackhole.linkUpstream(upstreamSocket, socket);
    });
    upstream.once("open", () => {
      settled = true;
      forget();
      if (unanswered("upgrade, target accepted")) {
        upstream.terminate();
        return;
      }
      if (upstream.protocol !== "") picked.set(req, upstream.protocol);
      wss.handleUpgrade(req, socket, head, (client) => {
        relayed = true;
        ctx.log.add({ kind: "ws_open", conn, path, detail: upstream.protocol === "" ? undefined : `protocol ${upstream.protocol}` });
        new WsRelay(ctx, conn, { ws: client, socket }, { ws: upstream, socket: upstreamSocket! });
      });
    });
    upstream.on("unexpected-response", (_request, res: IncomingMessage) => {
      settled = true;
      forget();
      // The target said no (401, 404...): the client hears the same answer.
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        if (unanswered("upgrade, target refused")) {
          upstream.terminate();
          return;
        }
        const body = Buffer.concat(chunks);
        const status = res.statusCode ?? 502;
        ctx.log.add({ kind: "ws_fault", conn, path, fault: "upstream_rejected", status, ...payloadFields(body) });
        refuse(socket, status, res.statusMessage ?? "", endToEndHeaders(res.headers), body);
        upstream.terminate();
      });
      res.on("error", () => upstream.terminate());
    });
    upstream.on("error", (err: NodeJS.ErrnoException) => {
      // After open, errors belong to the relay; after close of the proxy, to nobody.
      if (settled || ctx.closed) return;
      settled = true;
      forget();
      if (unanswered(`upgrade, target error ${err.code ?? err.message}`)) return;
      // What a client talking to a dead server directly would see: its connection fails.
      ctx.log.add({ kind: "ws_fault", conn, path, fault: "upstream_error", detail: err.code ?? err.message });
      resetSocket(socket);
    });
  };
}

/** An HTTP answer instead of the upgrade, then the connection closed. */
function refuse(socket: Socket, status: number, message: string, headers: Record<string, unknown> = {}, body = Buffer.alloc(0)): void {
  const lines = [`HTTP/1.1 ${status} ${message}`];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${String(v)}`);
  }
  lines.push("Connection: close", `Content-Length: ${body.length}`, "", "");
  socket.end(Buffer.concat([Buffer.from(lines.join("\r\n")), body]), () => socket.destroy());
}
