import { z } from "zod";
import { CRASH_POINTS, type CrashPoint } from "../../protocol/ports.ts";
import { opBodySchema } from "../../protocol/ops.ts";
import { ALL_CHECKERS } from "../checker-names.ts";
import { FORBIDDEN_ATTEMPTS } from "../adversary/attempts.ts";

// A scenario is data: everything a run depends on besides the code under test.
// Saved, shrunk, read by a person, committed as a regression (docs/design.md, "Scenarios").

const probability = z.number().min(0).max(1);
const nonNegInt = z.int().min(0);
const range = z
  .tuple([nonNegInt, nonNegInt])
  .refine(([lo, hi]) => lo <= hi, { message: "first value must not exceed the second" });

export const TRANSPORTS = ["websocket", "http-batch", "rest"] as const;
const transport = z.enum(TRANSPORTS);
const crashPoint = z.enum(CRASH_POINTS as [CrashPoint, ...CrashPoint[]]);
const writerNode = z.string().regex(/^client-[1-9]$/, "expected client-1 .. client-9");
/** A process on the client side of the network: an agent's writer or a person's viewer. */
const clientNode = z.string().regex(/^(client|viewer)-[1-9]$/, "expected client-1 .. client-9 or viewer-1 .. viewer-9");
const anyNode = z.union([z.literal("server"), clientNode]);
const writerOrServer = z.union([z.literal("server"), writerNode]);

/** Probabilistic faults. Every rate defaults to 0: a scenario turns on only what it names. */
export const faultRatesSchema = z.strictObject({
  ws_refuse_connect: probability.default(0),
  ws_cut: probability.default(0),
  ws_cut_frames_max: z.int().min(1).max(1000).default(12),
  ws_stall: probability.default(0),
  http_drop_request: probability.default(0),
  http_drop_response: probability.default(0),
  http_duplicate: probability.default(0),
  http_duplicate_delay_ms: range.default([0, 3000]),
  http_delay: probability.default(0),
  http_delay_ms: range.default([200, 4000]),
  http_reorder: probability.default(0),
  client_crash_per_min: z.number().min(0).max(600).default(0),
  viewer_crash_per_min: z.number().min(0).max(600).default(0),
  server_crash_per_min: z.number().min(0).max(600).default(0),
  /** Chance that a server crash is a silent host failure: its connections black-hole instead of resetting. */
  crash_silent: probability.default(0),
  crash_point: probability.default(0),
  crash_points: z.array(crashPoint).default([...CRASH_POINTS]),
  restart_after_ms: range.default([100, 3000]),
  partition_per_min: z.number().min(0).max(600).default(0),
  partition_ms: range.default([500, 10_000]),
  /** Chance that a crashed process's connection ends in a reset (RST) rather than an orderly close (FIN); what it sent arrives either way. */
  crash_reset: probability.default(0.5),
  /** Power losses: the process dies and its SQLite files keep only what was durable (docs/simulator.md, "Power loss"). */
  server_power_loss_per_min: z.number().min(0).max(600).default(0),
  client_power_loss_per_min: z.number().min(0).max(600).default(0),
  /** Chance that a power loss leaves a torn frame after the WAL's last surviving commit. */
  torn_wal: probability.default(0),
  /** Windows in which a node's database cannot grow (SQLITE_FULL). */
  disk_full_per_min: z.number().min(0).max(600).default(0),
  disk_full_ms: range.default([500, 10_000]),
});

const at_ms = nonNegInt;

