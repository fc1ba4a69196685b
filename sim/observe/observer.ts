import type Database from "better-sqlite3";
import type { CommitRow, Credential, Observed, WireTransport } from "../run-record.ts";
import { emptyObserved } from "../run-record.ts";
import type { CoverageCondition } from "../coverage/conditions.ts";
import { prepared } from "../kernel/statement-cache.ts";
import { jsonValues, mayHold, scanWire } from "./wire-parse.ts";

// The world's own eyes. The checkers judge from what it saw (docs/design.md,
// "Checkers"): what crossed the network, what each client held when it sent
// it, and what each process committed to its SQLite files. The probe events
// of the code under test stay in the history as hints, never as evidence.

/** What each direction looks for in a capnweb payload: one that holds none of these keys is not parsed. */
export const TO_SERVER_KEYS = ['"redeem"', '"op_id"'];
export const FROM_SERVER_KEYS = ['"cursor"'];
export const TO_CLIENT_KEYS = ['"token"', '"rejected"', '"cursor"', '"code"'];

/** What the world reads of a committed op to know which shapes the run reached. */
interface Shape {
  kind: string | null;
  part_id: string | null;
  has_text: number;
  type: string | null;
  finish: string | null;
  body_bytes: number;
  body_chars: number;
}

export interface ObservedWorld {
  now(): number;
  /** The largest op body in bytes (protocol/limits.ts), for the op-at-the-limit condition. */
  bodyBytesMax: number;
  /** A coverage condition reached, as seen on the wire or in SQLite. */
  reached(condition: CoverageCondition, node: string): void;
  /** The live server database, or undefined while the server is down. */
  serverDb(): Database.Database | undefined;
  /** A live client database, or undefined while that client is down. */
  clientDb(node: string): Database.Database | undefined;
  /** The shares in play and, per client node, its share id and that share's secret right now. */
  shareIds(): readonly string[];
  shareOf(node: string): { id: string; secret: string } | undefined;
  /** A live viewer database, or undefined while that viewer is down. */
  viewerDb(node: string): Database.Database | undefined;
  isViewer(node: string): boolean;
}

interface ServerStatements {
  share: Database.Statement;
  log: Database.Statement;
}

export class Observer {
  readonly observed: Observed = emptyObserved();
  readonly #world: ObservedWorld;
  readonly #links = new Map<number, Credential>();
  /** REST: what each client's last /redeem carried, and the credential each token the server handed out stands for. */
  readonly #restRedeem = new Map<string, Omit<Credential, "epoch">>();
  readonly #tokens = new Map<string, Credential>();
  readonly #cursor = new Map<string, number>();
  readonly #logCursor = new Map<string, number>();
  readonly #epoch = new Map<string, number>();
  readonly #touched = new Set<string>();
  readonly #appended = new Set<string>();
  readonly #titled = new Set<string>();
  readonly #lastSample = new Map<string, string>();
  readonly #serverStatements = new WeakMap<Database.Database, ServerStatements>();
  /** The server connection's `total_changes()` when it was last read. */
  readonly #serverChanges = new WeakMap<Database.Database, number>();
  readonly #clientStatements = new WeakMap<Database.Database, Database.Statement>();
  /** The credential of the HTTP request each node has at the server now: its reply is judged by it. */
  readonly #requestCredential = new Map<string, Credential | null>();
  readonly #viewerCursor = new Map<string, number>();
  /** Viewers whose connection a fault cut, or who restarted, and have not applied anything since. */
  readonly #disrupted = new Set<string>();
  readonly #restarted = new Set<string>();
  /** Late joiners: the cursor of the snapshot each was sent. */
  readonly #snapshotAt = new Map<string, number>();

  constructor(world: ObservedWorld) {
    this.#world = world;
  }

  epochOf(share: string): number {
    return this.#epoch.get(share) ?? 0;
  }

