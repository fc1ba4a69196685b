import { errorCode, protocolError, type ErrorCode } from "../../protocol/errors.ts";
import { fromSqliteError } from "../../protocol/sqlite-errors.ts";
import type { Clock, Probe, Random } from "../../protocol/ports.ts";
import type { LogEntry, SubscriptionEnd } from "../../protocol/rpc.ts";
import { backoffDelay } from "../backoff.ts";
import type { Deadline } from "../deadline.ts";
import type { ReadConnection, Transport } from "../transports/transport.ts";
import type { ViewerSettings } from "./settings.ts";
import { Waker } from "../waker.ts";
import type { ViewStore } from "./view-store.ts";

/** Errors no retry can fix: the viewer stops and keeps its view. A rotated secret is one. `disk_full` is not: it clears when space returns. */
const FATAL: ReadonlySet<ErrorCode> = new Set(["bad_secret", "unknown_share", "read_only", "invalid_request", "invalid_op", "too_large"]);

export type ViewerLoopState = "idle" | "connecting" | "following" | "polling" | "backoff" | "stopped";

/** How a viewer with no position yet gets one; a seam for mutants. */
export type JoinStrategy = (connection: ReadConnection, store: ViewStore, settings: ViewerSettings, deadline: Deadline) => Promise<void>;

/** From the start, or from a snapshot read in one go with its cursor: nothing between the two is lost. */
export const referenceJoin: JoinStrategy = async (connection, store, settings, deadline) => {
  if (settings.from === "start") return store.joinAtStart();
  const snapshot = await deadline(connection.snapshot(), settings.deadline_ms, "snapshot");
  store.installSnapshot(snapshot.cursor, snapshot.view);
};

export interface FollowDeps {
  store: ViewStore;
  transport: Transport;
  clock: Clock;
  random: Random;
  probe: Probe;
  settings: ViewerSettings;
  deadline: Deadline;
  join: JoinStrategy;
  /** The cursor a new session reads after: the durable one. A seam for mutants. */
  resumeFrom: (cursor: number) => number;
}

export interface ViewerStoppedError extends Error {
  code: ErrorCode;
}

/**
 * The viewer's loop: connect, redeem for reading, join once, then follow.
 * Push where the transport has it (subscribe, and a heartbeat read when the
 * line is quiet), polling elsewhere (read with a wait that grows while nothing
 * is new). Any failure ends the session; the loop backs off with jitter and
 * redeems again from the durable cursor. `stale_epoch` redeems at once.
 */
export class FollowLoop {
  readonly #d: FollowDeps;
  #state: ViewerLoopState = "idle";
  #started = false;
  #stopped = false;
  #error: ViewerStoppedError | undefined;
  #connection: ReadConnection | undefined;
  readonly #waker: Waker;
  /** Why the server ended the current subscription, or what failed while applying a push. */
  #sessionError: unknown;
  /** A push of this session failed to apply: later pushes would leave a gap, so none is applied. */
  #applyFailed = false;
  #heard = false;
  #sessions = 0;

  constructor(deps: FollowDeps) {
    this.#d = deps;
    this.#waker = new Waker(deps.clock);
  }

  get state(): ViewerLoopState {
    return this.#state;
  }

  get error(): ViewerStoppedError | undefined {
    return this.#error;
  }

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

