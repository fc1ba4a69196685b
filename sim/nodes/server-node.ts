import type Database from "better-sqlite3";
import { createShareServer, openServerDb, type ServerParts, type ShareServer } from "../../server-under-test/share-server.ts";
import { Incarnation } from "../kernel/scheduler.ts";
import { simIds } from "../kernel/sim-ids.ts";
import type { ServerEndpoint } from "../network/host.ts";
import { SIM_ORIGIN } from "../network/msw-gateway.ts";
import { captureCommitted } from "./durable.ts";
import type { NodeHost } from "./node-host.ts";
import { freshImage } from "./template-image.ts";

/** The share server as a process that can crash and restart over its committed state. */
export class ServerNode {
  readonly name = "server";
  readonly #host: NodeHost;
  readonly #parts: Partial<ServerParts>;
  #incarnations = 0;
  #image: Buffer | undefined;
  #live: { incarnation: Incarnation; db: Database.Database; server: ShareServer } | undefined;

  constructor(host: NodeHost, parts: Partial<ServerParts>) {
    this.#host = host;
    this.#parts = parts;
  }

  get up(): boolean {
    return this.#live !== undefined;
  }

  get incarnations(): number {
    return this.#incarnations;
  }

  /** The running server; throws when it is down. */
  get server(): ShareServer {
    if (!this.#live) throw new Error("server is down");
    return this.#live.server;
  }

  endpoint(): ServerEndpoint | undefined {
    const live = this.#live;
    if (!live) return undefined;
    return {
      incarnation: live.incarnation,
      app: live.server.app,
      acceptSession: (transport) => void live.server.acceptSession(transport),
    };
  }

  start(): void {
    if (this.#live) throw new Error("server is already up");
    const host = this.#host;
    const incarnation = new Incarnation(this.name, ++this.#incarnations);
    const db = openServerDb(this.#image ?? freshImage("server", () => openServerDb()));
    const server = createShareServer(
      {
        db,
        clock: host.scheduler.clockFor(incarnation),
        random: host.streams.stream("server"),
        ids: simIds(incarnation),
        crash: host.crashPoints(this.name, incarnation),
        probe: host.probe(this.name, incarnation),
        limits: host.limits,
        publicUrl: SIM_ORIGIN,
      },
      this.#parts,
    );
    this.#live = { incarnation, db, server };
  }

  /** The run is over: this process stops acting, its state stays readable. */
  retire(): void {
    if (this.#live) this.#live.incarnation.alive = false;
  }

  crash(): void {
    const live = this.#live;
    if (!live) return;
    live.incarnation.alive = false;
    this.#live = undefined;
    captureCommitted(live.db, (image) => (this.#image = image));
  }

  /** A read-only view of the committed state, whether the server is up or down. */
  inspect<T>(read: (db: Database.Database) => T): T {
    if (this.#live) return read(this.#live.db);
    const db = openServerDb(this.#image ?? freshImage("server", () => openServerDb()));
    try {
      return read(db);
    } finally {
      db.close();
    }
  }
}
