import { describe, expect, it } from "vitest";
import { emptySessionView, type SessionView } from "../../protocol/session-view.ts";
import type { FinalShare, FinalViewer } from "../run-record.ts";
import { emptyObserved, type Credential, type Observed, type Served } from "../run-record.ts";
import { capability } from "./capability.ts";
import { liveness } from "./liveness.ts";
import { readerConvergence } from "./reader-convergence.ts";
import { readerPrefix } from "./reader-prefix.ts";
import type { RunRecord } from "../run-record.ts";

// The viewer side of "each checker is proved able to fail": a clean hand-made
// record every reader checker accepts, then one bad record per anomaly.

const SHARE = "sh_0";
const opAt = (cursor: number) => `op_${cursor}`;

function share(cursor: number, epoch = 0): FinalShare {
  return {
    index: 0,
    id: SHARE,
    cursor,
    epoch,
    log: Array.from({ length: cursor }, (_, i) => ({ cursor: i + 1, producer_id: "prd_1", seq: i + 1, epoch: 0, op_id: opAt(i + 1) })),
    producers: [{ producer_id: "prd_1", last_seq: cursor }],
    view: emptySessionView(),
  };
}

const titled = (title: string): SessionView => ({ ...emptySessionView(), session: { title, directory: null } });

/** A viewer that applied `cursors` in that order and stands at the last (or at `cursor`). */
function viewer(cursors: number[], options: Partial<FinalViewer> = {}): FinalViewer {
  return {
    node: "viewer-1",
    share_index: 0,
    secret: "valid",
    started: true,
    left: false,
    up: true,
    stopped: null,
    viewer_id: "vwr_1",
    cursor: cursors.at(-1) ?? 0,
    epoch: 0,
    joined: true,
    log: cursors.map((cursor, i) => ({ n: i + 1, cursor, producer_id: "prd_1", seq: cursor, op_id: opAt(cursor) })),
    view: titled("t"),
    expected_view: titled("t"),
    ...options,
  };
}

const credential = (c: Partial<Credential> = {}): Credential => ({ secret_ok: true, scope: "read", epoch: 0, since: 0, ...c });
const served = (s: Partial<Served> = {}): Served => ({ t: 10, node: "viewer-1", share: SHARE, cursors: [1, 2], snapshot: null, credential: credential(), share_epoch: 0, ...s });

function record(viewers: FinalViewer[], options: { cursor?: number; observed?: Partial<Observed>; rest?: Partial<RunRecord> } = {}): RunRecord {
  return {
    outcome: "drained",
    end_t: 1000,
    healed_at: 500,
    history: [],
    committed: [],
    shares: [share(options.cursor ?? 5)],
    clients: [],
    viewers,
    rotated: [],
    revokes: [],
    observed: { ...emptyObserved(), ...options.observed },
    ...options.rest,
  };
}

describe("reader-prefix", () => {
  it("accepts a viewer that applied 1..n in order, and a late joiner from a snapshot it was sent", () => {
    const late = viewer([4, 5], { node: "viewer-2" });
    const r = record([viewer([1, 2, 3, 4, 5]), late], { observed: { served: [served({ node: "viewer-2", cursors: [], snapshot: 3 })] } });
    expect(readerPrefix(r)).toEqual([]);
  });

  it("reports a skipped entry as gap, naming the missing cursors", () => {
    const [v] = readerPrefix(record([viewer([1, 2, 5])]));
    expect(v).toMatchObject({ checker: "reader-prefix", anomaly: "gap", witness: { cursor: 5, missing_from: 3, missing_to: 4 } });
  });

  it("reports a late joiner that starts after a cursor it was never sent a snapshot for as gap", () => {
    const r = record([viewer([4, 5])], { observed: { served: [served({ cursors: [], snapshot: 2 })] } });
    expect(readerPrefix(r)).toMatchObject([{ anomaly: "gap", witness: { first_applied: 4, snapshots_sent: [2] } }]);
  });

  it("reports an entry applied twice as duplicate", () => {
    const r = record([viewer([1, 2, 3, 2, 3], { cursor: 3 })], { cursor: 3 });
    const anomalies = readerPrefix(r).map((v) => [v.anomaly, v.witness.cursor]);
    expect(anomalies).toEqual([
      ["duplicate", 2],
      ["duplicate", 3],
    ]);
  });

  it("reports an entry applied after a later one as reordered", () => {
    const found = readerPrefix(record([viewer([1, 3, 2], { cursor: 3 })], { cursor: 3 }));
    expect(found.map((v) => v.anomaly)).toEqual(["gap", "reordered"]);
    expect(found[1]!.witness).toMatchObject({ cursor: 2, after: 3 });
  });

  it("reports a durable cursor that moved back across a restart as nonmonotonic", () => {
    const samples = [
      { t: 10, node: "viewer-1", cursor: 3 },
      { t: 20, node: "viewer-1", cursor: 1 },
      { t: 30, node: "viewer-1", cursor: 5 },
    ];
    expect(readerPrefix(record([viewer([1, 2, 3, 4, 5])], { observed: { viewer_samples: samples } }))).toMatchObject([
      { anomaly: "nonmonotonic", t_ms: 20, witness: { from: 3, to: 1 } },
    ]);
  });

  it("reports a durable cursor that is not where the local log ends", () => {
    expect(readerPrefix(record([viewer([1, 2, 3], { cursor: 5 })]))[0]).toMatchObject({ anomaly: "gap", witness: { cursor: 5, last_applied: 3 } });
    expect(readerPrefix(record([viewer([1, 2, 3], { cursor: 0 })]))[0]).toMatchObject({ anomaly: "nonmonotonic", witness: { cursor: 0, last_applied: 3 } });
  });

  it("reports an applied op that is not the one the server's log has at that cursor", () => {
    const v = viewer([1, 2]);
    v.log[1]!.op_id = "op_forged";
    expect(readerPrefix(record([v]))).toMatchObject([{ anomaly: "unexpected", witness: { cursor: 2, op_id: "op_forged", server_op_id: "op_2" } }]);
  });
});

