import type Database from "better-sqlite3";
import { createShareServer, openServerDb, type ServerDeps, type ServerParts, type ShareServer } from "../../server-under-test/share-server.ts";
import { referenceImplementation } from "../../mutants/implementation.ts";
import type { ServerEndpoint } from "../network/host.ts";
import { SIM_ORIGIN } from "../network/msw-gateway.ts";
import type { NodeStorage } from "./disk.ts";
import { DurableProcess, type Live } from "./durable-process.ts";
import { processPorts, type NodeHost } from "./node-host.ts";

/** The share server as a process that can crash and restart over its committed state. */
export class ServerNode extends DurableProcess<Live & { server: ShareServer }> {
  readonly name = "server";
  readonly #host: NodeHost;
  readonly #build: (deps: ServerDeps) => ShareServer;

  /** `factory` builds a whole server (a module's, or a seed design's); without one, the reference with `parts` in place. */
  constructor(host: NodeHost, parts: Partial<ServerParts>, storage: NodeStorage = { open: openServerDb, disk: "memory" }, factory?: (deps: ServerDeps) => ShareServer) {
    super("server", storage);
    this.#host = host;
    this.#build = factory ?? (Object.keys(parts).length === 0 ? referenceImplementation.server : (deps) => createShareServer(deps, parts));
  }

  /** The running server; throws when it is down. */
  get server(): ShareServer {
    if (!this.live) throw new Error("server is down");
    return this.live.server;
  }

  endpoint(): ServerEndpoint | undefined {
    const live = this.live;
    if (!live) return undefined;
    return {
      incarnation: live.incarnation,
      app: live.server.app,
      acceptSession: (transport) => void live.server.acceptSession(transport),
    };
  }

  start(): void {
    const host = this.#host;
    const { incarnation, db } = this.begin();
    const server = this.#build({
      db,
      ...processPorts(host, this.name, incarnation, "server"),
      limits: host.limits,
      publicUrl: SIM_ORIGIN,
    });
    this.live = { incarnation, db, server };
  }

  /** A read-only view of the committed state, whether the server is up or down. */
  inspect<T>(read: (db: Database.Database) => T): T {
    return this.readCommitted(read);
  }
}
