import type { RpcTransport } from "capnweb";
import { protocolError } from "../../protocol/errors.ts";
import { PushTransport } from "../../protocol/message-transport.ts";
import type { SocketOpener } from "../../client-under-test/transports/websocket.ts";
import { never } from "../kernel/crash-signal.ts";
import type { Incarnation } from "../kernel/scheduler.ts";
import { lostReplyAfterApply, type NetworkDeps, type WsFate } from "./host.ts";
import { jsonValues, numberFieldAbove } from "../observe/wire-parse.ts";

type Direction = "to_server" | "to_client";

/** Frames written in one instant, travelling together; numbered per link so the history can pair send and arrival. */
interface Segment {
  n: number;
  sent_at: number;
  frames: string[];
}

/** A capnweb frame's message type ("push", "pull", "resolve", ...), read from its opening without parsing it. */
function frameKind(frame: string): string {
  const end = frame.indexOf('"', 2);
  return frame.startsWith('["') && end > 2 ? frame.slice(2, end) : "?";
}

/**
 * One WebSocket connection as an in-memory pair of capnweb transports. Frames
 * are delivered in order with per-frame latency. Faults act on the whole
 * connection (cut, stall, hold), never on single frames inside it: capnweb
 * numbers calls by position, so a lost frame in a live session is not
 * something real TCP does (docs/design.md, "Fault model").
 */
class WsLink {
  readonly id: number;
  readonly client: string;
  readonly clientEnd: PushTransport;
  readonly serverEnd: PushTransport;
  readonly #host: NetworkDeps;
  readonly #clientInc: Incarnation;
  readonly #serverInc: Incarnation;
  readonly #fate: WsFate;
  readonly #sent = { to_server: 0, to_client: 0 };
  readonly #lastAt = { to_server: 0, to_client: 0 };
  readonly #segment: Record<Direction, Segment | undefined> = { to_server: undefined, to_client: undefined };
  #segments = 0;
  #stalled = false;
  /** The server's host died without a word: nothing passes, and the client is never told. */
  #blackholed = false;
  /** The side whose process died; its kernel still delivers what it had sent, then closes. */
  #dead: "client" | "server" | null = null;
  closed = false;

