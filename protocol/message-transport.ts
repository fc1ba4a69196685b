import type { RpcTransport } from "capnweb";
import { protocolError } from "./errors.ts";

/**
 * A capnweb transport fed by pushes: whoever owns the socket calls `deliver`
 * for each incoming frame and `fail` when it closes. Used over `ws` sockets,
 * Hono's WebSocket context, and the simulator's in-memory links alike.
 */
export class PushTransport implements RpcTransport {
  readonly #sink: (frame: string) => void;
  readonly #onAbort: (reason: unknown) => void;
  readonly #queue: string[] = [];
  #waiter: { resolve: (frame: string) => void; reject: (error: unknown) => void } | undefined;
  #error: unknown;

  constructor(sink: (frame: string) => void, onAbort: (reason: unknown) => void = () => {}) {
    this.#sink = sink;
    this.#onAbort = onAbort;
  }

  get closed(): boolean {
    return this.#error !== undefined;
  }

  send(frame: string): void {
    if (this.#error !== undefined) throw this.#error;
    this.#sink(frame);
  }

  receive(): Promise<string> {
    const next = this.#queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** capnweb calls this when its session ends; tell the socket owner to close. */
  abort(reason: unknown): void {
    if (this.#error !== undefined) return;
    this.#error = reason ?? protocolError("connection_lost", "transport aborted");
    this.#onAbort(reason);
  }

  deliver(frame: string): void {
    if (this.#error !== undefined) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve(frame);
    } else {
      this.#queue.push(frame);
    }
  }

  /** The connection is gone: the pending receive and every later one reject. */
  fail(error: unknown = protocolError("connection_lost", "connection closed")): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(error);
  }
}
