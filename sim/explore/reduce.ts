import type { Violation } from "../checker-names.ts";
import type { HistoryEvent } from "../history/history.ts";
import { parseScenario, resolveScenario } from "../scenario/load.ts";
import type { Scenario, TimelineAction } from "../scenario/schema.ts";
import { runGuarded } from "./guarded-run.ts";
import type { TaskPool } from "./pool.ts";
import { sameFailure, type ShrinkLimits } from "./shrink.ts";
import { NODE_FAULT_RATES, noLarger, scenarioSize } from "./size.ts";

// fast-check shrinks the scenario's *draws*; this pass works on the scenario
// itself, the way a person would. A random fault is drawn in time: a power loss
// at 90 s needs the workload to last 90 s, so fewer ops end the run before it
// and the failure slips away. So first the random node faults the failing run
// drew (crashes, power losses, disk-full windows) are pinned as timeline actions
// where they happened; then whatever the failure does not need is deleted, one
// candidate run at a time, keeping each that still fails the same way.

export interface Reduced {
  scenario: Scenario;
  violation: Violation;
  /** Simulator runs this pass took. */
  runs: number;
  /** Random faults now pinned as timeline actions (0 when pinning lost the failure). */
  pinned: number;
  cut_short: boolean;
}

type Target = Pick<Violation, "checker" | "anomaly">;

/** The random faults of one kind: its rate, and each event as a timeline action. */
interface PinnedKind {
  rate: "client_crash_per_min" | "viewer_crash_per_min" | "server_crash_per_min" | "server_power_loss_per_min" | "client_power_loss_per_min" | "disk_full_per_min";
  actions: TimelineAction[];
}

function kindOfCrash(node: string, power: boolean): PinnedKind["rate"] {
  if (power) return node === "server" ? "server_power_loss_per_min" : "client_power_loss_per_min";
  return node === "server" ? "server_crash_per_min" : node.startsWith("viewer-") ? "viewer_crash_per_min" : "client_crash_per_min";
}

/**
 * The run's random crashes, power losses and disk-full windows as timeline
 * actions, by kind. A kind with a silent crash is left alone: the timeline has
 * no silent crash, and pinning it would change what happened.
 */
export function randomFaults(scenario: Scenario, history: readonly HistoryEvent[]): PinnedKind[] {
  const kinds = new Map<PinnedKind["rate"], PinnedKind>();
  const unpinnable = new Set<PinnedKind["rate"]>();
  const kind = (rate: PinnedKind["rate"]) => kinds.get(rate) ?? kinds.set(rate, { rate, actions: [] }).get(rate)!;
  const restartAfter = (i: number, node: string): number => {
    const restart = history.slice(i + 1).find((e) => e.node === node && e.type === "restart");
    return restart ? restart.t - history[i]!.t : 1000;
  };
  const timelineDiskFull = new Set(scenario.timeline.flatMap((a) => (a.action === "disk_full" ? [`${a.at_ms}/${a.node}`] : [])));
  history.forEach((e, i) => {
    if (e.type === "heal") return;
    if (e.type === "crash" && e.data.cause === "random") {
      const rate = kindOfCrash(e.node, e.data.power_loss === true);
      if (e.data.silent) unpinnable.add(rate);
      else if (e.data.power_loss) {
        const lost = history.slice(i + 1).find((p) => p.node === e.node && p.type === "power_loss");
        const torn = lost?.type === "power_loss" ? lost.data.torn : false;
        kind(rate).actions.push({ action: "power_loss", at_ms: e.t, node: e.node, torn, restart_after_ms: restartAfter(i, e.node) });
      } else kind(rate).actions.push({ action: "crash", at_ms: e.t, node: e.node, restart_after_ms: restartAfter(i, e.node) });
    }
    if (e.type === "disk_full" && !timelineDiskFull.has(`${e.t}/${e.node}`)) {
      kind("disk_full_per_min").actions.push({ action: "disk_full", at_ms: e.t, node: e.node, duration_ms: e.data.duration_ms });
    }
  });
  const healAt = history.find((e) => e.type === "heal")?.t ?? Infinity;
  return [...kinds.values()].filter((k) => !unpinnable.has(k.rate) && k.actions.every((a) => !("at_ms" in a) || a.at_ms <= healAt));
}

/** The scenario with these kinds' rates at zero and their events on the timeline instead. */
export function pinFaults(scenario: Scenario, kinds: readonly PinnedKind[]): Scenario {
  const faults = { ...scenario.faults };
  for (const k of kinds) faults[k.rate] = 0;
  return { ...scenario, faults, timeline: [...scenario.timeline, ...kinds.flatMap((k) => k.actions)] };
}

/** Node `kind-i` gone: actions on it dropped, those on `kind-j` (j > i) renamed `kind-(j-1)`. */
function withoutNode(timeline: readonly TimelineAction[], kind: "client" | "viewer", i: number): TimelineAction[] {
  const removed = i + 1;
  return timeline.flatMap((a) => {
    if (!("node" in a) || !a.node.startsWith(`${kind}-`)) return [a];
    const n = Number(a.node.slice(kind.length + 1));
    if (n === removed) return [];
    return [n > removed ? { ...a, node: `${kind}-${n - 1}` } : a];
  });
}

/**
 * Client i gone. A share is its writer's position, so the shares after it move
 * down one, and so does every reference to them. Null while another client or a
 * viewer still uses its share (those go first).
 */
