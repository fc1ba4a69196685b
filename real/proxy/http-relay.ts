// Plain HTTP through the proxy: whole messages buffered, faults applied by request number.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { endToEndHeaders } from "./headers.ts";
import { resetSocket, type ProxyContext } from "./proxy-context.ts";
import { partitionAt, type HttpRule } from "./rules.ts";
import { payloadFields } from "./wire-log.ts";
import { isAppendCall } from "./wire-match.ts";

interface ForwardedRequest {
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

interface UpstreamResponse {
  status: number;
  statusMessage: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function createHttpRelay(ctx: ProxyContext): (req: IncomingMessage, res: ServerResponse) => void {
  // Rebuilt when heal() replaces the rules.
  let source = ctx.rules;
  let rules = new Map<number, HttpRule>((source.http ?? []).map((r) => [r.request, r]));
  let count = 0;
  return (req, res) => {
    const n = ++count;
    if (ctx.rules !== source) {
      source = ctx.rules;
      rules = new Map<number, HttpRule>((source.http ?? []).map((r) => [r.request, r]));
    }
    // "New" requests are judged when they arrive; ones already inside the proxy are only held.
    const partitioned = partitionAt(ctx.rules, ctx.now()) !== undefined;
    relay(ctx, n, partitioned ? "partition" : rules.get(n), req, res).catch((err: unknown) => {
      if (ctx.closed) return;
      ctx.log.add({ kind: "http_fault", n, fault: "proxy_error", detail: String(err) });
      if (!ctx.blackhole.swallows(req.socket)) resetSocket(req.socket);
    });
  };
}

async function relay(
  ctx: ProxyContext,
  n: number,
  rule: HttpRule | "partition" | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const client = req.socket;
  let body: Buffer;
  try {
    body = await readAll(req);
  } catch (err) {
    if (!ctx.closed) ctx.log.add({ kind: "http_fault", n, fault: "client_error", detail: errorText(err) });
    return;
  }
  const method = req.method ?? "GET";
  const path = req.url ?? "/";
  const headers = endToEndHeaders(req.headers);
  // Keep a body-less request body-less; otherwise the buffered body gets an exact length.
  if (body.length > 0 || req.headers["content-length"] !== undefined) headers["content-length"] = body.length;
  const forwarded: ForwardedRequest = { method, path, headers, body };
  // A black hole takes the message: logged, and the client never answered (restore() resets it).
  const swallowed = (payload: Buffer | undefined, detail: string): boolean => {
    if (!ctx.blackhole.swallows(client)) return false;
    ctx.log.add({ kind: "http_fault", n, fault: "blackhole", method, path, ...(payload && payloadFields(payload)), detail });
    return true;
  };
  if (swallowed(body, "request")) return;

  if (rule === "partition" || rule?.fault === "drop_request") {
    ctx.log.add({
      kind: "http_fault",
      n,
      fault: "drop_request",
      method,
      path,
      ...payloadFields(body),
      detail: rule === "partition" ? "partition" : undefined,
    });
    resetSocket(client);
    return;
  }

  if (rule?.fault === "delay") {
    ctx.log.add({ kind: "http_fault", n, fault: "delay", method, path, detail: `${rule.ms} ms` });
    await ctx.timers.sleep(rule.ms);
  }
  await crossing(ctx, n, "request");
  if (swallowed(body, "request")) return;
  ctx.log.add({ kind: "http_request", n, method, path, ...payloadFields(body) });
  if (rule?.fault === "duplicate") {
    ctx.log.add({ kind: "http_fault", n, fault: "duplicate", method, path, detail: `copy in ${rule.delay_ms} ms` });
    void sendCopy(ctx, n, forwarded, rule.delay_ms, client);
  }

  let response: UpstreamResponse;
  try {
    response = await send(ctx, n, forwarded, client);
  } catch (err) {
    // A host that died in a black hole tells its client nothing, not even that it failed.
    if (ctx.closed || swallowed(undefined, `response, target error ${errorText(err)}`)) return;
    // What a client talking to a dead server directly would see: its connection fails.
    ctx.log.add({ kind: "http_fault", n, fault: "upstream_error", method, path, detail: errorText(err) });
    resetSocket(client);
    return;
  }
  if (swallowed(response.body, "response")) return;

  if (rule?.fault === "drop_response") {
    // The server handled it; the client only sees its connection die.
    ctx.log.add({ kind: "http_fault", n, fault: "drop_response", method, path, status: response.status, ...payloadFields(response.body) });
    resetSocket(client);
    return;
  }

  await crossing(ctx, n, "response");
  if (swallowed(response.body, "response")) return;
  const lost = ctx.loseReply(response.body);
  if (lost !== undefined) {
    // The server applied the ops; the client sees its connection die without a byte of the reply.
    ctx.log.add({ kind: "http_fault", n, fault: "lose_reply", method, path, status: response.status, ...payloadFields(response.body), detail: `applied reply ${lost}` });
    resetSocket(client);
    return;
  }
  ctx.log.add({ kind: "http_response", n, method, path, status: response.status, ...payloadFields(response.body) });
  await writeResponse(ctx, method, res, response);
}

/** Every message's way across: the latency, then any partition or stall it meets is waited out. */
async function crossing(ctx: ProxyContext, n: number, what: "request" | "response"): Promise<void> {
  const latency = ctx.rules.latency_ms ?? 0;
  if (latency > 0) await ctx.timers.sleep(latency);
  await ctx.waitOutHolds((hold) => ctx.log.add({ kind: "http_fault", n, fault: hold.fault, detail: `${what} held until ${hold.window.to_ms} ms` }));
}

/** The same raw request again, later; its response goes nowhere but the log. */
async function sendCopy(ctx: ProxyContext, n: number, forwarded: ForwardedRequest, delayMs: number, client: Socket): Promise<void> {
  await ctx.timers.sleep(delayMs);
  const { method, path, body } = forwarded;
  // The copy travels on the client's connection: a black hole that took it takes the copy too.
  if (ctx.blackhole.swallows(client)) {
    ctx.log.add({ kind: "http_fault", n, fault: "blackhole", method, path, ...payloadFields(body), detail: "duplicate" });
    return;
  }
  ctx.log.add({ kind: "http_request", n, method, path, ...payloadFields(body), detail: "duplicate" });
  try {
    const response = await send(ctx, n, forwarded, client);
    ctx.log.add({ kind: "http_response", n, method, path, status: response.status, ...payloadFields(response.body), detail: "duplicate" });
  } catch (err) {
    if (ctx.closed) return;
    // restore() closes what served a black-holed client, the copy's connection too.
    const fault = ctx.blackhole.swallows(client) ? "blackhole" : "upstream_error";
    ctx.log.add({ kind: "http_fault", n, fault, method, path, detail: `duplicate: ${errorText(err)}` });
  }
}

/**
 * One fresh connection per request (agent: false), so a fault never leaks into a pooled socket.
 * Reports appendOps calls first: this is the moment the call goes to the server.
 */
function send(ctx: ProxyContext, n: number, forwarded: ForwardedRequest, client: Socket): Promise<UpstreamResponse> {
  if (isAppendCall(forwarded.body, forwarded.method, forwarded.path)) ctx.appendCall({ kind: "http_fault", n });
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      {
        host: ctx.target.hostname,
        port: ctx.target.port,
        method: forwarded.method,
        path: ctx.targetPath(forwarded.path),
        headers: { ...forwarded.headers, host: ctx.target.host },
        agent: false,
      },
      (res) => {
        readAll(res).then(
          (body) => resolve({ status: res.statusCode ?? 502, statusMessage: res.statusMessage ?? "", headers: res.headers, body }),
          reject,
        );
      },
    );
    out.on("socket", (socket: Socket) => {
      ctx.track(socket);
      ctx.blackhole.linkUpstream(socket, client);
    });
    out.on("error", reject);
    out.end(forwarded.body);
  });
}

