import fc from "fast-check";
import { CRASH_POINTS } from "../../protocol/ports.ts";
import { FORBIDDEN_ATTEMPTS } from "../adversary/attempts.ts";
import type { ScenarioInput, TransportName } from "./schema.ts";
import { TRANSPORTS } from "./schema.ts";
import type { SetupName } from "../../a2a-under-test/protocol/ports.ts";
import { a2aScenarioArbitrary } from "../a2a/arbitrary.ts";

// Scenarios as fast-check arbitraries: small pieces that compose, and shrink
// toward fewer ops, fewer faults, fewer clients and smaller batches.

export { PROFILES, type Profile } from "./profiles.ts";
import type { Profile } from "./profiles.ts";

/** Each rate is a whole number of thousandths, so saved scenarios stay readable. */
const permille = (max: number) => fc.integer({ min: 0, max: Math.round(max * 1000) }).map((n) => n / 1000);
const perMin = (max: number) => fc.integer({ min: 0, max: Math.round(max * 10) }).map((n) => n / 10);

/** The highest rate of each fault kind: flaky draws up to a fifth of it, chaos and swarm up to all of it. */
const RATE_MAX = {
  ws_refuse_connect: 0.3,
  ws_cut: 0.4,
  ws_stall: 0.1,
  http_drop_request: 0.2,
  http_drop_response: 0.2,
  http_duplicate: 0.2,
  http_delay: 0.2,
  http_reorder: 0.3,
  crash_point: 0.03,
  crash_silent: 0.5,
} as const;
const PER_MIN_MAX = { client_crash_per_min: 2, viewer_crash_per_min: 2, server_crash_per_min: 1, partition_per_min: 1 } as const;
type RateKind = keyof typeof RATE_MAX | keyof typeof PER_MIN_MAX;

function ratesArbitrary(profile: Profile): fc.Arbitrary<Partial<Record<RateKind, number>>> {
  if (profile === "calm") return fc.constant({});
  const scale = profile === "flaky" ? 0.2 : 1;
  const entries: [RateKind, fc.Arbitrary<number>][] = [
    ...Object.entries(RATE_MAX).map(([k, max]) => [k as RateKind, permille(max * scale)] as [RateKind, fc.Arbitrary<number>]),
    ...Object.entries(PER_MIN_MAX).map(([k, max]) => [k as RateKind, perMin(max * scale)] as [RateKind, fc.Arbitrary<number>]),
  ];
  const kinds = Object.fromEntries(
    entries.map(([kind, rate]) => {
      // Swarm testing: each run also draws which kinds are on; off shrinks first.
      const arb = profile === "swarm" ? fc.tuple(fc.boolean(), rate).map(([on, r]) => (on ? r : 0)) : rate;
      return [kind, arb];
    }),
  ) as Record<RateKind, fc.Arbitrary<number>>;
  return fc.record(kinds).map((rates) => Object.fromEntries(Object.entries(rates).filter(([, r]) => r > 0)));
}

const clientArbitrary = (ops_max: number) => fc.record({
  ops: fc.integer({ min: 1, max: ops_max }),
  // Mostly writers with the right secret; now and then a reader or a wrong secret.
  role: fc.oneof({ weight: 12, arbitrary: fc.constant("writer" as const) }, { weight: 1, arbitrary: fc.constant("reader" as const) }, { weight: 1, arbitrary: fc.constant("wrong-secret" as const) }),
  shares_first: fc.boolean(),
});

/** People following the share: mostly valid readers from the start, now and then a late joiner, one who leaves, or one with a wrong secret. */
const viewerArbitrary = fc.record({
  join_at_ms: fc.oneof({ weight: 2, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 60_000 }) }),
  stay_ms: fc.option(fc.integer({ min: 500, max: 90_000 }), { freq: 4, nil: null }),
  latest: fc.boolean(),
  wrong: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  share_of_client: fc.nat(2),
});

type Timeline = NonNullable<ScenarioInput["timeline"]>;

