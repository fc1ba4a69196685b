import type { CrashPoint } from "../../protocol/ports.ts";
import { drawChance, drawInt } from "../kernel/draw.ts";
import type { RandomStreams, SeededRandom } from "../kernel/prng.ts";
import type { HttpFate, WsFate } from "./fates.ts";
import type { FaultRates, TimelineAction } from "../scenario/schema.ts";
import type { FaultKind } from "./fault-kind.ts";

type Cut = Extract<TimelineAction, { action: "cut" }>;
type HttpAction = Extract<TimelineAction, { action: "http" }>;
type CrashAt = Extract<TimelineAction, { action: "crash_at" }>;
type LoseReply = Extract<TimelineAction, { action: "lose_reply" }>;

/** How a process dies at a crash point: a plain crash, or its host's power lost (with or without a torn WAL frame). */
export interface CrashHow {
  power_loss: boolean;
  torn: boolean;
}

/**
 * Decides every fault: explicit ones from the scenario's timeline, and random
 * ones from its rates. Each fault kind draws from its own stream, and only
 * when its rate is above zero, so switching one kind on never shifts another's
 * draws. In liveness mode nothing more is injected.
 */
export class FaultPlan {
  readonly rates: FaultRates;
  /** The timeline's actions grouped by what each question matches on, in timeline order: a crash point is reached on every op, and asking the whole timeline each time was a measurable cost. */
  readonly #actions = new Map<string, TimelineAction[]>();
  readonly #streams: RandomStreams;
  readonly #reaches = new Map<string, number>();
  readonly counts = new Map<FaultKind, number>();
  #healed = false;

  constructor(rates: FaultRates, timeline: readonly TimelineAction[], streams: RandomStreams) {
    this.rates = rates;
    for (const a of timeline) for (const key of keysOf(a)) {
      const list = this.#actions.get(key);
      if (list) list.push(a);
      else this.#actions.set(key, [a]);
    }
    this.#streams = streams;
  }

  #matching<A extends TimelineAction>(key: string): readonly A[] {
    return (this.#actions.get(key) ?? []) as A[];
  }

  /** True once the run is in its liveness phase. */
  get healed(): boolean {
    return this.#healed;
  }

  /** The liveness phase: from now on every question gets "no fault". */
  transitionToLiveness(): void {
    this.#healed = true;
  }

  stream(kind: string): SeededRandom {
    return this.#streams.stream(`faults/${kind}`);
  }

