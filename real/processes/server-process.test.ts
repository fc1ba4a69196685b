import Database from "better-sqlite3";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { realClock, realIds, realRandom } from "../adapters.ts";
import { openOutboxDb } from "../../client-under-test/outbox/outbox.ts";
import { ShareClient } from "../../client-under-test/share-client.ts";
import { realTransport } from "../../client-under-test/transports/by-name.ts";
import type { OpBody } from "../../protocol/ops.ts";
import { liveChildren } from "./children.ts";
import { startServerProcess } from "./server-process.ts";
import type { ServerChildConfig } from "./server-protocol.ts";

// The real server as a child process: a file-backed database, a port the OS
// picks, and a SIGKILL at a named crash point, after which a new process on
// the same files must hold every op it committed, once.

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), "replaysim-real-"));
  dirs.push(d);
  return d;
};
const config = (db_path: string, crash_at: ServerChildConfig["crash_at"] = null): ServerChildConfig => ({ db_path, seed: 1, port: 0, crash_at, crash_chance: null, variant: "reference", mutant: null, options: {}, disk_full: false, synchronous: "reference" });
const op = (i: number): OpBody => ({ kind: "part.append", part_id: "p1", message_id: "m1", text: `chunk ${i} ` });

async function syncOps(url: string, outbox: Database.Database, share: { share_id: string; secret: string } | null, n: number): Promise<ShareClient> {
  const client = new ShareClient({ db: outbox, transport: realTransport("websocket", url), clock: realClock, random: realRandom, ids: realIds, settings: { batch_size: 5, calls_in_flight: 1, deadline_ms: 2000 } });
  if (share) client.bindShare(share.share_id, share.secret);
  for (let i = 1; i <= n; i++) client.enqueue(op(i));
  client.start();
  return client;
}

/** The server's log, read from a copy of its files (the live ones belong to the process). */
function logOf(db_path: string): { seq: number; op_id: string }[] {
  const copy = join(dir(), "copy.db");
  for (const suffix of ["", "-wal"]) if (existsSync(db_path + suffix)) cpSync(db_path + suffix, copy + suffix);
  const db = new Database(copy, { readonly: false });
  try {
    return db.prepare("SELECT seq, json_extract(op, '$.op_id') AS op_id FROM share_log ORDER BY cursor").all() as { seq: number; op_id: string }[];
  } finally {
    db.close();
  }
}

describe("the real server as a child process", () => {
  test("serves a share on a port the OS picked, and stops in order, leaving no process behind", async () => {
    const db_path = join(dir(), "server.db");
    const server = await startServerProcess(config(db_path));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const share = await server.createShare("s1");
    const outbox = openOutboxDb(join(dir(), "outbox.db"));
    const client = await syncOps(server.url, outbox, share, 12);
    await client.drained();
    client.stop();
    outbox.close();
    await server.stop();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(logOf(db_path).map((r) => r.seq)).toEqual([...Array(12).keys()].map((i) => i + 1));
    expect(liveChildren()).toBe(0);
  }, 30_000);

  test("SIGKILLed at server.after_commit_before_reply#2, restarted on the same files: every op applied exactly once", async () => {
    const db_path = join(dir(), "server.db");
    const first = await startServerProcess(config(db_path, { point: "server.after_commit_before_reply", nth: 2 }));
    const share = await first.createShare("s1");
    const outbox_path = join(dir(), "outbox.db");
    let outbox = openOutboxDb(outbox_path);
    let client = await syncOps(first.url, outbox, share, 20);
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
    // The second batch committed before the kill, and its reply never went out.
    expect(logOf(db_path).map((r) => r.seq)).toEqual([...Array(10).keys()].map((i) => i + 1));
    client.stop();
    outbox.close();

    const second = await startServerProcess(config(db_path));
    outbox = openOutboxDb(outbox_path);
    client = await syncOps(second.url, outbox, null, 0);
    await client.drained();
    client.stop();
    outbox.close();
    await second.stop();
    const log = logOf(db_path);
    expect(log.map((r) => r.seq)).toEqual([...Array(20).keys()].map((i) => i + 1));
    expect(new Set(log.map((r) => r.op_id)).size).toBe(20);
    expect(liveChildren()).toBe(0);
  }, 30_000);

  test("a bad crash point is refused with a code", async () => {
    const { parseCrashAt } = await import("./crash-at.ts");
    expect(() => parseCrashAt("server.nowhere#1")).toThrow(expect.objectContaining({ code: "bad_crash_point" }));
    expect(() => parseCrashAt("server.before_commit#0")).toThrow(expect.objectContaining({ code: "bad_crash_point" }));
    expect(parseCrashAt("server.before_commit")).toEqual({ point: "server.before_commit", nth: 1 });
  });
});
