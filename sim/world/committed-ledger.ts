import type { Op } from "../../protocol/ops.ts";
import type { CoverageWatch } from "../coverage/coverage-watch.ts";
import type { Scheduler } from "../kernel/scheduler.ts";
import { prepared } from "../kernel/statement-cache.ts";
import type { ClientNode } from "../nodes/client-node.ts";
import type { CommittedOp } from "../run-record.ts";
import type { EnqueueOutcome } from "../workload/driver.ts";
import type { Roster } from "./roster.ts";

/**
 * Every op the agent handed over: enqueue returned it, or the process died
 * inside enqueue and the op is in what its outbox committed. Ground truth for
 * exactly-once, taken from the agent's side and the outbox's SQLite, not the client's probe.
 */
export class CommittedLedger {
  readonly ops: CommittedOp[] = [];
  readonly #roster: Roster;
  readonly #scheduler: Scheduler;
  readonly #coverage: CoverageWatch;

  constructor(roster: Roster, scheduler: Scheduler, coverage: CoverageWatch) {
    this.#roster = roster;
    this.#scheduler = scheduler;
    this.#coverage = coverage;
  }

  enqueued(node: string, outcome: EnqueueOutcome): void {
    const client = this.#roster.client(node);
    if (!client) return;
    const record = (op: Op) => this.ops.push({ node, producer: client.producerID, share_index: client.binding.share_index, seq: op.seq, op_id: op.op_id, body: op.body, t: this.#scheduler.now });
    if ("refused" in outcome) {
      if (outcome.refused === "too_large") this.#coverage.reached("too_large_at_enqueue", node);
      if (outcome.refused === "disk_full") this.#coverage.reached("disk_full/client", node);
      return;
    }
    if ("op" in outcome) {
      record(outcome.op);
      if (outcome.op.seq > 1 && onePending(client)) this.#coverage.reached("outbox_drained_refilled", node);
      return;
    }
    const known = Math.max(0, ...this.ops.filter((c) => c.node === node).map((c) => c.seq));
    for (const op of client.inspect().pending) if (op.seq > known) record(op);
  }
}

/** The client's outbox holds exactly one op beyond its acked seq, as committed. */
function onePending(client: ClientNode): boolean {
  const db = client.liveDb;
  if (!db || db.inTransaction) return false;
  try {
    // At most two rows of the index, not a count: the outbox can hold thousands of pending ops.
    return prepared(db, `SELECT COUNT(*) FROM (SELECT 1 FROM outbox WHERE seq > (SELECT acked_seq FROM sync_state WHERE id = 1) LIMIT 2)`).pluck().get() === 1;
  } catch {
    return false; // a seed design without the reference outbox
  }
}
