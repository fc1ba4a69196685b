// An open WebSocket connection through the proxy: frames numbered per direction, relayed in order,
// cut or stalled after frame k. Cuts act on the raw TCP sockets, as a crash or a network would.
import type { Socket } from "node:net";
import { WebSocket } from "ws";
import { FramePipe, type PipeItem } from "./frame-pipe.ts";
import { resetSocket, type ProxyContext } from "./proxy-context.ts";
import type { Direction, WsRule } from "./rules.ts";
import { payloadFields } from "./wire-log.ts";
import { isAppendCall } from "./wire-match.ts";

type CutRule = Extract<WsRule, { fault: "cut" }>;
type StallRule = Extract<WsRule, { fault: "stall" }>;

/** One side of the connection as the proxy holds it. */
export interface WsEnd {
  ws: WebSocket;
  socket: Socket;
}

export class WsRelay {
  private readonly pipes: Record<Direction, FramePipe>;
  private readonly frames: Record<Direction, number> = { to_server: 0, to_client: 0 };
  /** Whether a side's TCP connection was reset, so an abnormal close is mirrored as a reset. */
  private readonly wasReset = new WeakSet<Socket>();
  private readonly cuts: CutRule[];
  private readonly stalls: StallRule[];
  private isCut = false;

  constructor(
    private readonly ctx: ProxyContext,
    readonly conn: number,
    private readonly client: WsEnd,
    private readonly server: WsEnd,
  ) {
    const rules = (ctx.rules.ws ?? []).filter((r) => r.conn === conn);
    this.cuts = rules.filter((r): r is CutRule => r.fault === "cut");
    this.stalls = rules.filter((r): r is StallRule => r.fault === "stall");
    this.pipes = {
      to_server: this.pipe("to_server"),
      to_client: this.pipe("to_client"),
    };
    this.listen(client, "to_server");
    this.listen(server, "to_client");
    // after_frame 0: the fault applies as soon as the connection is open.
    for (const direction of ["to_server", "to_client"] as const) this.afterFrame(direction, 0);
  }

  private pipe(direction: Direction): FramePipe {
    return new FramePipe(this.ctx, {
      deliver: (item) => this.deliver(direction, item),
      held: (item, hold) =>
        this.ctx.log.add({
          kind: "ws_fault",
          conn: this.conn,
          direction,
          frame: item.kind === "message" ? item.frame : undefined,
          fault: hold.fault,
          detail: `held until ${hold.window.to_ms} ms`,
        }),
    });
  }