export const timelineActionSchema = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("crash"), at_ms, node: anyNode, restart_after_ms: nonNegInt.default(1000) }),
  /** Dies the nth time it reaches a crash point; with `power_loss`, its host loses power there instead. */
  z.strictObject({
    action: z.literal("crash_at"),
    node: anyNode,
    point: crashPoint,
    nth: z.int().min(1).default(1),
    restart_after_ms: nonNegInt.default(1000),
    power_loss: z.boolean().default(false),
    torn: z.boolean().default(false),
  }),
  z.strictObject({ action: z.literal("power_loss"), at_ms, node: writerOrServer, torn: z.boolean().default(false), restart_after_ms: nonNegInt.default(1000) }),
  z.strictObject({ action: z.literal("disk_full"), at_ms, node: writerOrServer, duration_ms: z.int().min(1) }),
  z.strictObject({ action: z.literal("partition"), at_ms, node: z.union([z.literal("all"), clientNode]), duration_ms: z.int().min(1) }),
  z.strictObject({ action: z.literal("stall"), at_ms, node: clientNode, duration_ms: z.int().min(1) }),
  z.strictObject({ action: z.literal("revoke"), at_ms, share: z.int().min(0).max(8), rotate_secret: z.boolean().default(false) }),
  /** The world, as an adversary, tries what it must not; the server must refuse with a code and change nothing. */
  z.strictObject({ action: z.literal("forbidden"), at_ms, attempt: z.enum(FORBIDDEN_ATTEMPTS), share: z.int().min(0).max(8).default(0) }),
  /** Revoke the moment a client sends its nth appendOps call: the batch is in flight when its capability dies. */
  z.strictObject({ action: z.literal("revoke_at_call"), node: writerNode, nth: z.int().min(1), share: z.int().min(0).max(8), rotate_secret: z.boolean().default(false) }),
  z.strictObject({
    action: z.literal("cut"),
    node: clientNode,
    connection: z.int().min(1).default(1),
    direction: z.enum(["to_server", "to_client"]),
    after_frames: nonNegInt,
  }),
  /** The server applies the client's nth batch, then the reply is lost: connection cut (websocket) or response dropped (HTTP). */
  z.strictObject({ action: z.literal("lose_reply"), node: writerNode, nth_apply: z.int().min(1) }),
  z.strictObject({
    action: z.literal("http"),
    node: clientNode,
    request: z.int().min(1),
    fault: z.enum(["drop_request", "drop_response", "duplicate", "delay"]),
    delay_ms: nonNegInt.default(2000),
  }),
]);

/** Activity weights and per-part chances (sim/workload/agent-session.ts); absent new keys draw nothing, so older files replay exactly. */
export const mixSchema = z.strictObject({
  text: z.number().min(0),
  reasoning: z.number().min(0),
  tool: z.number().min(0),
  diff: z.number().min(0),
  model: z.number().min(0),
  revert: z.number().min(0).optional(),
  title: z.number().min(0).optional(),
  limit: z.number().min(0).optional(),
  snapshot: probability.optional(),
  metadata: probability.optional(),
  finish: probability.optional(),
});

export const clientSpecSchema = z.strictObject({
  ops: z.int().min(0).max(1_000_000),
  /** Explicit op bodies this client enqueues in order, instead of a generated session; `ops` must equal its length. */
  script: z.array(opBodySchema).max(10_000).optional(),
  /** Clients naming the same share are two producers of it. */
  share: z.int().min(0).max(8).optional(),
  scope: z.enum(["write", "read"]).default("write"),
  secret: z.enum(["valid", "wrong"]).default("valid"),
});

/** A person watching a share live (docs/design.md, "Viewers"). */
export const viewerSpecSchema = z.strictObject({
  /** The share followed, by index (a writer's `share`, or its position). */
  share: z.int().min(0).max(8).default(0),
  join_at_ms: nonNegInt.default(0),
  /** When the viewer closes the page; absent, it follows to the end. */
  leave_at_ms: nonNegInt.optional(),
  /** 0 follows from the beginning of the log; "latest" installs a snapshot of now and follows from there (a late joiner). */
  from_cursor: z.union([z.literal(0), z.literal("latest")]).default(0),
  /** The read credential it holds: the share's secret, or a wrong one. */
  secret: z.enum(["valid", "wrong"]).default("valid"),
});

export const viewerSettingsSchema = z.strictObject({
  deadline_ms: z.int().min(1).max(600_000).default(2000),
  backoff_base_ms: z.int().min(1).max(60_000).default(50),
  backoff_max_ms: z.int().min(1).max(600_000).default(2000),
  poll_min_ms: z.int().min(1).max(60_000).default(250),
  poll_max_ms: z.int().min(1).max(600_000).default(4000),
  page_limit: z.int().min(1).max(1000).default(100),
  heartbeat_ms: z.int().min(1).max(600_000).default(5000),
});

