import type { Adversary } from "../adversary/adversary.ts";
import type { CoverageWatch } from "../coverage/coverage-watch.ts";
import type { History } from "../history/history.ts";
import { drawChance, drawInt, drawPick } from "../kernel/draw.ts";
import type { Scheduler } from "../kernel/scheduler.ts";
import type { Reachability } from "../network/reachability.ts";
import type { ForbiddenProbe } from "../run-record.ts";
import type { Observer } from "../observe/observer.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { FaultPlan } from "./fault-plan.ts";

/** What the fault scheduler needs of the world: its clock, its processes and its admin. */
export interface FaultHost {
  scenario: Scenario;
  scheduler: Scheduler;
  history: History;
  reach: Reachability;
  faults: FaultPlan;
  coverage: CoverageWatch;
  adversary: Adversary;
  clientNames(): string[];
  viewerNames(): string[];
  isUp(node: string): boolean;
  /** A viewer that joined and has not left. */
  viewerActive(node: string): boolean;
  crash(node: string, cause: string, point: null, restart_after_ms?: number): void;
  /** The host of a server or client loses power. */
  powerLoss(node: string, cause: string, torn: boolean, restart_after_ms?: number): void;
  /** A node's disk is full for a while. */
  diskFull(node: string, duration_ms: number): void;
  /** The world's admin revokes a share (skipped while the server is down). */
  revoke(share: number, rotate: boolean): void;
  /** What the adversary's forbidden attempts got, for the checkers. */
  observer: Observer;
}

/**
 * Puts the scenario's faults on the clock: its explicit timeline, and the
 * Poisson processes of its random rates. Nothing fires in the liveness phase.
 */
export class FaultScheduler {
  readonly #host: FaultHost;
  readonly #callsSent = new Map<string, number>();
  #liveness = false;

  constructor(host: FaultHost) {
    this.#host = host;
  }

  start(): void {
    this.#adversaryKeeps();
    this.#scheduleTimeline();
    this.#scheduleRandomFaults();
  }

  /** The liveness phase: nothing planned fires any more. */
  transitionToLiveness(): void {
    this.#liveness = true;
  }

  /** The server came back: a stale attempt needs a capability minted by this incarnation. */
  serverRestarted(): void {
    this.#adversaryKeeps();
  }

  /** A client sent an appendOps call: timeline revokes keyed to its nth call strike now, while it is on the wire. */
  callSent(node: string): void {
    const h = this.#host;
    const nth = (this.#callsSent.get(node) ?? 0) + 1;
    this.#callsSent.set(node, nth);
    for (const a of h.scenario.timeline) {
      if (a.action !== "revoke_at_call" || a.node !== node || a.nth !== nth) continue;
      h.scheduler.after(0, () => !this.#liveness && h.revoke(a.share, a.rotate_secret));
    }
  }

  /** The time after which no timeline action is left to fire. */
  lastActionAt(): number {
    return Math.max(0, ...this.#host.scenario.timeline.map((a) => ("at_ms" in a ? a.at_ms + ("duration_ms" in a ? a.duration_ms : 0) : 0)));
  }

  #scheduleTimeline(): void {
    const h = this.#host;
    for (const action of h.scenario.timeline) {
      if (!("at_ms" in action)) continue;
      h.scheduler.at(action.at_ms, () => {
        if (this.#liveness) return;
        const t = h.scheduler.now;
        switch (action.action) {
          case "crash":
            h.faults.count("crash");
            h.crash(action.node, "timeline", null, action.restart_after_ms);
            return;
          case "partition":
          case "stall":
            h.faults.count(action.action);
            h.history.record(t, action.node, action.action, { duration_ms: action.duration_ms });
            h.reach.open(action.action, action.node, action.duration_ms);
            return;
          case "revoke":
            h.revoke(action.share, action.rotate_secret);
            return;
          case "power_loss":
            if (!h.isUp(action.node)) return;
            h.faults.count("power_loss");
            h.powerLoss(action.node, "timeline", action.torn, action.restart_after_ms);
            return;
          case "disk_full":
            h.faults.count("disk_full");
            h.diskFull(action.node, action.duration_ms);
            return;
          case "forbidden":
            void h.adversary.attempt(action.attempt, action.share).then((probe) => this.#forbidden(probe));
            return;
        }
      });
    }
  }

  /** The adversary keeps an early writer capability when a stale attempt is planned on a share. */
  #adversaryKeeps(): void {
    const stale = this.#host.scenario.timeline.find((a) => a.action === "forbidden" && a.attempt === "stale_append");
    if (stale && stale.action === "forbidden") void this.#host.adversary.keepWriter(stale.share);
  }

  #scheduleRandomFaults(): void {
    const h = this.#host;
    const r = h.scenario.faults;
    for (const name of h.clientNames()) this.#poisson(`client_crash/${name}`, r.client_crash_per_min, () => this.#randomCrash(name));
    for (const name of h.viewerNames()) this.#poisson(`viewer_crash/${name}`, r.viewer_crash_per_min, () => h.viewerActive(name) && this.#randomCrash(name));
    this.#poisson("server_crash", r.server_crash_per_min, () => this.#randomCrash("server"));
    this.#poisson("server_power_loss", r.server_power_loss_per_min, () => this.#randomPowerLoss("server"));
    for (const name of h.clientNames()) this.#poisson(`client_power_loss/${name}`, r.client_power_loss_per_min, () => this.#randomPowerLoss(name));
    this.#poisson("disk_full", r.disk_full_per_min, () => {
      const s = h.faults.stream("disk_full");
      const node = drawPick(s, ["server", ...h.clientNames()]);
      h.faults.count("disk_full");
      h.diskFull(node, drawInt(s, ...r.disk_full_ms));
    });
    this.#poisson("partition", r.partition_per_min, () => {
      const s = h.faults.stream("partition");
      const node = drawChance(s, 0.25) ? "all" : drawPick(s, [...h.clientNames(), ...h.viewerNames()]);
      const duration = drawInt(s, ...r.partition_ms);
      h.faults.count("partition");
      h.history.record(h.scheduler.now, node, "partition", { duration_ms: duration });
      h.reach.open("partition", node, duration);
    });
  }

  #randomPowerLoss(name: string): void {
    const h = this.#host;
    if (!h.isUp(name)) return;
    h.faults.count("power_loss");
    h.powerLoss(name, "random", h.faults.tornWal());
  }

  #randomCrash(name: string): void {
    const h = this.#host;
    if (!h.isUp(name)) return;
    h.faults.count("crash");
    h.crash(name, "random", null);
  }

  /** What a forbidden attempt got goes to the checkers' evidence; a clean refusal is a coverage condition. */
  #forbidden(probe: ForbiddenProbe): void {
    const h = this.#host;
    h.observer.observed.forbidden.push(probe);
    const { t: _t, ...data } = probe;
    h.history.record(h.scheduler.now, "adversary", "forbidden_probe", data);
    if (probe.outcome === "refused" && probe.code !== null && !probe.state_changed) {
      h.coverage.reached("forbidden_refused", "adversary");
      if (probe.attempt === "reader_append" || probe.attempt === "reader_revoke") h.coverage.reached("reader_write_refused", "adversary");
    }
  }

  /** Fires `fn` at the arrival times of a Poisson process, until the liveness phase. */
  #poisson(kind: string, per_min: number, fn: () => void): void {
    const h = this.#host;
    const gap = h.faults.nextGap(kind, per_min);
    if (gap === null) return;
    h.scheduler.after(gap, () => {
      if (this.#liveness) return;
      fn();
      this.#poisson(kind, per_min, fn);
    });
  }
}
