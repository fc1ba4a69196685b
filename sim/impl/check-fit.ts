import type Database from "better-sqlite3";
import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { openViewerDb } from "../../client-under-test/viewer/view-store.ts";
import { CLIENT_METHODS, SERVER_SURFACE, VIEWER_METHODS, type Implementation } from "../../mutants/implementation.ts";
import { openServerDb } from "../../server-under-test/share-server.ts";
import { ImplError } from "./load-impl.ts";

// Before a run, each module is built once with harmless ports over the same
// kind of database its process gets in the world: a module that does not fit
// the interface fails here with a message naming what is missing (exit 2), not
// with a stack trace from deep inside a world.

const refused = () => Promise.reject(Object.assign(new Error("no network in the fit check"), { code: "connection_lost" }));

/** Ports every role gets: a clock whose timers never fire, a fixed random, ids. */
const common = {
  clock: { now: () => 0, setTimer: () => ({ cancel: () => {} }) },
  random: { next: () => 0.5 },
  ids: { next: (prefix: string) => `${prefix}-check` },
};
const transport = { name: "rest" as const, connect: refused, follow: refused };

/** Builds one role's object over `db` (closed afterwards) and returns what it lacks. */
function lacking(path: string, role: string, db: Database.Database, build: () => unknown, lacks: (built: Record<string, unknown>) => string[]): string[] {
  try {
    let built: unknown;
    try {
      built = build();
    } catch (error) {
      throw new ImplError(`${path}: ${role}(ports) threw while building a ${role}: ${(error as Error)?.message ?? error}`);
    }
    if (built === null || typeof built !== "object") throw new ImplError(`${path}: ${role}(ports) returned ${built === null ? "null" : typeof built}, not a ${role} object`);
    return lacks(built as Record<string, unknown>);
  } finally {
    db.close();
  }
}

const methodsMissing = (built: Record<string, unknown>, methods: readonly string[]) => methods.filter((m) => typeof built[m] !== "function");

export function checkClientFits(path: string, impl: Implementation): void {
  const factory = impl.client;
  if (!factory) throw new ImplError(`${path} exports no 'client' factory`);
  const db = openOutboxDb();
  const missing = lacking(path, "client", db, () => factory({ db, transport, ...common, server_url: "http://share.replaysim.test" }), (c) => [
    ...(typeof c.producerID === "string" ? [] : ["producerID"]),
    ...methodsMissing(c, CLIENT_METHODS),
  ]);
  if (missing.length > 0) throw new ImplError(`${path}: the client it builds lacks ${missing.join(", ")} (a client has producerID and ${CLIENT_METHODS.join(", ")}; docs/your-implementation.md)`);
}

/** A server must present what the world uses of one: its HTTP app, capnweb sessions, and the store the world reads. */
export function checkServerFits(path: string, impl: Implementation): void {
  const factory = impl.server;
  if (!factory) throw new ImplError(`${path} exports no 'server' factory`);
  const db = openServerDb();
  const missing = lacking(path, "server", db, () => factory({ db, ...common, publicUrl: "http://share.replaysim.test" }), (s) => [
    ...SERVER_SURFACE.filter((k) => s[k] === undefined || s[k] === null),
    ...(s.app && typeof (s.app as { fetch?: unknown }).fetch !== "function" ? ["app.fetch"] : []),
  ]);
  if (missing.length > 0) throw new ImplError(`${path}: the server it builds lacks ${missing.join(", ")} (a server has an HTTP app with fetch, acceptSession for capnweb sessions, and the store the world reads; docs/your-implementation.md)`);
}

export function checkViewerFits(path: string, impl: Implementation): void {
  const factory = impl.viewer;
  if (!factory) throw new ImplError(`${path} exports no 'viewer' factory`);
  const db = openViewerDb();
  const missing = lacking(path, "viewer", db, () => factory({ db, transport, ...common }), (v) => [
    ...(typeof v.viewerID === "string" ? [] : ["viewerID"]),
    ...methodsMissing(v, VIEWER_METHODS),
  ]);
  if (missing.length > 0) throw new ImplError(`${path}: the viewer it builds lacks ${missing.join(", ")} (a viewer has viewerID and ${VIEWER_METHODS.join(", ")}; docs/your-implementation.md)`);
}
