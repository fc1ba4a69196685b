// The real-mode fault proxy: one client process <-> this proxy <-> the real share server.
import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { createHttpRelay } from "./http-relay.ts";
import { ProxyContext } from "./proxy-context.ts";
import { validateProxyRules, type ProxyRules } from "./rules.ts";
import { WireLog, type WireEntry } from "./wire-log.ts";
import { createWsUpgradeHandler } from "./ws-upgrade.ts";

export type { ProxyRules } from "./rules.ts";
export type { WireEntry } from "./wire-log.ts";

export interface FaultProxy {
  readonly port: number;
  readonly url: string;
  /** entries so far */
  log(): readonly WireEntry[];
  /**
   * The liveness phase: no fault for any request, connection or frame from now on (latency stays).
   * Traffic a stall or partition held goes on at once. A black hole stays until restore().
   */
  heal(): void;
  /**
   * A silent host death: nothing passes either way on any connection, new connections are accepted
   * and never answered, and no FIN or RST reaches the client. Swallowed messages are logged.
   */
  blackhole(): void;
  /** Ends a black hole: each client connection open during it is reset, the upstream ones closed. */
  restore(): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The real server, e.g. http://127.0.0.1:1234 (a base path is kept). */
  target: string;
  rules?: ProxyRules;
  /** Also append every entry as a JSON line to this file. */
  logFile?: string;
  /** ms; default performance.now relative to start. Stamps the log and places partition and stall windows. */
  now?: () => number;
  /**
   * Called with 1, 2, ... (over the whole proxy) as each appendOps call goes to the server: a
   * WebSocket frame or HTTP body naming "appendOps", or a REST POST .../ops. Copies count too.
   */
  onAppendCall?: (nth: number) => void;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const rules = validateProxyRules(options.rules);
  const target = parseTarget(options.target);
  const start = performance.now();
  const now = options.now ?? (() => performance.now() - start);
  const log = new WireLog(now, options.logFile);
  const ctx = new ProxyContext(target, rules, log, now, options.onAppendCall);

  const server = createServer();
  server.on("connection", (socket: Socket) => {
    ctx.track(socket);
    ctx.blackhole.addClient(socket);
  });
  server.on("request", createHttpRelay(ctx));
  server.on("upgrade", createWsUpgradeHandler(ctx));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
  } catch (err) {
    log.close();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log: () => log.all(),
    heal: () => ctx.replaceRules(rules.latency_ms === undefined ? {} : { latency_ms: rules.latency_ms }),
    blackhole: () => {
      if (!ctx.closed) ctx.blackhole.start();
    },
    restore: () => {
      if (!ctx.closed) ctx.blackhole.end();
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        // Sockets first: server.close() waits for every connection to end.
        ctx.close();
        server.closeAllConnections();
        server.close(() => {
          log.close();
          resolve();
        });
      });
      return closing;
    },
  };
}

function parseTarget(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw Object.assign(new Error(`fault proxy: target ${JSON.stringify(target)} is not a URL`), { code: "bad_proxy_target" });
  }
  if (url.protocol !== "http:") {
    throw Object.assign(new Error(`fault proxy: target must be http:, got ${url.protocol}`), { code: "bad_proxy_target" });
  }
  return url;
}
