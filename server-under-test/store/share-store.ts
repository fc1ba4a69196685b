import type Database from "better-sqlite3";
import { lazyStatements } from "../../protocol/sqlite-statements.ts";
import { protocolError } from "../../protocol/errors.ts";
import { mapDiskFull } from "../../protocol/sqlite-errors.ts";
import type { Limits } from "../../protocol/limits.ts";
import type { Op, OpBody } from "../../protocol/ops.ts";
import type { Clock, CrashPoints, Ids, Probe, Random } from "../../protocol/ports.ts";
import type { Ack, LogEntry, ReadPage, Revoked, Scope, ShareState, Snapshot } from "../../protocol/rpc.ts";
import type { SessionView } from "../../protocol/session-view.ts";
import { Materializer } from "../../protocol/materialize.ts";
import { LogFeed } from "./log-feed.ts";
import { hashSecret, newSecret, secretMatches } from "./secrets.ts";
import {
  permanentSeqPolicy,
  sqliteCursorStore,
  sqliteTransact,
  strictEpochGuard,
  type CursorStore,
  type EpochGuard,
  type SeqPolicy,
  type Transact,
} from "./seams.ts";

/** Parsed log entries kept for readers; past this many the cache starts over. */
const ENTRIES_CACHED_MAX = 4096;

/** One item of the seed's bulk sync: a bare op body, or a whole op. */
export type LegacyItem = OpBody | Op;

/** What a redeemed capability carries: which share, which epoch, which scope, and the producer it may append as. */
export interface Grant {
  share_id: string;
  epoch: number;
  scope: Scope;
  producer_id?: string;
}

export interface StoreDeps {
  db: Database.Database;
  clock: Clock;
  random: Random;
  ids: Ids;
  crash: CrashPoints;
  probe: Probe;
  limits: Limits;
}

export interface StoreParts {
  seqPolicy: SeqPolicy;
  epochGuard: EpochGuard;
  cursors: CursorStore;
  transact: Transact;
}

interface ShareRow {
  id: string;
  session_id: string;
  secret_hash: string;
  epoch: number;
  cursor: number;
}

export function referenceStoreParts(db: Database.Database): StoreParts {
  return {
    seqPolicy: permanentSeqPolicy,
    epochGuard: strictEpochGuard,
    cursors: sqliteCursorStore(db),
    transact: sqliteTransact(db),
  };
}

/**
 * The share server's state and every rule about it. All writes happen in one
 * SQLite transaction each, so a crash leaves either all of a call or none of it.
 * A write the disk has no room for (SQLITE_FULL) is refused whole with code
 * `disk_full`; SQLite rolls its transaction back, and the same call succeeds
 * once space returns.
 */
export class ShareStore {
  readonly deps: StoreDeps;
  readonly parts: StoreParts;
  protected readonly materializer: Materializer;
  /** Wakes this process's push subscriptions after each committed change. */
  readonly feed = new LogFeed();
  readonly #entries = new Map<string, LogEntry>();
  readonly #stmt;

