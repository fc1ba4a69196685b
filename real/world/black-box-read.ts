import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { extname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { openViewerDb } from "../../client-under-test/viewer/view-store.ts";
import { Materializer } from "../../protocol/materialize.ts";
import type { LogEntry } from "../../protocol/rpc.ts";
import { emptySessionView, type SessionView } from "../../protocol/session-view.ts";
import type { FinalShare, LogRow, ShareInfo } from "../../sim/run-record.ts";
import { httpRequest } from "../processes/command-server.ts";

// The final state of a server run as a black box (`--server-cmd`), read the
// way anyone may read it: for each share, its log paged from cursor 0
// (`GET /api/share/:id/log`) and its session (`GET /api/share/:id/snapshot`),
// with the share's secret as the bearer credential, as the routes require.
// `--db-reader MODULE` replaces that with the team's own reader of its files.

/** One share as the protocol shows it: its log entries in cursor order and its materialized session. */
export interface ReadShare {
  id: string;
  entries: LogEntry[];
  view: SessionView;
  /** The share's epoch, when what was read carries one (otherwise 0). */
  epoch?: number;
}

/** What `--db-reader MODULE` exports: the shares in the server's database file (a copy of it), in the same shape. */
export type ReadShares = (dbPath: string, shareIds: readonly string[]) => ReadShare[] | Promise<ReadShare[]>;

export class BlackBoxReadError extends Error {
  readonly code = "black_box_read";
}

/** Bound on pages per share: 1,000 entries a page, a million entries at most. */
const PAGES_MAX = 1_000;
const PAGE_LIMIT = 1_000;

async function getJson(url: string, path: string, secret: string): Promise<Record<string, unknown>> {
  let answer: { status: number; body: string };
  try {
    answer = await httpRequest(`${url}${path}`, "GET", { headers: { authorization: `Bearer ${secret}` } });
  } catch (error) {
    throw new BlackBoxReadError(`GET ${path}: ${String((error as Error)?.message ?? error)}`);
  }
  if (answer.status !== 200) throw new BlackBoxReadError(`GET ${path} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  try {
    const json = JSON.parse(answer.body) as unknown;
    if (json && typeof json === "object" && !Array.isArray(json)) return json as Record<string, unknown>;
  } catch {
    // Reported below.
  }
  throw new BlackBoxReadError(`GET ${path} answered no JSON object: ${answer.body.slice(0, 300)}`);
}

function asEntry(x: unknown, path: string): LogEntry {
  const e = x as Partial<LogEntry> | null;
  if (!e || typeof e !== "object" || typeof e.cursor !== "number" || typeof e.producer_id !== "string" || typeof e.seq !== "number" || !e.op || typeof e.op !== "object" || typeof e.op.op_id !== "string") {
    throw new BlackBoxReadError(`GET ${path}: an entry is not {cursor, producer_id, seq, op: {seq, op_id, body}}: ${JSON.stringify(x)?.slice(0, 300)}`);
  }
  return e as LogEntry;
}

/** A session view as sent, with every section there (a missing one is empty: convergence then says what differs). */
function asView(x: unknown): SessionView {
  const v = (x && typeof x === "object" ? x : {}) as Partial<SessionView>;
  const list = <T>(a: T[] | undefined): T[] => (Array.isArray(a) ? a : []);
  return { ...emptySessionView(), session: v.session ?? null, messages: list(v.messages), parts: list(v.parts), diffs: list(v.diffs), models: list(v.models) };
}

/** Every share's log (paged from cursor 0, bounded) and snapshot, over the protocol, straight from the server (no proxy). */
export async function readSharesOverHttp(url: string, shares: readonly ShareInfo[]): Promise<ReadShare[]> {
  const read: ReadShare[] = [];
  for (const share of shares.filter(Boolean)) {
    const id = encodeURIComponent(share.id);
    const entries: LogEntry[] = [];
    let from = 0;
    let epoch: number | undefined;
    for (let page = 0; ; page++) {
      if (page >= PAGES_MAX) throw new BlackBoxReadError(`GET /api/share/${share.id}/log: still more after ${PAGES_MAX} pages`);
      const path = `/api/share/${id}/log?from=${from}&limit=${PAGE_LIMIT}`;
      const json = await getJson(url, path, share.secret);
      if (!Array.isArray(json.entries)) throw new BlackBoxReadError(`GET ${path}: no entries array in ${JSON.stringify(json).slice(0, 300)}`);
      if (typeof json.epoch === "number") epoch = json.epoch;
      const got = json.entries.map((e) => asEntry(e, path));
      if (got.length === 0) break;
      const last = got[got.length - 1]!.cursor;
      // A page that does not move forward would be read forever.
      if (last <= from) throw new BlackBoxReadError(`GET ${path}: the page ends at cursor ${last}, not after ${from}`);
      entries.push(...got);
      from = last;
    }
    const snapshot = await getJson(url, `/api/share/${id}/snapshot`, share.secret);
    if (typeof snapshot.epoch === "number") epoch = snapshot.epoch;
    read.push({ id: share.id, entries, view: asView(snapshot.view), ...(epoch !== undefined ? { epoch } : {}) });
  }
  return read;
}

/** Loads `--db-reader MODULE` (TypeScript through tsx, no build step) and checks it exports `readShares`. */
export async function loadDbReader(path: string): Promise<ReadShares> {
  const file = isAbsolute(path) ? path : resolve(process.cwd(), path);
  if (!existsSync(file)) throw new BlackBoxReadError(`--db-reader ${path}: no such file`);
  let exported: Record<string, unknown>;
  try {
    const ext = extname(file);
    if (ext === ".ts" || ext === ".mts") {
      const { tsImport } = await import("tsx/esm/api");
      exported = (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    } else exported = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new BlackBoxReadError(`--db-reader ${path} did not load: ${String((error as Error)?.message ?? error)}`);
  }
  const fn = exported.readShares ?? (exported.default as Record<string, unknown> | undefined)?.readShares;
  if (typeof fn !== "function") throw new BlackBoxReadError(`--db-reader ${path} exports no readShares(dbPath) (it exports: ${Object.keys(exported).join(", ") || "nothing"})`);
  return fn as ReadShares;
}

/** Runs a db reader on a copy of the server's files (the database and its -wal), as the reference's files are read. */
export async function readSharesWith(reader: ReadShares, dir: string, dbPath: string, shares: readonly ShareInfo[]): Promise<ReadShare[]> {
  const copies = join(dir, "copies");
  mkdirSync(copies, { recursive: true });
  const copy = join(copies, `${dbPath.split("/").pop()}-${Math.random().toString(36).slice(2)}`);
  for (const suffix of ["", "-wal"]) if (existsSync(dbPath + suffix)) copyFileSync(dbPath + suffix, copy + suffix);
  let read: ReadShare[];
  try {
    read = await reader(copy, shares.filter(Boolean).map((s) => s.id));
  } catch (error) {
    throw new BlackBoxReadError(`--db-reader readShares(${copy}) threw: ${String((error as Error)?.message ?? error)}`);
  }
  if (!Array.isArray(read)) throw new BlackBoxReadError(`--db-reader readShares returned ${typeof read}, not an array of {id, entries, view}`);
  return read.map((r) => ({ ...r, entries: (Array.isArray(r.entries) ? r.entries : []).map((e) => asEntry(e, "--db-reader")), view: asView(r.view) }));
}

/** The session after the log's entries up to `cursor`, applied to an empty database (as sim/world/final-state.ts serverViewFrom). */
export function viewFromEntries(shareID: string, entries: readonly LogEntry[], cursor: number): SessionView {
  const scratch = openViewerDb();
  try {
    const materializer = new Materializer(scratch);
    for (const entry of entries) {
      if (entry.cursor > cursor) break;
      try {
        materializer.apply(shareID, entry.op.body);
      } catch {
        // A body the reference cannot apply: the view is judged without it, and convergence says what differs.
      }
    }
    return materializer.view(shareID);
  } finally {
    scratch.close();
  }
}

/** What the checkers get of the server when it is a black box: each share's final state, and its session at any cursor. */
export interface ServerEvidence {
  shares: FinalShare[];
  viewAt(shareID: string, cursor: number): SessionView;
}

export function evidenceOf(shares: readonly ShareInfo[], read: readonly ReadShare[]): ServerEvidence {
  const byId = new Map(read.map((r) => [r.id, r]));
  const finals: FinalShare[] = shares.filter(Boolean).map((share) => {
    const r = byId.get(share.id) ?? { id: share.id, entries: [], view: emptySessionView() };
    const log: LogRow[] = r.entries.map((e) => ({ cursor: e.cursor, producer_id: e.producer_id, seq: e.seq, epoch: typeof (e as { epoch?: unknown }).epoch === "number" ? (e as unknown as { epoch: number }).epoch : 0, op_id: e.op.op_id }));
    const lastSeq = new Map<string, number>();
    for (const row of log) lastSeq.set(row.producer_id, Math.max(lastSeq.get(row.producer_id) ?? 0, row.seq));
    const producers = [...lastSeq].map(([producer_id, last_seq]) => ({ producer_id, last_seq })).sort((a, b) => (a.producer_id < b.producer_id ? -1 : a.producer_id > b.producer_id ? 1 : 0));
    return { index: share.index, id: share.id, cursor: log.length, epoch: r.epoch ?? 0, log, producers, view: r.view };
  });
  const views = new Map<string, SessionView>();
  return {
    shares: finals,
    viewAt(shareID, cursor) {
      const key = `${shareID}@${cursor}`;
      let view = views.get(key);
      if (!view) views.set(key, (view = viewFromEntries(shareID, byId.get(shareID)?.entries ?? [], cursor)));
      return view;
    },
  };
}
