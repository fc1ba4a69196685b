import { newHttpBatchRpcSession, type RpcStub } from "capnweb";
import type { Op } from "../../protocol/ops.ts";
import type { Ack, ShareApi, ShareState, WriterApi } from "../../protocol/rpc.ts";
import type { Connection, Credentials, Transport } from "./transport.ts";

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
  };
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
