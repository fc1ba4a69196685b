import type Database from "better-sqlite3";
import { protocolError } from "../protocol/errors.ts";
import { DEFAULT_LIMITS, jsonBytes, opBodyBytesMax, type Limits } from "../protocol/limits.ts";
import { fastOpBody } from "../protocol/op-fast-check.ts";
import { opBodySchema, type Op, type OpBody } from "../protocol/ops.ts";
import { noCrashPoints, noProbe, type Clock, type CrashPoints, type Ids, type Probe, type Random } from "../protocol/ports.ts";
import { planBatch, type BatchPlanner } from "./batching.ts";
import { clockDeadline, type Deadline } from "./deadline.ts";
import { Outbox, type SyncState } from "./outbox/outbox.ts";
import { ReplayLoop, type LoopState, type StoppedError } from "./replay-loop.ts";
import { DEFAULT_CLIENT_SETTINGS, type ClientSettings } from "./settings.ts";
import type { Connection, Transport } from "./transports/transport.ts";

export interface ClientDeps {
  db: Database.Database;
  transport: Transport;
  clock: Clock;
  random: Random;
  ids: Ids;
  crash?: CrashPoints;
  probe?: Probe;
  settings?: Partial<ClientSettings>;
  limits?: Limits;
  /** The server's base URL, for clients that build their own requests (the seed designs). */
  server_url?: string;
}

/** The components a client is built from; mutants replace one at a time. */
export interface ClientParts {
  makeOutbox: (db: Database.Database, ids: Ids, crash: CrashPoints) => Outbox;
  makeDeadline: (clock: Clock) => Deadline;
  /** One planner per client instance, so a planner may keep state. */
  makePlanner: () => BatchPlanner;
  wrapConnection: (connection: Connection, outbox: Outbox) => Connection;
}

export const referenceClientParts: ClientParts = {
  makeOutbox: (db, ids, crash) => new Outbox(db, ids, crash),
  makeDeadline: clockDeadline,
  makePlanner: () => planBatch,
  wrapConnection: (connection) => connection,
};

export interface ClientStatus {
  state: LoopState;
  pending: number;
  sync: SyncState;
  sessions: number;
  /** The producer's last_seq as the server last reported it; null before the first redeem. */
  server_last_seq: number | null;
  error: { code: string; message: string } | null;
}

/** What an agent process does with a sync client; variants implement it their own way. */
export interface SyncClient {
  readonly producerID: string;
  bindShare(shareID: string, secret: string): void;
  /** Once this returns, the client has taken the op (durably, for the reference). */
  enqueue(body: OpBody): Op;
  start(): void;
  stop(): void;
  drained(): Promise<void>;
  status(): ClientStatus;
}

/** The durable client: enqueue commits to the outbox, the replay loop delivers. */
export class ShareClient implements SyncClient {
  readonly outbox: Outbox;
  readonly settings: ClientSettings;
  readonly #loop: ReplayLoop;
  readonly #deps: ClientDeps;
  readonly #limits: Limits;
  readonly #probe: Probe;
  readonly #crash: CrashPoints;

  constructor(deps: ClientDeps, parts: Partial<ClientParts> = {}) {
    const p = { ...referenceClientParts, ...parts };
    const crash = deps.crash ?? noCrashPoints;
    this.#deps = deps;
    this.#probe = deps.probe ?? noProbe;
    this.#crash = crash;
    this.#limits = deps.limits ?? DEFAULT_LIMITS;
    this.settings = { ...DEFAULT_CLIENT_SETTINGS, ...deps.settings };
    this.outbox = p.makeOutbox(deps.db, deps.ids, crash);
    const outbox = this.outbox;
    this.#loop = new ReplayLoop({
      outbox,
      transport: deps.transport,
      clock: deps.clock,
      random: deps.random,
      crash,
      probe: this.#probe,
      settings: this.settings,
      limits: this.#limits,
      deadline: p.makeDeadline(deps.clock),
      planBatch: p.makePlanner(),
      wrapConnection: (connection) => p.wrapConnection(connection, outbox),
    });
  }

  get producerID(): string {
    return this.outbox.state().producer_id;
  }

  bindShare(shareID: string, secret: string): void {
    this.outbox.bindShare(shareID, secret);
  }

  /** Validates and commits one op; once this returns, the op will be delivered. */
  enqueue(body: OpBody): Op {
    // Size first, in UTF-8 bytes: a body under this limit fits whatever seq and op id it gets.
    const bytes = jsonBytes(body);
    const max = opBodyBytesMax(this.#limits);
    if (bytes > max) throw protocolError("too_large", `op body: ${bytes} bytes, limit ${max}`);
    const valid = validBody(body);
    const opID = this.#deps.ids.next("op");
    const op = this.outbox.enqueue(valid, opID, this.#deps.clock.now());
    this.#probe.emit({ type: "enqueue_committed", producer: this.producerID, seq: op.seq, op_id: op.op_id });
    this.#crash.reach("client.after_enqueue_commit");
    this.#loop.poke();
    return op;
  }

  start(): void {
    this.#loop.start();
  }

  stop(): void {
    this.#loop.stop();
  }

  drained(): Promise<void> {
    return this.#loop.drained();
  }

  status(): ClientStatus {
    const error: StoppedError | undefined = this.#loop.error;
    return {
      state: this.#loop.state,
      pending: this.outbox.pendingCount(),
      sync: this.outbox.state(),
      sessions: this.#loop.sessions,
      server_last_seq: this.#loop.serverLastSeq ?? null,
      error: error ? { code: error.code, message: error.message } : null,
    };
  }
}

/** The body as the schema returns it; an invalid one is refused with the schema's message. */
function validBody(body: OpBody): OpBody {
  const fast = fastOpBody(body);
  if (fast) return fast;
  const parsed = opBodySchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw protocolError("invalid_op", `op.${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
}