  /** Everything `from` sends goes into the pipe toward the other side. */
  private listen(from: WsEnd, direction: Direction): void {
    const pipe = () => this.pipes[direction];
    from.socket.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ECONNRESET") this.wasReset.add(from.socket);
    });
    from.ws.on("message", (data: Buffer, binary: boolean) => {
      const frame = ++this.frames[direction];
      if (!pipe().push({ kind: "message", frame, data, binary })) this.discarded(direction, frame, data, binary, "cut");
    });
    from.ws.on("ping", (data: Buffer) => pipe().push({ kind: "ping", data }));
    from.ws.on("pong", (data: Buffer) => pipe().push({ kind: "pong", data }));
    from.ws.on("close", (code: number, reason: Buffer) => pipe().push({ kind: "close", code, reason }));
    // ws reports protocol errors here and then closes; the close is relayed like any other.
    from.ws.on("error", (err) => {
      if (!this.ctx.closed) this.ctx.log.add({ kind: "ws_fault", conn: this.conn, direction, fault: "protocol_error", detail: err.message });
    });
  }

  private deliver(direction: Direction, item: PipeItem): void {
    const to = direction === "to_server" ? this.server : this.client;
    const from = direction === "to_server" ? this.client : this.server;
    if (this.ctx.blackhole.swallows(this.client.socket)) {
      // Closes, pings and pongs go the same way, unlogged: only messages are the wire's content.
      if (item.kind === "message") this.ctx.log.add({ kind: "ws_fault", conn: this.conn, direction, frame: item.frame, fault: "blackhole", ...payloadFields(item.data, item.binary) });
      return;
    }
    if (item.kind === "close") {
      this.forwardClose(direction, item.code, item.reason, from, to);
      return;
    }
    if (to.ws.readyState !== WebSocket.OPEN) {
      if (item.kind === "message") this.discarded(direction, item.frame, item.data, item.binary, "receiver closed");
      return;
    }
    if (item.kind !== "message") {
      this.ctx.log.add({ kind: "ws_frame", conn: this.conn, direction, ...payloadFields(item.data, true), detail: item.kind });
      if (item.kind === "ping") to.ws.ping(item.data);
      else to.ws.pong(item.data);
      return;
    }
    if (direction === "to_client" && !item.binary) {
      const lost = this.ctx.loseReply(item.data);
      if (lost !== undefined) return this.loseReply(item.frame, item.data, lost);
    }
    if (direction === "to_server" && !item.binary && isAppendCall(item.data)) {
      this.ctx.appendCall({ kind: "ws_fault", conn: this.conn, direction, frame: item.frame });
    }
    this.ctx.log.add({ kind: "ws_frame", conn: this.conn, direction, frame: item.frame, ...payloadFields(item.data, item.binary) });
    to.ws.send(item.data, { binary: item.binary });
    this.afterFrame(direction, item.frame);
  }

  private afterFrame(direction: Direction, frame: number): void {
    for (const stall of this.stalls) {
      if (stall.direction !== direction || stall.after_frame !== frame) continue;
      this.ctx.log.add({ kind: "ws_fault", conn: this.conn, direction, frame, fault: "stall", detail: `${stall.ms} ms` });
      this.pipes[direction].stallFor(stall.ms);
    }
    const cut = this.cuts.find((r) => r.direction === direction && r.after_frame === frame);
    if (cut) this.cut(cut);
  }

  private cut(rule: CutRule): void {
    if (this.isCut) return;
    this.ctx.log.add({ kind: "ws_fault", conn: this.conn, direction: rule.direction, frame: rule.after_frame, fault: "cut", detail: rule.how });
    this.sever(rule.direction, rule.how, "cut");
  }

  /** The server applied the ops this frame acks; the client never hears so, its connection dies. */
  private loseReply(frame: number, data: Buffer, nth: number): void {
    if (this.isCut) return;
    this.ctx.log.add({ kind: "ws_fault", conn: this.conn, direction: "to_client", frame, fault: "lose_reply", ...payloadFields(data), detail: `applied reply ${nth}` });
    // Both ends reset, as in a cut: a server holding a half-dead connection would leak it.
    this.sever("to_client", "reset", "lose_reply");
  }

  /** Both TCP connections die at once; whatever was still inside the proxy is lost. */
  private sever(direction: Direction, how: CutRule["how"], why: string): void {
    this.isCut = true;
    for (const d of ["to_server", "to_client"] as const) {
      for (const item of this.pipes[d].abort()) {
        if (item.kind === "message") this.discarded(d, item.frame, item.data, item.binary, why);
      }
    }
    // The side that got the last frame first, so its last bytes precede the FIN or RST.
    const ends = direction === "to_server" ? [this.server, this.client] : [this.client, this.server];
    if (how === "close") {
      // A FIN queues behind the bytes already written: frame k still arrives.
      for (const end of ends) end.socket.end();
      return;
    }
    // A reset is harder: the kernel drops bytes not yet sent, and on Linux a peer that still has
    // unread bytes when the RST lands reads them and then sees a plain EOF, not ECONNRESET. So
    // reset only once each peer has read everything it was sent, which a pong proves.
    void Promise.all(ends.map((end) => this.drained(end))).then(() => {
      for (const end of ends) resetSocket(end.socket);
    });
  }

  /** Resolves when the peer answers a ping (it has read all before it), or after a second without. */
  private drained(end: WsEnd): Promise<void> {
    return new Promise((resolve) => {
      if (end.ws.readyState !== WebSocket.OPEN) return resolve();
      const token = Buffer.from(`replaysim-cut-${this.conn}`);
      const done = () => {
        cancel();
        end.ws.off("pong", onPong);
        end.ws.off("close", done);
        resolve();
      };
      const onPong = (data: Buffer) => {
        if (data.equals(token)) done();
      };
      // A peer that never pongs (autoPong off) still gets its reset, later.
      const cancel = this.ctx.timers.after(1000, done);
      end.ws.on("pong", onPong);
      end.ws.once("close", done);
      end.ws.ping(token);
    });
  }

  private forwardClose(direction: Direction, code: number, reason: Buffer, from: WsEnd, to: WsEnd): void {
    const text = reason.toString("utf8");
    this.ctx.log.add({ kind: "ws_close", conn: this.conn, direction, detail: text === "" ? `${code}` : `${code} ${text}` });
    if (to.ws.readyState !== WebSocket.OPEN) return;
    if (code === 1005) to.ws.close();
    else if (code === 1006) {
      // No close frame: the sender's TCP connection just ended. Pass on the same kind of ending.
      if (this.wasReset.has(from.socket)) resetSocket(to.socket);
      else to.socket.end();
    } else to.ws.close(code, reason);
  }

  private discarded(direction: Direction, frame: number, data: Buffer, binary: boolean, why: string): void {
    const payload = payloadFields(data, binary);
    this.ctx.log.add({
      kind: "ws_fault",
      conn: this.conn,
      direction,
      frame,
      fault: "discarded",
      body: payload.body,
      bytes: payload.bytes,
      detail: binary ? `${why}, binary` : why,
    });
  }
}
