import { RpcSession, RpcTarget, type RpcStub, type RpcTransport } from "capnweb";
import type { Op } from "../../protocol/ops.ts";
import type { Ack, LogEntry, ReadPage, ReaderApi, ShareApi, ShareState, Snapshot, Subscribed, SubscriptionEnd, ViewerListener, WriterApi } from "../../protocol/rpc.ts";
import type { Connection, Credentials, ReadConnection, Transport, ViewerCredentials } from "./transport.ts";

/** Opens a socket to the server and wraps it as a capnweb transport. */
export type SocketOpener = () => Promise<RpcTransport>;

/**
 * One long capnweb session over a WebSocket. `redeem` and the first
 * `appendOps` are pipelined: the writer stub is used before redeem resolves.
 */
export function websocketTransport(openSocket: SocketOpener): Transport {
  return {
    name: "websocket",
    async connect(credentials) {
      const socket = await openSocket();
      const session = new RpcSession<ShareApi>(socket);
      return new WebSocketConnection(session.getRemoteMain(), credentials);
    },
    async follow(credentials) {
      const socket = await openSocket();
      const session = new RpcSession<ShareApi>(socket);
      return new WebSocketReadConnection(session.getRemoteMain(), credentials);
    },
  };
}

/** The viewer's listener as an `RpcTarget`: what capnweb exports for the server to call back. */
class ListenerTarget extends RpcTarget implements ViewerListener {
  readonly #inner: ViewerListener;

  constructor(inner: ViewerListener) {
    super();
    this.#inner = inner;
  }

  entries(entries: LogEntry[]): void | Promise<void> {
    return this.#inner.entries(entries);
  }

  ended(reason: SubscriptionEnd): void | Promise<void> {
    return this.#inner.ended(reason);
  }
}

/** One long capnweb session for a viewer: redeem for reading, then follow by push. */
class WebSocketReadConnection implements ReadConnection {
  readonly #main: RpcStub<ShareApi>;
  readonly #credentials: ViewerCredentials;
  #redeemed: ReturnType<RpcStub<ShareApi>["redeem"]> | undefined;

  constructor(main: RpcStub<ShareApi>, credentials: ViewerCredentials) {
    this.#main = main;
    this.#credentials = credentials;
  }

  #redemption() {
    const c = this.#credentials;
    this.#redeemed ??= this.#main.redeem(c.share_id, c.secret, "read");
    return this.#redeemed;
  }

  #reader(): RpcStub<ReaderApi> {
    return this.#redemption().capability as unknown as RpcStub<ReaderApi>;
  }

  async redeem(): Promise<ShareState> {
    const { cursor, epoch, last_seq } = await this.#redemption();
    return { cursor, epoch, last_seq };
  }

  async snapshot(): Promise<Snapshot> {
    return (await this.#reader().snapshot()) as Snapshot;
  }

  async read(fromCursor: number, limit: number): Promise<ReadPage> {
    return (await this.#reader().read(fromCursor, limit)) as ReadPage;
  }

  async subscribe(fromCursor: number, listener: ViewerListener): Promise<Subscribed> {
    return (await this.#reader().subscribe(fromCursor, new ListenerTarget(listener))) as Subscribed;
  }

  close(): void {
    this.#main[Symbol.dispose]();
  }
}

class WebSocketConnection implements Connection {
  readonly #main: RpcStub<ShareApi>;
  readonly #credentials: Credentials;
  #redeemed: ReturnType<RpcStub<ShareApi>["redeem"]> | undefined;

  constructor(main: RpcStub<ShareApi>, credentials: Credentials) {
    this.#main = main;
    this.#credentials = credentials;
  }

  #redemption() {
    const c = this.#credentials;
    this.#redeemed ??= this.#main.redeem(c.share_id, c.secret, c.scope, c.producer_id);
    return this.#redeemed;
  }

  async redeem(): Promise<ShareState> {
    const { cursor, epoch, last_seq } = await this.#redemption();
    return { cursor, epoch, last_seq };
  }

  async append(ops: Op[]): Promise<Ack> {
    const writer = this.#redemption().capability as unknown as RpcStub<WriterApi>;
    return (await writer.appendOps(ops)) as Ack;
  }

  close(): void {
    this.#main[Symbol.dispose]();
  }
}
