import { errorCode, protocolError, type ErrorCode } from "../protocol/errors.ts";
import { fromSqliteError } from "../protocol/sqlite-errors.ts";
import type { Limits } from "../protocol/limits.ts";
import type { Op } from "../protocol/ops.ts";
import type { Clock, CrashPoints, Probe, Random } from "../protocol/ports.ts";
import type { Ack } from "../protocol/rpc.ts";
import { backoffDelay } from "./backoff.ts";
import type { BatchPlanner } from "./batching.ts";
import type { Deadline } from "./deadline.ts";
import type { Outbox } from "./outbox/outbox.ts";
import type { ClientSettings } from "./settings.ts";
import type { Connection, Transport } from "./transports/transport.ts";
import { Waker } from "./waker.ts";

/**
 * Errors no retry can fix: the client stops and keeps its outbox. `disk_full`
 * is not one: the server's (nothing of the batch applied: the session fails,
 * the loop backs off and sends it again) clears once space returns, and so does
 * our own (an ack or cursor not recorded is owed, see below).
 */
const FATAL: ReadonlySet<ErrorCode> = new Set(["bad_secret", "unknown_share", "read_only", "invalid_op", "invalid_request", "too_large", "server_behind"]);

export type LoopState = "idle" | "connecting" | "syncing" | "backoff" | "stopped";

export interface LoopDeps {
  outbox: Outbox;
  transport: Transport;
  clock: Clock;
  random: Random;
  crash: CrashPoints;
  probe: Probe;
  settings: ClientSettings;
  limits: Limits;
  deadline: Deadline;
  planBatch: BatchPlanner;
  /** Wraps each new connection; a seam for mutants. */
  wrapConnection: (connection: Connection) => Connection;
}

export interface StoppedError extends Error {
  code: ErrorCode;
}

/**
 * The replay loop: connect, redeem, trim, then stream pending ops in seq order
 * with at most `calls_in_flight` calls outstanding. Any failure kills the whole
 * session; the loop backs off and starts over with a new one.
 *
 * A full disk is not a session failure. An ack or cursor the outbox cannot
 * record (`disk_full`) is owed: the session goes on sending, and the loop
 * records what it owes on the next ack, or, once nothing is left to send, after
 * a backoff, again and again until space returns. Nothing is lost meanwhile:
 * the outbox keeps every op it could not mark, and should the client restart
 * first, redeem reports the server's last_seq (a resend would be a duplicate).
 */
export class ReplayLoop {
  readonly #d: LoopDeps;
  #state: LoopState = "idle";
  #started = false;
  /**
   * Failed sessions since the last ack. A session that connects and redeems but
   * gets no batch through (a server whose disk is full, a link cut every few
   * frames) is no progress: the backoff grows until an ack takes an op.
   */
  #attempt = 0;
  #stopped = false;
  #error: StoppedError | undefined;
  #connection: Connection | undefined;
  readonly #waker: Waker;
  #drainWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #sessions = 0;
  #serverLastSeq: number | undefined;
  /** The highest ack and cursor the server reported that the outbox could not record yet (disk full). */
  #owed: { seq: number; cursor: number } | undefined;
  #owedAttempt = 0;

  constructor(deps: LoopDeps) {
    this.#d = deps;
    this.#waker = new Waker(deps.clock);
  }

  get state(): LoopState {
    return this.#state;
  }

  get error(): StoppedError | undefined {
    return this.#error;
  }

  /** The producer's last_seq as the server last reported it (redeem or ack). */
  get serverLastSeq(): number | undefined {
    return this.#serverLastSeq;
  }

  /** How many sessions were opened, including the current one. */
  get sessions(): number {
    return this.#sessions;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#run();
  }

  stop(): void {
    this.#stopped = true;
    this.#state = "stopped";
    this.#connection?.close();
    this.#connection = undefined;
    this.#waker.poke();
  }

