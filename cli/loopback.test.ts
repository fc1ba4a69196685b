import type Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRemoteShare } from "../client-under-test/create-share.ts";
import { openOutboxDb } from "../client-under-test/outbox/outbox.ts";
import type { ClientSettings } from "../client-under-test/settings.ts";
import { ShareClient } from "../client-under-test/share-client.ts";
import { realTransport } from "../client-under-test/transports/by-name.ts";
import { TRANSPORT_NAMES, type TransportName } from "../client-under-test/transports/transport.ts";
import type { OpBody } from "../protocol/ops.ts";
import type { CrashPoints, ProbeEvent } from "../protocol/ports.ts";
import type { SessionView } from "../protocol/session-view.ts";
import { listen, type RunningServer } from "../server-under-test/node-server.ts";
import { createShareServer, openServerDb, type ShareServer } from "../server-under-test/share-server.ts";
import { agentSession } from "../sim/workload/agent-session.ts";
import { realClock, realIds, realRandom } from "../real/adapters.ts";
import { seededRandom } from "../protocol/fake-ports.ts";

// The real server on an ephemeral port and the real client over real sockets,
// for each transport: a full sync, a server killed and restarted mid-sync over
// the same database file, and a client killed and restarted over the same
// outbox file. Every run must end with every op applied exactly once and the
// materialized session equal to a reference built from what was enqueued.

const OPS = 2_000;
const BATCH = 100;
const SETTINGS: Partial<ClientSettings> = { batch_size: BATCH, calls_in_flight: 2, deadline_ms: 5_000, backoff_base_ms: 20, backoff_max_ms: 200 };
const TEST_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------- workload and reference

function workload(seed: number): OpBody[] {
  const bodies = [...agentSession(seededRandom(seed), { tag: "lb", ops: OPS })].map((step) => step.body);
  expect(bodies).toHaveLength(OPS);
  return bodies;
}

