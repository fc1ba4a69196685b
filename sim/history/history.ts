import { createHash, type Hash } from "node:crypto";
import type { ProbeEvent } from "../../protocol/ports.ts";
import { canonicalJson } from "./canonical-json.ts";
import type { HistoryEventMap, HistoryEventOf, HistoryEventType, TypedHistoryEvent } from "./events.ts";

export type { HistoryEventMap, HistoryEventOf, HistoryEventType } from "./events.ts";

/**
 * One thing that happened, at a virtual time, on a node. No wall-clock values, ever.
 * Its data is typed by its type (sim/history/events.ts): `if (e.type === "http_sent") e.data.request`.
 */
export type HistoryEvent = TypedHistoryEvent;

/**
 * The run's history. Each event is hashed as one canonical line as it is
 * recorded; the sha256 of all lines is the trace hash (docs/design.md rule 5).
 */
export class History {
  readonly events: HistoryEvent[] = [];
  readonly #hash: Hash = createHash("sha256");
  readonly #onLine: ((line: string) => void) | undefined;
  #digest: string | undefined;
  /** Lines not yet fed to the hash: one update per chunk costs less than one per line, and hashes the same bytes. */
  #pending = "";

  /** `onLine` sees each canonical line as it is recorded (the run monitor keeps the last few). */
  constructor(onLine?: (line: string) => void) {
    this.#onLine = onLine;
  }

  record<K extends HistoryEventType>(t: number, node: string, type: K, data: HistoryEventMap[K]): HistoryEventOf<K> {
    if (this.#digest !== undefined) throw new Error("history is sealed");
    const event = { t, node, type, data } as HistoryEventOf<K>;
    this.events.push(event);
    const line = canonicalJson([t, node, type, data]);
    this.#pending += `${line}\n`;
    if (this.#pending.length > 65_536) this.#flush();
    this.#onLine?.(line);
    return event;
  }

  /** A probe event of the code under test, recorded as its type and the rest of its fields as data. */
  recordProbe(t: number, node: string, event: ProbeEvent): HistoryEventOf<ProbeEvent["type"]> {
    const { type, ...data } = event;
    return this.record(t, node, type, data);
  }

  /** Seals the history and returns its trace hash. */
  traceHash(): string {
    if (this.#digest === undefined) {
      this.#flush();
      this.#digest = this.#hash.digest("hex");
    }
    return this.#digest;
  }

  #flush(): void {
    this.#hash.update(this.#pending);
    this.#pending = "";
  }

  /** The canonical text the trace hash is computed over. */
  canonicalLines(): string[] {
    return this.events.map((e) => canonicalJson([e.t, e.node, e.type, e.data]));
  }

  ofType<K extends HistoryEventType>(type: K): HistoryEventOf<K>[] {
    return this.events.filter((e) => e.type === type) as HistoryEventOf<K>[];
  }
}
