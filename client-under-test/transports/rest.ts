import { errorCode, protocolError, type ErrorCode } from "../../protocol/errors.ts";
import type { Op } from "../../protocol/ops.ts";
import type { Ack, ReadPage, RestRedeemed, ShareState, Snapshot } from "../../protocol/rpc.ts";
import type { Connection, Credentials, ReadConnection, Transport, ViewerCredentials } from "./transport.ts";

/** The legacy JSON routes: the baseline the capnweb transports are compared with. */
export function restTransport(baseUrl: string): Transport {
  return {
    name: "rest",
    async connect(credentials) {
      return new RestConnection(baseUrl, credentials);
    },
    async follow(credentials) {
      return new RestReadConnection(baseUrl, credentials);
    },
  };
}

/** A REST reply as JSON, or the coded error it carries. */
async function restReply<T>(response: Response): Promise<T> {
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

/** A viewer polling the REST routes: `/redeem` for a read token, then `GET /log` with it. */
class RestReadConnection implements ReadConnection {
  readonly #base: string;
  readonly #credentials: ViewerCredentials;
  #token: string | undefined;

  constructor(base: string, credentials: ViewerCredentials) {
    this.#base = `${base}/api/share/${encodeURIComponent(credentials.share_id)}`;
    this.#credentials = credentials;
  }

  async redeem(): Promise<ShareState> {
    const c = this.#credentials;
    const response = await fetch(`${this.#base}/redeem`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-client-id": c.viewer_id },
      body: JSON.stringify({ secret: c.secret, scope: "read" }),
    });
    const { token, ...state } = await restReply<RestRedeemed>(response);
    this.#token = token;
    return state;
  }

  #get<T>(path: string): Promise<T> {
    if (this.#token === undefined) return Promise.reject(protocolError("invalid_request", "redeem before reading"));
    const headers = { authorization: `Bearer ${this.#token}`, "x-client-id": this.#credentials.viewer_id };
    return fetch(`${this.#base}${path}`, { headers }).then((response) => restReply<T>(response));
  }

  read(fromCursor: number, limit: number): Promise<ReadPage> {
    return this.#get<ReadPage>(`/log?from=${fromCursor}&limit=${limit}`);
  }

  snapshot(): Promise<Snapshot> {
    return this.#get<Snapshot>("/snapshot");
  }

  close(): void {}
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
    return restReply<T>(response);
  }

  async redeem(): Promise<ShareState> {
    const c = this.#credentials;
    const { token, ...state } = await this.#post<RestRedeemed>("/redeem", { secret: c.secret, scope: c.scope, producer_id: c.producer_id });
    // A read token is no write credential: a reader's append is refused here, before it is sent.
    this.#token = c.scope === "write" ? token : undefined;
    return state;
  }

  append(ops: Op[]): Promise<Ack> {
    if (this.#token === undefined) return Promise.reject(protocolError("read_only", "no write token: this session was redeemed for reading"));
    return this.#post<Ack>("/ops", { token: this.#token, ops });
  }

  close(): void {}
}
