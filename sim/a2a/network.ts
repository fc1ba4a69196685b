import type { RpcTransport } from "capnweb";
import { PushTransport } from "../../protocol/message-transport.ts";
import type { Random } from "../../protocol/ports.ts";
import type { History } from "../history/history.ts";
import { never } from "../kernel/crash-signal.ts";
import { drawChance, drawInt } from "../kernel/draw.ts";
import type { Incarnation, Scheduler } from "../kernel/scheduler.ts";
import { networkError } from "../network/msw-gateway.ts";
import type { FaultRates } from "../scenario/schema.ts";

export const A2A_ORIGIN = "http://share.replaysim.test";

export interface A2AServerEnd {
  incarnation: Incarnation;
  fetch(request: Request): Promise<Response>;
  acceptWebSocket?(transport: RpcTransport): void;
}

export interface A2ANetDeps {
  scheduler: Scheduler;
  history: History;
  /** The network's own stream: latency and every fault draw. */
  random: Random;
  faults: FaultRates;
  /** After healing, nothing is dropped, duplicated or cut. */
  healed(): boolean;
  latency_ms: readonly [number, number];
  /** The server process, when it is up. */
  server(): A2AServerEnd | null;
  client(node: string): Incarnation | undefined;
  reached(condition: string, node: string): void;
}

/** A stream from the server to a client, copied frame by frame with latency; it dies with either process. */
interface Pipe {
  node: string;
  server: Incarnation;
  /** Ends the server's side (the client died, or the world cut it). */
  cancel(): void;
  /** The server's process died: what it sent still arrives, then the connection fails. */
  serverDied(): void;
}

/**
 * The A2A world's network. HTTP (JSON-RPC, SSE, capnweb batch) crosses msw
 * into the server's app; faults act per request: drop it, lose its reply after
 * the server handled it, deliver a late duplicate, delay it, or cut a stream
 * after k frames. WebSocket links (capnweb) carry frames in order with latency
 * and may be cut after k frames. A process that dies takes its connections with it.
 */
export class A2ANetwork {
  readonly #d: A2ANetDeps;
  readonly #requests = new Map<string, number>();
  readonly #pipes = new Set<Pipe>();
  readonly #links = new Set<{ node: string; server: Incarnation; serverDied(): void; clientDied(): void }>();
  /** Requests on their way and not answered; the run does not end while one could still change the server. */
  inFlight = 0;

  constructor(deps: A2ANetDeps) {
    this.#d = deps;
  }

  #latency(): number {
    return drawInt(this.#d.random, this.#d.latency_ms[0], this.#d.latency_ms[1]);
  }