const byKey = <T>(key: (item: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * What the session must look like after each body applied once, in order.
 * Written from the protocol's rules, independently of the server's SQL:
 * upserts replace, part.append concatenates, absent optional fields keep the old value,
 * a removal deletes what it names (a message with its parts).
 */
function referenceView(bodies: readonly OpBody[]): SessionView {
  let session = null as SessionView["session"];
  const messages = new Map<string, SessionView["messages"][number]>();
  const parts = new Map<string, SessionView["parts"][number]>();
  const diffs = new Map<string, SessionView["diffs"][number]>();
  const models = new Map<string, SessionView["models"][number]>();
  for (const b of bodies) {
    switch (b.kind) {
      case "session.upsert":
        session = { title: b.title, directory: b.directory ?? session?.directory ?? null };
        break;
      case "message.upsert":
        messages.set(b.message_id, {
          message_id: b.message_id,
          role: b.role,
          model_id: b.model_id ?? messages.get(b.message_id)?.model_id ?? null,
          finish: b.finish ?? messages.get(b.message_id)?.finish ?? null,
        });
        break;
      case "message.remove":
        messages.delete(b.message_id);
        for (const [id, p] of parts) if (p.message_id === b.message_id) parts.delete(id);
        break;
      case "part.remove":
        parts.delete(b.part_id);
        break;
      case "part.upsert": {
        const old = parts.get(b.part_id);
        parts.set(b.part_id, {
          part_id: b.part_id,
          message_id: b.message_id,
          type: b.type,
          text: b.text ?? old?.text ?? "",
          state: b.state !== undefined ? b.state : (old?.state ?? null),
        });
        break;
      }
      case "part.append": {
        const old = parts.get(b.part_id);
        parts.set(b.part_id, old ? { ...old, text: old.text + b.text } : { part_id: b.part_id, message_id: b.message_id, type: "text", text: b.text, state: null });
        break;
      }
      case "diff.replace":
        diffs.set(b.path, { path: b.path, additions: b.additions, deletions: b.deletions, patch: b.patch });
        break;
      case "model.upsert":
        models.set(b.model_id, { model_id: b.model_id, provider: b.provider, name: b.name });
        break;
    }
  }
  return {
    session,
    messages: [...messages.values()].sort(byKey((m) => m.message_id)),
    parts: [...parts.values()].sort(byKey((p) => p.part_id)),
    diffs: [...diffs.values()].sort(byKey((d) => d.path)),
    models: [...models.values()].sort(byKey((m) => m.model_id)),
  };
}

/** JSON with object keys sorted at every level, so equal values give equal strings. */
function canonical(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
    }
    return v;
  };
  return JSON.stringify(sortKeys(value));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

// ---------------------------------------------------------------- processes

interface ServerProcess {
  db: Database.Database;
  server: ShareServer;
  running: RunningServer;
  /** Closes the HTTP server (terminating every socket) and the database. */
  stop(): Promise<void>;
}

async function startServer(file: string, port: number, crash?: CrashPoints): Promise<ServerProcess> {
  const db = openServerDb(file);
  const server = createShareServer({ db, clock: realClock, random: realRandom, ids: realIds, ...(crash ? { crash } : {}) });
  const running = await listen(server, port);
  let stopped: Promise<void> | undefined;
  return {
    db,
    server,
    running,
    stop() {
      stopped ??= running.close().finally(() => {
        if (db.open) db.close();
      });
      return stopped;
    },
  };
}

function startClient(file: string, transport: TransportName, url: string, extra: { crash?: CrashPoints; probe?: (e: ProbeEvent) => void } = {}) {
  const db = openOutboxDb(file);
  const client = new ShareClient({
    db,
    transport: realTransport(transport, url),
    clock: realClock,
    random: realRandom,
    ids: realIds,
    settings: SETTINGS,
    ...(extra.crash ? { crash: extra.crash } : {}),
    ...(extra.probe ? { probe: { emit: extra.probe } } : {}),
  });
  return { db, client };
}

/** Exactly once, in order: the producer's log rows are seqs 1..n, once each, at cursors 1..n. */
function expectExactlyOnce(db: Database.Database, shareID: string, producerID: string, n: number): void {
  const rows = db.prepare(`SELECT cursor, seq FROM share_log WHERE share_id = ? AND producer_id = ? ORDER BY cursor`).all(shareID, producerID) as { cursor: number; seq: number }[];
  expect(rows.length).toBe(n);
  expect(rows.map((r) => r.seq)).toEqual(range(n));
  expect(rows.map((r) => r.cursor)).toEqual(range(n));
  const duplicates = db.prepare(`SELECT seq, count(*) AS n FROM share_log WHERE share_id = ? GROUP BY producer_id, seq HAVING n > 1`).all(shareID);
  expect(duplicates).toEqual([]);
  expect(db.prepare(`SELECT count(*) FROM share_log WHERE share_id = ?`).pluck().get(shareID)).toBe(n);
  expect(db.prepare(`SELECT last_seq FROM producers WHERE share_id = ? AND producer_id = ?`).pluck().get(shareID, producerID)).toBe(n);
  expect(db.prepare(`SELECT cursor FROM shares WHERE id = ?`).pluck().get(shareID)).toBe(n);
}

function expectConverged(server: ShareServer, shareID: string, bodies: readonly OpBody[]): void {
  const { cursor, ...view } = server.store.view(shareID);
  expect(cursor).toBe(bodies.length);
  expect(canonical(view)).toBe(canonical(referenceView(bodies)));
}

// ---------------------------------------------------------------- tests

describe("reference applier", () => {
  // The loopback checks lean on it, so it must itself see a double apply.
  it("shows a doubled append and ignores absent optional fields", () => {
    const bodies: OpBody[] = [
      { kind: "part.upsert", part_id: "p", message_id: "m", type: "tool", state: { s: 1 } },
      { kind: "part.upsert", part_id: "p", message_id: "m", type: "tool", text: "t" },
      { kind: "part.append", part_id: "p", message_id: "m", text: "+" },
    ];
    expect(referenceView(bodies).parts).toEqual([{ part_id: "p", message_id: "m", type: "tool", text: "t+", state: { s: 1 } }]);
    expect(canonical(referenceView([...bodies, bodies[2]!]))).not.toBe(canonical(referenceView(bodies)));
  });
});

describe.each(TRANSPORT_NAMES)("loopback over %s", (transport) => {
  let dir: string;
  const cleanups: (() => unknown)[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `replaysim-loopback-${transport}-`));
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  function track(server: ServerProcess): ServerProcess {
    cleanups.push(() => server.stop());
    return server;
  }
  function trackClient(c: { db: Database.Database; client: ShareClient }) {
    cleanups.push(() => {
      c.client.stop();
      if (c.db.open) c.db.close();
    });
    return c;
  }

  it(`syncs ${OPS} ops in batches of ${BATCH}; the session equals what was enqueued`, async () => {
    const bodies = workload(1);
    const srv = track(await startServer(join(dir, "server.db"), 0));
    const share = await createRemoteShare(srv.running.url, transport, "sess-loopback");
    const { client } = trackClient(startClient(join(dir, "client.db"), transport, srv.running.url));
    client.bindShare(share.id, share.secret);
    for (const body of bodies) client.enqueue(body);
    client.start();
    await client.drained();

    expect(client.status()).toMatchObject({ pending: 0, error: null, sync: { acked_seq: OPS, cursor: OPS, last_enqueued_seq: OPS } });
    expectExactlyOnce(srv.db, share.id, client.producerID, OPS);
    expectConverged(srv.server, share.id, bodies);
  }, TEST_TIMEOUT_MS);

  it("survives the server killed after a commit, before its reply, and restarted on the same db file", async () => {
    const bodies = workload(2);
    const file = join(dir, "server.db");
    const KILL_AT_CURSOR = 700;

    // The first server dies at its crash point once the share's cursor passes KILL_AT_CURSOR:
    // the batch is committed, the reply never leaves, every socket is cut, the db closed.
    let first: ServerProcess | undefined;
    let killedAt: { cursor: number; server_last_seq: number; client_acked: number } | undefined;
    let announceKill!: () => void;
    const killed = new Promise<void>((resolve) => (announceKill = resolve));
    let producerID = "";
    let shareID = "";
    const clientRef: { client?: ShareClient } = {};
    const crash: CrashPoints = {
      reach(point) {
        if (point !== "server.after_commit_before_reply" || first === undefined) return;
        if (killedAt !== undefined) throw new Error("server is dead");
        const cursor = first.server.store.view(shareID).cursor;
        if (cursor < KILL_AT_CURSOR) return;
        killedAt = { cursor, server_last_seq: first.server.store.lastSeq(shareID, producerID), client_acked: clientRef.client!.outbox.state().acked_seq };
        void first.stop();
        announceKill();
        throw new Error("server killed");
      },
    };
    first = track(await startServer(file, 0, crash));
    const port = first.running.port;
    const share = await createRemoteShare(first.running.url, transport, "sess-restart");
    shareID = share.id;

    const { client } = trackClient(startClient(join(dir, "client.db"), transport, first.running.url));
    clientRef.client = client;
    producerID = client.producerID;
    client.bindShare(share.id, share.secret);
    for (const body of bodies) client.enqueue(body);
    client.start();

    await killed;
    await first.stop();
    expect(first.db.open).toBe(false);
    // Killed mid-sync, and with an ack lost: the server applied more than the client had marked.
    expect(killedAt!.cursor).toBeGreaterThanOrEqual(KILL_AT_CURSOR);
    expect(killedAt!.cursor).toBeLessThan(OPS);
    expect(killedAt!.server_last_seq).toBeGreaterThan(killedAt!.client_acked);

    // The client has the old URL baked in, so the new server takes the same port.
    const second = track(await startServer(file, port));
    await client.drained();

    expect(client.status()).toMatchObject({ pending: 0, error: null, sync: { acked_seq: OPS, cursor: OPS } });
    expect(client.status().sessions).toBeGreaterThanOrEqual(2);
    expectExactlyOnce(second.db, share.id, producerID, OPS);
    expectConverged(second.server, share.id, bodies);
  }, TEST_TIMEOUT_MS);

  it("survives the client killed after an ack, before marking it, and restarted on the same outbox file", async () => {
    const bodies = workload(3);
    const FIRST_RUN = 1_200;
    const KILL_AT_ACK = 600;
    const outboxFile = join(dir, "client.db");
    const srv = track(await startServer(join(dir, "server.db"), 0));
    const share = await createRemoteShare(srv.running.url, transport, "sess-client-restart");

    // The first client dies at its crash point once an ack covers KILL_AT_ACK: the ack
    // arrived, the outbox never hears of it.
    let lastAck = 0;
    let dead = false;
    let killedAt: { server_last_seq: number; client_acked: number } | undefined;
    let announceKill!: () => void;
    const killed = new Promise<void>((resolve) => (announceKill = resolve));
    const firstRef: { client?: ShareClient } = {};
    const crash: CrashPoints = {
      reach(point) {
        if (dead) throw new Error("client is dead");
        if (point !== "client.after_ack_before_mark" || lastAck < KILL_AT_ACK) return;
        const c = firstRef.client!;
        dead = true;
        killedAt = { server_last_seq: srv.server.store.lastSeq(share.id, c.producerID), client_acked: c.outbox.state().acked_seq };
        c.stop();
        announceKill();
        throw new Error("client killed");
      },
    };
    const first = trackClient(
      startClient(outboxFile, transport, srv.running.url, {
        crash,
        probe: (e) => {
          if (e.type === "ack_received") lastAck = Math.max(lastAck, e.last_seq);
        },
      }),
    );
    firstRef.client = first.client;
    const producerID = first.client.producerID;
    first.client.bindShare(share.id, share.secret);
    for (const body of bodies.slice(0, FIRST_RUN)) first.client.enqueue(body);
    first.client.start();

    await killed;
    expect(first.client.status().state).toBe("stopped");
    first.db.close();
    expect(killedAt!.server_last_seq).toBeGreaterThan(killedAt!.client_acked);
    expect(killedAt!.client_acked).toBeLessThan(FIRST_RUN);

    // A new process over the same outbox file: same producer, pending ops intact, seqs continue.
    const redeems: ProbeEvent[] = [];
    const second = trackClient(startClient(outboxFile, transport, srv.running.url, { probe: (e) => e.type === "redeemed" && redeems.push(e) }));
    expect(second.client.producerID).toBe(producerID);
    expect(second.client.status().sync).toMatchObject({ share_id: share.id, acked_seq: killedAt!.client_acked, last_enqueued_seq: FIRST_RUN });
    const more = bodies.slice(FIRST_RUN).map((body) => second.client.enqueue(body));
    expect(more[0]!.seq).toBe(FIRST_RUN + 1);
    second.client.start();
    await second.client.drained();

    // The first redeem settled the lost ack without resending it.
    expect(redeems[0]).toMatchObject({ type: "redeemed", producer: producerID });
    expect((redeems[0] as { last_seq: number }).last_seq).toBeGreaterThanOrEqual(killedAt!.server_last_seq);
    expect(second.client.status()).toMatchObject({ pending: 0, error: null, sync: { acked_seq: OPS, cursor: OPS, last_enqueued_seq: OPS } });
    expectExactlyOnce(srv.db, share.id, producerID, OPS);
    expectConverged(srv.server, share.id, bodies);
  }, TEST_TIMEOUT_MS);
});
