import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { ShareClient } from "../../client-under-test/share-client.ts";
import { restTransport } from "../../client-under-test/transports/rest.ts";
import { seededRandom } from "../../protocol/fake-ports.ts";
import { DEFAULT_LIMITS, opBodyBytesMax } from "../../protocol/limits.ts";
import { Materializer } from "../../protocol/materialize.ts";
import type { Op, OpBody } from "../../protocol/ops.ts";
import type { Ack, LogEntry, ReadPage, Snapshot } from "../../protocol/rpc.ts";
import type { SessionView } from "../../protocol/session-view.ts";
import { realClock, realIds, realRandom } from "../../real/adapters.ts";
import { openServerDb } from "../../server-under-test/share-server.ts";
import { agentSession, bodyOfBytes } from "../../sim/workload/agent-session.ts";

// The example servers as a stranger would run them: a child process on a free
// loopback port with its own SQLite file, driven by the reference client over
// the REST transport, then judged through the protocol's read routes against
// the protocol's own materializer.

const here = (dir: string) => fileURLToPath(new URL(`../${dir}/main.js`, import.meta.url));
const temp = mkdtempSync(join(tmpdir(), "rest-server-example-"));
const children: ChildProcess[] = [];

interface Running {
  url: string;
  child: ChildProcess;
  db: string;
}

