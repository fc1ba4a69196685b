import { never } from "../kernel/crash-signal.ts";
import type { Incarnation } from "../kernel/scheduler.ts";
import { lostReplyAfterApply, type NetworkDeps } from "./host.ts";
import { networkError } from "./msw-gateway.ts";
import { jsonValues, numberFieldAbove } from "../observe/wire-parse.ts";

interface Handled {
  status: number;
  headers: Headers;
  body: string;
  /** The server incarnation that wrote it: a reply it wrote arrives even if it dies meanwhile. */
  from: Incarnation;
}

/**
 * HTTP (capnweb batch and REST) between clients and the server. Every request
 * crosses msw into the real Hono app; faults act per request: drop it, drop
 * its response after the server handled it, deliver a late duplicate, delay
 * it, or let later requests overtake it. All waits are virtual.
 */
export class HttpNetwork {
  readonly #host: NetworkDeps;
  readonly #requests = new Map<string, number>();
  readonly #lastArrival = new Map<string, number>();
  readonly #clients: (clientID: string) => { node: string; incarnation: Incarnation } | undefined;
  /** Server incarnations whose host died silently: requests they held never get an answer. */
  readonly #silent = new WeakSet<Incarnation>();
  /** Settles with a network error once the world ends, so no intercepted fetch outlives its run. */
  readonly #ended: Promise<Response>;
  #end!: () => void;
  /** Requests (and duplicate copies) on their way to the server and not handled yet. */
  #toServer = 0;
  /** Clients whose reply to the request being handled now must be lost. */
  readonly #loseReply = new Set<string>();
  /** When each client last sent a request that redeems. */
  readonly #redeemedAt = new Map<string, number>();

  constructor(host: NetworkDeps, clients: (clientID: string) => { node: string; incarnation: Incarnation } | undefined) {
    this.#host = host;
    this.#clients = clients;
    this.#ended = new Promise<Response>((resolve) => (this.#end = () => resolve(networkError())));
  }

  handle(request: Request): Promise<Response> {
    return Promise.race([this.#handle(request), this.#ended]);
  }

  async #handle(request: Request): Promise<Response> {
    const host = this.#host;
    const sender = this.#clients(request.headers.get("x-client-id") ?? "");
    if (!sender || !sender.incarnation.alive) return never();
    const { node, incarnation } = sender;
    const nth = (this.#requests.get(node) ?? 0) + 1;
    this.#requests.set(node, nth);
    const body = await request.text();
    const path = new URL(request.url).pathname;
    const fate = host.faults.httpFate(node, nth);
    const sentAt = host.scheduler.now;
    // Every capnweb batch redeems again; REST does on its own route.
    if (path === "/rpc" || path.endsWith("/redeem")) this.#redeemedAt.set(node, sentAt);
    host.history.record(host.scheduler.now, node, "http_sent", { request: nth, method: request.method, path });

    this.#toServer++;
    let handled: Handled | null | "blackholed" = null;
    if (fate.delayed) host.faults.count("http_delay");
    if (fate.reorder) host.faults.count("http_reorder");
    try {
      await this.#travel(node, this.#outboundDelay(node, fate.extra_delay_ms, fate.reorder));
      if (fate.drop_request) {
        host.faults.count("http_drop_request");
        host.observer.disrupted(node);
        host.history.record(host.scheduler.now, node, "http_dropped", { request: nth, leg: "request" });
        return this.#reply(node, incarnation, nth, null);
      }
      this.#loseReply.delete(node);
      handled = await this.#deliver(node, request.method, request.url, request.headers, body);
    } finally {
      this.#toServer--;
    }
    if (handled === "blackholed") return never();
    if (handled && this.#loseReply.delete(node)) fate.drop_response = true;
    if (fate.duplicate_after_ms !== null) {
      host.faults.count("http_duplicate");
      this.#toServer++;
      host.scheduler.after(fate.duplicate_after_ms, async () => {
        host.history.record(host.scheduler.now, node, "http_duplicate_delivered", { request: nth });
        if ((this.#redeemedAt.get(node) ?? -1) > sentAt) host.coverage.reached("duplicate_after_reredeem", node);
        try {
          await this.#deliver(node, request.method, request.url, request.headers, body);
        } finally {
          this.#toServer--;
        }
      });
    }
    if (handled && fate.drop_response) {
      host.faults.count("http_drop_response");
      host.observer.disrupted(node);
      if (numberFieldAbove(jsonValues(handled.body), "applied", 0)) lostReplyAfterApply(host, node);
      host.history.record(host.scheduler.now, node, "http_dropped", { request: nth, leg: "response", status: handled.status });
      return this.#reply(node, incarnation, nth, null);
    }
    host.history.record(host.scheduler.now, node, "http_handled", { request: nth, status: handled?.status ?? null });
    return this.#reply(node, incarnation, nth, handled);
  }

  /** True while some request or late copy may still reach the server and change its state. */
  get inFlight(): boolean {
    return this.#toServer > 0;
  }

  /** The world ended: every request still in flight fails now, letting go of the world it belongs to. */
  end(): void {
    this.#end();
  }

  /** The server incarnation died silently: what it was handling is never answered. */
  blackhole(server: Incarnation): void {
    this.#silent.add(server);
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
  async #deliver(node: string, method: string, url: string, headers: Headers, body: string): Promise<Handled | null | "blackholed"> {
    const server = this.#host.server();
    if (!server) return null;
    this.#host.observer.toServer(node, this.#host.transport, body, { path: new URL(url).pathname, auth: headers.get("authorization") ?? "" });
    const init: RequestInit = { method, headers };
    if (method !== "GET" && method !== "HEAD") init.body = body;
    const response = await server.app.fetch(new Request(url, init));
    const text = await response.text();
    if (!server.incarnation.alive) return this.#silent.has(server.incarnation) ? "blackholed" : null;
    this.#host.observer.fromServer(node, this.#host.transport, text);
    return { status: response.status, headers: response.headers, body: text, from: server.incarnation };
  }

  async #reply(node: string, incarnation: Incarnation, request: number, handled: Handled | null): Promise<Response> {
    await this.#travel(node, this.#host.latency());
    if (!incarnation.alive) return never();
    // When the answer (or the network error) reaches the client: the end of the response's arrow in a timeline.
    this.#host.history.record(this.#host.scheduler.now, node, "http_received", { request, status: handled?.status ?? null });
    if (!handled) return networkError();
    if (!handled.from.alive) this.#host.coverage.reached("crash_delivered_sent", node);
    this.#host.observer.toClient(node, handled.body);
    return new Response(handled.body, { status: handled.status, headers: handled.headers });
  }
}