export const clientSettingsSchema = z.strictObject({
  batch_size: z.int().min(1).max(500).default(20),
  calls_in_flight: z.int().min(1).max(8).default(2),
  deadline_ms: z.int().min(1).max(600_000).default(2000),
  backoff_base_ms: z.int().min(1).max(60_000).default(50),
  backoff_max_ms: z.int().min(1).max(600_000).default(2000),
});

/** The A2A system instead of the share system (sim/a2a/): which setup, and what its clients ask the agent. `clients[i].ops` is client i's message count. */
export const a2aSchema = z.strictObject({
  setup: z.enum(["sdk", "hardened", "capnweb"]),
  /** Chunks the agent streams per answer. */
  chunks: range.default([1, 6]),
  /** Chance a message asks for input first (then a follow-up completes it). */
  ask: probability.default(0.3),
  /** Chance the client cancels a task while it streams. */
  cancel: probability.default(0.1),
  /** Chance the client sends another message to a task it saw finish (it must be refused). */
  to_terminal: probability.default(0.1),
  step_ms: z.int().min(1).max(60_000).default(150),
  think_ms: range.default([100, 2000]),
  /** A stream silent this long is given up and resubscribed. */
  stream_idle_ms: z.int().min(1).max(600_000).default(8000),
  /** Attempts per send or resubscribe before the client gives up on it. */
  attempts_max: z.int().min(1).max(100).default(8),
});

