// seed-original (variant)
// The first design of this system, run as it was: pending updates live in an
// in-memory map keyed by item id (a later update to the same part or message
// replaces the pending one), flushed by a 1 s debounce to the old bulk route
// POST /api/share/:id/sync, with no durable storage and no retries.
// What the bench finds: a crash loses everything pending (exactly-once: lost);
// a replaced append loses text (convergence); a dropped request is never sent
// again (lost); a duplicated request applies twice (duplicated); a restart
// loses the seq counter, and items go out in map order (order).
import { protocolError } from "../protocol/errors.ts";
import { noProbe, type Probe } from "../protocol/ports.ts";
import type { Op, OpBody } from "../protocol/ops.ts";
import type { ClientDeps, ClientStatus, SyncClient } from "../client-under-test/share-client.ts";
import type { ClientPorts, Implementation } from "./implementation.ts";
import type { Mutant } from "./mutant.ts";

const DEBOUNCE_MS = 1000;

/** The id of the item an op updates: the seed's queue keeps one pending op per item. */
function itemKey(body: OpBody): string {
  switch (body.kind) {
    case "session.upsert":
      return "session";
    case "message.upsert":
    case "message.remove":
      return `message:${body.message_id}`;
    case "part.upsert":
    case "part.append":
    case "part.remove":
      return `part:${body.part_id}`;
    case "diff.replace":
      return `diff:${body.path}`;
    case "model.upsert":
      return `model:${body.model_id}`;
  }
}

class DebouncedQueueClient implements SyncClient {
  readonly producerID: string;
  readonly #deps: ClientDeps;
  readonly #probe: Probe;
  readonly #queue = new Map<string, Op>();
  #share: { id: string; secret: string } | undefined;
  #seq = 0;
  #sent = 0;
  #inflight = 0;
  #armed = false;
  #stopped = false;

  constructor(deps: ClientDeps) {
    this.#deps = deps;
    this.#probe = deps.probe ?? noProbe;
    this.producerID = deps.ids.next("prd");
  }

  bindShare(shareID: string, secret: string): void {
    this.#share = { id: shareID, secret };
  }

  enqueue(body: OpBody): Op {
    const op = { seq: ++this.#seq, op_id: this.#deps.ids.next("op"), body };
    this.#queue.set(itemKey(body), op);
    this.#probe.emit({ type: "enqueue_committed", producer: this.producerID, seq: op.seq, op_id: op.op_id });
    if (!this.#armed) {
      this.#armed = true;
      this.#deps.clock.setTimer(DEBOUNCE_MS, () => void this.#flush());
    }
    return op;
  }

  async #flush(): Promise<void> {
    this.#armed = false;
    if (this.#stopped || !this.#share || this.#queue.size === 0) return;
    const data = [...this.#queue.values()];
    this.#queue.clear();
    this.#inflight++;
    try {
      await fetch(`${this.#deps.server_url}/api/share/${this.#share.id}/sync`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-client-id": this.producerID },
        body: JSON.stringify({ secret: this.#share.secret, producer_id: this.producerID, data }),
      });
      this.#sent = Math.max(this.#sent, ...data.map((op) => op.seq));
    } catch {
      // No retries: the batch is gone.
    } finally {
      this.#inflight--;
    }
  }

  start(): void {}

  stop(): void {
    this.#stopped = true;
  }

  async drained(): Promise<void> {
    if (this.#queue.size > 0 || this.#inflight > 0) throw protocolError("invalid_request", "the seed client cannot wait for delivery");
  }

  status(): ClientStatus {
    return {
      state: this.#stopped ? "stopped" : "idle",
      // Held in memory only: nothing of it survives a crash.
      pending: this.#queue.size + this.#inflight,
      sync: {
        producer_id: this.producerID,
        share_id: this.#share?.id ?? null,
        secret: this.#share?.secret ?? null,
        epoch: 0,
        acked_seq: 0,
        cursor: 0,
        last_enqueued_seq: this.#seq,
      },
      sessions: 0,
      server_last_seq: null,
      error: null,
    };
  }
}

/** The seed's client as an implementation module: loaded through the same interface as anyone's. */
export const seedOriginalImplementation = {
  client: (ports: ClientPorts): SyncClient => new DebouncedQueueClient(ports),
} satisfies Implementation;

export const seedOriginal: Mutant = {
  name: "seed-original",
  bug: "in-memory queue, 1 s debounce keyed by item id, no durable storage, no retries, non-idempotent bulk sync",
  caught_by: ["exactly-once", "convergence", "order"],
  parts: { server: {}, client: {}, clientFactory: (deps) => seedOriginalImplementation.client(deps) },
};