  /** New work arrived. It does not cut a backoff short: the loop looks for work when the backoff ends. */
  poke(): void {
    if (this.#state !== "backoff") this.#waker.poke();
  }

  /** Resolves when nothing is pending; rejects if the loop stops with an error first. */
  drained(): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#d.outbox.pendingCount() === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.#drainWaiters.push({ resolve, reject }));
  }


  async #run(): Promise<void> {
    const d = this.#d;
    while (!this.#stopped) {
      if (d.outbox.pendingCount() === 0) {
        this.#settleDrainWaiters();
        this.#state = "idle";
        await this.#waker.wait();
        continue;
      }
      if (this.#owed !== undefined && !this.#payOwed() && d.outbox.state().last_enqueued_seq <= this.#owed.seq) {
        // Still no room, and the server has every op: wait (keeping the session), then try to record again.
        // Newer ops are sent meanwhile; the ones whose ack is owed go along, and the server counts them duplicates.
        this.#state = "backoff";
        await this.#waker.wait(backoffDelay(d.settings, this.#owedAttempt++, d.random));
        continue;
      }
      try {
        if (!this.#connection) {
          this.#state = "connecting";
          this.#connection = await this.#open();
        }
        this.#state = "syncing";
        await this.#pump(this.#connection);
      } catch (error) {
        this.#connection?.close();
        this.#connection = undefined;
        if (this.#stopped) break;
        const code = errorCode(fromSqliteError(error));
        d.probe.emit({ type: "session_failed", producer: d.outbox.state().producer_id, code: code ?? "error", message: String((error as Error)?.message ?? error) });
        if (code !== undefined && FATAL.has(code)) {
          this.#fail(error as StoppedError);
          break;
        }
        this.#state = "backoff";
        const attempt = this.#attempt++;
        await this.#waker.wait(code === "stale_epoch" && attempt === 0 ? 0 : backoffDelay(d.settings, attempt, d.random));
      }
    }
  }

  async #open(): Promise<Connection> {
    const d = this.#d;
    const sync = d.outbox.state();
    if (sync.share_id === null || sync.secret === null) throw protocolError("invalid_request", "outbox is not bound to a share");
    const credentials = { share_id: sync.share_id, secret: sync.secret, producer_id: sync.producer_id, scope: d.settings.scope };
    const raw = await d.deadline(d.transport.connect(credentials), d.settings.deadline_ms, "connect");
    const connection = d.wrapConnection(raw);
    this.#sessions++;
    try {
      const state = await d.deadline(connection.redeem(), d.settings.deadline_ms, "redeem");
      const producer = sync.producer_id;
      const share = sync.share_id;
      d.probe.emit({ type: "redeemed", producer, share, epoch: state.epoch, last_seq: state.last_seq, cursor: state.cursor });
      // Ops it acknowledged were trimmed here: a server that lost them leaves a gap nothing can fill, so say so and stop rather than resend forever.
      if (state.last_seq < sync.acked_seq) {
        throw protocolError("server_behind", `the server has applied this producer up to seq ${state.last_seq}, but it acknowledged up to ${sync.acked_seq}: it lost acknowledged ops`);
      }
      d.outbox.recordEpoch(state.epoch);
      this.#serverLastSeq = state.last_seq;
      this.#markAcked(state.last_seq);
      this.#recordCursor(state.cursor);
      return connection;
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  async #pump(connection: Connection): Promise<void> {
    const d = this.#d;
    const next = { seq: d.outbox.state().acked_seq + 1 };
    const inflight = new Set<Promise<unknown>>();
    for (;;) {
      if (this.#stopped) return;
      while (inflight.size < d.settings.calls_in_flight) {
        const pending = d.outbox.pending(next.seq, d.settings.batch_size);
        // Nagle's rule: a partial batch waits while any call is out, so ops that
        // trickle in ride together; full batches pipeline up to calls_in_flight.
        if (pending.length < d.settings.batch_size && inflight.size > 0) break;
        const batch = d.planBatch(pending, d.limits);
        if (batch.length === 0) break;
        next.seq = Math.max(next.seq, ...batch.map((op) => op.seq + 1));
        const call: Promise<unknown> = this.#send(connection, batch).then((ack) => {
          // A gap means an earlier call has not landed yet (or was lost): resend from the server's last_seq.
          if (ack.rejected > 0) next.seq = Math.min(next.seq, ack.last_seq + 1);
        });
        call.catch(() => {}).finally(() => inflight.delete(call));
        inflight.add(call);
      }
      if (inflight.size === 0) return;
      // Wake for whichever comes first: a call finishing, or new ops for a free slot.
      // (Never race against a shared promise that never settles: each race would leave a reaction on it for good.)
      await Promise.race(inflight.size < d.settings.calls_in_flight ? [...inflight, this.#waker.wait()] : inflight);
    }
  }

  async #send(connection: Connection, batch: Op[]): Promise<Ack> {
    const d = this.#d;
    const sync = d.outbox.state();
    const producer = sync.producer_id;
    d.probe.emit({ type: "call_sent", producer, seq_from: batch[0]!.seq, seq_to: batch[batch.length - 1]!.seq });
    const call = connection.append(batch);
    d.crash.reach("client.after_send_before_ack");
    const ack = await d.deadline(call, d.settings.deadline_ms, "appendOps");
    d.probe.emit({ type: "ack_received", producer, ...ack });
    // Progress is an op the server holds; an ack that only rejected a batch (a gap behind a refused call) is none.
    if (ack.applied + ack.duplicates > 0) this.#attempt = 0;
    this.#serverLastSeq = Math.max(this.#serverLastSeq ?? 0, ack.last_seq);
    d.crash.reach("client.after_ack_before_mark");
    this.#markAcked(ack.last_seq);
    this.#recordCursor(ack.cursor);
    return ack;
  }