  constructor(host: NetworkDeps, id: number, client: string, clientInc: Incarnation, serverInc: Incarnation, fate: WsFate) {
    this.#host = host;
    this.id = id;
    this.client = client;
    this.#clientInc = clientInc;
    this.#serverInc = serverInc;
    this.#fate = fate;
    this.clientEnd = new PushTransport((frame) => this.#send("to_server", frame), () => this.close("client closed"));
    this.serverEnd = new PushTransport((frame) => this.#send("to_client", frame), () => this.close("server closed"));
  }

  #send(direction: Direction, frame: string): void {
    if (this.closed || this.#blackholed || this.#dead === (direction === "to_server" ? "client" : "server")) return;
    const host = this.#host;
    if (direction === "to_client") host.observer.fromServer(this.client, host.transport, frame, { link: this.id });
    const n = ++this.#sent[direction];
    const { cut, stall } = this.#fate;
    if (cut && cut.direction === direction && n > cut.after_frames) {
      host.faults.count("ws_cut");
      host.observer.disrupted(this.client);
      if (direction === "to_client" && numberFieldAbove(jsonValues(frame), "applied", 0)) lostReplyAfterApply(host, this.client);
      this.close(`cut ${direction} after ${cut.after_frames} frames`);
      return;
    }
    if (stall && stall.direction === direction && n > stall.after_frames && !this.#stalled) {
      this.#stalled = true;
      host.faults.count("ws_stall");
      host.observer.disrupted(this.client);
      host.history.record(host.scheduler.now, this.client, "ws_stalled", { link: this.id, direction, after_frames: stall.after_frames });
    }
    if (this.#stalled) return;
    // Frames written in the same instant travel as one segment, as TCP would send them.
    const open = this.#segment[direction];
    if (open && open.sent_at === host.scheduler.now) {
      open.frames.push(frame);
      return;
    }
    const segment: Segment = { n: ++this.#segments, sent_at: host.scheduler.now, frames: [frame] };
    this.#segment[direction] = segment;
    host.history.record(host.scheduler.now, this.client, "ws_sent", { link: this.id, direction, segment: segment.n });
    const at = Math.max(host.scheduler.now + host.latency(), this.#lastAt[direction]);
    this.#lastAt[direction] = at;
    host.scheduler.at(at, () => {
      if (this.#segment[direction] === segment) this.#segment[direction] = undefined;
      void this.#deliver(direction, segment);
    });
  }

  async #deliver(direction: Direction, segment: Segment): Promise<void> {
    const host = this.#host;
    if (host.reach.held(this.client)) await host.reach.passable(this.client);
    const [end, alive] = direction === "to_server" ? [this.serverEnd, this.#serverInc] : [this.clientEnd, this.#clientInc];
    const lost = this.closed ? "closed" : this.#blackholed ? "black-holed" : !alive.alive ? "receiver down" : null;
    const facts = { link: this.id, direction, segment: segment.n, frames: segment.frames.map(frameKind) };
    host.history.record(host.scheduler.now, this.client, lost ? "ws_lost" : "ws_delivered", lost ? { ...facts, reason: lost } : facts);
    if (lost) return;
    if (this.#dead === (direction === "to_server" ? "client" : "server")) host.coverage.reached("crash_delivered_sent", this.client);
    if (direction === "to_server") host.observer.toServer(this.client, host.transport, segment.frames.join("\n"), { link: this.id });
    else host.observer.toClient(this.client, segment.frames.join("\n"));
    for (const frame of segment.frames) end.deliver(frame);
  }

  /** The peer vanished silently: frames are lost both ways until the client gives up and closes. */
  blackhole(): void {
    if (this.closed || this.#blackholed) return;
    this.#blackholed = true;
    this.#host.history.record(this.#host.scheduler.now, this.client, "ws_blackholed", { link: this.id });
  }

  /**
   * One side's process died. Its kernel owns what it already wrote: those
   * segments still arrive, in order, and after the last of them the peer sees
   * the connection end, closed in order (FIN) or reset (RST). What the peer
   * sends toward the dead side is lost.
   */
  crashed(dead: "client" | "server", close: "fin" | "rst"): void {
    if (this.closed || this.#blackholed || this.#dead) return;
    this.#dead = dead;
    const host = this.#host;
    const direction: Direction = dead === "client" ? "to_server" : "to_client";
    const at = Math.max(host.scheduler.now + host.latency(), this.#lastAt[direction]);
    host.scheduler.at(at, () => {
      if (close === "rst" && (dead === "client" ? this.#serverInc : this.#clientInc).alive) host.coverage.reached("crash_reset", this.client);
      this.close(`${dead} crashed (${close === "rst" ? "reset" : "closed"})`, close);
    });
  }

  /** Both ends see the close, except a dead process, which sees nothing ever again. */
  close(reason: string, kind?: "fin" | "rst"): void {
    if (this.closed) return;
    this.closed = true;
    const host = this.#host;
    host.history.record(host.scheduler.now, this.client, "ws_closed", kind ? { link: this.id, reason, close: kind } : { link: this.id, reason });
    const error = protocolError("connection_lost", `websocket closed: ${reason}`);
    if (this.#clientInc.alive) this.clientEnd.fail(error);
    if (this.#serverInc.alive) this.serverEnd.fail(error);
  }
}

export class WsNetwork {
  readonly #host: NetworkDeps;
  readonly #links = new Set<WsLink>();
  readonly #connections = new Map<string, number>();
  #nextId = 0;

  constructor(host: NetworkDeps) {
    this.#host = host;
  }

  /** The SocketOpener a client incarnation is given. */
  opener(client: string, clientInc: Incarnation): SocketOpener {
    return () => this.#connect(client, clientInc);
  }

  async #connect(client: string, clientInc: Incarnation): Promise<RpcTransport> {
    const host = this.#host;
    const nth = (this.#connections.get(client) ?? 0) + 1;
    this.#connections.set(client, nth);
    await host.scheduler.sleep(host.latency());
    await host.reach.passable(client, true);
    if (!clientInc.alive) return never();
    const server = host.server();
    const fate = host.faults.wsFate(client, nth);
    if (!server || fate.refuse) {
      if (server) host.faults.count("ws_refuse_connect");
      host.history.record(host.scheduler.now, client, "ws_refused", { connection: nth, server_up: server !== undefined });
      await host.scheduler.sleep(host.latency());
      throw protocolError("connection_lost", "connection refused");
    }
    const link = new WsLink(host, ++this.#nextId, client, clientInc, server.incarnation, fate);
    this.#links.add(link);
    host.history.record(host.scheduler.now, client, "ws_open", { link: link.id, connection: nth, ...fate });
    server.acceptSession(link.serverEnd);
    await host.scheduler.sleep(host.latency());
    if (!clientInc.alive) return never();
    if (link.closed) throw protocolError("connection_lost", "connection reset during handshake");
    return link.clientEnd;
  }

  /** Cuts every open connection of a client now; what is in flight is lost. */
  cut(client: string, reason: string): void {
    this.#host.observer.disrupted(client);
    for (const link of this.#links) {
      if (link.client !== client) continue;
      link.close(reason);
      this.#links.delete(link);
    }
  }

  /**
   * A process died: what it sent still arrives, then each of its connections
   * closes (FIN) or resets (RST), as the fault plan draws per connection. When
   * its host died silently (or lost power) they black-hole instead.
   */
  dropNode(node: string, silent = false): void {
    for (const link of this.#links) {
      if (node === "server" || link.client === node) {
        if (silent) link.blackhole();
        else link.crashed(node === "server" ? "server" : "client", this.#host.faults.crashClose());
        this.#links.delete(link);
      }
    }
    for (const link of this.#links) if (link.closed) this.#links.delete(link);
  }
}
