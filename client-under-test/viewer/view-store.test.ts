import { describe, expect, it } from "vitest";
import { counterIds } from "../../protocol/fake-ports.ts";
import type { OpBody } from "../../protocol/ops.ts";
import type { CrashPoint, CrashPoints } from "../../protocol/ports.ts";
import type { LogEntry } from "../../protocol/rpc.ts";
import { emptySessionView } from "../../protocol/session-view.ts";
import { openViewerDb, ViewStore } from "./view-store.ts";

// The viewer's durability boundary: an entry is in the view, in the local log
// and under the cursor together, or not at all.

const entry = (cursor: number, body: OpBody): LogEntry => ({ cursor, producer_id: "prd_1", seq: cursor, op: { seq: cursor, op_id: `op_${cursor}`, body } });
const text = (cursor: number, t: string) => entry(cursor, { kind: "part.append", part_id: "p1", message_id: "m1", text: t });

class Crash extends Error {}
/** Crashes the first time `point` is reached. */
function crashAt(point: CrashPoint): CrashPoints {
  let armed = true;
  return {
    reach(p) {
      if (p === point && armed) {
        armed = false;
        throw new Crash(p);
      }
    },
  };
}

function store(crash: CrashPoints = { reach() {} }) {
  const db = openViewerDb();
  const s = new ViewStore(db, counterIds(), crash);
  s.bindShare("sh_1", "secret");
  return s;
}

const logOf = (s: ViewStore) => s.db.prepare(`SELECT cursor FROM viewer_log ORDER BY n`).pluck().all();

describe("ViewStore", () => {
  it("applies entries newer than its cursor in order, skips those it holds, and keeps the cursor durable", () => {
    const s = store();
    expect(s.apply([text(1, "a"), text(2, "b")])).toEqual({ applied: 2, cursor_from: 0, cursor_to: 2 });
    expect(s.apply([text(2, "b"), text(3, "c")])).toEqual({ applied: 1, cursor_from: 2, cursor_to: 3 });
    expect(s.view().parts[0]?.text).toBe("abc");
    expect(logOf(s)).toEqual([1, 2, 3]);
    const reopened = new ViewStore(openViewerDb(s.db.serialize()), counterIds(), { reach() {} });
    expect(reopened.state()).toMatchObject({ cursor: 3, share_id: "sh_1", joined: false });
    expect(reopened.state().viewer_id).toBe(s.state().viewer_id);
  });

  it("a crash before the commit leaves view, log and cursor as they were", () => {
    const s = store(crashAt("viewer.before_apply_commit"));
    expect(() => s.apply([text(1, "a")])).toThrow(Crash);
    expect(s.state().cursor).toBe(0);
    expect(logOf(s)).toEqual([]);
    expect(s.view().parts).toEqual([]);
    expect(s.apply([text(1, "a")]).applied).toBe(1);
  });

  it("a crash after the commit keeps all three: a restart resumes after the entry", () => {
    const s = store(crashAt("viewer.after_apply_commit"));
    expect(() => s.apply([text(1, "a")])).toThrow(Crash);
    const reopened = new ViewStore(openViewerDb(s.db.serialize()), counterIds(), { reach() {} });
    expect(reopened.state().cursor).toBe(1);
    expect(reopened.apply([text(1, "a"), text(2, "b")]).applied).toBe(1);
    expect(reopened.view().parts[0]?.text).toBe("ab");
  });

  it("installs a snapshot: its session replaces the view, its cursor becomes the viewer's, and it counts as joined", () => {
    const s = store();
    s.apply([text(1, "stale")]);
    const view = { ...emptySessionView(), session: { title: "t", directory: null }, parts: [{ part_id: "p9", message_id: "m1", type: "text", text: "snap", state: { a: 1 } }] };
    s.installSnapshot(7, view);
    expect(s.state()).toMatchObject({ cursor: 7, joined: true });
    expect(s.view()).toEqual(view);
    expect(s.apply([text(7, "x"), text(8, "y")])).toMatchObject({ applied: 1, cursor_to: 8 });
  });
});
