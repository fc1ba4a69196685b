import { ShareClient, type ClientDeps, type SyncClient } from "../client-under-test/share-client.ts";
import { createShareServer, type ServerDeps, type ShareServer } from "../server-under-test/share-server.ts";
import { ShareViewer, type ViewerDeps } from "../client-under-test/viewer/share-viewer.ts";

// The public interface through which replaysim runs an implementation of the
// share protocol: yours (`--client MODULE`, `--server MODULE`, `--viewer MODULE`, `--impl MODULE`, docs/your-implementation.md),
// the reference, or an earlier design. The world builds every client through
// it, so an implementation that fits it gets exactly what the reference gets.

/** What a client process receives from its world: a SQLite database, clock, random, ids, crash points, a transport, and the server's URL for plain `fetch`. */
export type ClientPorts = ClientDeps;

/** What a server process receives: its SQLite database (it keeps the reference schema: the world reads its committed tables as evidence), clock, random, ids, crash points, limits and its public URL. */
export type ServerPorts = ServerDeps;

/** What the world uses of a server: its HTTP app, its capnweb sessions, and its store. */
export const SERVER_SURFACE = ["app", "acceptSession", "store"] as const satisfies readonly (keyof ShareServer)[];

/** What a viewer process receives: its database (the world reads a viewer's committed cursor, log and view from the reference view store's tables), clock, random, ids, crash points, a transport and settings. */
export type ViewerPorts = ViewerDeps;

/** What the world drives on a viewer: the reference viewer's surface. */
export type SyncViewer = Pick<ShareViewer, "viewerID" | "bindShare" | "start" | "stop" | "status">;
export const VIEWER_METHODS = ["bindShare", "start", "stop", "status"] as const satisfies readonly (keyof SyncViewer)[];

/** The methods the world drives on a client. */
export const CLIENT_METHODS = ["bindShare", "enqueue", "start", "stop", "drained", "status"] as const satisfies readonly (keyof SyncClient)[];

/** A module under test exports any of these factories. */
export interface Implementation {
  /** A share client (an agent's writer): enqueues ops and syncs them. */
  client?: (ports: ClientPorts) => SyncClient;
  /** A share server: answers HTTP requests (REST and capnweb batch) and capnweb WebSocket sessions. */
  server?: (ports: ServerPorts) => ShareServer;
  /** A person's viewer: follows a share and keeps its own view. */
  viewer?: (ports: ViewerPorts) => SyncViewer;
}

/** The reference client, through the same door as anyone's. */
export const referenceImplementation = {
  client: (ports: ClientPorts): SyncClient => new ShareClient(ports),
  server: (ports: ServerPorts): ShareServer => createShareServer(ports),
  viewer: (ports: ViewerPorts): SyncViewer => new ShareViewer(ports),
} satisfies Implementation;