  /** Records what is owed; true once nothing is. */
  #payOwed(): boolean {
    const owed = this.#owed!;
    this.#owed = undefined;
    this.#markAcked(owed.seq);
    this.#recordCursor(owed.cursor);
    if (this.#owed === undefined) this.#owedAttempt = 0;
    return this.#owed === undefined;
  }

  /** Remembers an ack or cursor the outbox had no room for; anything but disk_full is thrown on. */
  #owe(error: unknown, owed: { seq?: number; cursor?: number }): void {
    if (errorCode(fromSqliteError(error)) !== "disk_full") throw error;
    const was = this.#owed ?? { seq: 0, cursor: 0 };
    this.#owed = { seq: Math.max(was.seq, owed.seq ?? 0), cursor: Math.max(was.cursor, owed.cursor ?? 0) };
  }

  #markAcked(lastSeq: number): void {
    const d = this.#d;
    const before = d.outbox.state().acked_seq;
    let acked: number;
    try {
      acked = d.outbox.markAcked(lastSeq);
    } catch (error) {
      this.#owe(error, { seq: lastSeq });
      return;
    }
    if (acked > before) d.probe.emit({ type: "marked_acked", producer: d.outbox.state().producer_id, acked_seq: acked });
    if (d.outbox.pendingCount() === 0) this.#settleDrainWaiters();
  }

  /** Records a cursor the server reported; reports the durable value whenever it changes. */
  #recordCursor(cursor: number): void {
    const d = this.#d;
    const before = d.outbox.state().cursor;
    let recorded: number;
    try {
      recorded = d.outbox.recordCursor(cursor);
    } catch (error) {
      this.#owe(error, { cursor });
      return;
    }
    if (recorded === before) return;
    const sync = d.outbox.state();
    d.probe.emit({ type: "cursor_recorded", producer: sync.producer_id, share: sync.share_id ?? "", cursor: recorded });
  }

  #settleDrainWaiters(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w.resolve();
  }

  #fail(error: StoppedError): void {
    this.#error = error;
    this.#stopped = true;
    this.#state = "stopped";
    this.#d.probe.emit({ type: "client_stopped", producer: this.#d.outbox.state().producer_id, code: error.code, message: error.message });
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w.reject(error);
  }
}