/** Actions name clients and viewers 1..3; those naming a node the scenario lacks are dropped later. */
function timelineArbitrary(profile: Profile): fc.Arbitrary<Timeline> {
  if (profile === "calm") return fc.constant([]);
  const writer = fc.integer({ min: 1, max: 3 }).map((n) => `client-${n}`);
  const viewer = fc.integer({ min: 1, max: 3 }).map((n) => `viewer-${n}`);
  const node = fc.oneof({ weight: 3, arbitrary: writer }, { weight: 1, arbitrary: viewer });
  const at_ms = fc.integer({ min: 0, max: 120_000 });
  const action = fc.oneof(
    fc.record({ action: fc.constant("revoke" as const), at_ms, share: fc.constant(0), rotate_secret: fc.boolean() }),
    fc.record({ action: fc.constant("forbidden" as const), at_ms, attempt: fc.constantFrom(...FORBIDDEN_ATTEMPTS), share: fc.constant(0) }),
    fc.record({ action: fc.constant("revoke_at_call" as const), node: writer, nth: fc.integer({ min: 1, max: 20 }), share: fc.constant(0), rotate_secret: fc.boolean() }),
    fc.record({ action: fc.constant("lose_reply" as const), node: writer, nth_apply: fc.integer({ min: 1, max: 20 }) }),
    fc.record({
      action: fc.constant("crash_at" as const),
      node: writer,
      point: fc.constantFrom(...CRASH_POINTS.filter((p) => p.startsWith("client."))),
      nth: fc.integer({ min: 1, max: 30 }),
      restart_after_ms: fc.integer({ min: 0, max: 5000 }),
    }),
    fc.record({
      action: fc.constant("crash_at" as const),
      node: viewer,
      point: fc.constantFrom(...CRASH_POINTS.filter((p) => p.startsWith("viewer."))),
      nth: fc.integer({ min: 1, max: 30 }),
      restart_after_ms: fc.integer({ min: 0, max: 5000 }),
    }),
    fc.record({
      action: fc.constant("crash_at" as const),
      node: fc.constant("server"),
      point: fc.constantFrom(...CRASH_POINTS.filter((p) => p.startsWith("server."))),
      nth: fc.integer({ min: 1, max: 30 }),
      restart_after_ms: fc.integer({ min: 0, max: 5000 }),
    }),
    fc.record({ action: fc.constant("stall" as const), at_ms, node, duration_ms: fc.integer({ min: 100, max: 20_000 }) }),
    fc.record({ action: fc.constant("partition" as const), at_ms, node, duration_ms: fc.integer({ min: 100, max: 60_000 }) }),
  );
  return fc.array(action, { maxLength: 3 });
}

/**
 * Storage faults: power loss, torn WAL tails, disk full, and now and then the
 * old `synchronous=NORMAL` settings, knowingly. Drawn last and apart from the
 * other faults, so adding them left every earlier draw of a seed as it was.
 */
