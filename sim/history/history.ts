import { createHash, type Hash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";

/** One thing that happened, at a virtual time, on a node. No wall-clock values, ever. */
export interface HistoryEvent {
  t: number;
  node: string;
  type: string;
  data: Record<string, unknown>;
}

/**
 * The run's history. Each event is hashed as one canonical line as it is
 * recorded; the sha256 of all lines is the trace hash (DESIGN.md rule 5).
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

  record(t: number, node: string, type: string, data: Record<string, unknown> = {}): HistoryEvent {
    if (this.#digest !== undefined) throw new Error("history is sealed");
    const event = { t, node, type, data };
    this.events.push(event);
    const line = canonicalJson([t, node, type, data]);
    this.#pending += `${line}\n`;
    if (this.#pending.length > 65_536) this.#flush();
    this.#onLine?.(line);
    return event;
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

  ofType(type: string): HistoryEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}
