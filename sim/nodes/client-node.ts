import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { ShareClient, type ClientDeps, type ClientParts, type SyncClient } from "../../client-under-test/share-client.ts";
import type { ClientSettings } from "../../client-under-test/settings.ts";
import type { Transport } from "../../client-under-test/transports/transport.ts";
import type Database from "better-sqlite3";
import type { Op } from "../../protocol/ops.ts";
import type { Incarnation } from "../kernel/scheduler.ts";
import type { NodeStorage } from "./disk.ts";
import { DurableProcess, type Live } from "./durable-process.ts";
import { processPorts, type NodeHost } from "./node-host.ts";
import { SIM_ORIGIN } from "../network/msw-gateway.ts";
import { referenceImplementation } from "../../mutants/implementation.ts";

/** Builds the client an agent process runs: the reference ShareClient, or a variant. */
export type ClientFactory = (deps: ClientDeps, parts: Partial<ClientParts>) => SyncClient;

/** The reference through the public interface (mutants/implementation.ts); a mutant's parts build it directly. */
export const referenceClientFactory: ClientFactory = (deps, parts) => (Object.keys(parts).length === 0 ? referenceImplementation.client(deps) : new ShareClient(deps, parts));

export interface ClientBinding {
  share_index: number;
  share_id: string;
  secret: string;
}

/** One agent process with its durable client; can crash and restart over its outbox. */
export class ClientNode extends DurableProcess<Live & { client: SyncClient }> {
  readonly name: string;
  readonly binding: ClientBinding;
  readonly #host: NodeHost;
  readonly #settings: ClientSettings;
  readonly #parts: Partial<ClientParts>;
  readonly #factory: ClientFactory;
  readonly #transportFor: (node: string, incarnation: Incarnation) => Transport;
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
    storage: NodeStorage = { open: openOutboxDb, disk: "memory" },
  ) {
    super("outbox", storage);
    this.#host = host;
    this.name = name;
    this.binding = binding;
    this.#settings = settings;
    this.#parts = parts;
    this.#transportFor = transportFor;
    this.#factory = factory;
  }

  get incarnation(): Incarnation | undefined {
    return this.live?.incarnation;
  }

  get client(): SyncClient {
    if (!this.live) throw new Error(`${this.name} is down`);
    return this.live.client;
  }

  /** Runs `fn` now if up, else once the process is back and resumed. */
  whenUp(fn: () => void): void {
    if (this.live) fn();
    else this.#onStart.push(fn);
  }

  start(): void {
    const host = this.#host;
    const { incarnation, db } = this.begin();
    const client = this.#factory(
      {
        db,
        transport: this.#transportFor(this.name, incarnation),
        ...processPorts(host, this.name, incarnation, `client/${this.name}`),
        settings: this.#settings,
        limits: host.limits,
        server_url: SIM_ORIGIN,
      },
      this.#parts,
    );
    if (this.incarnations === 1) client.bindShare(this.binding.share_id, this.binding.secret);
    this.producerID = client.producerID;
    this.live = { incarnation, db, client };
    client.start();
  }

  /** Runs what waited for this process to come back (the agent's next op). */
  resume(): void {
    const waiting = this.#onStart;
    this.#onStart = [];
    for (const fn of waiting) {
      if (this.live) fn();
      else this.#onStart.push(fn);
    }
  }

  /** Its loop stops with it, so nothing of the dead process acts again. */
  protected override onCrash(live: Live & { client: SyncClient }): void {
    live.client.stop();
  }

  /** The outbox as committed: pending ops and sync state, whether up or down. */
  inspect(): { pending: Op[]; acked_seq: number; cursor: number } {
    return this.readCommitted(outboxAsCommitted);
  }
}

/** An outbox database's pending ops and sync state (the simulator's, or a copy of a real client's file). */
export function outboxAsCommitted(db: Database.Database): { pending: Op[]; acked_seq: number; cursor: number; last_enqueued_seq: number } {
  const rows = db.prepare(`SELECT seq, op_id, body FROM outbox ORDER BY seq`).all() as { seq: number; op_id: string; body: string }[];
  const state = db.prepare(`SELECT acked_seq, cursor, last_enqueued_seq FROM sync_state WHERE id = 1`).get() as { acked_seq: number; cursor: number; last_enqueued_seq: number } | undefined;
  return {
    pending: rows.map((r) => ({ seq: r.seq, op_id: r.op_id, body: JSON.parse(r.body) })),
    acked_seq: state?.acked_seq ?? 0,
    cursor: state?.cursor ?? 0,
    last_enqueued_seq: state?.last_enqueued_seq ?? 0,
  };
}