async function writeResponse(ctx: ProxyContext, method: string, res: ServerResponse, response: UpstreamResponse): Promise<void> {
  const headers = endToEndHeaders(response.headers);
  const { status, body } = response;
  if (method === "HEAD" || status === 204 || status === 304) {
    // No body follows; a HEAD's length still describes the body a GET would get.
    if (method === "HEAD" && response.headers["content-length"] !== undefined) headers["content-length"] = response.headers["content-length"];
    res.writeHead(status, response.statusMessage, headers).end();
    return;
  }
  headers["content-length"] = body.length;
  res.writeHead(status, response.statusMessage, headers);
  const chunk = ctx.rules.chunk_bytes;
  if (chunk === undefined || body.length <= chunk) {
    res.end(body);
    return;
  }
  // Headers alone, then each piece in its own write one loop turn apart: Node corks a
  // response's writes within a tick, so without the turn they would leave as one segment.
  res.flushHeaders();
  for (let at = 0; at < body.length; at += chunk) {
    await ctx.timers.turn();
    // A black hole that starts mid-body stops the rest (the muted socket would drop it anyway).
    if (res.destroyed || ctx.blackhole.swallows(res.socket as Socket)) return;
    res.write(body.subarray(at, at + chunk));
  }
  res.end();
}

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

function errorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : String(err);
}
