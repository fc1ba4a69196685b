import type Database from "better-sqlite3";
import type { ClientDeps, ClientParts, SyncClient } from "../client-under-test/share-client.ts";
import type { ServerDeps, ServerParts, ShareServer } from "../server-under-test/share-server.ts";
import type { ViewerDeps, ViewerParts } from "../client-under-test/viewer/share-viewer.ts";
import type { SyncViewer } from "./implementation.ts";

/** The components a mutant or variant puts in place of the reference ones. */
export interface Parts {
  server: Partial<ServerParts>;
  client: Partial<ClientParts>;
  /** What replaces the reference viewer's components. */
  viewer?: Partial<ViewerParts>;
  /** How the server process opens its database (a seam for storage settings), instead of openServerDb. */
  openServerDb?: (source?: string | Buffer) => Database.Database;
  /** How a client process opens its outbox, instead of openOutboxDb. */
  openOutboxDb?: (source?: string | Buffer) => Database.Database;
  /** A whole server built another way (a module's `server`, or a seed design's), instead of the reference with `server` parts. */
  serverFactory?: (deps: ServerDeps) => ShareServer;
  /** A whole viewer built another way (a module's `viewer`), instead of the reference with `viewer` parts. */
  viewerFactory?: (deps: ViewerDeps) => SyncViewer;
  /** A seed design's own client, replacing the reference one entirely. */
  clientFactory?: (deps: ClientDeps, parts: Partial<ClientParts>) => SyncClient;
}

/** One deliberate bug: a small module that replaces or wraps one component at a seam. */
export interface Mutant {
  name: string;
  /** One line: what is wrong. */
  bug: string;
  /** The checkers expected to catch it. */
  caught_by: readonly string[];
  parts: Parts;
  /** Scenario options the mutant needs, if any (e.g. a small dedupe window). */
  options?: (scenarioOptions: Readonly<Record<string, number | string | boolean>>) => Parts;
}
