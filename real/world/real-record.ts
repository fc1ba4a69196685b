import { join } from "node:path";
import type { History } from "../../sim/history/history.ts";
import { outboxAsCommitted } from "../../sim/nodes/client-node.ts";
import { viewerAsCommitted } from "../../sim/nodes/viewer-node.ts";
import { jsonValues, scanWire } from "../../sim/observe/wire-parse.ts";
import { emptyObserved, type CommittedOp, type FinalClient, type FinalViewer, type Outcome, type RunRecord } from "../../sim/run-record.ts";
import type { Scenario } from "../../sim/scenario/schema.ts";
import { finalShares, serverViewFrom } from "../../sim/world/final-state.ts";
import { seqBodies } from "../processes/workload-steps.ts";
import type { FaultProxy } from "../proxy/fault-proxy.ts";
import type { ServerEvidence } from "./black-box-read.ts";
import { readCopy } from "./read-copy.ts";
import type { ClientSlot, ViewerSlot } from "./slots.ts";

// A real run's record for the checkers, read at the end from copies of the
// processes' files and from the proxies' logs.

/** `server`: what the protocol showed of a server run as a black box; otherwise the server's own SQLite is read. */
export function recordOf(scenario: Scenario, dir: string, slots: readonly ClientSlot[], viewers: readonly ViewerSlot[], history: History, outcome: Outcome, end_t: number, healed_at: number | null, server?: ServerEvidence): RunRecord {
  const shares = [...new Map(slots.map((s) => [s.share.index, s.share])).values()];
  const finals = server ? server.shares : readCopy(dir, join(dir, "server.db"), (db) => finalShares(db, shares));
  const committed: CommittedOp[] = [];
  const clients: FinalClient[] = slots.map((slot) => {
    const bodies = seqBodies(slot.config.steps, slot.config.dropped);
    const outbox = readCopy(dir, slot.config.outbox_path, outboxAsCommitted);
    const applied = new Map(finals.flatMap((sh) => sh.log.filter((r) => r.producer_id === slot.producer).map((r) => [r.seq, r.op_id] as const)));
    const pending = new Map(outbox.pending.map((op) => [op.seq, op.op_id]));
    for (let seq = 1; seq <= outbox.last_enqueued_seq; seq++) {
      const told = slot.enqueued.get(seq);
      const op_id = told?.op_id ?? pending.get(seq) ?? applied.get(seq) ?? `unknown_${slot.name}_${seq}`;
      committed.push({ node: slot.name, producer: slot.producer, share_index: slot.share.index, seq, op_id, body: bodies[seq - 1]!, t: told?.t ?? end_t });
    }
    const spec = scenario.clients[slot.index]!;
    return { node: slot.name, producer: slot.producer, share_index: slot.share.index, scope: spec.scope, secret: spec.secret, up: true, pending: outbox.pending, acked_seq: outbox.acked_seq, cursor: outbox.cursor, stopped: slot.stopped };
  });
  committed.sort((a, b) => a.t - b.t);
  const finalViewers: FinalViewer[] = viewers.map((v) => {
    const committed = v.started ? readCopy(dir, v.config.db_path, viewerAsCommitted) : { viewer_id: "", cursor: 0, epoch: 0, joined: false, log: [], view: null };
    const expected_view = !committed.joined ? null : server ? server.viewAt(v.share.id, committed.cursor) : readCopy(dir, join(dir, "server.db"), (db) => serverViewFrom(db, v.share.id, committed.cursor));
    return { ...committed, expected_view, node: v.name, share_index: v.share.index, secret: v.secret, started: v.started, left: v.left, up: v.up_at_end, stopped: v.stopped };
  });
  return { outcome, end_t, healed_at, history: history.events, committed, shares: finals, clients, viewers: finalViewers, rotated: [], revokes: [], observed: { ...emptyObserved(), errors_told: errorsTold([...slots, ...viewers]), served: servedToViewers(viewers) } };
}

/** What reached each client from the server, read off its proxy's log: the error codes it was told. */
function errorsTold(slots: readonly { name: string; proxy: FaultProxy }[]): Record<string, string[]> {
  const told: Record<string, string[]> = {};
  for (const slot of slots) {
    for (const e of slot.proxy.log()) {
      const toClient = (e.kind === "ws_frame" && e.direction === "to_client") || e.kind === "http_response";
      if (!toClient || e.body === undefined || e.detail === "duplicate" || e.detail === "binary") continue;
      for (const code of scanWire(jsonValues(e.body)).codes) if (!(told[slot.name] ??= []).includes(code)) told[slot.name]!.push(code);
    }
  }
  return told;
}

/** Log entries and snapshots the server sent each viewer, read off its proxy's log (credentials are not read yet: null). */
function servedToViewers(viewers: readonly ViewerSlot[]): RunRecord["observed"]["served"] {
  const served: RunRecord["observed"]["served"] = [];
  for (const v of viewers) {
    for (const e of v.proxy.log()) {
      const toViewer = (e.kind === "ws_frame" && e.direction === "to_client") || e.kind === "http_response";
      if (!toViewer || e.body === undefined || e.detail === "duplicate" || e.detail === "binary") continue;
      const scan = scanWire(jsonValues(e.body));
      if (scan.entries.length === 0 && scan.snapshots.length === 0) continue;
      served.push({ t: Math.round(e.t_ms), node: v.name, share: v.share.id, cursors: scan.entries, snapshot: scan.snapshots[0] ?? null, credential: null, share_epoch: 0 });
    }
  }
  return served;
}

/** Marks the proxy logs on every message a fault touched, not faults of their own (the harness counts stalls and silent deaths). */
const PER_MESSAGE = new Set(["discarded", "blackhole", "stall", "hook_error"]);

/** The network faults that took effect, by kind, from every proxy's log. */
export function networkFaults(slots: readonly { proxy: FaultProxy }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const slot of slots) for (const e of slot.proxy.log()) if (e.fault && !PER_MESSAGE.has(e.fault)) counts[e.fault] = (counts[e.fault] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}