  constructor(deps: StoreDeps, parts: Partial<StoreParts> = {}) {
    this.deps = deps;
    this.parts = { ...referenceStoreParts(deps.db), ...parts };
    this.materializer = new Materializer(deps.db);
    const db = deps.db;
    this.#stmt = lazyStatements(db, {
      insertShare: `INSERT INTO shares (id, session_id, secret_hash, epoch, cursor, created_ms) VALUES (?, ?, ?, 0, 0, ?)`,
      share: `SELECT id, session_id, secret_hash, epoch, cursor FROM shares WHERE id = ?`,
      lastSeq: (d) => d.prepare(`SELECT last_seq FROM producers WHERE share_id = ? AND producer_id = ?`).pluck(),
      saveLastSeq:
        `INSERT INTO producers (share_id, producer_id, last_seq) VALUES (?, ?, ?)
         ON CONFLICT (share_id, producer_id) DO UPDATE SET last_seq = excluded.last_seq`,
      insertLog: `INSERT INTO share_log (share_id, cursor, producer_id, seq, epoch, op) VALUES (?, ?, ?, ?, ?, ?)`,
      readLog:
        `SELECT cursor, producer_id, seq, op FROM share_log WHERE share_id = ? AND cursor > ? ORDER BY cursor LIMIT ?`,
      revoke: `UPDATE shares SET epoch = epoch + 1, secret_hash = ? WHERE id = ?`,
      insertToken: `INSERT INTO write_tokens (token_hash, share_id, producer_id, epoch) VALUES (?, ?, ?, ?)`,
      token: `SELECT share_id, producer_id, epoch FROM write_tokens WHERE token_hash = ?`,
      insertReadToken: `INSERT INTO read_tokens (token_hash, share_id, epoch) VALUES (?, ?, ?)`,
      readToken: `SELECT share_id, epoch FROM read_tokens WHERE token_hash = ?`,
      deleteShare: `DELETE FROM shares WHERE id = ?`,
    });
  }

  createShare(sessionID: string): { id: string; secret: string } {
    const id = this.deps.ids.next("shr");
    const secret = newSecret(this.deps.random);
    mapDiskFull(() => this.parts.transact(() => this.#stmt.insertShare.run(id, sessionID, hashSecret(secret), this.deps.clock.now())));
    return { id, secret };
  }

  /** Checks the secret and returns the share's state; the caller mints the capability. */
  redeem(shareID: string, secret: string, producerID?: string): ShareState {
    const share = this.authenticate(shareID, secret);
    return {
      cursor: this.parts.cursors.get(share.id),
      epoch: share.epoch,
      last_seq: producerID === undefined ? 0 : this.lastSeq(share.id, producerID),
    };
  }

  /**
   * REST's write credential: a token bound to the share, the producer and the
   * current epoch, stored hashed. `/ops` accepts it for that producer only,
   * and a revoke makes it stale like any capability.
   */
  issueWriteToken(shareID: string, secret: string, producerID: string): { token: string } & ShareState {
    const state = this.redeem(shareID, secret, producerID);
    const token = newSecret(this.deps.random);
    mapDiskFull(() => this.parts.transact(() => this.#stmt.insertToken.run(hashSecret(token), shareID, producerID, state.epoch)));
    return { ...state, token };
  }

  /** REST's read credential: a token bound to the share and the current epoch, stored hashed; a revoke makes it stale. */
  issueReadToken(shareID: string, secret: string): { token: string } & ShareState {
    const state = this.redeem(shareID, secret);
    const token = newSecret(this.deps.random);
    mapDiskFull(() => this.parts.transact(() => this.#stmt.insertReadToken.run(hashSecret(token), shareID, state.epoch)));
    return { ...state, token };
  }

  /**
   * The grant a REST read presents: a read token from `/redeem` (bound to the
   * epoch it was issued in), or the share secret itself (the current epoch).
   * Anything else, or a token of another share, is a bad secret.
   */
  grantOfBearer(shareID: string, credential: string): Grant {
    const share = this.loadShare(shareID);
    const row = this.#stmt.readToken.get(hashSecret(credential)) as { share_id: string; epoch: number } | undefined;
    if (row) {
      if (row.share_id !== shareID) throw protocolError("bad_secret", `this read token is not for share ${shareID}`);
      return { share_id: shareID, epoch: row.epoch, scope: "read" };
    }
    if (!secretMatches(credential, share.secret_hash)) throw protocolError("bad_secret", `no such read token or secret for share ${shareID}`);
    return { share_id: shareID, epoch: share.epoch, scope: "read" };
  }

  /** The grant a REST token stands for; a token nobody issued for this share is a bad secret. */
  grantOfToken(shareID: string, token: string): Grant & { producer_id: string } {
    this.loadShare(shareID);
    const hashed = hashSecret(token);
    const row = this.#stmt.token.get(hashed) as { share_id: string; producer_id: string; epoch: number } | undefined;
    if (!row || row.share_id !== shareID) {
      const read = this.#stmt.readToken.get(hashed) as { share_id: string } | undefined;
      if (read?.share_id === shareID) throw protocolError("read_only", "a read token cannot append");
      throw protocolError("bad_secret", `no such write token for share ${shareID}`);
    }
    return { share_id: row.share_id, epoch: row.epoch, scope: "write", producer_id: row.producer_id };
  }

  /** Applies a batch; a Promise only in variants whose store is async. */
  appendOps(grant: Grant, producerID: string, ops: Op[]): Ack | Promise<Ack> {
    // One transaction: on disk_full none of the batch is applied, and the resend is applied whole.
    const result = mapDiskFull(() => this.parts.transact(() => this.applyBatch(grant, producerID, ops)));
    if (result.applied > 0) this.feed.changed(grant.share_id);
    if (result.applied > 0) {
      this.deps.probe.emit({
        type: "applied",
        share: grant.share_id,
        producer: producerID,
        seq_from: result.seq_from,
        seq_to: result.seq_to,
        count: result.applied,
        cursor_to: result.ack.cursor,
        epoch: grant.epoch,
        scope: grant.scope,
      });
    }
    this.deps.crash.reach("server.after_commit_before_reply");
    return result.ack;
  }

  /** One batch, inside the caller's transaction: ops in the order given, see docs/design.md "Protocol". */
  protected applyBatch(grant: Grant, producerID: string, ops: Op[]): { ack: Ack; applied: number; seq_from: number; seq_to: number } {
    const share = this.admit(grant, "append");
    let last_seq = this.lastSeq(share.id, producerID);
    let cursor = this.parts.cursors.get(share.id);
    let applied = 0;
    let duplicates = 0;
    let rejected = 0;
    let seq_from = 0;
    let seq_to = 0;
    const seen = new Set<number>();
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const verdict = this.parts.seqPolicy.decide(op.seq, last_seq, seen);
      seen.add(op.seq);
      if (verdict === "duplicate") {
        duplicates++;
        continue;
      }
      if (verdict === "gap") {
        rejected = ops.length - i;
        break;
      }
      cursor += 1;
      this.applyOne(share.id, cursor, producerID, grant.epoch, op);
      last_seq = Math.max(last_seq, op.seq);
      if (applied === 0) seq_from = op.seq;
      seq_to = op.seq;
      applied++;
    }
    if (applied > 0) {
      this.saveLastSeq(share.id, producerID, last_seq);
      this.parts.cursors.set(share.id, cursor);
    }
    this.deps.crash.reach("server.before_commit");
    return { ack: { cursor, last_seq, applied, duplicates, rejected }, applied, seq_from, seq_to };
  }

  protected saveLastSeq(shareID: string, producerID: string, lastSeq: number): void {
    this.#stmt.saveLastSeq.run(shareID, producerID, lastSeq);
  }

  /** Materializes one op and writes its log row at `cursor`. */
  protected applyOne(shareID: string, cursor: number, producerID: string, epoch: number, op: Op): void {
    this.materializer.apply(shareID, op.body);
    this.#stmt.insertLog.run(shareID, cursor, producerID, op.seq, epoch, JSON.stringify(op));
  }

  revoke(grant: Grant, rotateSecret: boolean): Revoked {
    const result = mapDiskFull(() => this.parts.transact(() => {
      const share = this.admit(grant, "revoke");
      const secret = rotateSecret ? newSecret(this.deps.random) : undefined;
      this.#stmt.revoke.run(secret === undefined ? share.secret_hash : hashSecret(secret), share.id);
      return secret === undefined ? { epoch: share.epoch + 1 } : { epoch: share.epoch + 1, secret };
    }));
    this.deps.probe.emit({ type: "revoked", share: grant.share_id, epoch: result.epoch, secret_rotated: rotateSecret });
    // Subscriptions of the old epoch wake, find their grant stale, and end with stale_epoch.
    this.feed.changed(grant.share_id);
    return result;
  }

  read(grant: Grant, fromCursor: number, limit: number): ReadPage {
    const share = this.admit(grant, "read");
    const max = Math.min(limit, this.deps.limits.read_limit_max);
    const rows = this.#stmt.readLog.all(share.id, fromCursor, max) as { cursor: number; producer_id: string; seq: number; op: string }[];
    return { entries: rows.map((r) => this.#entry(share.id, r)), cursor: this.parts.cursors.get(share.id) };
  }

  /**
   * A committed log row as an entry. Every viewer reads the same rows, often
   * more than once, so recent entries are kept parsed; a row never changes
   * once committed, and only committed rows are read.
   */
  #entry(shareID: string, row: { cursor: number; producer_id: string; seq: number; op: string }): LogEntry {
    const key = `${shareID}/${row.cursor}`;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { cursor: row.cursor, producer_id: row.producer_id, seq: row.seq, op: JSON.parse(row.op) as Op };
      if (this.#entries.size >= ENTRIES_CACHED_MAX) this.#entries.clear();
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** The session and its cursor in one read: a late joiner installs it, then follows from that cursor. */
  snapshot(grant: Grant): Snapshot {
    const { cursor, ...view } = this.viewFor(grant);
    return { cursor, view };
  }

  /** The materialized session for a capability: refused once its epoch is stale, like every capability call. */
  viewFor(grant: Grant): SessionView & { cursor: number } {
    const share = this.admit(grant, "read");
    return this.view(share.id);
  }

  view(shareID: string): SessionView & { cursor: number } {
    const share = this.loadShare(shareID);
    return { cursor: this.parts.cursors.get(share.id), ...this.materializer.view(share.id) };
  }

  deleteShare(shareID: string, secret: string): void {
    mapDiskFull(() => this.parts.transact(() => {
      const share = this.authenticate(shareID, secret);
      this.#stmt.deleteShare.run(share.id);
    }));
    this.feed.changed(shareID);
  }

  /**
   * The seed's bulk upsert: applies items straight to the session with no
   * dedupe, in the order given. A retried request applies twice. Items sent as
   * whole ops keep their seq and op id in the log; bare bodies get seq 0.
   */
  legacySync(shareID: string, secret: string, items: readonly LegacyItem[], producerID = "legacy"): { cursor: number; applied: number } {
    const result = mapDiskFull(() => this.parts.transact(() => {
      const share = this.authenticate(shareID, secret);
      let cursor = this.parts.cursors.get(share.id);
      for (const item of items) {
        cursor += 1;
        const op: Op = "body" in item ? item : { seq: 0, op_id: `legacy-${cursor}`, body: item };
        this.materializer.apply(share.id, op.body);
        this.#stmt.insertLog.run(share.id, cursor, producerID, op.seq, share.epoch, JSON.stringify(op));
      }
      this.parts.cursors.set(share.id, cursor);
      this.deps.crash.reach("server.before_commit");
      return { cursor, applied: items.length };
    }));
    this.feed.changed(shareID);
    return result;
  }

  lastSeq(shareID: string, producerID: string): number {
    return (this.#stmt.lastSeq.get(shareID, producerID) as number | undefined) ?? 0;
  }

  /** The share a grant may act on now: it exists, the grant's epoch is current, and writes need write scope. */
  protected admit(grant: Grant, action: "append" | "revoke" | "read"): ShareRow {
    const share = this.loadShare(grant.share_id);
    this.parts.epochGuard.check(grant.epoch, share.epoch);
    if (action !== "read" && grant.scope !== "write") throw protocolError("read_only", `a read capability cannot ${action}`);
    return share;
  }

  protected loadShare(shareID: string): ShareRow {
    const share = this.#stmt.share.get(shareID) as ShareRow | undefined;
    if (!share) throw protocolError("unknown_share", `no share ${shareID}`);
    return share;
  }

  protected authenticate(shareID: string, secret: string): ShareRow {
    const share = this.loadShare(shareID);
    if (!secretMatches(secret, share.secret_hash)) throw protocolError("bad_secret", `wrong secret for share ${shareID}`);
    return share;
  }
}
