// seed-plan (variant)
// The plan as it was written, server side: a whole-session JSON document that
// is read, modified and written back on each call through an async store (so
// concurrent calls interleave), deduplication by a bounded window of recent op
// ids (1,000 by default; scenario option `dedupe_window`), and capability
// epochs. The reference client runs against it unchanged.
// What the bench finds: two calls read the same document and the later write
// drops the earlier one's ops, which were already acked (exactly-once: lost,
// ack-integrity, cursor-monotonic); a replay after the window evicted an op id
// applies it again (exactly-once: duplicated, convergence).
// Not modelled: the plan's expected_cursor and depends_on checks. The reference
// client sends neither, and a check made when the document is read cannot stop
// a lost update that happens across the await before the write.
import type { Op } from "../protocol/ops.ts";
import { sleep } from "../protocol/ports.ts";
import type { Ack, ShareState } from "../protocol/rpc.ts";
import { ShareStore, type Grant, type StoreDeps, type StoreParts } from "../server-under-test/store/share-store.ts";
import { createShareServer, type ShareServer } from "../server-under-test/share-server.ts";
import type { Implementation, ServerPorts } from "./implementation.ts";
import type { Mutant } from "./mutant.ts";

export const DEFAULT_DEDUPE_WINDOW = 1000;

interface PlanDocument {
  cursor: number;
  /** Op ids applied recently, oldest first; at most the window's size. */
  window: string[];
  log: { cursor: number; producer_id: string; seq: number; epoch: number; op: Op }[];
}

const SESSION_TABLES = ["sessions", "messages", "parts", "diffs", "models", "share_log"] as const;

class PlanDocumentStore extends ShareStore {
  readonly #windowSize: number;

  constructor(deps: StoreDeps, parts: Partial<StoreParts>, windowSize: number) {
    super(deps, parts);
    this.#windowSize = windowSize;
    deps.db.exec(`CREATE TABLE IF NOT EXISTS plan_documents (share_id TEXT PRIMARY KEY, doc TEXT NOT NULL)`);
  }

  /** The plan keeps no per-producer seq: the client resends, the window dedupes. */
  override redeem(shareID: string, secret: string): ShareState {
    return { ...super.redeem(shareID, secret), last_seq: 0 };
  }

  /** A key-value store a network hop away: every read and write takes a little while. */
  async #io(): Promise<void> {
    await sleep(this.deps.clock, 1 + Math.floor(this.deps.random.next() * 4));
  }

  async #read(shareID: string): Promise<PlanDocument> {
    await this.#io();
    const row = this.deps.db.prepare(`SELECT doc FROM plan_documents WHERE share_id = ?`).pluck().get(shareID) as string | undefined;
    return row ? (JSON.parse(row) as PlanDocument) : { cursor: 0, window: [], log: [] };
  }

  /** Writes the document back, and mirrors it into the tables everyone else reads. */
  async #write(shareID: string, doc: PlanDocument): Promise<void> {
    await this.#io();
    const db = this.deps.db;
    this.parts.transact(() => {
      db.prepare(`INSERT INTO plan_documents (share_id, doc) VALUES (?, ?) ON CONFLICT (share_id) DO UPDATE SET doc = excluded.doc`).run(shareID, JSON.stringify(doc));
      for (const table of SESSION_TABLES) db.prepare(`DELETE FROM ${table} WHERE share_id = ?`).run(shareID);
      for (const entry of doc.log) this.applyOne(shareID, entry.cursor, entry.producer_id, entry.epoch, entry.op);
      this.parts.cursors.set(shareID, doc.cursor);
      this.deps.crash.reach("server.before_commit");
    });
  }

  override async appendOps(grant: Grant, producerID: string, ops: Op[]): Promise<Ack> {
    const doc = await this.#read(grant.share_id);
    this.admit(grant, "append");
    let applied = 0;
    let duplicates = 0;
    const seqs: number[] = [];
    for (const op of ops) {
      if (doc.window.includes(op.op_id)) {
        duplicates++;
        continue;
      }
      doc.cursor += 1;
      doc.log.push({ cursor: doc.cursor, producer_id: producerID, seq: op.seq, epoch: grant.epoch, op });
      doc.window.push(op.op_id);
      if (doc.window.length > this.#windowSize) doc.window.shift();
      seqs.push(op.seq);
      applied++;
    }
    await this.#write(grant.share_id, doc);
    if (applied > 0) {
      this.deps.probe.emit({
        type: "applied",
        share: grant.share_id,
        producer: producerID,
        seq_from: Math.min(...seqs),
        seq_to: Math.max(...seqs),
        count: applied,
        cursor_to: doc.cursor,
        epoch: grant.epoch,
        scope: grant.scope,
      });
    }
    this.deps.crash.reach("server.after_commit_before_reply");
    return { cursor: doc.cursor, last_seq: Math.max(0, ...ops.map((op) => op.seq)), applied, duplicates, rejected: 0 };
  }
}

/** The seed plan's server as an implementation module: the reference server over its document store. */
export function seedPlanImplementation(windowSize = DEFAULT_DEDUPE_WINDOW) {
  return {
    server: (ports: ServerPorts): ShareServer => createShareServer(ports, { store: {}, makeStore: (deps, parts) => new PlanDocumentStore(deps, parts, windowSize) }),
  } satisfies Implementation;
}

function planParts(windowSize: number): Mutant["parts"] {
  return { server: {}, client: {}, serverFactory: seedPlanImplementation(windowSize).server };
}

export const seedPlan: Mutant = {
  name: "seed-plan",
  bug: "bounded dedupe window of op ids, whole-session document read-modify-written through an async store",
  caught_by: ["exactly-once", "ack-integrity", "cursor-monotonic", "convergence"],
  parts: planParts(DEFAULT_DEDUPE_WINDOW),
  options: (options) => {
    const window = options.dedupe_window;
    if (window !== undefined && (typeof window !== "number" || !Number.isInteger(window) || window < 1)) {
      throw new Error(`options.dedupe_window: expected a whole number of at least 1, got ${JSON.stringify(window)}`);
    }
    return planParts(window ?? DEFAULT_DEDUPE_WINDOW);
  },
};
