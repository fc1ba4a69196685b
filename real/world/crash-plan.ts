import type { CrashPoint } from "../../protocol/ports.ts";
import type { Scenario } from "../../sim/scenario/schema.ts";
import type { CrashAt } from "../processes/crash-at.ts";

/**
 * A node's `crash_at` entries, one incarnation at a time. In the simulator
 * `nth` counts every time the node reached the point, across restarts; a real
 * process counts only its own reaches. So once an incarnation died at its
 * point, the next entry's nth is counted from there.
 */
export class CrashPlan {
  readonly #entries: { point: CrashPoint; nth: number; power_loss: boolean; torn: boolean }[];
  readonly #reached = new Map<CrashPoint, number>();
  #next = 0;
  #armed: CrashAt | null = null;

  constructor(scenario: Scenario, node: string) {
    this.#entries = scenario.timeline.flatMap((a) => (a.action === "crash_at" && a.node === node ? [{ point: a.point as CrashPoint, nth: a.nth, power_loss: a.power_loss, torn: a.torn }] : [])).sort((a, b) => a.nth - b.nth);
  }

  /** Where the next incarnation dies, if anywhere. */
  arm(): CrashAt | null {
    const entry = this.#entries[this.#next];
    this.#armed = entry ? { point: entry.point, nth: Math.max(1, entry.nth - (this.#reached.get(entry.point) ?? 0)) } : null;
    return this.#armed;
  }

  /** The incarnation just armed died at its crash point: whether its host lost power there. */
  fired(): { power_loss: boolean; torn: boolean } | null {
    const entry = this.#entries[this.#next];
    if (!entry || !this.#armed) return null;
    this.#reached.set(entry.point, entry.nth);
    this.#next++;
    return { power_loss: entry.power_loss, torn: entry.torn };
  }
}