function storageArbitrary(profile: Profile) {
  const none = { rates: {}, timeline: [] as Timeline, old_storage: false };
  if (profile === "calm") return fc.constant(none);
  const scale = profile === "flaky" ? 0.2 : 1;
  // A run that can lose power keeps its databases on files, which costs a third
  // more wall time: in swarm one run in four may lose power, and within it each
  // kind of power fault is on one time in two.
  const chance = (weight: number) => fc.oneof({ weight, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
  const swarm = profile === "swarm";
  const on = <T>(arb: fc.Arbitrary<T>, off: T) => (swarm ? fc.tuple(fc.boolean(), arb).map(([y, v]) => (y ? v : off)) : arb);
  const writer = fc.integer({ min: 1, max: 3 }).map((n) => `client-${n}`);
  const host = fc.oneof(writer, fc.constant("server"));
  const at_ms = fc.integer({ min: 0, max: 120_000 });
  const action = fc.oneof(
    fc
      .record({ on_server: fc.boolean(), writer, nth: fc.integer({ min: 1, max: 30 }), restart_after_ms: fc.integer({ min: 0, max: 5000 }), torn: fc.boolean() })
      .map(({ on_server, writer: w, ...rest }) => ({
        action: "crash_at" as const,
        node: on_server ? "server" : w,
        point: on_server ? ("server.after_commit_before_reply" as const) : ("client.after_enqueue_commit" as const),
        power_loss: true,
        ...rest,
      })),
    fc.record({ action: fc.constant("power_loss" as const), at_ms, node: host, torn: fc.boolean(), restart_after_ms: fc.integer({ min: 0, max: 5000 }) }),
  );
  // Disk full needs no files, so it is drawn on its own. While it lasts every
  // writer retries into it, which triples the ops sent: in swarm it is on one run in four.
  const diskFull = fc.record({ action: fc.constant("disk_full" as const), at_ms, node: host, duration_ms: fc.integer({ min: 1000, max: 60_000 }) });
  return fc
    .record({
      power: swarm ? chance(3) : fc.constant(true),
      disk: swarm ? chance(3) : fc.constant(true),
      power_rates: fc.record({
        server_power_loss_per_min: on(perMin(0.5 * scale), 0),
        client_power_loss_per_min: on(perMin(0.5 * scale), 0),
        torn_wal: on(permille(0.5 * scale), 0),
      }),
      disk_full_per_min: perMin(2 * scale),
      power_action: fc.array(action, { maxLength: 1 }),
      disk_full: fc.array(diskFull, { maxLength: 2 }),
      // The old settings differ from the reference only when a host loses power: one power run in three.
      old_storage: chance(2),
    })
    .map(({ power, disk, power_rates, disk_full_per_min, power_action, disk_full, old_storage }) => ({
      rates: Object.fromEntries(Object.entries({ ...(power ? power_rates : {}), ...(disk ? { disk_full_per_min } : {}) }).filter(([, r]) => r > 0)),
      timeline: [...(power ? power_action : []), ...(disk ? disk_full : [])] as Timeline,
      old_storage: power && old_storage,
    }));
}

function onExistingWriter<A extends Timeline[number]>(action: A, clients: number): A {
  if (!("node" in action)) return action;
  const n = action.node.startsWith("client-") ? Number(action.node.slice("client-".length)) : 0;
  return n > clients ? { ...action, node: `client-${((n - 1) % clients) + 1}` } : action;
}

export interface GenerateOptions {
  profile: Profile;
  /** Fixed by a flag; otherwise drawn. */
  transport?: TransportName;
  /** Most ops one client enqueues. */
  ops_max?: number;
  /** Run a mutant or variant instead of the reference. */
  mutant?: string | null;
  variant?: string;
  /** Generate scenarios of the A2A system in this setup instead of the share system's. */
  a2a?: SetupName;
  /** Modules under test run instead of the reference's (docs/your-implementation.md). */
  impl?: { client?: string; server?: string; viewer?: string };
}

export const OPS_MAX = 300;

/** The share index client `i` writes to, as the generated scenario assigns it (see `clients` below). */
function shareOfClient(clients: readonly { shares_first: boolean }[], i: number): number {
  return i > 0 && clients[i]!.shares_first ? 0 : i;
}

/** Whole scenarios (without their seed): the input of `explore` and `run --seed`. */
export function scenarioArbitrary(options: GenerateOptions): fc.Arbitrary<Omit<ScenarioInput, "seed">> {
  const { profile } = options;
  if (options.a2a) return a2aScenarioArbitrary(options.a2a, profile, Math.min(options.ops_max ?? 12, 12));
  return fc
    .record({
      transport: options.transport ? fc.constant(options.transport) : fc.constantFrom(...TRANSPORTS),
      clients: fc.array(clientArbitrary(options.ops_max ?? OPS_MAX), { minLength: 1, maxLength: 3 }),
      batch_size: fc.integer({ min: 1, max: 100 }),
      calls_in_flight: fc.integer({ min: 1, max: 4 }),
      deadline_ms: fc.integer({ min: 300, max: 5000 }),
      backoff_base_ms: fc.integer({ min: 5, max: 500 }),
      backoff_spread: fc.integer({ min: 1, max: 40 }),
      latency_lo: fc.integer({ min: 0, max: 50 }),
      latency_spread: fc.integer({ min: 0, max: 150 }),
      chunk_gap_ms: fc.integer({ min: 5, max: 100 }),
      mix: fc.record({
        text: fc.nat(10),
        reasoning: fc.nat(5),
        tool: fc.nat(6),
        diff: fc.nat(3),
        model: fc.nat(1),
        revert: fc.nat(2),
        title: fc.nat(1),
        limit: fc.nat(1),
        // Chances in tenths; shrinking drives them to 0, the older workload.
        snapshot: fc.integer({ min: 0, max: 10 }).map((n) => n / 10),
        metadata: fc.integer({ min: 0, max: 10 }).map((n) => n / 10),
        finish: fc.integer({ min: 0, max: 10 }).map((n) => n / 10),
      }),
      rates: ratesArbitrary(profile),
      timeline: timelineArbitrary(profile),
      viewers: fc.array(viewerArbitrary, { maxLength: 3 }),
      page_limit: fc.integer({ min: 5, max: 100 }),
      heartbeat_ms: fc.integer({ min: 1000, max: 10_000 }),
      poll_min_ms: fc.integer({ min: 100, max: 1000 }),
      poll_spread: fc.integer({ min: 2, max: 20 }),
      storage: storageArbitrary(profile),
    })
    .map((base) => ({
      description: `generated (${profile})`,
      transport: base.transport,
      profile,
      clients: base.clients.map((c, i) => ({
        ops: c.ops,
        ...(i > 0 && c.shares_first ? { share: 0 } : {}),
        // REST has no read-only capability: its secret is a write credential.
        ...(c.role === "reader" && base.transport !== "rest" ? { scope: "read" as const } : {}),
        ...(c.role === "wrong-secret" ? { secret: "wrong" as const } : {}),
      })),
      client: {
        batch_size: base.batch_size,
        calls_in_flight: base.calls_in_flight,
        deadline_ms: base.deadline_ms,
        backoff_base_ms: base.backoff_base_ms,
        backoff_max_ms: base.backoff_base_ms * base.backoff_spread,
      },
      network: { latency_ms: [base.latency_lo, base.latency_lo + base.latency_spread] as [number, number] },
      workload: { chunk_gap_ms: base.chunk_gap_ms, mix: base.mix },
      faults: { ...base.rates, ...base.storage.rates },
      viewers: base.viewers.map((v) => ({
        // A viewer follows one of the scenario's shares: that of the client it is drawn for.
        share: shareOfClient(base.clients, Math.min(v.share_of_client, base.clients.length - 1)),
        join_at_ms: v.join_at_ms,
        ...(v.stay_ms === null ? {} : { leave_at_ms: v.join_at_ms + v.stay_ms }),
        ...(v.latest ? { from_cursor: "latest" as const } : {}),
        ...(v.wrong ? { secret: "wrong" as const } : {}),
      })),
      viewer: {
        deadline_ms: base.deadline_ms,
        backoff_base_ms: base.backoff_base_ms,
        backoff_max_ms: base.backoff_base_ms * base.backoff_spread,
        poll_min_ms: base.poll_min_ms,
        poll_max_ms: base.poll_min_ms * base.poll_spread,
        page_limit: base.page_limit,
        heartbeat_ms: base.heartbeat_ms,
      },
      ...(base.storage.old_storage ? { storage: { synchronous: "NORMAL" as const } } : {}),
      // A storage fault drawn for a client that does not exist lands on one that does.
      timeline: [...base.timeline, ...base.storage.timeline.map((a) => onExistingWriter(a, base.clients.length))].filter((a) => {
        if (!("node" in a) || a.node === "server") return true;
        const [kind, n] = a.node.split("-");
        return Number(n) <= (kind === "viewer" ? base.viewers.length : base.clients.length);
      }),
    }));
}