export const scenarioSchema = z
  .strictObject({
    description: z.string().max(2000).default(""),
    seed: z.int().min(0).max(2 ** 53 - 1),
    transport: transport.optional(),
    /** Named scenarios list every transport they are meant for. */
    transports: z.array(transport).min(1).optional(),
    profile: z.string().max(64).optional(),
    clients: z.array(clientSpecSchema).min(1).max(3),
    client: clientSettingsSchema.default(() => clientSettingsSchema.parse({})),
    viewers: z.array(viewerSpecSchema).max(9).default([]),
    viewer: viewerSettingsSchema.default(() => viewerSettingsSchema.parse({})),
    workload: z
      .strictObject({
        chunk_gap_ms: z.int().min(1).max(60_000).default(30),
        think_ms: range.default([1000, 20_000]),
        mix: mixSchema.optional(),
      })
      .default(() => ({ chunk_gap_ms: 30, think_ms: [1000, 20_000] as [number, number] })),
    network: z.strictObject({ latency_ms: range.default([5, 60]) }).default(() => ({ latency_ms: [5, 60] as [number, number] })),
    faults: faultRatesSchema.default(() => faultRatesSchema.parse({})),
    timeline: z.array(timelineActionSchema).max(1000).default([]),
    liveness: z.strictObject({ deadline_ms: z.int().min(1).max(86_400_000).default(300_000) }).default(() => ({ deadline_ms: 300_000 })),
    /** Without `events_max`, the limit scales with the scenario's size (sim/run-limits.ts). */
    limits: z
      .strictObject({ events_max: z.int().min(1).max(100_000_000).optional(), sim_time_ms_max: z.int().min(1).default(7_200_000) })
      .default(() => ({ sim_time_ms_max: 7_200_000 })),
    /** Storage settings: "reference" keeps what the code under test configures; "NORMAL" forces the old synchronous=NORMAL on every database, and the checkers then show what a power loss takes. */
    storage: z.strictObject({ synchronous: z.enum(["reference", "NORMAL"]).default("reference") }).default(() => ({ synchronous: "reference" as const })),
    variant: z.string().max(64).default("reference"),
    mutant: z.string().max(64).nullable().default(null),
    /** What a named scenario must exercise; its gate test fails if the run did not. */
    expect: z
      .strictObject({
        /** Minimum count per fault kind. */
        faults: z.record(z.string(), z.int().min(1)).optional(),
        /** History event types that must occur; "type:code" also matches the event's code. */
        events: z.array(z.string()).optional(),
        /** Clients that must end stopped with this code, still holding their ops. */
        stopped: z.record(clientNode, z.string()).optional(),
        /** The run must fail with this checker (a mutant's regression file); without it, it must pass. */
        fails_with: z.enum(ALL_CHECKERS).optional(),
        /** Coverage conditions the run must reach (sim/coverage/conditions.ts). */
        coverage: z.array(z.string()).optional(),
        /** Conditions only some transports can reach, e.g. a stale read on a transport that holds a capability across reads. */
        coverage_on: z.partialRecord(transport, z.array(z.string())).optional(),
        /** How many producers must have written to a share, by share index. */
        producers: z.record(z.string().regex(/^\d$/), z.int().min(0)).optional(),
      })
      .optional(),
    a2a: a2aSchema.optional(),
    /** Modules run instead of the reference's, by role: paths relative to the working directory (docs/your-implementation.md). */
    impl: z.strictObject({ client: z.string().min(1).max(4096).optional(), server: z.string().min(1).max(4096).optional(), viewer: z.string().min(1).max(4096).optional() }).optional(),
    /** Variant knobs, e.g. the seed plan's dedupe window. */
    options: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
  })
  .superRefine((s, ctx) => {
    const clients = s.clients.length;
    const shares = new Set(s.clients.map((c, i) => c.share ?? i));
    s.clients.forEach((c, i) => {
      if (c.script !== undefined && c.ops !== c.script.length) {
        ctx.addIssue({ code: "custom", path: ["clients", i, "ops"], message: `must equal the length of clients[${i}].script (${c.script.length})` });
      }
      if (c.share !== undefined && c.share >= clients) {
        ctx.addIssue({ code: "custom", path: ["clients", i, "share"], message: `share ${c.share} out of range: there are ${clients} clients` });
      }
    });
    s.viewers.forEach((v, i) => {
      if (!shares.has(v.share)) ctx.addIssue({ code: "custom", path: ["viewers", i, "share"], message: `share ${v.share} is not used by any client` });
      if (v.leave_at_ms !== undefined && v.leave_at_ms < v.join_at_ms) {
        ctx.addIssue({ code: "custom", path: ["viewers", i, "leave_at_ms"], message: "must not be before join_at_ms" });
      }
    });
    s.timeline.forEach((a, i) => {
      const node = "node" in a ? a.node : undefined;
      const m = node ? /^client-(\d)$/.exec(node) : null;
      if (m && Number(m[1]) > clients) {
        ctx.addIssue({ code: "custom", path: ["timeline", i, "node"], message: `${node} does not exist: the scenario has ${clients} clients` });
      }
      const v = node ? /^viewer-(\d)$/.exec(node) : null;
      if (v && Number(v[1]) > s.viewers.length) {
        ctx.addIssue({ code: "custom", path: ["timeline", i, "node"], message: `${node} does not exist: the scenario has ${s.viewers.length} viewers` });
      }
      if (a.action === "crash_at" && node !== undefined && node !== "server" && a.point.split(".")[0] !== (v ? "viewer" : "client")) {
        ctx.addIssue({ code: "custom", path: ["timeline", i, "point"], message: `${node} never reaches ${a.point}` });
      }
      if ((a.action === "revoke" || a.action === "revoke_at_call" || a.action === "forbidden") && !shares.has(a.share)) {
        ctx.addIssue({ code: "custom", path: ["timeline", i, "share"], message: `share ${a.share} is not used by any client` });
      }
    });
    if (s.client.backoff_base_ms > s.client.backoff_max_ms) {
      ctx.addIssue({ code: "custom", path: ["client", "backoff_base_ms"], message: "must not exceed backoff_max_ms" });
    }
    if (s.viewer.backoff_base_ms > s.viewer.backoff_max_ms) {
      ctx.addIssue({ code: "custom", path: ["viewer", "backoff_base_ms"], message: "must not exceed backoff_max_ms" });
    }
    if (s.viewer.poll_min_ms > s.viewer.poll_max_ms) {
      ctx.addIssue({ code: "custom", path: ["viewer", "poll_min_ms"], message: "must not exceed poll_max_ms" });
    }
  });

export type ScenarioInput = z.input<typeof scenarioSchema>;
export type ScenarioFile = z.output<typeof scenarioSchema>;
export type FaultRates = z.output<typeof faultRatesSchema>;
export type TimelineAction = z.output<typeof timelineActionSchema>;
export type ViewerSpec = z.output<typeof viewerSpecSchema>;
export type TransportName = (typeof TRANSPORTS)[number];
export type A2AConfig = z.output<typeof a2aSchema>;

/** A scenario ready to run: exactly one transport. */
export type Scenario = Omit<ScenarioFile, "transport" | "transports"> & { transport: TransportName };