function withoutClient(s: Scenario, i: number): Scenario | null {
  const shareOf = (c: Scenario["clients"][number], j: number) => c.share ?? j;
  if (s.clients.some((c, j) => j !== i && shareOf(c, j) === i) || s.viewers.some((v) => v.share === i)) return null;
  const moved = (share: number) => (share > i ? share - 1 : share);
  const timeline = withoutNode(s.timeline, "client", i).flatMap((a): TimelineAction[] => {
    if (!("share" in a)) return [a];
    if (a.share === i) return [];
    return [{ ...a, share: moved(a.share) }];
  });
  return {
    ...s,
    clients: s.clients.filter((_, j) => j !== i).map((c) => (c.share === undefined ? c : { ...c, share: moved(c.share) })),
    viewers: s.viewers.map((v) => ({ ...v, share: moved(v.share) })),
    timeline,
  };
}

/** Every probability and rate a candidate may set to 0: the network's, the crash shapes', and each random node fault. */
const ZEROABLE = ["ws_refuse_connect", "ws_cut", "ws_stall", "http_drop_request", "http_drop_response", "http_duplicate", "http_delay", "http_reorder", "crash_silent", "crash_point", "torn_wal", ...NODE_FAULT_RATES] as const;

/** Smaller scenarios to try, biggest cuts first within each kind. */
export function* candidates(s: Scenario): Generator<Scenario> {
  const on = ZEROABLE.filter((k) => s.faults[k] > 0);
  if (on.length > 1) yield { ...s, faults: { ...s.faults, ...Object.fromEntries(on.map((k) => [k, 0])) } };
  for (const k of on) yield { ...s, faults: { ...s.faults, [k]: 0 } };
  if (s.timeline.length > 1) yield { ...s, timeline: [] };
  for (let i = s.timeline.length - 1; i >= 0; i--) yield { ...s, timeline: s.timeline.filter((_, j) => j !== i) };
  for (let i = s.clients.length - 1; i >= 0 && s.clients.length > 1; i--) {
    const fewer = withoutClient(s, i);
    if (fewer) yield fewer;
  }
  for (let i = s.viewers.length - 1; i >= 0; i--) yield { ...s, viewers: s.viewers.filter((_, j) => j !== i), timeline: withoutNode(s.timeline, "viewer", i) };
  for (const [i, c] of s.clients.entries()) {
    if (c.script !== undefined || c.ops <= 1) continue;
    const tries = [...new Set([1, Math.ceil(c.ops / 8), Math.ceil(c.ops / 4), Math.ceil(c.ops / 2), c.ops - 1])].filter((n) => n >= 1 && n < c.ops).sort((a, b) => a - b);
    for (const ops of tries) yield { ...s, clients: s.clients.map((x, j) => (j === i ? { ...x, ops } : x)) };
  }
  if (s.client.batch_size > 1) yield { ...s, client: { ...s.client, batch_size: 1 } };
  if (s.client.calls_in_flight > 1) yield { ...s, client: { ...s.client, calls_in_flight: 1 } };
}

/** A candidate as a scenario file would give it (defaults filled, cross-field rules checked), or null. */
function valid(s: Scenario): Scenario | null {
  try {
    return resolveScenario(parseScenario(s), s.transport);
  } catch {
    return null;
  }
}

/**
 * Reduces a failing scenario (fast-check's result) to one that fails the
 * same way and is no larger on any axis of scenarioSize. Bounded by `limits`;
 * past them the smallest failing scenario so far is kept.
 */
export async function reduceFailure(pool: TaskPool, failing: { scenario: Scenario; violation: Violation }, target: Target, limits: ShrinkLimits): Promise<Reduced> {
  // The A2A world has no random node faults to pin or scenario parts this pass knows: fast-check's shrink is all it gets.
  if (failing.scenario.a2a) return { scenario: failing.scenario, violation: failing.violation, runs: 0, pinned: 0, cut_short: false };
  const started = performance.now();
  let runs = 0;
  let cut_short = false;
  let best = { scenario: failing.scenario, violation: failing.violation };
  const spent = () => runs >= limits.runs_max || performance.now() - started > limits.time_ms;
  /** Runs a candidate; its violation when it fails the same way. */
  const attempt = async (candidate: Scenario, keepHistory = false) => {
    runs++;
    const run = await runGuarded(pool, candidate, keepHistory ? { keep: "history" } : {});
    const violation = run?.report.violations.find((v) => sameFailure(target, v));
    return violation ? { violation, history: run!.report.history ?? [] } : null;
  };

  // Pin: needs the failing run's history, which the shrink runs did not keep.
  let pinned = 0;
  const first = await attempt(best.scenario, true);
  if (!first) return { ...best, runs, pinned, cut_short };
  // Every kind at once, else one kind at a time: a pinned crash takes its restart
  // delay from the timeline, not the draw other crashes share, so pinning one kind can move another.
  const kinds = randomFaults(best.scenario, first.history);
  for (const pins of kinds.length > 1 ? [kinds, ...kinds.map((k) => [k])] : [kinds]) {
    const withPins = pins.length > 0 && !spent() ? valid(pinFaults(best.scenario, pins)) : null;
    if (!withPins || !noLarger(scenarioSize(withPins), scenarioSize(best.scenario))) continue;
    const failed = await attempt(withPins);
    if (!failed) continue;
    best = { scenario: withPins, violation: failed.violation };
    pinned += pins.reduce((n, k) => n + k.actions.length, 0);
    if (pins === kinds) break;
  }

  // Delete: first-improvement passes until one changes nothing.
  for (let progress = true; progress && !cut_short; ) {
    progress = false;
    for (const raw of candidates(best.scenario)) {
      if (spent()) {
        cut_short = true;
        break;
      }
      const candidate = valid(raw);
      if (!candidate || !noLarger(scenarioSize(candidate), scenarioSize(best.scenario))) continue;
      const failed = await attempt(candidate);
      if (!failed) continue;
      best = { scenario: candidate, violation: failed.violation };
      progress = true;
      break;
    }
  }
  return { ...best, runs, pinned, cut_short };
}
