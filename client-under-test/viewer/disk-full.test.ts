import type Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { realClock, realRandom } from "../../real/adapters.ts";
import { errorCode } from "../../protocol/errors.ts";
import { counterIds } from "../../protocol/fake-ports.ts";
import type { OpBody } from "../../protocol/ops.ts";
import type { LogEntry, ViewerListener } from "../../protocol/rpc.ts";
import { emptySessionView } from "../../protocol/session-view.ts";
import type { ReadConnection, Transport } from "../transports/transport.ts";
import { ShareViewer } from "./share-viewer.ts";
import { openViewerDb, ViewStore } from "./view-store.ts";

// Disk full on a viewer (docs/design.md, "Fault model"): its database refuses
// to grow (`PRAGMA max_page_count` pinned to its page count). An apply that
// needs room throws `disk_full` and leaves view, local log and cursor as they
// were; the follow loop backs off and applies the same entries again from its
// durable cursor, never a later push past the ones that failed.

const ROOMY = 4294967294;

function fillDisk(db: Database.Database): void {
  db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true }) as number}`);
}

function freeDisk(db: Database.Database): void {
  db.pragma(`max_page_count = ${ROOMY}`);
}

const entry = (cursor: number, body: OpBody): LogEntry => ({ cursor, producer_id: "prd_1", seq: cursor, op: { seq: cursor, op_id: `op_${cursor}`, body } });
const text = (cursor: number, t: string) => entry(cursor, { kind: "part.append", part_id: "p1", message_id: "m1", text: t });
/** Small entries first (they fit on the pages there are), then one that needs new pages. */
const entries = (): LogEntry[] => [text(1, "a"), text(2, "b"), text(3, "x".repeat(12_000))];

function durable(store: ViewStore): unknown {
  return {
    state: store.db.prepare(`SELECT * FROM viewer_state`).get(),
    log: store.db.prepare(`SELECT * FROM viewer_log ORDER BY n`).all(),
    view: store.view(),
  };
}

function thrownCode(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    return errorCode(error) ?? `no code: ${String(error)}`;
  }
  throw new Error("expected a throw");
}

describe("ViewStore on a full disk", () => {
  it("apply throws disk_full and leaves view, log and cursor as they were; the same entries apply once space returns", () => {
    const store = new ViewStore(openViewerDb(), counterIds(), { reach() {} });
    store.bindShare("sh_1", "secret");
    const before = durable(store);
    fillDisk(store.db);
    expect(thrownCode(() => store.apply(entries()))).toBe("disk_full");
    expect(store.db.inTransaction).toBe(false);
    expect(store.state().cursor).toBe(0);
    expect(durable(store)).toEqual(before);

    freeDisk(store.db);
    expect(store.apply(entries())).toEqual({ applied: 3, cursor_from: 0, cursor_to: 3 });
    expect(store.view().parts[0]?.text).toBe(`ab${"x".repeat(12_000)}`);
  });

  it("installSnapshot throws disk_full and installs nothing", () => {
    const store = new ViewStore(openViewerDb(), counterIds(), { reach() {} });
    store.bindShare("sh_1", "secret");
    const before = durable(store);
    const view = { ...emptySessionView(), session: { title: "t", directory: null }, parts: [{ part_id: "p9", message_id: "m1", type: "text", text: "y".repeat(12_000), state: null }] };
    fillDisk(store.db);
    expect(thrownCode(() => store.installSnapshot(7, view))).toBe("disk_full");
    expect(store.state()).toMatchObject({ cursor: 0, joined: false });
    expect(durable(store)).toEqual(before);
    freeDisk(store.db);
    store.installSnapshot(7, view);
    expect(store.state()).toMatchObject({ cursor: 7, joined: true });
  });
});

describe("a following viewer on a full disk", () => {
  const viewers: ShareViewer[] = [];
  afterEach(() => {
    for (const v of viewers.splice(0)) v.stop();
  });

  it("refuses pushes after one failed to apply, and applies them all again from its durable cursor", async () => {
    const subscriptions: { from: number; listener: ViewerListener }[] = [];
    const connection = (): ReadConnection => ({
      redeem: async () => ({ cursor: 4, epoch: 0, last_seq: 0 }),
      snapshot: () => Promise.reject(new Error("follows from the start")),
      read: async () => ({ entries: [], cursor: 4 }),
      subscribe: async (from, listener) => {
        subscriptions.push({ from, listener });
        return { cursor: 4, epoch: 0 };
      },
      close() {},
    });
    const transport: Transport = {
      name: "websocket",
      connect: () => Promise.reject(new Error("a viewer only follows")),
      follow: async () => connection(),
    };
    const db = openViewerDb();
    const viewer = new ShareViewer({ db, transport, clock: realClock, random: realRandom, ids: counterIds(), settings: { backoff_base_ms: 2, backoff_max_ms: 10, heartbeat_ms: 60_000 } });
    viewers.push(viewer);
    viewer.bindShare("sh_1", "secret");
    viewer.start();
    await until(() => subscriptions.length === 1);
    expect(subscriptions[0]!.from).toBe(0);

    fillDisk(db);
    const first = subscriptions[0]!.listener;
    expect(thrownCode(() => first.entries(entries()))).toBe("disk_full");
    // Space returns before the next push of the same subscription arrives: applying it would skip 1..3.
    freeDisk(db);
    expect(thrownCode(() => first.entries([text(4, "d")]))).toBe("disk_full");
    expect(viewer.store.state().cursor).toBe(0);
    expect(viewer.store.db.prepare(`SELECT count(*) FROM viewer_log`).pluck().get()).toBe(0);

    // The loop backs off, subscribes again from its durable cursor, and gets everything.
    await until(() => subscriptions.length === 2);
    expect(subscriptions[1]!.from).toBe(0);
    expect(viewer.status()).toMatchObject({ error: null });
    await subscriptions[1]!.listener.entries([...entries(), text(4, "d")]);
    expect(viewer.store.state().cursor).toBe(4);
    expect(viewer.store.db.prepare(`SELECT cursor FROM viewer_log ORDER BY n`).pluck().all()).toEqual([1, 2, 3, 4]);
    expect(viewer.view().parts[0]?.text).toBe(`ab${"x".repeat(12_000)}d`);
  });
});

/** Waits (real time, bounded) until `ready` holds. */
async function until(ready: () => boolean, ms = 5_000): Promise<void> {
  const start = realClock.now();
  while (!ready()) {
    if (realClock.now() - start > ms) throw new Error("timed out waiting");
    await new Promise<void>((resolve) => void realClock.setTimer(5, resolve));
  }
}
