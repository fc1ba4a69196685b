import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { CLIENT_METHODS, SERVER_SURFACE, VIEWER_METHODS, type Implementation } from "../../mutants/implementation.ts";
import { openViewerDb } from "../../client-under-test/viewer/view-store.ts";
import { openServerDb } from "../../server-under-test/share-server.ts";
import { ImplError } from "./load-impl.ts";

// Before a run, a client module is built once with harmless ports: a module
// that does not fit the interface fails here with a message naming what is
// missing (exit 2), not with a stack trace from deep inside a world.

const refused = () => Promise.reject(Object.assign(new Error("no network in the fit check"), { code: "connection_lost" }));

export function checkClientFits(path: string, impl: Implementation): void {
  const factory = impl.client;
  if (!factory) throw new ImplError(`${path} exports no 'client' factory`);
  // The same database a client process gets in the world: the outbox tables exist, and a module may add its own.
  const db = openOutboxDb();
  let timers = 0;
  try {
    let client: unknown;
    try {
      client = factory({
        db,
        transport: { name: "rest", connect: refused, follow: refused },
        clock: { now: () => 0, setTimer: () => (timers++, { cancel: () => {} }) },
        random: { next: () => 0.5 },
        ids: { next: (prefix) => `${prefix}-check` },
        server_url: "http://share.replaysim.test",
      });
    } catch (error) {
      throw new ImplError(`${path}: client(ports) threw while building a client: ${(error as Error)?.message ?? error}`);
    }
    if (client === null || typeof client !== "object") throw new ImplError(`${path}: client(ports) returned ${client === null ? "null" : typeof client}, not a client object`);
    const missing = CLIENT_METHODS.filter((m) => typeof (client as Record<string, unknown>)[m] !== "function");
    if (typeof (client as { producerID?: unknown }).producerID !== "string") missing.unshift("producerID" as never);
    if (missing.length > 0) throw new ImplError(`${path}: the client it builds lacks ${missing.join(", ")} (a client has producerID and ${CLIENT_METHODS.join(", ")}; docs/your-implementation.md)`);
  } finally {
    db.close();
  }
}

/** A server module is built once over a fresh reference database, and must present what the world uses of a server. */
export function checkServerFits(path: string, impl: Implementation): void {
  const factory = impl.server;
  if (!factory) throw new ImplError(`${path} exports no 'server' factory`);
  const db = openServerDb();
  try {
    let server: unknown;
    try {
      server = factory({
        db,
        clock: { now: () => 0, setTimer: () => ({ cancel: () => {} }) },
        random: { next: () => 0.5 },
        ids: { next: (prefix) => `${prefix}-check` },
        publicUrl: "http://share.replaysim.test",
      });
    } catch (error) {
      throw new ImplError(`${path}: server(ports) threw while building a server: ${(error as Error)?.message ?? error}`);
    }
    if (server === null || typeof server !== "object") throw new ImplError(`${path}: server(ports) returned ${server === null ? "null" : typeof server}, not a server object`);
    const s = server as Record<string, unknown>;
    const missing = SERVER_SURFACE.filter((k) => s[k] === undefined || s[k] === null);
    if (typeof (s.app as { fetch?: unknown } | undefined)?.fetch !== "function" && !missing.includes("app")) missing.unshift("app.fetch" as never);
    if (missing.length > 0) throw new ImplError(`${path}: the server it builds lacks ${missing.join(", ")} (a server has an HTTP app with fetch, acceptSession for capnweb sessions, and the store the world reads; docs/your-implementation.md)`);
  } finally {
    db.close();
  }
}

/** A viewer module is built once over a fresh reference view database, and must have what the world drives. */
export function checkViewerFits(path: string, impl: Implementation): void {
  const factory = impl.viewer;
  if (!factory) throw new ImplError(`${path} exports no 'viewer' factory`);
  const db = openViewerDb();
  try {
    let viewer: unknown;
    try {
      viewer = factory({
        db,
        transport: { name: "rest", connect: refused, follow: refused },
        clock: { now: () => 0, setTimer: () => ({ cancel: () => {} }) },
        random: { next: () => 0.5 },
        ids: { next: (prefix) => `${prefix}-check` },
      });
    } catch (error) {
      throw new ImplError(`${path}: viewer(ports) threw while building a viewer: ${(error as Error)?.message ?? error}`);
    }
    if (viewer === null || typeof viewer !== "object") throw new ImplError(`${path}: viewer(ports) returned ${viewer === null ? "null" : typeof viewer}, not a viewer object`);
    const missing: string[] = VIEWER_METHODS.filter((m) => typeof (viewer as Record<string, unknown>)[m] !== "function");
    if (typeof (viewer as { viewerID?: unknown }).viewerID !== "string") missing.unshift("viewerID");
    if (missing.length > 0) throw new ImplError(`${path}: the viewer it builds lacks ${missing.join(", ")} (a viewer has viewerID and ${VIEWER_METHODS.join(", ")}; docs/your-implementation.md)`);
  } finally {
    db.close();
  }
}