  /** A request or frames reached the server. */
  toServer(node: string, transport: WireTransport, payload: string, meta: { path?: string; link?: number; auth?: string } = {}): void {
    // capnweb frames: only a redeem or ops matter here (REST bodies are read whole).
    const values = transport === "rest" || mayHold(payload, TO_SERVER_KEYS) ? jsonValues(payload) : [];
    const found = scanWire(values);
    const share = this.#world.shareOf(node);
    const t = this.#world.now();
    const fresh = (secret: string | null, scope: string | null): Credential => ({
      secret_ok: share ? secret === share.secret : null,
      scope,
      epoch: share ? this.epochOf(share.id) : null,
      since: t,
    });
    let credential: Credential | null = null;
    if (transport === "rest") {
      const body = values[0] as Record<string, unknown> | undefined;
      if (body && typeof body === "object" && meta.path?.endsWith("/redeem")) {
        this.#restRedeem.set(node, { secret_ok: share ? body.secret === share.secret : null, scope: typeof body.scope === "string" ? body.scope : "write", since: t });
      }
      if (body && typeof body === "object" && meta.path?.endsWith("/ops")) {
        // The token stands for what the client held: the redeem it came from, at the epoch that redeem was told.
        credential = typeof body.token === "string" ? (this.#tokens.get(body.token) ?? { secret_ok: false, scope: null, epoch: null, since: t }) : null;
      }
      const bearer = /^Bearer (.+)$/.exec(meta.auth ?? "")?.[1];
      if (bearer !== undefined) {
        // A read presents a token from /redeem, or the share secret (the epoch now).
        credential = this.#tokens.get(bearer) ?? (share && bearer === share.secret ? fresh(bearer, "read") : { secret_ok: false, scope: "read", epoch: null, since: t });
      }
    } else {
      const redeem = found.redeems[0];
      if (redeem) credential = fresh(redeem.secret, redeem.scope);
      if (transport === "websocket" && meta.link !== undefined) {
        if (credential) this.#links.set(meta.link, credential);
        else credential = this.#links.get(meta.link) ?? null;
      }
    }
    const op_ids = found.op_ids;
    if (op_ids.length > 0) this.observed.deliveries.push({ t, node, transport, op_ids, credential });
    if (transport !== "websocket") this.#requestCredential.set(node, credential);
  }

  /**
   * The server sent something toward a node (a reply, or frames it pushed),
   * seen the moment it left the server. Log entries and snapshots sent to a
   * viewer are judged by what that viewer held and the share's epoch now.
   */
  fromServer(node: string, transport: WireTransport, payload: string, meta: { link?: number } = {}): void {
    if (!this.#world.isViewer(node)) return;
    if (!mayHold(payload, FROM_SERVER_KEYS)) return;
    const { entries: cursors, snapshots } = scanWire(jsonValues(payload));
    if (cursors.length === 0 && snapshots.length === 0) return;
    const share = this.#world.shareOf(node);
    if (!share) return;
    const credential = transport === "websocket" ? (meta.link === undefined ? null : (this.#links.get(meta.link) ?? null)) : (this.#requestCredential.get(node) ?? null);
    const snapshot = snapshots[0] ?? null;
    if (snapshot !== null && snapshot > 0) this.#snapshotAt.set(node, snapshot);
    this.observed.served.push({ t: this.#world.now(), node, share: share.id, cursors, snapshot, credential, share_epoch: this.#epochNow(share.id) });
  }

  /** The share's epoch as committed right now, read from the server's SQLite when it can be. */
  #epochNow(share: string): number {
    const db = this.#world.serverDb();
    if (!db || db.inTransaction) return this.epochOf(share);
    const row = prepared(db, `SELECT epoch FROM shares WHERE id = ?`).get(share) as { epoch: number } | undefined;
    return row?.epoch ?? this.epochOf(share);
  }

  /** A fault cut a node's connection or lost one of its requests or replies. */
  disrupted(node: string): void {
    if (this.#world.isViewer(node)) this.#disrupted.add(node);
  }

  /** A viewer restarted over what it committed. */
  restarted(node: string): void {
    this.#restarted.add(node);
    this.#viewerCursor.delete(node);
    this.sampleViewer(node);
  }

  /** Reads a viewer's durable cursor; false when it cannot be read now (mid-transaction). */
  sampleViewer(node: string): boolean {
    const db = this.#world.viewerDb(node);
    if (!db) return true;
    if (db.inTransaction) return false;
    const row = prepared(db, `SELECT cursor FROM viewer_state WHERE id = 1`).get() as { cursor: number } | undefined;
    if (!row) return true;
    const before = this.#viewerCursor.get(node);
    if (before === row.cursor) return true;
    this.#viewerCursor.set(node, row.cursor);
    this.observed.viewer_samples.push({ t: this.#world.now(), node, cursor: row.cursor });
    if (before !== undefined && row.cursor > before) {
      if (this.#disrupted.delete(node)) this.#world.reached("viewer_resumed_after_cut", node);
      if (this.#restarted.delete(node)) this.#world.reached("viewer_resumed_after_crash", node);
      const snapshot = this.#snapshotAt.get(node);
      if (snapshot !== undefined && row.cursor > snapshot) this.#world.reached("late_joiner_caught_up", node);
    }
    return true;
  }

  /** What the committed op shapes reach: a snapshot after appends, a metadata-only update, a finish, a title change, a removal, an op at the byte limit. */
  #shapes(share: string, rows: readonly Shape[]): void {
    const reached = (condition: CoverageCondition) => this.#world.reached(condition, "server");
    for (const row of rows) {
      if (row.kind === "part.append" && row.part_id) this.#appended.add(row.part_id);
      else if (row.kind === "part.upsert" && row.has_text && row.part_id && this.#appended.has(row.part_id)) reached("snapshot_after_appends");
      else if (row.kind === "part.upsert" && !row.has_text && (row.type === "text" || row.type === "reasoning")) reached("metadata_update");
      else if (row.kind === "message.upsert" && row.finish !== null) reached("message_finished");
      else if (row.kind === "message.remove" || row.kind === "part.remove") reached("removal");
      else if (row.kind === "session.upsert" && this.#titled.has(share)) reached("title_change");
      if (row.kind === "session.upsert") this.#titled.add(share);
      if (row.body_bytes >= this.#world.bodyBytesMax - 16 && row.body_bytes > row.body_chars) reached("op_at_byte_limit");
    }
  }

  /** A reply or frames reached a client. */
  toClient(node: string, payload: string): void {
    const values = mayHold(payload, TO_CLIENT_KEYS) ? jsonValues(payload) : [];
    const t = this.#world.now();
    const redeemed = this.#restRedeem.get(node);
    const reply = values[0] as Record<string, unknown> | undefined;
    if (redeemed && reply && typeof reply === "object" && typeof reply.token === "string" && typeof reply.epoch === "number") {
      this.#tokens.set(reply.token, { ...redeemed, epoch: reply.epoch });
    }
    const found = scanWire(values);
    if (found.rejected) this.#world.reached("gap_rejected", node);
    for (const c of found.cursors) this.observed.told.push({ t, node, ...c });
    const codes = found.codes;
    if (this.#world.isViewer(node) && codes.includes("stale_epoch")) this.#world.reached("viewer_ended_by_revoke", node);
    if (codes.length > 0) {
      const known = (this.observed.errors_told[node] ??= []);
      for (const code of codes) if (!known.includes(code)) known.push(code);
    }
    this.#touched.add(node);
  }

  /** After each event: read what the server committed and what the clients that heard something now hold. */
  /**
   * The server just died. What it committed in this very event must be on
   * record: a reply it already wrote still reaches its client after the crash,
   * and the cursor that reply tells was committed. Called once the dead
   * process's open transaction (if any) has rolled back; `read` reads what its disk kept.
   */
  serverDied(t: number, read: (fn: (db: Database.Database) => void) => void): void {
    read((db) => this.#watchServer(t, db));
  }

  afterEvent(): void {
    const t = this.#world.now();
    const db = this.#world.serverDb();
    // An open transaction holds what is not committed yet: look again after the next event.
    if (db && !db.inTransaction) this.#watchServer(t, db);
    for (const node of this.#touched) if ((this.#world.isViewer(node) ? this.sampleViewer(node) : this.sampleClient(node))) this.#touched.delete(node);
  }

  /** Reads a client's committed sync state; false when it cannot be read now (down, or mid-transaction). */
  sampleClient(node: string): boolean {
    const db = this.#world.clientDb(node);
    if (!db) return true;
    if (db.inTransaction) return false;
    let read = this.#clientStatements.get(db);
    if (!read) this.#clientStatements.set(db, (read = db.prepare(`SELECT acked_seq, cursor FROM sync_state WHERE id = 1`)));
    const row = read.get() as { acked_seq: number; cursor: number } | undefined;
    if (!row) return true;
    const key = `${row.acked_seq}/${row.cursor}`;
    if (this.#lastSample.get(node) === key) return true;
    this.#lastSample.set(node, key);
    this.observed.samples.push({ t: this.#world.now(), node, acked_seq: row.acked_seq, cursor: row.cursor });
    return true;
  }

  #watchServer(t: number, db: Database.Database): void {
    // Most events commit nothing on the server: one cheap count tells, before reading every share.
    const changes = prepared(db, `SELECT total_changes()`).pluck().get() as number;
    if (this.#serverChanges.get(db) === changes) return;
    this.#serverChanges.set(db, changes);
    let s = this.#serverStatements.get(db);
    if (!s) {
      s = {
        share: db.prepare(`SELECT cursor, epoch FROM shares WHERE id = ?`),
        log: db.prepare(
          `SELECT cursor, producer_id, seq, epoch, json_extract(op, '$.op_id') AS op_id, json_extract(op, '$.body.kind') AS kind,
             json_extract(op, '$.body.part_id') AS part_id, json_type(op, '$.body.text') IS NOT NULL AS has_text,
             json_extract(op, '$.body.type') AS type, json_extract(op, '$.body.finish') AS finish,
             length(CAST(json_extract(op, '$.body') AS BLOB)) AS body_bytes, length(json_extract(op, '$.body')) AS body_chars
           FROM share_log WHERE share_id = ? AND cursor > ? ORDER BY cursor`,
        ),
      };
      this.#serverStatements.set(db, s);
    }
    for (const share of this.#world.shareIds()) {
      const row = s.share.get(share) as { cursor: number; epoch: number } | undefined;
      if (!row) continue;
      const read = s.log.all(share, this.#logCursor.get(share) ?? 0) as (CommitRow & Shape)[];
      const rows: CommitRow[] = read.map(({ cursor, producer_id, seq, epoch, op_id }) => ({ cursor, producer_id, seq, epoch, op_id }));
      this.#shapes(share, read);
      const before = this.#cursor.get(share) ?? 0;
      if (rows.length > 0 || row.cursor !== before) {
        this.observed.commits.push({ t, share, cursor_before: before, cursor_after: row.cursor, rows, epoch: row.epoch });
        this.#cursor.set(share, row.cursor);
        if (rows.length > 0) this.#logCursor.set(share, rows[rows.length - 1]!.cursor);
      }
      if (row.epoch !== (this.#epoch.get(share) ?? 0)) {
        this.#epoch.set(share, row.epoch);
        this.observed.epochs.push({ t, share, epoch: row.epoch });
      }
    }
  }
}
