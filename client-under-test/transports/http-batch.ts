import { newHttpBatchRpcSession, type RpcStub } from "capnweb";
import type { Op } from "../../protocol/ops.ts";
import type { Ack, ReadPage, ReaderApi, ShareApi, ShareState, Snapshot, WriterApi } from "../../protocol/rpc.ts";
import type { Connection, Credentials, ReadConnection, Transport, ViewerCredentials } from "./transport.ts";

/**
 * capnweb HTTP batch: one POST per round trip. Stubs die with their batch, so
 * every append pipelines `redeem` and `appendOps` into the same POST.
 */
export function httpBatchTransport(baseUrl: string): Transport {
  return {
    name: "http-batch",
    async connect(credentials) {
      return new HttpBatchConnection(`${baseUrl}/rpc`, credentials);
    },
    async follow(credentials) {
      return new HttpBatchReadConnection(`${baseUrl}/rpc`, credentials);
    },
  };
}

/** A viewer polling over HTTP batch: each read pipelines `redeem` and `read` into one POST. No push: a stub dies with its batch. */
class HttpBatchReadConnection implements ReadConnection {
  readonly #url: string;
  readonly #credentials: ViewerCredentials;

  constructor(url: string, credentials: ViewerCredentials) {
    this.#url = url;
    this.#credentials = credentials;
  }

  #batch() {
    const c = this.#credentials;
    const request = new Request(this.#url, { method: "POST", headers: { "x-client-id": c.viewer_id } });
    return newHttpBatchRpcSession<ShareApi>(request).redeem(c.share_id, c.secret, "read");
  }

  async redeem(): Promise<ShareState> {
    const { cursor, epoch, last_seq } = await this.#batch();
    return { cursor, epoch, last_seq };
  }

  async snapshot(): Promise<Snapshot> {
    const reader = this.#batch().capability as unknown as RpcStub<ReaderApi>;
    return (await reader.snapshot()) as Snapshot;
  }

  async read(fromCursor: number, limit: number): Promise<ReadPage> {
    const reader = this.#batch().capability as unknown as RpcStub<ReaderApi>;
    return (await reader.read(fromCursor, limit)) as ReadPage;
  }

  close(): void {}
}

class HttpBatchConnection implements Connection {
  readonly #url: string;
  readonly #credentials: Credentials;

  constructor(url: string, credentials: Credentials) {
    this.#url = url;
    this.#credentials = credentials;
  }

  #batch() {
    const c = this.#credentials;
    const request = new Request(this.#url, { method: "POST", headers: { "x-client-id": c.producer_id } });
    const main = newHttpBatchRpcSession<ShareApi>(request);
    return main.redeem(c.share_id, c.secret, c.scope, c.producer_id);
  }

  async redeem(): Promise<ShareState> {
    const { cursor, epoch, last_seq } = await this.#batch();
    return { cursor, epoch, last_seq };
  }

  async append(ops: Op[]): Promise<Ack> {
    const writer = this.#batch().capability as unknown as RpcStub<WriterApi>;
    return (await writer.appendOps(ops)) as Ack;
  }

  close(): void {}
}
