import type { HistoryEvent } from "./history/history.ts";

// How much work a run took to deliver its ops, read off its history. A client
// that resends needlessly or reconnects too often still passes every checker;
// these figures make it visible. Pure functions: same history, same figures.

export interface RunEfficiency {
  /** Ops whose enqueue committed. */
  ops: number;
  /** Ops the clients put on the wire: the sum of every call_sent seq range (resends count again). */
  ops_sent: number;
  /** Ops the server applied (its `applied` events). */
  ops_applied: number;
  /** Sessions redeemed beyond each client's first one. */
  reconnects: number;
  /** From the heal to the last ack, when the run drained; null when it did not drain or never healed. */
  heal_to_drained_ms: number | null;
}

/** A run stopped before its end (a hang) left nothing to count. */
export function noEfficiency(): RunEfficiency {
  return { ops: 0, ops_sent: 0, ops_applied: 0, reconnects: 0, heal_to_drained_ms: null };
}

export function runEfficiency(history: readonly HistoryEvent[], outcome: string): RunEfficiency {
  let ops = 0;
  let ops_sent = 0;
  let ops_applied = 0;
  let healAt: number | null = null;
  let lastAck: number | null = null;
  const redeems = new Map<string, number>();
  for (const e of history) {
    switch (e.type) {
      case "enqueue_committed":
        ops++;
        break;
      case "call_sent":
        ops_sent += e.data.seq_to - e.data.seq_from + 1;
        break;
      case "applied":
        ops_applied += e.data.count;
        break;
      case "redeemed":
        redeems.set(e.node, (redeems.get(e.node) ?? 0) + 1);
        break;
      case "marked_acked":
        lastAck = e.t;
        break;
      case "heal":
        healAt ??= e.t;
        break;
    }
  }
  let reconnects = 0;
  for (const n of redeems.values()) reconnects += n - 1;
  const drained = outcome === "drained" && healAt !== null;
  return {
    ops,
    ops_sent,
    ops_applied,
    reconnects,
    heal_to_drained_ms: drained ? Math.max(0, (lastAck ?? healAt!) - healAt!) : null,
  };
}

export interface TransportEfficiency {
  runs: number;
  ops: number;
  ops_sent: number;
  ops_applied: number;
  reconnects: number;
  /** Reconnects per 1,000 committed ops; null without ops. */
  reconnects_per_1000_ops: number | null;
  /** Ops sent ÷ ops applied: 1 means nothing was sent twice. Null when nothing was sent or applied. */
  op_amplification: number | null;
  /** Over the runs that drained after a heal. */
  heal_to_drained_ms: { runs: number; p50: number | null; max: number | null };
}

function nearestRank(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Sums the runs of each transport, in the order the transports first appear. */
export function efficiencyByTransport(runs: readonly { transport: string; efficiency: RunEfficiency }[]): Record<string, TransportEfficiency> {
  const groups = new Map<string, RunEfficiency[]>();
  for (const r of runs) groups.set(r.transport, [...(groups.get(r.transport) ?? []), r.efficiency]);
  const out: Record<string, TransportEfficiency> = {};
  for (const [transport, list] of groups) {
    const sum = (key: "ops" | "ops_sent" | "ops_applied" | "reconnects") => list.reduce((s, e) => s + e[key], 0);
    const ops = sum("ops");
    const sent = sum("ops_sent");
    const applied = sum("ops_applied");
    const reconnects = sum("reconnects");
    const heal = list.map((e) => e.heal_to_drained_ms).filter((ms): ms is number => ms !== null).sort((a, b) => a - b);
    out[transport] = {
      runs: list.length,
      ops,
      ops_sent: sent,
      ops_applied: applied,
      reconnects,
      reconnects_per_1000_ops: ops > 0 ? round((reconnects / ops) * 1000, 2) : null,
      op_amplification: sent > 0 && applied > 0 ? round(sent / applied, 4) : null,
      heal_to_drained_ms: { runs: heal.length, p50: nearestRank(heal, 50), max: heal.length ? heal[heal.length - 1]! : null },
    };
  }
  return out;
}