/** Starts `examples/<dir>/main.js --port 0 --db <file>` and waits for its `listening on` line. */
function start(dir: string, db = join(temp, `${dir}-${children.length}.db`)): Promise<Running> {
  const child = spawn(process.execPath, [here(dir), "--port", "0", "--db", db], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`${dir} not listening within 5 s: ${out}${err}`)), 5_000);
    child.stderr!.on("data", (chunk: Buffer) => void (err += chunk.toString()));
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ url: match[1]!, child, db });
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${dir} exited before listening (${signal ?? code}): ${err}`));
    });
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

interface Reply<T> {
  status: number;
  body: T;
}
type ErrorBody = { error: { code: string; message: string } };

async function http<T>(url: string, init: { method?: string; body?: unknown; raw?: string; bearer?: string } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (init.bearer !== undefined) headers.authorization = `Bearer ${init.bearer}`;
  const body = init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
  const response = await fetch(url, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  return { status: response.status, body: (text === "" ? null : JSON.parse(text)) as T };
}

/**
 * 49 ops of a generated agent session, then one part.upsert exactly at the
 * largest body an op may carry. Seed 461 draws all eight op kinds (removals
 * included), and applying its last ten ops twice changes the session (most
 * seeds heal: a part's full text is upserted again after its appends).
 */
function workload(): OpBody[] {
  const random = seededRandom(461);
  const bodies = [...agentSession(random, { tag: "ex", ops: 49 })].map((step) => step.body).slice(0, 49);
  bodies.push(bodyOfBytes(random, opBodyBytesMax(DEFAULT_LIMITS), (text) => ({ kind: "part.upsert", part_id: "ex-big", message_id: "ex-m00001", type: "text", text })));
  return bodies;
}

/** The protocol's own materializer applied to the same bodies: what the snapshot must equal. */
function referenceView(bodies: readonly OpBody[]): SessionView {
  const db = openServerDb();
  try {
    db.prepare(`INSERT INTO shares (id, session_id, secret_hash, epoch, cursor, created_ms) VALUES ('ref', 'ref', '', 0, 0, 0)`).run();
    const materializer = new Materializer(db);
    for (const body of bodies) materializer.apply("ref", body);
    return materializer.view("ref");
  } finally {
    db.close();
  }
}

interface Synced {
  share: { id: string; secret: string; url: string };
  producer: string;
  ops: Op[];
  /** Reads the whole log with a fresh read token. */
  log(): Promise<ReadPage>;
  snapshot(): Promise<Snapshot>;
  writeToken(): Promise<string>;
}

/** Creates a share, syncs the workload through the reference client over REST, and hands back ways to look at it. */
async function sync(server: Running): Promise<Synced> {
  const created = await http<{ id: string; secret: string; url: string }>(`${server.url}/api/share`, { body: { session_id: "example-session" } });
  expect(created.status).toBe(201);
  const share = created.body;
  const outbox = openOutboxDb();
  // Small batches, two in flight: several concurrent appends, as a real client sends them.
  const client = new ShareClient({ db: outbox, transport: restTransport(server.url), clock: realClock, random: realRandom, ids: realIds, settings: { batch_size: 7 } });
  client.bindShare(share.id, share.secret);
  const ops = workload().map((body) => client.enqueue(body));
  client.start();
  await client.drained();
  client.stop();
  const producer = client.producerID;
  outbox.close();
  const base = `${server.url}/api/share/${share.id}`;
  const readToken = async () => (await http<{ token: string }>(`${base}/redeem`, { body: { secret: share.secret, scope: "read" } })).body.token;
  return {
    share,
    producer,
    ops,
    async log() {
      const page = await http<ReadPage>(`${base}/log?from=0&limit=1000`, { bearer: await readToken() });
      expect(page.status).toBe(200);
      return page.body;
    },
    async snapshot() {
      const snap = await http<Snapshot>(`${base}/snapshot`, { bearer: await readToken() });
      expect(snap.status).toBe(200);
      return snap.body;
    },
    async writeToken() {
      const redeemed = await http<{ token: string; last_seq: number }>(`${base}/redeem`, { body: { secret: share.secret, producer_id: producer } });
      expect(redeemed.status).toBe(200);
      return redeemed.body.token;
    },
  };
}

/** What the tests replay: ops 41..50, as a retried batch whose first reply was lost. */
const replayBatch = (ops: readonly Op[]): Op[] => ops.slice(40);

const seqs = (entries: readonly LogEntry[]) => entries.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

let good: Running;
let broken: Running;

beforeAll(async () => {
  [good, broken] = await Promise.all([start("rest-server"), start("rest-server-broken")]);
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await Promise.all(children.map(exited));
  rmSync(temp, { recursive: true, force: true });
});

describe("examples/rest-server (node:http + better-sqlite3, its own schema)", () => {
  let synced: Synced;
  let base: string;

  beforeAll(async () => {
    synced = await sync(good);
    base = `${good.url}/api/share/${synced.share.id}`;
  });

  it("takes 50 ops from the reference client over REST: cursor 50, seqs 1..50 once each, the snapshot the protocol's materialization", async () => {
    const page = await synced.log();
    expect(page.cursor).toBe(50);
    expect(seqs(page.entries)).toEqual(range(1, 50));
    expect(page.entries.map((e) => e.cursor)).toEqual(range(1, 50));
    expect(new Set(synced.ops.map((op) => op.body.kind)).size).toBe(8);
    expect(new Set(page.entries.map((e) => e.producer_id))).toEqual(new Set([synced.producer]));
    expect(page.entries.map((e) => e.op)).toEqual(synced.ops);

    const snap = await synced.snapshot();
    expect(snap.cursor).toBe(50);
    expect(snap.view).toEqual(referenceView(synced.ops.map((op) => op.body)));
    // The public view agrees, and redeem reports the producer's last_seq.
    expect((await http<SessionView & { cursor: number }>(base)).body).toEqual({ cursor: 50, ...snap.view });
    const redeemed = await http(`${base}/redeem`, { body: { secret: synced.share.secret, producer_id: synced.producer } });
    expect(redeemed.body).toMatchObject({ cursor: 50, epoch: 0, last_seq: 50 });
  });

  it("a replayed append is all duplicates and changes nothing", async () => {
    const before = { log: await synced.log(), snap: await synced.snapshot() };
    const batch = replayBatch(synced.ops);
    const replay = await http<Ack>(`${base}/ops`, { body: { token: await synced.writeToken(), ops: batch } });
    expect(replay).toEqual({ status: 200, body: { cursor: 50, last_seq: 50, applied: 0, duplicates: batch.length, rejected: 0 } });
    expect(await synced.log()).toEqual(before.log);
    expect(await synced.snapshot()).toEqual(before.snap);
  });

  it("a gap is rejected, with everything after it, and nothing is applied", async () => {
    const token = await synced.writeToken();
    const next = (seq: number): Op => ({ seq, op_id: `gap-${seq}`, body: { kind: "part.append", part_id: "gap-p", message_id: "gap-m", text: "x" } });
    const gap = await http<Ack>(`${base}/ops`, { body: { token, ops: [next(52), next(53)] } });
    expect(gap).toEqual({ status: 200, body: { cursor: 50, last_seq: 50, applied: 0, duplicates: 0, rejected: 2 } });
    expect((await synced.log()).cursor).toBe(50);
  });

  it("refuses bad input with a status and a code, and changes nothing", async () => {
    const token = await synced.writeToken();
    const readToken = (await http<{ token: string }>(`${base}/redeem`, { body: { secret: synced.share.secret, scope: "read" } })).body.token;
    const op51: Op = { seq: 51, op_id: "op-51", body: { kind: "part.append", part_id: "p", message_id: "m", text: "x" } };
    const refusals: [string, Promise<Reply<ErrorBody>>, number, string][] = [
      ["not JSON", http(`${base}/ops`, { raw: "{not json" }), 400, "invalid_request"],
      ["an array body", http(`${base}/ops`, { raw: "[]" }), 400, "invalid_request"],
      ["no token", http(`${base}/ops`, { body: { ops: [op51] } }), 400, "invalid_request"],
      ["an unknown field", http(`${base}/ops`, { body: { token, ops: [op51], secret: "x" } }), 400, "invalid_request"],
      ["a malformed op", http(`${base}/ops`, { body: { token, ops: [op51, { seq: 52, op_id: "o", body: { kind: "bad" } }] } }), 400, "invalid_op"],
      ["an extra op field", http(`${base}/ops`, { body: { token, ops: [{ ...op51, body: { ...op51.body, extra: 1 } }] } }), 400, "invalid_op"],
      ["501 ops", http(`${base}/ops`, { body: { token, ops: Array.from({ length: 501 }, (_, i) => ({ ...op51, seq: 51 + i })) } }), 413, "too_large"],
      ["an op over 16 KiB", http(`${base}/ops`, { body: { token, ops: [{ ...op51, body: { ...op51.body, text: "y".repeat(17_000) } }] } }), 413, "too_large"],
      ["another producer", http(`${base}/ops`, { body: { token, producer_id: "someone-else", ops: [op51] } }), 403, "wrong_producer"],
      ["a read token on /ops", http(`${base}/ops`, { body: { token: readToken, ops: [op51] } }), 403, "read_only"],
      ["a token nobody issued", http(`${base}/ops`, { body: { token: "nope", ops: [op51] } }), 401, "bad_secret"],
      ["an unknown share", http(`${good.url}/api/share/shr_nope/ops`, { body: { token, ops: [op51] } }), 404, "unknown_share"],
      ["a write redeem without producer", http(`${base}/redeem`, { body: { secret: synced.share.secret } }), 400, "invalid_request"],
      ["a wrong secret", http(`${base}/redeem`, { body: { secret: "wrong", producer_id: "p" } }), 401, "bad_secret"],
      ["no bearer", http(`${base}/log`), 401, "bad_secret"],
      ["a bad from", http(`${base}/log?from=-1`, { bearer: readToken }), 400, "invalid_request"],
      ["a bad share id", http(`${good.url}/api/share/a%20b`), 400, "invalid_request"],
      ["no such route", http(`${good.url}/api/nothing`), 404, "invalid_request"],
    ];
    for (const [name, reply, status, code] of refusals) {
      const { status: got, body } = await reply;
      expect({ name, status: got, code: body.error.code, message: typeof body.error.message }).toEqual({ name, status, code, message: "string" });
    }
    const page = await synced.log();
    expect(page.cursor).toBe(50);
    expect(seqs(page.entries)).toEqual(range(1, 50));
  });

  it("keeps everything across a SIGKILL (the SQLite file is the state), and exits 0 on SIGTERM", async () => {
    const before = await synced.log();
    good.child.kill("SIGKILL");
    await exited(good.child);
    good = await start("rest-server", good.db);
    base = `${good.url}/api/share/${synced.share.id}`;
    const page = await http<ReadPage>(`${base}/log`, { bearer: synced.share.secret });
    expect(page.body).toEqual(before);
    good.child.kill("SIGTERM");
    expect(await exited(good.child)).toEqual({ code: 0, signal: null });
  });
});

describe("examples/rest-server-broken (the same server, one mistake)", () => {
  it("the same duplicate replay is applied again: the log grows and the seqs repeat", async () => {
    const synced = await sync(broken);
    const base = `${broken.url}/api/share/${synced.share.id}`;
    // Often the sync alone has already applied something twice: with two calls in flight on two
    // connections, a batch can overtake the one before it, be rejected as a gap, and be resent
    // while the first is still on its way. So the replay is judged against the log as it was.
    const before = await synced.log();
    expect(before.cursor).toBeGreaterThanOrEqual(50);
    const batch = replayBatch(synced.ops);
    const replay = await http<Ack>(`${base}/ops`, { body: { token: await synced.writeToken(), ops: batch } });
    expect(replay.body).toMatchObject({ applied: batch.length, duplicates: 0, cursor: before.cursor + batch.length });
    const page = await synced.log();
    expect(page.cursor).toBe(before.cursor + batch.length);
    expect(seqs(page.entries)).toEqual([...seqs(before.entries), ...batch.map((op) => op.seq)]);
    // The replayed part.append doubled its text: the session is no longer the ops' materialization.
    expect((await synced.snapshot()).view).not.toEqual(referenceView(synced.ops.map((op) => op.body)));
  });
});