  #fault(p: number): boolean {
    return !this.#d.healed() && drawChance(this.#d.random, p);
  }

  handle(request: Request): Promise<Response> {
    return this.#handle(request);
  }

  async #handle(request: Request): Promise<Response> {
    const d = this.#d;
    const node = request.headers.get("x-a2a-node") ?? "";
    const client = d.client(node);
    if (!client?.alive) return never();
    const nth = (this.#requests.get(node) ?? 0) + 1;
    this.#requests.set(node, nth);
    const body = await request.text();
    const path = new URL(request.url).pathname;
    d.history.record(d.scheduler.now, node, "http_sent", { request: nth, method: request.method, path });
    const f = d.faults;
    if (this.#fault(f.http_drop_request)) {
      d.history.record(d.scheduler.now, node, "http_dropped", { request: nth, leg: "request" });
      return never();
    }
    const duplicate = this.#fault(f.http_duplicate) ? drawInt(d.random, f.http_duplicate_delay_ms[0], f.http_duplicate_delay_ms[1]) : null;
    const delay = this.#fault(f.http_delay) ? drawInt(d.random, f.http_delay_ms[0], f.http_delay_ms[1]) : 0;
    const loseReply = this.#fault(f.http_drop_response);
    const cutAfter = this.#fault(f.ws_cut) ? drawInt(d.random, 0, f.ws_cut_frames_max) : null;
    const copy = () => new Request(request.url, { method: request.method, headers: request.headers, ...(request.method === "GET" ? {} : { body }) });
    if (duplicate !== null) {
      // A late copy: the server handles it again; nobody reads its reply.
      this.inFlight++;
      d.scheduler.after(duplicate + this.#latency(), () => {
        const server = d.server();
        if (!server) return void this.inFlight--;
        d.history.record(d.scheduler.now, node, "http_duplicate_delivered", { request: nth });
        d.reached("a2a.duplicate_delivered", node);
        void server
          .fetch(copy())
          .then((r) => r.body?.cancel())
          .catch(() => {})
          .finally(() => this.inFlight--);
      });
    }
    this.inFlight++;
    try {
      await d.scheduler.sleep(this.#latency() + delay);
      const server = d.server();
      if (!server || !client.alive) {
        d.history.record(d.scheduler.now, node, "http_handled", { request: nth, status: null });
        return networkError();
      }
      const response = await server.fetch(copy());
      d.history.record(d.scheduler.now, node, "http_handled", { request: nth, status: response.status });
      if (!server.incarnation.alive) return never();
      if (loseReply) {
        d.history.record(d.scheduler.now, node, "http_dropped", { request: nth, leg: "response", status: response.status });
        d.reached("a2a.reply_lost_after_handled", node);
        void response.body?.cancel().catch(() => {});
        return never();
      }
      await d.scheduler.sleep(this.#latency());
      if (!client.alive) {
        void response.body?.cancel().catch(() => {});
        return never();
      }
      const streaming = (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
      if (!streaming || !response.body) {
        const text = await response.text();
        d.history.record(d.scheduler.now, node, "http_received", { request: nth, status: response.status });
        return new Response(text, { status: response.status, headers: response.headers });
      }
      d.history.record(d.scheduler.now, node, "http_received", { request: nth, status: response.status });
      return new Response(this.#pipe(node, nth, client, server.incarnation, response.body, cutAfter), { status: response.status, headers: response.headers });
    } finally {
      this.inFlight--;
    }
  }

  /** Copies a server stream to the client with latency, in order; cut after `cutAfter` frames when drawn. */
  #pipe(node: string, nth: number, client: Incarnation, serverInc: Incarnation, body: ReadableStream<Uint8Array>, cutAfter: number | null): ReadableStream<Uint8Array> {
    const d = this.#d;
    const reader = body.getReader();
    let last = d.scheduler.now;
    let frames = 0;
    let done = false;
    let out!: ReadableStreamDefaultController<Uint8Array>;
    const at = (fn: () => void) => {
      last = Math.max(last, d.scheduler.now + this.#latency());
      d.scheduler.at(last, fn, client);
    };
    const fail = (why: string) => {
      if (done) return;
      done = true;
      this.#pipes.delete(pipe);
      at(() => {
        try {
          out.error(new TypeError(`stream ${why}`));
        } catch {
          // the client already let go of it
        }
      });
    };
    const pipe: Pipe = {
      node,
      server: serverInc,
      cancel: () => {
        if (done) return;
        done = true;
        this.#pipes.delete(pipe);
        void reader.cancel().catch(() => {});
      },
      serverDied: () => {
        void reader.cancel().catch(() => {});
        fail("reset: server died");
      },
    };
    this.#pipes.add(pipe);
    const pump = async () => {
      for (;;) {
        if (cutAfter !== null && frames >= cutAfter) {
          d.history.record(d.scheduler.now, node, "a2a_cut", { request: nth, after_frames: frames });
          d.reached("a2a.stream_cut", node);
          void reader.cancel().catch(() => {});
          return fail("cut");
        }
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch {
          return fail("reset");
        }
        if (done) return;
        if (chunk.done) {
          done = true;
          this.#pipes.delete(pipe);
          return at(() => {
            try {
              out.close();
            } catch {
              // cancelled by the client
            }
          });
        }
        frames++;
        const bytes = chunk.value;
        at(() => {
          try {
            out.enqueue(bytes);
          } catch {
            // cancelled by the client
          }
        });
      }
    };
    return new ReadableStream<Uint8Array>({
      start(controller) {
        out = controller;
        void pump();
      },
      cancel: () => pipe.cancel(),
    });
  }

  /** A capnweb WebSocket from a client: an in-memory pair of transports with latency, cut after k frames when drawn. */
  openWebSocket(node: string, client: Incarnation): RpcTransport {
    const d = this.#d;
    const server = d.server();
    let clientEnd!: PushTransport;
    let serverEnd!: PushTransport;
    const last = { to_server: d.scheduler.now, to_client: d.scheduler.now };
    let frames = 0;
    let closed = false;
    const cutAfter = this.#fault(d.faults.ws_cut) ? drawInt(d.random, 1, d.faults.ws_cut_frames_max) : null;
    const deliver = (direction: "to_server" | "to_client", fn: () => void) => {
      last[direction] = Math.max(last[direction], d.scheduler.now + this.#latency());
      d.scheduler.at(last[direction], fn, direction === "to_client" ? client : server?.incarnation);
    };
    const close = (why: string) => {
      if (closed) return;
      closed = true;
      this.#links.delete(link);
      deliver("to_client", () => clientEnd.fail(new TypeError(`websocket ${why}`)));
      deliver("to_server", () => serverEnd.fail(new TypeError(`websocket ${why}`)));
    };
    const send = (direction: "to_server" | "to_client", frame: string) => {
      if (closed) return;
      if (cutAfter !== null && frames >= cutAfter) {
        d.history.record(d.scheduler.now, node, "a2a_cut", { request: 0, after_frames: frames });
        d.reached("a2a.stream_cut", node);
        return close("cut");
      }
      frames++;
      deliver(direction, () => (direction === "to_server" ? serverEnd : clientEnd).deliver(frame));
    };
    clientEnd = new PushTransport((frame) => send("to_server", frame), () => close("closed by client"));
    serverEnd = new PushTransport((frame) => send("to_client", frame), () => close("closed by server"));
    const link = { node, server: server?.incarnation as Incarnation, serverDied: () => close("reset: server died"), clientDied: () => close("reset: client died") };
    if (!server?.acceptWebSocket) {
      closed = true;
      deliver("to_client", () => clientEnd.fail(new TypeError("websocket refused: server down")));
      return clientEnd;
    }
    this.#links.add(link);
    server.acceptWebSocket(serverEnd);
    return clientEnd;
  }

  /** The server's process died: every connection it held resets (what it already sent still arrives first). */
  serverDied(): void {
    for (const pipe of [...this.#pipes]) pipe.serverDied();
    for (const link of [...this.#links]) link.serverDied();
  }

  /** A client's process died: the server sees its connections close. */
  clientDied(node: string): void {
    for (const pipe of [...this.#pipes]) if (pipe.node === node) pipe.cancel();
    for (const link of [...this.#links]) if (link.node === node) link.clientDied();
  }

  /**
   * The world is over. Requests still waiting are left waiting: settling them
   * now would reject promises inside a client that nobody awaits any more.
   */
  end(): void {
    for (const pipe of [...this.#pipes]) pipe.cancel();
  }
}
