import { mergeKeys, type Keys } from "../timeline-keys.ts";
import type { Sent } from "./canvas.ts";

// Messages sent and not yet landed, kept until the event where their arrow
// ends: HTTP requests by client and number, WebSocket segments by link and
// number.

export interface PendingRequest extends Sent {
  /** Where the answer leaves from, once the server handled it. */
  answerRow?: number;
  answerDropped?: boolean;
  answerStatus?: number | null;
}

export class HttpInFlight {
  readonly requests = new Map<string, PendingRequest>();
  /** Calls a client made in this instant that no request carries yet (HTTP sends after the call). */
  readonly callsWaiting = new Map<string, { t: number; keys: Keys; label: string }>();
}

export class WsInFlight {
  readonly #segments = new Map<string, Sent>();
  /** A client's latest WebSocket send, which a call made in the same instant rides (capnweb sends first). */
  readonly #lastSend = new Map<string, { t: number; sent: Sent }>();

  sent(link: number, segment: number, sent: Sent, byClient: string | null, t: number): void {
    this.#segments.set(`${link}/${segment}`, sent);
    if (byClient !== null) this.#lastSend.set(byClient, { t, sent });
  }

  /** The segment's sending end, once: it lands now. */
  take(link: number, segment: number): Sent | undefined {
    const key = `${link}/${segment}`;
    const sent = this.#segments.get(key);
    this.#segments.delete(key);
    return sent;
  }

  /** A call made at `t` rides the segment its client sent at `t`, if there is one: capnweb wrote the call's frames before the probe fired. */
  rideLastSend(client: string, t: number, label: string, keys: Keys): boolean {
    const last = this.#lastSend.get(client);
    if (!last || last.t !== t) return false;
    last.sent.label = last.sent.label ? `${last.sent.label} ${label}` : label;
    mergeKeys(last.sent.keys, keys);
    return true;
  }
}
