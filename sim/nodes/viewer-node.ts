import type { ViewerCommitted } from "../run-record.ts";
import type { Transport } from "../../client-under-test/transports/transport.ts";
import { ShareViewer, type ViewerDeps, type ViewerParts } from "../../client-under-test/viewer/share-viewer.ts";
import { referenceImplementation, type SyncViewer } from "../../mutants/implementation.ts";
import type { ViewerSettings } from "../../client-under-test/viewer/settings.ts";
import { openViewerDb } from "../../client-under-test/viewer/view-store.ts";
import type Database from "better-sqlite3";
import { Materializer } from "../../protocol/materialize.ts";
import type { SessionView } from "../../protocol/session-view.ts";
import type { Incarnation } from "../kernel/scheduler.ts";
import { DurableProcess, type Live } from "./durable-process.ts";
import { processPorts, type NodeHost } from "./node-host.ts";

export interface ViewerBinding {
  share_index: number;
  share_id: string;
  secret: string;
}

/** A person's browser tab following a share: a ShareViewer over its own SQLite; it can crash and restart. */
export class ViewerNode extends DurableProcess<Live & { viewer: SyncViewer }> {
  readonly name: string;
  readonly binding: ViewerBinding;
  readonly #host: NodeHost;
  readonly #settings: ViewerSettings;
  readonly #transportFor: (node: string, incarnation: Incarnation) => Transport;
  viewerID = "";
  /** Set once it closed the page: it never comes back. */
  left = false;

  readonly #build: (deps: ViewerDeps) => SyncViewer;

  /** `factory` builds a whole viewer (a module's); without one, the reference with `parts` in place. */
  constructor(host: NodeHost, name: string, binding: ViewerBinding, settings: ViewerSettings, parts: Partial<ViewerParts>, transportFor: (node: string, incarnation: Incarnation) => Transport, factory?: (deps: ViewerDeps) => SyncViewer) {
    super("viewer", { open: openViewerDb, disk: "memory" });
    this.#build = factory ?? (Object.keys(parts).length === 0 ? referenceImplementation.viewer : (deps) => new ShareViewer(deps, parts));
    this.#host = host;
    this.name = name;
    this.binding = binding;
    this.#settings = settings;
    this.#transportFor = transportFor;
  }

  get incarnation(): Incarnation | undefined {
    return this.live?.incarnation;
  }

  get viewer(): SyncViewer {
    if (!this.live) throw new Error(`${this.name} is down`);
    return this.live.viewer;
  }

  /** True once it has started at least once (joined the world). */
  get started(): boolean {
    return this.incarnations > 0;
  }

  start(): void {
    const host = this.#host;
    const { incarnation, db } = this.begin();
    const viewer = this.#build({
      db,
      transport: this.#transportFor(this.name, incarnation),
      ...processPorts(host, this.name, incarnation, `viewer/${this.name}`),
      settings: this.#settings,
    });
    if (this.incarnations === 1) viewer.bindShare(this.binding.share_id, this.binding.secret);
    this.viewerID = viewer.viewerID;
    this.live = { incarnation, db, viewer };
    viewer.start();
  }

  /** Closes the page: the viewer stops for good; its committed state stays for the checkers. */
  leave(): void {
    this.left = true;
    this.live?.viewer.stop();
  }

  protected override onCrash(live: Live & { viewer: SyncViewer }): void {
    live.viewer.stop();
  }

  inspect(): ViewerCommitted {
    return this.readCommitted(viewerAsCommitted);
  }
}

/** A viewer database's position, local log and view (the simulator's, or a copy of a real viewer's file). */
export function viewerAsCommitted(db: Database.Database): ViewerCommitted {
  const state = db.prepare(`SELECT viewer_id, share_id, cursor, epoch, joined FROM viewer_state WHERE id = 1`).get() as
    | { viewer_id: string; share_id: string | null; cursor: number; epoch: number; joined: number }
    | undefined;
  const log = db.prepare(`SELECT n, cursor, producer_id, seq, op_id FROM viewer_log ORDER BY n`).all() as ViewerCommitted["log"];
  return {
    viewer_id: state?.viewer_id ?? "",
    cursor: state?.cursor ?? 0,
    epoch: state?.epoch ?? 0,
    joined: state?.joined === 1,
    log,
    view: state?.share_id ? viewOf(db, state.share_id) : null,
  };
}

function viewOf(db: Database.Database, shareID: string): SessionView {
  return new Materializer(db).view(shareID);
}
