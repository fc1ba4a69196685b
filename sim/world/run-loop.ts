import type { FaultSource } from "../faults/liveness.ts";
import { transitionToLiveness } from "../faults/liveness.ts";
import type { History } from "../history/history.ts";
import type { RunMonitor } from "../kernel/run-monitor.ts";
import type { Scheduler } from "../kernel/scheduler.ts";
import { settle } from "../kernel/settle.ts";
import type { HttpNetwork } from "../network/http-network.ts";
import type { Observer } from "../observe/observer.ts";
import { eventsMax } from "../run-limits.ts";
import type { Outcome } from "../run-record.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { WorkloadDriver } from "../workload/driver.ts";
import type { Roster } from "./roster.ts";

export interface RunLoopDeps {
  scenario: Scenario;
  scheduler: Scheduler;
  history: History;
  monitor: RunMonitor | null;
  roster: Roster;
  http: HttpNetwork;
  observer: Observer;
  /** Every fault source, moved into liveness mode together when the workload is over. */
  faultSources: readonly FaultSource[];
  /** When the last timed fault action is over. */
  lastActionAt(): number;
  restart(name: string): void;
  /** Builds the world's processes, putting the workload drivers in `drivers`. */
  setUp(drivers: WorkloadDriver[]): void;
}

/**
 * The run's phases and its loop: the workload under faults, then the liveness
 * phase (every fault healed, every crashed node restarted) until the world
 * drains, goes quiet, gets stuck or hits a limit. Never hangs.
 */
export class RunLoop {
  readonly #d: RunLoopDeps;
  readonly #drivers: WorkloadDriver[] = [];
  #phase: "workload" | "liveness" = "workload";
  #healedAt: number | null = null;
  #events = 0;
  /** When an op was last applied or acked anywhere. */
  #progressAt = 0;

  constructor(deps: RunLoopDeps) {
    this.#d = deps;
  }

  get phase(): "workload" | "liveness" {
    return this.#phase;
  }

  get healedAt(): number | null {
    return this.#healedAt;
  }

  get events(): number {
    return this.#events;
  }

  progressed(t: number): void {
    this.#progressAt = t;
  }

  /** A workload ran out: once all have, heal after every timed action happened (timeline faults, each viewer's join and leave). */
  workloadDone(): void {
    if (!this.#drivers.every((d) => d.done)) return;
    const viewersAt = this.#d.scenario.viewers.map((v) => Math.max(v.join_at_ms, v.leave_at_ms ?? 0));
    this.#d.scheduler.at(Math.max(this.#d.lastActionAt(), ...viewersAt), () => this.#heal());
  }

  /** The liveness phase: every fault healed, every crashed node restarted. */
  #heal(): void {
    if (this.#phase === "liveness") return;
    const d = this.#d;
    this.#phase = "liveness";
    this.#healedAt = d.scheduler.now;
    transitionToLiveness(d.faultSources);
    d.history.record(d.scheduler.now, "world", "heal", {});
    if (!d.roster.server.up) d.restart("server");
    for (const client of d.roster.clients) if (!client.up) d.restart(client.name);
    for (const viewer of d.roster.viewers) if (viewer.started && !viewer.up && !viewer.left) d.restart(viewer.name);
  }

  /**
   * True when every client has drained its outbox or stopped for good, and no
   * request or late copy is still on its way to change the server's state.
   */
  #settled(): boolean {
    const { roster, http } = this.#d;
    if (http.inFlight) return false;
    for (const client of roster.clients) {
      if (!client.up) return false;
      const status = client.client.status();
      if (status.state !== "stopped" && status.pending > 0) return false;
    }
    // Every viewer still following has caught up with its share's log.
    for (const viewer of roster.viewers) {
      if (viewer.left || !viewer.started) continue;
      if (!viewer.up || !roster.server.up) return false;
      const status = viewer.viewer.status();
      if (status.state === "stopped") continue;
      const share = roster.shares[viewer.binding.share_index]!;
      if (!status.view.joined || status.view.cursor < roster.server.server.store.parts.cursors.get(share.id)) return false;
    }
    return true;
  }

  /**
   * After healing, a healthy client makes progress at least once per backoff
   * and deadline; this long without any means the world is stuck for good.
   */
  #stuckAfter(): number {
    const c = this.#d.scenario.client;
    return Math.max(30_000, 3 * (c.backoff_max_ms + c.deadline_ms));
  }

  /** The liveness deadline or the stuck verdict, if the next event comes after either. */
  #pastLiveness(eventTime: number): Outcome | null {
    if (this.#healedAt === null) return null;
    const deadline = this.#healedAt + this.#d.scenario.liveness.deadline_ms;
    const stuckAt = Math.max(this.#healedAt, this.#progressAt) + this.#stuckAfter();
    if (eventTime <= Math.min(deadline, stuckAt)) return null;
    this.#d.scheduler.advanceTo(Math.min(deadline, stuckAt));
    return stuckAt < deadline ? "stuck" : "liveness_deadline";
  }

  /** Runs to the end: drained, nothing left to happen, stuck, or a limit. */
  async run(): Promise<Outcome> {
    const d = this.#d;
    d.setUp(this.#drivers);
    await settle();
    const sim_time_ms_max = d.scenario.limits.sim_time_ms_max;
    const events_max = eventsMax(d.scenario);
    for (;;) {
      if (this.#phase === "liveness" && this.#settled()) return "drained";
      const event = d.scheduler.queue.pop();
      if (!event) return "quiescent";
      const past = this.#pastLiveness(event.time);
      if (past) return past;
      if (event.time > sim_time_ms_max) return "time_limit";
      if (++this.#events > events_max) return "event_limit";
      d.scheduler.advanceTo(event.time);
      d.monitor?.progress(event.time, this.#events);
      event.run();
      await settle();
      d.observer.afterEvent();
    }
  }
}
