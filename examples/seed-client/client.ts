// A share client written the way the first seed wrote it, as a team would
// bring it to replaysim: pending updates in an in-memory map keyed by the item
// they update (a later update to the same part replaces the pending one),
// flushed by a 1 s debounce to the bulk route POST /api/share/:id/sync. No
// durable storage, no retries.
//
// Run it: replaysim explore --seeds 200 --client examples/seed-client
//
// It only imports types from replaysim's public interface; everything it
// needs at run time (clock, ids, the server's URL) comes in through its ports.
import type { ClientPorts } from "../../mutants/implementation.ts";
import type { ClientStatus, SyncClient } from "../../client-under-test/share-client.ts";
import type { Op, OpBody } from "../../protocol/ops.ts";

const DEBOUNCE_MS = 1000;

/** The item an op updates: the queue keeps one pending op per item. */
function itemOf(body: OpBody): string {
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

class SeedClient implements SyncClient {
  readonly producerID: string;
  readonly #ports: ClientPorts;
  readonly #pending = new Map<string, Op>();
  #share: { id: string; secret: string } | null = null;
  #seq = 0;
  #sending = 0;
  #timerSet = false;
  #stopped = false;

  constructor(ports: ClientPorts) {
    this.#ports = ports;
    this.producerID = ports.ids.next("prd");
  }

  bindShare(shareID: string, secret: string): void {
    this.#share = { id: shareID, secret };
  }

  enqueue(body: OpBody): Op {
    const op: Op = { seq: ++this.#seq, op_id: this.#ports.ids.next("op"), body };
    this.#pending.set(itemOf(body), op);
    this.#ports.probe?.emit({ type: "enqueue_committed", producer: this.producerID, seq: op.seq, op_id: op.op_id });
    if (!this.#timerSet) {
      this.#timerSet = true;
      this.#ports.clock.setTimer(DEBOUNCE_MS, () => void this.#flush());
    }
    return op;
  }

  async #flush(): Promise<void> {
    this.#timerSet = false;
    if (this.#stopped || !this.#share || this.#pending.size === 0) return;
    const data = [...this.#pending.values()];
    this.#pending.clear();
    this.#sending++;
    try {
      await fetch(`${this.#ports.server_url}/api/share/${this.#share.id}/sync`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-client-id": this.producerID },
        body: JSON.stringify({ secret: this.#share.secret, producer_id: this.producerID, data }),
      });
    } catch {
      // The seed never retried: a failed flush is gone.
    } finally {
      this.#sending--;
    }
  }

  start(): void {}

  stop(): void {
    this.#stopped = true;
  }

  async drained(): Promise<void> {
    if (this.#pending.size > 0 || this.#sending > 0) throw Object.assign(new Error("the seed client cannot wait for delivery"), { code: "invalid_request" });
  }

  status(): ClientStatus {
    return {
      state: this.#stopped ? "stopped" : "idle",
      pending: this.#pending.size + this.#sending,
      sync: { producer_id: this.producerID, share_id: this.#share?.id ?? null, secret: this.#share?.secret ?? null, epoch: 0, acked_seq: 0, cursor: 0, last_enqueued_seq: this.#seq },
      sessions: 0,
      server_last_seq: null,
      error: null,
    };
  }
}

/** The factory replaysim calls for each client process it starts. */
export function client(ports: ClientPorts): SyncClient {
  return new SeedClient(ports);
}