  /** A fault took effect. */
  count(kind: FaultKind): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  get total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  wsFate(client: string, connection: number): WsFate {
    if (this.#healed) return { refuse: false };
    const r = this.rates;
    const fate: WsFate = { refuse: drawChance(this.stream("ws_refuse_connect"), r.ws_refuse_connect) };
    const cut = this.#matching<Cut>(`cut|${client}|${connection}`)[0];
    if (cut) {
      fate.cut = { direction: cut.direction, after_frames: cut.after_frames };
    } else if (drawChance(this.stream("ws_cut"), r.ws_cut)) {
      const s = this.stream("ws_cut");
      fate.cut = { direction: s.next() < 0.5 ? "to_server" : "to_client", after_frames: drawInt(s, 0, r.ws_cut_frames_max) };
    }
    if (drawChance(this.stream("ws_stall"), r.ws_stall)) {
      const s = this.stream("ws_stall");
      fate.stall = { direction: s.next() < 0.5 ? "to_server" : "to_client", after_frames: drawInt(s, 0, r.ws_cut_frames_max) };
    }
    return fate;
  }

  httpFate(client: string, request: number): HttpFate {
    const fate: HttpFate = { drop_request: false, drop_response: false, duplicate_after_ms: null, delayed: false, extra_delay_ms: 0, reorder: false };
    if (this.#healed) return fate;
    const explicit = this.#matching<HttpAction>(`http|${client}|${request}`);
    for (const a of explicit) {
      if (a.fault === "drop_request") fate.drop_request = true;
      else if (a.fault === "drop_response") fate.drop_response = true;
      else if (a.fault === "duplicate") fate.duplicate_after_ms = a.delay_ms;
      else {
        fate.delayed = true;
        fate.extra_delay_ms += a.delay_ms;
      }
    }
    const r = this.rates;
    if (drawChance(this.stream("http_drop_request"), r.http_drop_request)) fate.drop_request = true;
    if (drawChance(this.stream("http_drop_response"), r.http_drop_response)) fate.drop_response = true;
    if (drawChance(this.stream("http_duplicate"), r.http_duplicate)) {
      fate.duplicate_after_ms = drawInt(this.stream("http_duplicate"), ...r.http_duplicate_delay_ms);
    }
    if (drawChance(this.stream("http_delay"), r.http_delay)) {
      fate.delayed = true;
      fate.extra_delay_ms += drawInt(this.stream("http_delay"), ...r.http_delay_ms);
    }
    if (drawChance(this.stream("http_reorder"), r.http_reorder)) {
      fate.reorder = true;
      fate.extra_delay_ms += drawInt(this.stream("http_reorder"), 0, 500);
    }
    return fate;
  }

  /** Called when the server applied a client's batch: should the reply be lost? */
  loseReplyAfterApply(node: string): boolean {
    if (this.#healed) return false;
    const key = `${node}/applied`;
    const nth = (this.#reaches.get(key) ?? 0) + 1;
    this.#reaches.set(key, nth);
    return this.#matching<LoseReply>(`lose_reply|${node}|${nth}`).length > 0;
  }

  /** Called each time a node reaches a crash point: should it die here, and how? Null: it lives on. */
  crashAtPoint(node: string, point: CrashPoint): CrashHow | null {
    if (this.#healed) return null;
    const key = `${node}/${point}`;
    const nth = (this.#reaches.get(key) ?? 0) + 1;
    this.#reaches.set(key, nth);
    const explicit = this.#matching<CrashAt>(`crash_at|${node}|${point}|${nth}`)[0];
    if (explicit) return { power_loss: explicit.power_loss, torn: explicit.torn };
    return this.rates.crash_points.includes(point) && drawChance(this.stream("crash_point"), this.rates.crash_point) ? { power_loss: false, torn: false } : null;
  }

  /**
   * Every crash site reached so far in the workload phase: each crash point of
   * each node, with how many times it was reached. `explore --crash-points all` enumerates these.
   */
  crashSites(): { node: string; point: CrashPoint; reached: number }[] {
    const out: { node: string; point: CrashPoint; reached: number }[] = [];
    for (const [key, reached] of this.#reaches) {
      const slash = key.indexOf("/");
      const point = key.slice(slash + 1);
      if (point !== "applied") out.push({ node: key.slice(0, slash), point: point as CrashPoint, reached });
    }
    return out.sort((a, b) => (a.node === b.node ? (a.point < b.point ? -1 : 1) : a.node < b.node ? -1 : 1));
  }

  /** A run in which some host can lose power keeps its databases on files (sim/nodes/disk.ts). */
  canLosePower(timeline: readonly TimelineAction[]): boolean {
    const r = this.rates;
    return r.server_power_loss_per_min > 0 || r.client_power_loss_per_min > 0 || timeline.some((a) => a.action === "power_loss" || (a.action === "crash_at" && a.power_loss));
  }

  /** A crashed process's connections: reset (RST) or closed in order (FIN). What it sent arrives either way. */
  crashClose(): "fin" | "rst" {
    return drawChance(this.stream("crash_close"), this.rates.crash_reset) ? "rst" : "fin";
  }

  /** Whether a power loss leaves a torn frame after the last surviving commit. */
  tornWal(): boolean {
    return drawChance(this.stream("torn_wal"), this.rates.torn_wal);
  }

  /** Which surviving commit boundary a power loss cuts the WAL at: an integer in [0, n). */
  walCut(n: number): number {
    return drawInt(this.stream("power_loss"), 0, n - 1);
  }

  /**
   * How long a crashed process stays down: at once in the liveness phase; else
   * as the crash's cause says, the timeline entry of its crash point, or the rates.
   */
  restartDelay(node: string, point: CrashPoint | null, restart_after_ms?: number): number {
    if (this.#healed) return 0;
    if (restart_after_ms !== undefined) return restart_after_ms;
    const explicit = point === null ? undefined : this.#matching<CrashAt>(`crash_at|${node}|${point}`)[0];
    return explicit?.restart_after_ms ?? drawInt(this.stream("restart"), ...this.rates.restart_after_ms);
  }

  /** A server host that dies silently sends no reset: its peers hear nothing until their deadlines. */
  crashIsSilent(node: string): boolean {
    return node === "server" && !this.#healed && drawChance(this.stream("crash_silent"), this.rates.crash_silent);
  }

  /** Virtual time until the next random event of a Poisson process with `per_min` events a minute. */
  nextGap(kind: string, per_min: number): number | null {
    if (this.#healed || per_min <= 0) return null;
    const u = this.stream(kind).next();
    return Math.max(1, Math.round((-Math.log(1 - u) / per_min) * 60_000));
  }
}

/** The keys an action is found under: one per question FaultPlan asks of the timeline. */
function keysOf(a: TimelineAction): string[] {
  switch (a.action) {
    case "cut":
      return [`cut|${a.node}|${a.connection}`];
    case "http":
      return [`http|${a.node}|${a.request}`];
    case "lose_reply":
      return [`lose_reply|${a.node}|${a.nth_apply}`];
    case "crash_at":
      return [`crash_at|${a.node}|${a.point}|${a.nth}`, `crash_at|${a.node}|${a.point}`];
    default:
      return [];
  }
}