describe("reader-convergence", () => {
  it("accepts a view equal to the server's at the viewer's cursor", () => {
    expect(readerConvergence(record([viewer([1, 2, 3, 4, 5])]))).toEqual([]);
  });

  it("reports a view that differs as diverged, naming where", () => {
    const r = record([viewer([1, 2, 3, 4, 5], { view: titled("stale") })]);
    expect(readerConvergence(r)).toMatchObject([{ checker: "reader-convergence", anomaly: "diverged", witness: { path: "session", cursor: 5 } }]);
  });

  it("does not judge a viewer that never joined", () => {
    expect(readerConvergence(record([viewer([], { joined: false, view: null, expected_view: null })]))).toEqual([]);
  });
});

describe("capability on reads", () => {
  it("accepts entries served under the share's current epoch with its secret", () => {
    expect(capability(record([viewer([1, 2, 3, 4, 5])], { observed: { served: [served()] } }))).toEqual([]);
  });

  it("reports entries served through a revoked epoch as stale_epoch_read", () => {
    const r = record([viewer([1, 2, 3, 4, 5])], { observed: { served: [served({ share_epoch: 1, credential: credential({ epoch: 0 }) })] }, rest: { revokes: [{ share_index: 0, t: 5 }], shares: [share(5, 1)] } });
    expect(capability(r)).toMatchObject([{ anomaly: "stale_epoch_read", witness: { credential_epoch: 0, share_epoch: 1, cursors: [1, 2] } }]);
  });

  it("reports entries or a snapshot served with a wrong secret as unauthorized_read", () => {
    const wrong = served({ credential: credential({ secret_ok: false }) });
    const snapshot = served({ cursors: [], snapshot: 4, node: "viewer-2", credential: null });
    const r = record([viewer([1, 2, 3, 4, 5]), viewer([], { node: "viewer-2", secret: "wrong", joined: false })], { observed: { served: [wrong, snapshot] } });
    expect(capability(r).map((v) => [v.anomaly, v.witness.node])).toEqual([
      ["unauthorized_read", "viewer-1"],
      ["unauthorized_read", "viewer-2"],
    ]);
  });

  it("reports an epoch the admin never moved as unauthorized_revoke", () => {
    const r = record([], { rest: { shares: [share(5, 2)], revokes: [{ share_index: 0, t: 5 }] } });
    expect(capability(r)).toMatchObject([{ anomaly: "unauthorized_revoke", witness: { epoch: 2, admin_revokes: 1 } }]);
  });
});

describe("liveness of viewers", () => {
  it("accepts viewers at the final cursor, viewers that left, and a wrong-secret viewer told bad_secret", () => {
    const wrong = viewer([], { node: "viewer-3", secret: "wrong", stopped: { code: "bad_secret", message: "x" } });
    const r = record([viewer([1, 2, 3, 4, 5]), viewer([1, 2], { node: "viewer-2", left: true }), wrong], { observed: { errors_told: { "viewer-3": ["bad_secret"] } } });
    expect(liveness(r)).toEqual([]);
  });

  it("reports a live viewer behind the share's final cursor as viewer_behind", () => {
    expect(liveness(record([viewer([1, 2, 3])]))).toMatchObject([{ anomaly: "viewer_behind", witness: { node: "viewer-1", cursor: 3, share_cursor: 5 } }]);
  });

  it("reports a viewer that stopped without an excuse told on the wire as viewer_stopped", () => {
    const stopped = viewer([1, 2], { stopped: { code: "bad_secret", message: "x" } });
    expect(liveness(record([stopped]))).toMatchObject([{ anomaly: "viewer_stopped" }]);
    const told = record([stopped], { observed: { errors_told: { "viewer-1": ["bad_secret"] } }, rest: { rotated: [{ share_index: 0, t: 3 }] } });
    expect(liveness(told)).toEqual([]);
  });
});
