// A silent host death: while on, nothing passes either way and the client is told nothing. When the
// host comes back its kernel knows none of the old connections, so each one gets a reset.
import type { Socket } from "node:net";
import { mute, resetSocket, unmute } from "./socket-control.ts";

export class BlackHole {
  private on = false;
  /** Client sockets open now. */
  private readonly clients = new Set<Socket>();
  /** Client sockets a black hole took: nothing passes on them ever again. */
  private readonly lost = new WeakSet<Socket>();
  /** Each open upstream socket and the client connection it serves. */
  private readonly upstreams = new Map<Socket, Socket>();

  get active(): boolean {
    return this.on;
  }

  /** Whether messages on this client connection are swallowed. */
  swallows(client: Socket): boolean {
    return this.on || this.lost.has(client);
  }

  /** A connection the client opened to the proxy. */
  addClient(socket: Socket): void {
    if (socket.destroyed) return;
    this.clients.add(socket);
    socket.once("close", () => this.clients.delete(socket));
    if (this.on) this.take(socket);
  }

  /** An upstream socket serving `client`: closed on restore when the client's connection is lost. */
  linkUpstream(upstream: Socket, client: Socket): void {
    if (upstream.destroyed) return;
    this.upstreams.set(upstream, client);
    upstream.once("close", () => this.upstreams.delete(upstream));
  }

  start(): void {
    if (this.on) return;
    this.on = true;
    for (const socket of this.clients) this.take(socket);
  }

  /** Ends the black hole: every client connection it took is reset, and what served them closed. */
  end(): void {
    if (!this.on) return;
    this.on = false;
    for (const socket of [...this.clients]) {
      if (!this.lost.has(socket)) continue;
      unmute(socket);
      resetSocket(socket);
    }
    for (const [upstream, client] of [...this.upstreams]) {
      if (this.lost.has(client)) upstream.destroy();
    }
  }

  /** On proxy close: the sockets' own methods back, so they can be destroyed. */
  release(): void {
    for (const socket of this.clients) unmute(socket);
  }

  private take(socket: Socket): void {
    this.lost.add(socket);
    mute(socket);
  }
}
