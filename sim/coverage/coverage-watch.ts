import type { History } from "../history/history.ts";
import type { ProbeEvent } from "../../protocol/ports.ts";
import type { CoverageCondition } from "./conditions.ts";

/**
 * Records coverage conditions in a run's history, each the first time it is
 * reached. Some conditions are about what the code under test was doing (a
 * call out when a revoke struck, a call ended by its deadline); for those it
 * follows the clients' probe events. Coverage only says a case happened: a
 * hint is enough here, while checkers take nothing but ground truth.
 */
export class CoverageWatch {
  readonly #history: History;
  readonly #now: () => number;
  readonly #reached = new Set<string>();
  /** appendOps calls each client has out, from its own reports. */
  readonly #callsOut = new Map<string, number>();
  #silentCrash = false;
  /** Nodes whose disk is full now. */
  readonly #fullDisks = new Set<string>();

  readonly #pushInFlightMax: number;

  constructor(history: History, now: () => number, pushInFlightMax: number) {
    this.#history = history;
    this.#now = now;
    this.#pushInFlightMax = pushInFlightMax;
  }

  reached(condition: CoverageCondition | `${"reply_lost_after_apply" | "crash_point" | "disk_full"}/${string}`, node: string): void {
    if (this.#reached.has(condition)) return;
    this.#reached.add(condition);
    this.#history.record(this.#now(), node, "coverage", { condition });
  }

  probe(node: string, event: ProbeEvent): void {
    if (event.type === "served" && event.via === "push" && event.in_flight !== undefined && event.in_flight >= this.#pushInFlightMax) this.reached("push_backpressure", node);
    if (event.type === "served" && event.via !== "push" && event.count === event.limit) this.reached("poll_page_full", node);
    if (event.type === "call_sent") this.#callsOut.set(node, (this.#callsOut.get(node) ?? 0) + 1);
    else if (event.type === "ack_received") this.#callsOut.set(node, Math.max(0, (this.#callsOut.get(node) ?? 0) - 1));
    else if (event.type === "session_failed") {
      this.#callsOut.set(node, 0);
      if (event.code === "disk_full" && this.#fullDisks.has("server")) this.reached("disk_full/server", node);
      if (event.code === "deadline" && this.#silentCrash) this.reached("silent_crash_escaped_by_deadline", node);
    }
  }

  crashed(node: string, silent: boolean): void {
    if (node !== "server") this.#callsOut.set(node, 0);
    if (silent) this.#silentCrash = true;
  }

  diskFull(node: string, full: boolean): void {
    if (full) this.#fullDisks.add(node);
    else this.#fullDisks.delete(node);
  }

  revoking(): void {
    if ([...this.#callsOut.values()].some((n) => n > 0)) this.reached("revoke_with_batch_in_flight", "admin");
  }
}
