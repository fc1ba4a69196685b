import type Database from "better-sqlite3";
import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { ShareClient, type ClientDeps, type ClientParts, type SyncClient } from "../../client-under-test/share-client.ts";
import type { ClientSettings } from "../../client-under-test/settings.ts";
import type { Transport } from "../../client-under-test/transports/transport.ts";
import type { Op } from "../../protocol/ops.ts";
import { Incarnation } from "../kernel/scheduler.ts";
import { simIds } from "../kernel/sim-ids.ts";
import { captureCommitted } from "./durable.ts";
import type { NodeHost } from "./node-host.ts";
import { freshImage } from "./template-image.ts";
import { SIM_ORIGIN } from "../network/msw-gateway.ts";

/** Builds the client an agent process runs: the reference ShareClient, or a variant. */
export type ClientFactory = (deps: ClientDeps, parts: Partial<ClientParts>) => SyncClient;

export const referenceClientFactory: ClientFactory = (deps, parts) => new ShareClient(deps, parts);

export interface ClientBinding {
  share_index: number;
  share_id: string;
  secret: string;
}

/** One agent process with its durable client; can crash and restart over its outbox. */
export class ClientNode {
  readonly name: string;
  readonly binding: ClientBinding;
  readonly #host: NodeHost;
  readonly #settings: ClientSettings;
  readonly #parts: Partial<ClientParts>;
  readonly #factory: ClientFactory;
  readonly #transportFor: (node: string, incarnation: Incarnation) => Transport;
  #incarnations = 0;
  #image: Buffer | undefined;
  #live: { incarnation: Incarnation; db: Database.Database; client: SyncClient } | undefined;
  #onStart: (() => void)[] = [];
  producerID = "";

  constructor(
    host: NodeHost,
    name: string,
    binding: ClientBinding,
    settings: ClientSettings,
    parts: Partial<ClientParts>,
    transportFor: (node: string, incarnation: Incarnation) => Transport,
    factory: ClientFactory = referenceClientFactory,
  ) {
    this.#host = host;
    this.name = name;
    this.binding = binding;
    this.#settings = settings;
    this.#parts = parts;
    this.#transportFor = transportFor;
    this.#factory = factory;
  }

  get up(): boolean {
    return this.#live !== undefined;
  }

  get incarnation(): Incarnation | undefined {
    return this.#live?.incarnation;
  }

  get client(): SyncClient {
    if (!this.#live) throw new Error(`${this.name} is down`);
    return this.#live.client;
  }

  /** Runs `fn` now if up, else once the process is back and resumed. */
  whenUp(fn: () => void): void {
    if (this.#live) fn();
    else this.#onStart.push(fn);
  }

  start(): void {
    if (this.#live) throw new Error(`${this.name} is already up`);
    const host = this.#host;
    const incarnation = new Incarnation(this.name, ++this.#incarnations);
    const db = openOutboxDb(this.#image ?? freshImage("outbox", () => openOutboxDb()));
    const client = this.#factory(
      {
        db,
        transport: this.#transportFor(this.name, incarnation),
        clock: host.scheduler.clockFor(incarnation),
        random: host.streams.stream(`client/${this.name}`),
        ids: simIds(incarnation),
        crash: host.crashPoints(this.name, incarnation),
        probe: host.probe(this.name, incarnation),
        settings: this.#settings,
        limits: host.limits,
        server_url: SIM_ORIGIN,
      },
      this.#parts,
    );
    if (this.#incarnations === 1) client.bindShare(this.binding.share_id, this.binding.secret);
    this.producerID = client.producerID;
    this.#live = { incarnation, db, client };
    client.start();
  }

  /** Runs what waited for this process to come back (the agent's next op). */
  resume(): void {
    const waiting = this.#onStart;
    this.#onStart = [];
    for (const fn of waiting) {
      if (this.#live) fn();
      else this.#onStart.push(fn);
    }
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
    live.client.stop();
    captureCommitted(live.db, (image) => (this.#image = image));
  }

  /** The outbox as committed: pending ops and sync state, whether up or down. */
  inspect(): { pending: Op[]; acked_seq: number; cursor: number } {
    const read = (db: Database.Database) => {
      const rows = db.prepare(`SELECT seq, op_id, body FROM outbox ORDER BY seq`).all() as { seq: number; op_id: string; body: string }[];
      const state = db.prepare(`SELECT acked_seq, cursor FROM sync_state WHERE id = 1`).get() as { acked_seq: number; cursor: number } | undefined;
      return {
        pending: rows.map((r) => ({ seq: r.seq, op_id: r.op_id, body: JSON.parse(r.body) })),
        acked_seq: state?.acked_seq ?? 0,
        cursor: state?.cursor ?? 0,
      };
    };
    if (this.#live) return read(this.#live.db);
    const db = openOutboxDb(this.#image ?? freshImage("outbox", () => openOutboxDb()));
    try {
      return read(db);
    } finally {
      db.close();
    }
  }
}
