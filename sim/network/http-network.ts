import { never } from "../kernel/crash-signal.ts";
import type { Incarnation } from "../kernel/scheduler.ts";
import type { NetworkHost } from "./host.ts";
import { networkError } from "./msw-gateway.ts";

interface Handled {
  status: number;
  headers: Headers;
  body: string;
}

/**
 * HTTP (capnweb batch and REST) between clients and the server. Every request
 * crosses msw into the real Hono app; faults act per request: drop it, drop
 * its response after the server handled it, deliver a late duplicate, delay
 * it, or let later requests overtake it. All waits are virtual.
 */
export class HttpNetwork {
  readonly #host: NetworkHost;
  readonly #requests = new Map<string, number>();
  readonly #lastArrival = new Map<string, number>();
  readonly #clients: (clientID: string) => { node: string; incarnation: Incarnation } | undefined;
  /** Clients whose reply to the request being handled now must be lost. */
  readonly #loseReply = new Set<string>();

  constructor(host: NetworkHost, clients: (clientID: string) => { node: string; incarnation: Incarnation } | undefined) {
    this.#host = host;
    this.#clients = clients;
  }

  async handle(request: Request): Promise<Response> {
    const host = this.#host;
    const sender = this.#clients(request.headers.get("x-client-id") ?? "");
    if (!sender || !sender.incarnation.alive) return never();
    const { node, incarnation } = sender;
    const nth = (this.#requests.get(node) ?? 0) + 1;
    this.#requests.set(node, nth);
    const body = await request.text();
    const path = new URL(request.url).pathname;
    const fate = host.httpFate(node, nth);
    host.history.record(host.scheduler.now, node, "http_sent", { request: nth, method: request.method, path });

    await this.#travel(node, this.#outboundDelay(node, fate.extra_delay_ms, fate.reorder));
    if (fate.drop_request) {
      host.countFault("http_drop_request");
      host.history.record(host.scheduler.now, node, "http_dropped", { request: nth, leg: "request" });
      return this.#reply(node, incarnation, null);
    }
    const send = () => this.#deliver(request.method, request.url, request.headers, body);
    this.#loseReply.delete(node);
    const handled = await send();
    if (handled && this.#loseReply.delete(node)) fate.drop_response = true;
    if (fate.duplicate_after_ms !== null) {
      host.countFault("http_duplicate");
      host.scheduler.after(fate.duplicate_after_ms, () => {
        host.history.record(host.scheduler.now, node, "http_duplicate_delivered", { request: nth });
        void send();
      });
    }
    if (handled && fate.drop_response) {
      host.countFault("http_drop_response");
      host.history.record(host.scheduler.now, node, "http_dropped", { request: nth, leg: "response", status: handled.status });
      return this.#reply(node, incarnation, null);
    }
    host.history.record(host.scheduler.now, node, "http_handled", { request: nth, status: handled?.status ?? null });
    return this.#reply(node, incarnation, handled);
  }

  /** The request of `node` now being handled will lose its response. */
  loseReply(node: string): void {
    this.#loseReply.add(node);
  }

  /** Requests of one client arrive in the order sent, unless this one may be overtaken. */
  #outboundDelay(node: string, extra: number, reorder: boolean): number {
    const now = this.#host.scheduler.now;
    const arrival = now + this.#host.latency() + extra;
    if (reorder) return arrival - now;
    const ordered = Math.max(arrival, this.#lastArrival.get(node) ?? 0);
    this.#lastArrival.set(node, ordered);
    return ordered - now;
  }

  async #travel(node: string, delay_ms: number): Promise<void> {
    await this.#host.scheduler.sleep(delay_ms);
    if (this.#host.reach.held(node)) await this.#host.reach.passable(node);
  }

  /** Hands the request to the server that is up now; null if none is, or it died while handling. */
  async #deliver(method: string, url: string, headers: Headers, body: string): Promise<Handled | null> {
    const server = this.#host.server();
    if (!server) return null;
    const init: RequestInit = { method, headers };
    if (method !== "GET" && method !== "HEAD") init.body = body;
    const response = await server.app.fetch(new Request(url, init));
    const text = await response.text();
    if (!server.incarnation.alive) return null;
    return { status: response.status, headers: response.headers, body: text };
  }

  async #reply(node: string, incarnation: Incarnation, handled: Handled | null): Promise<Response> {
    await this.#travel(node, this.#host.latency());
    if (!incarnation.alive) return never();
    if (!handled) return networkError();
    return new Response(handled.body, { status: handled.status, headers: handled.headers });
  }
}
