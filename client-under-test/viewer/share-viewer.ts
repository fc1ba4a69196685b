import type Database from "better-sqlite3";
import { noCrashPoints, noProbe, type Clock, type CrashPoints, type Ids, type Probe, type Random } from "../../protocol/ports.ts";
import type { SessionView } from "../../protocol/session-view.ts";
import { clockDeadline } from "../deadline.ts";
import type { Transport } from "../transports/transport.ts";
import { FollowLoop, referenceJoin, type JoinStrategy, type ViewerLoopState } from "./follow-loop.ts";
import { DEFAULT_VIEWER_SETTINGS, type ViewerSettings } from "./settings.ts";
import { ViewStore, type ViewerState } from "./view-store.ts";

export interface ViewerDeps {
  db: Database.Database;
  transport: Transport;
  clock: Clock;
  random: Random;
  ids: Ids;
  crash?: CrashPoints;
  probe?: Probe;
  settings?: Partial<ViewerSettings>;
}

/** The components a viewer is built from; mutants replace one at a time. */
export interface ViewerParts {
  makeStore: (db: Database.Database, ids: Ids, crash: CrashPoints) => ViewStore;
  join: JoinStrategy;
  resumeFrom: (cursor: number) => number;
}

export const referenceViewerParts: ViewerParts = {
  makeStore: (db, ids, crash) => new ViewStore(db, ids, crash),
  join: referenceJoin,
  resumeFrom: (cursor) => cursor,
};

export interface ViewerStatus {
  state: ViewerLoopState;
  view: Readonly<ViewerState>;
  sessions: number;
  error: { code: string; message: string } | null;
}

/**
 * A person watching a share live: redeems a read capability, follows the
 * share's log into a local materialized view, and resumes from its durable
 * cursor after any failure. Time, randomness and ids come only from its deps.
 */
export class ShareViewer {
  readonly store: ViewStore;
  readonly settings: ViewerSettings;
  readonly #loop: FollowLoop;

  constructor(deps: ViewerDeps, parts: Partial<ViewerParts> = {}) {
    const p = { ...referenceViewerParts, ...parts };
    this.settings = { ...DEFAULT_VIEWER_SETTINGS, ...deps.settings };
    this.store = p.makeStore(deps.db, deps.ids, deps.crash ?? noCrashPoints);
    this.#loop = new FollowLoop({
      store: this.store,
      transport: deps.transport,
      clock: deps.clock,
      random: deps.random,
      probe: deps.probe ?? noProbe,
      settings: this.settings,
      deadline: clockDeadline(deps.clock),
      join: p.join,
      resumeFrom: p.resumeFrom,
    });
  }

  get viewerID(): string {
    return this.store.state().viewer_id;
  }

  bindShare(shareID: string, secret: string): void {
    this.store.bindShare(shareID, secret);
  }

  start(): void {
    this.#loop.start();
  }

  stop(): void {
    this.#loop.stop();
  }

  view(): SessionView {
    return this.store.view();
  }

  status(): ViewerStatus {
    const error = this.#loop.error;
    return {
      state: this.#loop.state,
      view: this.store.state(),
      sessions: this.#loop.sessions,
      error: error ? { code: error.code, message: error.message } : null,
    };
  }
}
