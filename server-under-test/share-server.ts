import Database from "better-sqlite3";
import { RpcSession, type RpcTarget, type RpcTransport } from "capnweb";
import type { Hono } from "hono";
import { DEFAULT_LIMITS, type Limits } from "../protocol/limits.ts";
import { noCrashPoints, noProbe, type Clock, type CrashPoints, type Ids, type Probe, type Random } from "../protocol/ports.ts";
import { configure, migrate } from "../protocol/sqlite-migrations.ts";
import { createShareApp, rpcSessionOptions } from "./http/app.ts";
import { referenceMinter, type CapabilityMinter } from "./rpc/capabilities.ts";
import { referenceSubscription, type SubscriptionFactory } from "./rpc/subscription.ts";
import { ShareApiTarget } from "./rpc/share-api.ts";
import { SERVER_MIGRATIONS } from "./store/schema.ts";
import { ShareStore, type StoreDeps, type StoreParts } from "./store/share-store.ts";

export interface ServerDeps {
  db: Database.Database;
  clock: Clock;
  random: Random;
  ids: Ids;
  crash?: CrashPoints;
  probe?: Probe;
  limits?: Limits;
  /** Base of the share URLs handed out, e.g. http://127.0.0.1:8787 */
  publicUrl?: string;
}

/** The components a server is built from; mutants replace one at a time. */
export interface ServerParts {
  store: Partial<StoreParts>;
  makeStore: (deps: StoreDeps, parts: Partial<StoreParts>) => ShareStore;
  minter: CapabilityMinter;
  /** How a reader capability pushes to a subscribed viewer. */
  makeSubscription: SubscriptionFactory;
  /** Builds the main object for one capnweb session. */
  makeApi: (store: ShareStore, minter: CapabilityMinter, publicUrl: () => string) => RpcTarget;
}

export const referenceServerParts: ServerParts = {
  store: {},
  makeStore: (deps, parts) => new ShareStore(deps, parts),
  minter: referenceMinter,
  makeSubscription: referenceSubscription,
  makeApi: (store, minter, publicUrl) => new ShareApiTarget(store, minter, publicUrl),
};

export interface ShareServer {
  store: ShareStore;
  /** Base of share URLs; `listen` sets it to the real address unless one was given. */
  publicUrl: string;
  app: Hono;
  limits: Limits;
  newApi(): RpcTarget;
  /** Serves one capnweb session over an already-connected transport. */
  acceptSession(transport: RpcTransport): RpcSession;
}

/** Opens (or creates) the server database and brings its schema up to date. */
export function openServerDb(source: string | Buffer = ":memory:"): Database.Database {
  const db = new Database(source as string);
  configure(db);
  migrate(db, SERVER_MIGRATIONS);
  return db;
}

export function createShareServer(deps: ServerDeps, parts: Partial<ServerParts> = {}): ShareServer {
  const p = { ...referenceServerParts, ...parts };
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const store = p.makeStore(
    {
      db: deps.db,
      clock: deps.clock,
      random: deps.random,
      ids: deps.ids,
      crash: deps.crash ?? noCrashPoints,
      probe: deps.probe ?? noProbe,
      limits,
    },
    p.store,
  );
  const publicUrl = () => server.publicUrl;
  const services = { makeSubscription: p.makeSubscription };
  const minter: CapabilityMinter = { writer: p.minter.writer, reader: (s, grant) => p.minter.reader(s, grant, services) };
  const newApi = () => p.makeApi(store, minter, publicUrl);
  const app = createShareApp({ store, limits, newApi, publicUrl });
  const options = rpcSessionOptions(limits);
  const server: ShareServer = {
    store,
    publicUrl: deps.publicUrl ?? "",
    app,
    limits,
    newApi,
    acceptSession: (transport) => new RpcSession(transport, newApi(), options),
  };
  return server;
}