  #viewer(): string {
    return this.#d.store.state().viewer_id;
  }

  async #run(): Promise<void> {
    const d = this.#d;
    let attempt = 0;
    while (!this.#stopped) {
      try {
        this.#state = "connecting";
        const connection = await this.#open();
        attempt = 0;
        if (connection.subscribe) await this.#follow(connection);
        else await this.#poll(connection);
      } catch (error) {
        this.#connection?.close();
        this.#connection = undefined;
        if (this.#stopped) break;
        const code = errorCode(fromSqliteError(error));
        d.probe.emit({ type: "viewer_session_failed", viewer: this.#viewer(), code: code ?? "error", message: String((error as Error)?.message ?? error) });
        if (code !== undefined && FATAL.has(code)) {
          this.#fail(error as ViewerStoppedError);
          break;
        }
        this.#state = "backoff";
        await this.#waker.wait(code === "stale_epoch" && attempt === 0 ? 0 : backoffDelay(d.settings, attempt, d.random));
        attempt++;
      }
    }
  }

  async #open(): Promise<ReadConnection> {
    const d = this.#d;
    const s = d.store.state();
    if (s.share_id === null || s.secret === null) throw protocolError("invalid_request", "viewer is not bound to a share");
    const connection = await d.deadline(d.transport.follow({ share_id: s.share_id, secret: s.secret, viewer_id: s.viewer_id }), d.settings.deadline_ms, "connect");
    this.#connection = connection;
    this.#sessions++;
    this.#sessionError = undefined;
    this.#applyFailed = false;
    const state = await d.deadline(connection.redeem(), d.settings.deadline_ms, "redeem");
    d.store.recordEpoch(state.epoch);
    if (!d.store.state().joined) {
      await d.join(connection, d.store, d.settings, d.deadline);
      d.probe.emit({ type: "viewer_snapshot", viewer: s.viewer_id, share: s.share_id, cursor: d.store.state().cursor });
    }
    d.probe.emit({ type: "viewer_redeemed", viewer: s.viewer_id, share: s.share_id, epoch: state.epoch, cursor: state.cursor, from: d.store.state().cursor });
    return connection;
  }

  #apply(entries: readonly LogEntry[]): void {
    const d = this.#d;
    const result = d.store.apply(entries);
    if (result.applied > 0) {
      d.probe.emit({ type: "viewer_applied", viewer: this.#viewer(), share: d.store.state().share_id ?? "", cursor_from: result.cursor_from, cursor_to: result.cursor_to, count: result.applied });
    }
  }

  /** Push: subscribe from the durable cursor, then wait; a quiet line gets a heartbeat read with a deadline. */
  async #follow(connection: ReadConnection): Promise<void> {
    const d = this.#d;
    this.#state = "following";
    const listener = {
      entries: (entries: LogEntry[]) => {
        if (connection !== this.#connection) return;
        // After a push failed to apply (say, disk_full), a later one may already be here: applying it
        // would skip the failed entries. Refuse it too; the next session resumes from the durable cursor.
        if (this.#applyFailed) throw this.#sessionError;
        this.#heard = true;
        try {
          this.#apply(entries);
        } catch (error) {
          this.#applyFailed = true;
          this.#sessionError = error;
          this.#waker.poke();
          throw error;
        }
      },
      ended: (reason: SubscriptionEnd) => {
        if (connection !== this.#connection) return;
        this.#sessionError = protocolError((errorCode(reason) ?? "connection_lost") as ErrorCode, `subscription ended: ${reason.message}`);
        this.#waker.poke();
      },
    };
    await d.deadline(connection.subscribe!(d.resumeFrom(d.store.state().cursor), listener), d.settings.deadline_ms, "subscribe");
    for (;;) {
      // The subscription may have ended before this loop first slept: a poke with nobody asleep is dropped.
      if (this.#sessionError !== undefined) throw this.#sessionError;
      this.#heard = false;
      await this.#waker.wait(d.settings.heartbeat_ms);
      if (this.#stopped) return;
      if (this.#sessionError !== undefined) throw this.#sessionError;
      if (this.#heard) continue;
      await d.deadline(connection.read(d.store.state().cursor, 0), d.settings.deadline_ms, "heartbeat");
    }
  }

  /** Polling: a full page asks again at once; an empty one waits longer each time, up to poll_max_ms. */
  async #poll(connection: ReadConnection): Promise<void> {
    const d = this.#d;
    this.#state = "polling";
    const limit = d.settings.page_limit;
    let from = d.resumeFrom(d.store.state().cursor);
    let idle = 0;
    for (;;) {
      if (this.#stopped) return;
      const page = await d.deadline(connection.read(from, limit), d.settings.deadline_ms, "read");
      if (this.#stopped) return;
      this.#apply(page.entries);
      from = d.store.state().cursor;
      // News resets the wait, a full page too: the poll after it may well be empty, and must not wait longer for that.
      idle = page.entries.length > 0 ? 0 : idle + 1;
      if (page.entries.length >= limit) continue;
      await this.#waker.wait(backoffDelay({ backoff_base_ms: d.settings.poll_min_ms, backoff_max_ms: d.settings.poll_max_ms }, idle, d.random));
    }
  }

  #fail(error: ViewerStoppedError): void {
    this.#error = error;
    this.#stopped = true;
    this.#state = "stopped";
    this.#d.probe.emit({ type: "viewer_stopped", viewer: this.#viewer(), code: error.code, message: error.message });
  }
}
