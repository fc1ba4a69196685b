import type Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Op, OpBody } from "../../protocol/ops.ts";
import type { Ack, ShareState } from "../../protocol/rpc.ts";
import type { SessionView } from "../../protocol/session-view.ts";
import { createShareServer, openServerDb, type ShareServer } from "../share-server.ts";
import { counterClock, seededRandom, counterIds } from "../../protocol/fake-ports.ts";

// The REST baseline, through Hono's in-process `app.request`: the same ack
// semantics as appendOps, plus the legacy non-idempotent /sync route.

const op = (seq: number, body: OpBody): Op => ({ seq, op_id: `op-${seq}`, body });
const appendText = (seq: number, text: string): Op => op(seq, { kind: "part.append", part_id: "p1", message_id: "m1", text });

interface Reply<T> {
  status: number;
  body: T;
}

type ErrorBody = { error: { code: string; message: string } };

describe("REST routes", () => {
  let db: Database.Database;
  let server: ShareServer;
  let share: { id: string; secret: string; url: string; token: string };

  /** A write token bound to `producer` at the share's epoch now. */
  async function writeToken(producer = "prd-a"): Promise<string> {
    const redeemed = await call<ShareState & { token: string }>("POST", `/api/share/${share.id}/redeem`, { secret: share.secret, producer_id: producer });
    expect(redeemed.status).toBe(200);
    return redeemed.body.token;
  }

  async function call<T>(method: string, path: string, body?: unknown, raw?: string): Promise<Reply<T>> {
    const init: RequestInit = { method, headers: { "content-type": "application/json" } };
    if (raw !== undefined) init.body = raw;
    else if (body !== undefined) init.body = JSON.stringify(body);
    const response = await server.app.request(path, init);
    const text = await response.text();
    return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T };
  }

  function snapshot(): unknown {
    return {
      shares: db.prepare(`SELECT id, secret_hash, epoch, cursor FROM shares ORDER BY id`).all(),
      producers: db.prepare(`SELECT * FROM producers ORDER BY share_id, producer_id`).all(),
      log: db.prepare(`SELECT * FROM share_log ORDER BY share_id, cursor`).all(),
      view: server.store.view(share.id),
    };
  }

  beforeEach(async () => {
    db = openServerDb();
    server = createShareServer({ db, clock: counterClock(), random: seededRandom(3), ids: counterIds(), publicUrl: "http://share.test" });
    const created = await call<{ id: string; secret: string; url: string }>("POST", "/api/share", { session_id: "sess-1" });
    expect(created.status).toBe(201);
    share = { ...created.body, token: "" };
    share.token = await writeToken();
  });
  afterEach(() => db.close());

  it("POST /api/share creates a share with an id, a secret and a url", async () => {
    expect(share.id).toMatch(/^shr_/);
    expect(share.secret).toMatch(/^[0-9a-f]{32}$/);
    expect(share.url).toBe(`http://share.test/share/${share.id}`);
    const stored = db.prepare(`SELECT session_id, epoch, cursor, secret_hash FROM shares WHERE id = ?`).get(share.id) as Record<string, unknown>;
    expect(stored).toMatchObject({ session_id: "sess-1", epoch: 0, cursor: 0 });
    expect(stored.secret_hash).not.toBe(share.secret);
  });

  it("redeem returns cursor, epoch and the producer's last_seq", async () => {
    const fresh = await call<ShareState>("POST", `/api/share/${share.id}/redeem`, { secret: share.secret, producer_id: "prd-a" });
    expect(fresh).toEqual({ status: 200, body: { cursor: 0, epoch: 0, last_seq: 0, token: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    await call<Ack>("POST", `/api/share/${share.id}/ops`, { token: share.token, ops: [appendText(1, "a"), appendText(2, "b")] });
    const after = await call<ShareState>("POST", `/api/share/${share.id}/redeem`, { secret: share.secret, producer_id: "prd-a" });
    expect(after.body).toMatchObject({ cursor: 2, epoch: 0, last_seq: 2 });
    const other = await call<ShareState>("POST", `/api/share/${share.id}/redeem`, { secret: share.secret, producer_id: "prd-b" });
    expect(other.body).toMatchObject({ cursor: 2, epoch: 0, last_seq: 0 });
    // A reader gets the state and a read token, which /ops refuses as read_only.
    const reader = await call<ShareState & { token: string }>("POST", `/api/share/${share.id}/redeem`, { secret: share.secret, scope: "read" });
    expect(reader.body).toEqual({ cursor: 2, epoch: 0, last_seq: 0, token: expect.stringMatching(/^[0-9a-f]{32}$/) });
    const before = snapshot();
    const refused = await call<ErrorBody>("POST", `/api/share/${share.id}/ops`, { token: reader.body.token, ops: [appendText(3, "c")] });
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "read_only" } } });
    expect(snapshot()).toEqual(before);
  });

  describe("GET /log and /snapshot (viewers)", () => {
    async function get<T>(path: string, credential?: string): Promise<Reply<T>> {
      const response = await server.app.request(path, credential === undefined ? {} : { headers: { authorization: `Bearer ${credential}` } });
      return { status: response.status, body: JSON.parse(await response.text()) as T };
    }

    async function readToken(): Promise<string> {
      return (await call<{ token: string }>("POST", `/api/share/${share.id}/redeem`, { secret: share.secret, scope: "read" })).body.token;
    }

    beforeEach(async () => {
      await call<Ack>("POST", `/api/share/${share.id}/ops`, { token: share.token, ops: [1, 2, 3, 4, 5].map((n) => appendText(n, String(n))) });
    });

    it("pages the log after `from`, up to `limit`, with a read token or the share secret, the same page as read()", async () => {
      const token = await readToken();
      const page = await get<{ entries: { cursor: number; seq: number }[]; cursor: number }>(`/api/share/${share.id}/log?from=1&limit=2`, token);
      expect(page.status).toBe(200);
      expect(page.body.cursor).toBe(5);
      expect(page.body.entries.map((e) => e.cursor)).toEqual([2, 3]);
      const bySecret = await get(`/api/share/${share.id}/log?from=1&limit=2`, share.secret);
      expect(bySecret.body).toEqual(page.body);
      expect(bySecret.body).toEqual(server.store.read({ share_id: share.id, epoch: 0, scope: "read" }, 1, 2));
      const tail = await get<{ entries: unknown[] }>(`/api/share/${share.id}/log?from=5`, token);
      expect(tail.body.entries).toEqual([]);
    });

    it("serves a snapshot: the session and the cursor it stands at, in one read", async () => {
      const snap = await get<{ cursor: number; view: SessionView }>(`/api/share/${share.id}/snapshot`, await readToken());
      expect(snap.status).toBe(200);
      expect(snap.body.cursor).toBe(5);
      expect(snap.body.view.parts[0]?.text).toBe("12345");
    });

    it("refuses a missing or wrong credential, another share's token, and a token of a revoked epoch, each with a code", async () => {
      const token = await readToken();
      expect(await get<ErrorBody>(`/api/share/${share.id}/log`)).toMatchObject({ status: 401, body: { error: { code: "bad_secret" } } });
      expect(await get<ErrorBody>(`/api/share/${share.id}/log`, "nope")).toMatchObject({ status: 401, body: { error: { code: "bad_secret" } } });
      const other = (await call<{ id: string }>("POST", "/api/share", { session_id: "sess-2" })).body;
      expect(await get<ErrorBody>(`/api/share/${other.id}/log`, token)).toMatchObject({ status: 401, body: { error: { code: "bad_secret" } } });
      server.store.revoke({ share_id: share.id, epoch: 0, scope: "write" }, false);
      expect(await get<ErrorBody>(`/api/share/${share.id}/log`, token)).toMatchObject({ status: 409, body: { error: { code: "stale_epoch" } } });
      expect((await get(`/api/share/${share.id}/log`, await readToken())).status).toBe(200);
    });

    it("refuses a bad from or limit with invalid_request", async () => {
      const token = await readToken();
      for (const query of ["from=-1", "from=x", "limit=1.5", "limit=-3"]) {
        expect(await get<ErrorBody>(`/api/share/${share.id}/log?${query}`, token)).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
      }
    });
  });

  it("POST ops has appendOps semantics: applies once, reports duplicates, rejects gaps", async () => {
    const request = { token: share.token, ops: [appendText(1, "hello "), appendText(2, "world")] };
    const first = await call<Ack>("POST", `/api/share/${share.id}/ops`, request);
    expect(first).toEqual({ status: 200, body: { cursor: 2, last_seq: 2, applied: 2, duplicates: 0, rejected: 0 } });
    const before = snapshot();

    const again = await call<Ack>("POST", `/api/share/${share.id}/ops`, request);
    expect(again).toEqual({ status: 200, body: { cursor: 2, last_seq: 2, applied: 0, duplicates: 2, rejected: 0 } });
    expect(snapshot()).toEqual(before);

    const gap = await call<Ack>("POST", `/api/share/${share.id}/ops`, { ...request, ops: [appendText(4, "!")] });
    expect(gap.body).toEqual({ cursor: 2, last_seq: 2, applied: 0, duplicates: 0, rejected: 1 });
    expect(snapshot()).toEqual(before);

    const view = await call<SessionView & { cursor: number }>("GET", `/api/share/${share.id}`);
    expect(view.status).toBe(200);
    expect(view.body.cursor).toBe(2);
    expect(view.body.parts).toEqual([{ part_id: "p1", message_id: "m1", type: "text", text: "hello world", state: null }]);
  });

  it("POST ops refuses a token from before a revoke, and a token nobody issued", async () => {
    const grant = { share_id: share.id, epoch: 0, scope: "write" as const };
    server.store.revoke(grant, false);
    const before = snapshot();
    const stale = await call<ErrorBody>("POST", `/api/share/${share.id}/ops`, { token: share.token, ops: [appendText(1, "x")] });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("stale_epoch");
    const wrong = await call<ErrorBody>("POST", `/api/share/${share.id}/ops`, { token: "not-a-token", ops: [appendText(1, "x")] });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe("bad_secret");
    expect(snapshot()).toEqual(before);
    const current = await call<Ack>("POST", `/api/share/${share.id}/ops`, { token: await writeToken(), ops: [appendText(1, "x")] });
    expect(current.body.applied).toBe(1);
  });

  it("a token is bound to the producer named at /redeem: a body naming another producer is refused and changes nothing", async () => {
    const before = snapshot();
    const other = await call<ErrorBody>("POST", `/api/share/${share.id}/ops`, { token: share.token, producer_id: "prd-b", ops: [appendText(1, "x")] });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe("wrong_producer");
    expect(snapshot()).toEqual(before);
    const same = await call<Ack>("POST", `/api/share/${share.id}/ops`, { token: share.token, producer_id: "prd-a", ops: [appendText(1, "x")] });
    expect(same.body.applied).toBe(1);
    expect(db.prepare(`SELECT producer_id FROM producers`).pluck().all()).toEqual(["prd-a"]);
    // A write redeem must name its producer.
    const unnamed = await call<ErrorBody>("POST", `/api/share/${share.id}/redeem`, { secret: share.secret });
    expect([unnamed.status, unnamed.body.error.code]).toEqual([400, "invalid_request"]);
  });

  it("GET /api/share/:id returns the materialized session with its cursor", async () => {
    const empty = await call<SessionView & { cursor: number }>("GET", `/api/share/${share.id}`);
    expect(empty).toEqual({ status: 200, body: { cursor: 0, session: null, messages: [], parts: [], diffs: [], models: [] } });
    await call<Ack>("POST", `/api/share/${share.id}/ops`, {
      token: share.token,
      ops: [
        op(1, { kind: "session.upsert", title: "T", directory: "/w" }),
        op(2, { kind: "message.upsert", message_id: "m1", role: "user" }),
        op(3, { kind: "model.upsert", model_id: "md", provider: "pv", name: "nm" }),
        op(4, { kind: "diff.replace", path: "a.ts", additions: 1, deletions: 2, patch: "@@" }),
        op(5, { kind: "part.upsert", part_id: "p9", message_id: "m1", type: "tool", state: { tool: "bash", status: "running" } }),
      ],
    });
    const full = await call<SessionView & { cursor: number }>("GET", `/api/share/${share.id}`);
    expect(full.body).toEqual({
      cursor: 5,
      session: { title: "T", directory: "/w" },
      messages: [{ message_id: "m1", role: "user", model_id: null, finish: null }],
      parts: [{ part_id: "p9", message_id: "m1", type: "tool", text: "", state: { tool: "bash", status: "running" } }],
      diffs: [{ path: "a.ts", additions: 1, deletions: 2, patch: "@@" }],
      models: [{ model_id: "md", provider: "pv", name: "nm" }],
    });
  });

  it("DELETE /api/share/:id deletes the share and everything in it, only with its secret", async () => {
    await call<Ack>("POST", `/api/share/${share.id}/ops`, { token: share.token, ops: [appendText(1, "x")] });
    const before = snapshot();
    const refused = await call<ErrorBody>("DELETE", `/api/share/${share.id}`, { secret: "wrong" });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("bad_secret");
    expect(snapshot()).toEqual(before);

    const deleted = await call<null>("DELETE", `/api/share/${share.id}`, { secret: share.secret });
    expect(deleted.status).toBe(204);
    const gone = await call<ErrorBody>("GET", `/api/share/${share.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe("unknown_share");
    for (const table of ["shares", "producers", "share_log", "parts"]) {
      expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get()).toBe(0);
    }
  });

  it("the legacy POST /sync is NOT idempotent: the same append sent twice doubles the text", async () => {
    const request = { secret: share.secret, data: [{ kind: "part.append", part_id: "p1", message_id: "m1", text: "chunk " }] };
    const first = await call<{ cursor: number; applied: number }>("POST", `/api/share/${share.id}/sync`, request);
    expect(first).toEqual({ status: 200, body: { cursor: 1, applied: 1 } });
    const retried = await call<{ cursor: number; applied: number }>("POST", `/api/share/${share.id}/sync`, request);
    expect(retried).toEqual({ status: 200, body: { cursor: 2, applied: 1 } });
    expect(server.store.view(share.id).parts[0]?.text).toBe("chunk chunk ");

    const wrong = await call<ErrorBody>("POST", `/api/share/${share.id}/sync`, { ...request, secret: "wrong" });
    expect(wrong.status).toBe(401);
    const bad = await call<ErrorBody>("POST", `/api/share/${share.id}/sync`, { secret: share.secret, data: [{ kind: "nope" }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_op");
    expect(server.store.view(share.id).cursor).toBe(2);
  });

  const refusals: { name: string; method: string; path: (id: string) => string; body?: (s: { id: string; secret: string; token: string }) => unknown; raw?: string; status: number; code: string }[] = [
    { name: "bad JSON", method: "POST", path: (id) => `/api/share/${id}/ops`, raw: "{not json", status: 400, code: "invalid_request" },
    { name: "a JSON array as body", method: "POST", path: (id) => `/api/share/${id}/ops`, raw: "[]", status: 400, code: "invalid_request" },
    { name: "unknown route", method: "GET", path: () => `/api/nothing-here`, status: 404, code: "invalid_request" },
    { name: "unknown share on ops", method: "POST", path: () => `/api/share/shr_nope/ops`, body: (s) => ({ token: s.token, ops: [appendText(1, "x")] }), status: 404, code: "unknown_share" },
    { name: "unknown share on redeem", method: "POST", path: () => `/api/share/shr_nope/redeem`, body: (s) => ({ secret: s.secret, producer_id: "prd-a" }), status: 404, code: "unknown_share" },
    { name: "bad secret on redeem", method: "POST", path: (id) => `/api/share/${id}/redeem`, body: () => ({ secret: "wrong", producer_id: "prd-a" }), status: 401, code: "bad_secret" },
    { name: "bad scope on redeem", method: "POST", path: (id) => `/api/share/${id}/redeem`, body: (s) => ({ secret: s.secret, scope: "admin" }), status: 400, code: "invalid_request" },
    { name: "malformed op", method: "POST", path: (id) => `/api/share/${id}/ops`, body: (s) => ({ token: s.token, ops: [appendText(2, "x"), { seq: 3, op_id: "o", body: { kind: "bad" } }] }), status: 400, code: "invalid_op" },
    { name: "non-array ops", method: "POST", path: (id) => `/api/share/${id}/ops`, body: (s) => ({ token: s.token, ops: "x" }), status: 400, code: "invalid_request" },
    { name: "bad producer id", method: "POST", path: (id) => `/api/share/${id}/ops`, body: (s) => ({ token: s.token, producer_id: "a b", ops: [appendText(1, "x")] }), status: 400, code: "invalid_request" },
    { name: "another producer than the token's", method: "POST", path: (id) => `/api/share/${id}/ops`, body: (s) => ({ token: s.token, producer_id: "prd-b", ops: [appendText(2, "x")] }), status: 403, code: "wrong_producer" },
    { name: "the old secret-and-epoch body", method: "POST", path: (id) => `/api/share/${id}/ops`, body: (s) => ({ secret: s.secret, epoch: 0, producer_id: "prd-a", ops: [appendText(2, "x")] }), status: 400, code: "invalid_request" },
    { name: "missing token", method: "POST", path: (id) => `/api/share/${id}/ops`, body: () => ({ ops: [appendText(1, "x")] }), status: 400, code: "invalid_request" },
    { name: "too many ops", method: "POST", path: (id) => `/api/share/${id}/ops`, body: (s) => ({ token: s.token, ops: Array.from({ length: 501 }, (_, i) => appendText(i + 1, "x")) }), status: 413, code: "too_large" },
    { name: "an op over op_bytes_max", method: "POST", path: (id) => `/api/share/${id}/ops`, body: (s) => ({ token: s.token, ops: [{ ...appendText(1, "x"), pad: "y".repeat(17_000) }] }), status: 413, code: "too_large" },
    { name: "bad share id in path", method: "GET", path: () => `/api/share/a%20b`, status: 400, code: "invalid_request" },
  ];

  it.each(refusals)("$name -> $status $code, no state change", async ({ method, path, body, raw, status, code }) => {
    await call<Ack>("POST", `/api/share/${share.id}/ops`, { token: share.token, ops: [appendText(1, "base")] });
    const before = snapshot();
    const reply = await call<ErrorBody>(method, path(share.id), body?.(share), raw);
    expect(reply.status).toBe(status);
    expect(reply.body.error.code).toBe(code);
    expect(typeof reply.body.error.message).toBe("string");
    expect(snapshot()).toEqual(before);
  });
});
