import { errorCode, protocolError, type ErrorCode } from "../../protocol/errors.ts";
import type { Op } from "../../protocol/ops.ts";
import type { Ack, RestRedeemed, ShareState } from "../../protocol/rpc.ts";
import type { Connection, Credentials, Transport } from "./transport.ts";

/** The legacy JSON routes: the baseline the capnweb transports are compared with. */
export function restTransport(baseUrl: string): Transport {
  return {
    name: "rest",
    async connect(credentials) {
      return new RestConnection(baseUrl, credentials);
    },
  };
}

class RestConnection implements Connection {
  readonly #base: string;
  readonly #credentials: Credentials;
  /** The write token `/redeem` bound to this producer; `/ops` takes nothing else. */
  #token: string | undefined;

  constructor(base: string, credentials: Credentials) {
    this.#base = `${base}/api/share/${encodeURIComponent(credentials.share_id)}`;
    this.#credentials = credentials;
  }

  async #post<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(`${this.#base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-client-id": this.#credentials.producer_id },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw protocolError("server_error", `HTTP ${response.status}: response is not JSON`);
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } }).error;
      const code = errorCode(error) ?? "server_error";
      throw protocolError(code as ErrorCode, error?.message ?? `HTTP ${response.status}`);
    }
    return parsed as T;
  }

  async redeem(): Promise<ShareState> {
    const c = this.#credentials;
    const { token, ...state } = await this.#post<RestRedeemed>("/redeem", { secret: c.secret, scope: c.scope, producer_id: c.producer_id });
    this.#token = token;
    return state;
  }

  append(ops: Op[]): Promise<Ack> {
    if (this.#token === undefined) return Promise.reject(protocolError("read_only", "no write token: this session was redeemed for reading"));
    return this.#post<Ack>("/ops", { token: this.#token, ops });
  }

  close(): void {}
}
