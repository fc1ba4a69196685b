import { RpcSession, type RpcStub, type RpcTransport } from "capnweb";
import type { Op } from "../../protocol/ops.ts";
import type { Ack, ShareApi, ShareState, WriterApi } from "../../protocol/rpc.ts";
import type { Connection, Credentials, Transport } from "./transport.ts";

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
  };
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
