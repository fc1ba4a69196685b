import type { HistoryEventOf } from "../../sim/history/events.ts";
import type { HistoryEvent } from "../../sim/history/history.ts";
import type { Keys } from "../timeline-keys.ts";
import type { Canvas } from "./canvas.ts";
import type { Drawing, Place } from "./context.ts";
import type { Row } from "./model.ts";

// Marks of the processes themselves: a crash opens a "down" band that the
// restart closes; the world's own events (the heal) span every lane; and an
// event type no drawer knows is still shown, as it was recorded.

/** An event of the world's: drawn across every lane. */
export function worldMark(canvas: Canvas, e: HistoryEvent): void {
  const row = canvas.row(e.t, -1);
  canvas.mark(row, "dot", e.type === "heal" ? "faults healed · liveness phase" : e.type, `${e.type} at ${e.t} ms`);
}

/** A type this renderer does not draw (viewers' leaving, coverage, new probes): shown as it was recorded. */
export function genericMark(d: Drawing, e: HistoryEvent, p: Place): void {
  const facts = Object.entries(e.data)
    .map(([k, v]) => `${k} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(", ");
  d.canvas.mark(p.at(p.own), "dot", e.type.replace(/_/g, " "), `${e.type}${facts ? `: ${facts}` : ""}`);
}

export function crash(d: Drawing, e: HistoryEventOf<"crash">, p: Place): void {
  const { cause, silent, power_loss } = e.data;
  const row = p.at(p.own);
  const what = power_loss ? "power loss" : silent ? "silent crash" : "crash";
  const how = power_loss ? " with its host's power (its files keep only what was durable)" : silent ? " silently (its host black-holes)" : "";
  d.canvas.mark(row, "crash", `${what}: ${cause}`, `${p.node} crashed${how}: ${cause}`);
  d.bands.open(`down:${p.node}`, "down", row, `${p.node} down`);
}

export function restart(d: Drawing, e: HistoryEventOf<"restart">, p: Place): void {
  const row = p.at(p.own);
  if (p.node === "server") serverRestart(d, e, row);
  else nodeRestart(d, e, p, row);
  d.bands.close(`down:${p.node}`, p.own, row);
}

function serverRestart(d: Drawing, e: HistoryEventOf<"restart">, row: Row): void {
  const cursors = "cursors" in e.data ? e.data.cursors : {};
  const incarnation = "incarnation" in e.data ? e.data.incarnation : undefined;
  const names = d.names;
  const shown = Object.entries(cursors).map(([id, c]) => `${names.shareCount > 1 ? `${names.share(id)} ` : ""}cur ${c}`);
  const keys: Keys = { seqs: [], ops: [], cursors: Object.entries(cursors).map(([id, c]) => ({ share: names.share(id), lo: c, hi: c })) };
  d.canvas.mark(row, "restart", shown.length > 0 ? `restart: ${shown.join(", ")}` : "restart", `server restarted (incarnation ${String(incarnation)}): cursors ${JSON.stringify(cursors)}`, keys);
  for (const [id, c] of Object.entries(cursors)) d.charts.cursorPoint(e.t, names.share(id), c);
}

/**
 * A client's restart, or a viewer's. A viewer's names no acked seq nor
 * pending count: its label reads "undefined" and its outbox chart takes
 * undefined and NaN, as it always has.
 */
function nodeRestart(d: Drawing, e: HistoryEventOf<"restart">, p: Place, row: Row): void {
  const data = e.data;
  if ("messages_done" in data) {
    d.canvas.mark(row, "restart", `restart: ${data.messages_done} of ${data.messages} messages done`, `${p.node} (A2A client) restarted: ${data.messages_done} of ${data.messages} messages done`);
    return;
  }
  const acked = "acked_seq" in data ? data.acked_seq : undefined;
  const pending = "pending" in data ? data.pending : undefined;
  const cursor = "cursor" in data ? data.cursor : undefined;
  d.canvas.mark(row, "restart", `restart: acked ≤${String(acked)}, ${String(pending)} pending`, `${p.node} restarted: acked_seq ${String(acked)}, pending ${String(pending)}, cursor ${String(cursor)}`);
  d.charts.moveOutbox(e.t, p.node, (o) => {
    o.acked = acked as number;
    o.seq = (acked as number) + (pending as number);
  });
}

export function uncaughtException(d: Drawing, e: HistoryEventOf<"uncaught_exception">, p: Place): void {
  d.canvas.mark(p.at(p.own), "fault", "uncaught exception", `uncaught exception: ${e.data.message}`);
}

/** What a power loss took: the commits and the ops in them. */
export function powerLoss(d: Drawing, e: HistoryEventOf<"power_loss">, p: Place): void {
  const { synchronous, commits_lost, commits_kept, torn, ops_lost } = e.data;
  const shown = ops_lost.length > 6 ? [...ops_lost.slice(0, 6), `… ${ops_lost.length - 6} more`] : ops_lost;
  const label = ops_lost.length > 0 ? `power loss took ${ops_lost.length} ops: ${shown.join(", ")}` : `power loss: nothing committed lost`;
  const detail = `${p.node} lost power (synchronous=${synchronous}): ${commits_lost} commits lost, ${commits_kept} kept${torn ? ", a torn WAL frame at the end" : ""}; ops lost: ${ops_lost.join(", ") || "none"}`;
  d.canvas.mark(p.at(p.own), ops_lost.length > 0 ? "fault" : "dot", label, detail);
}

export function diskFull(d: Drawing, e: HistoryEventOf<"disk_full">, p: Place): void {
  d.canvas.mark(p.at(p.own), "fault", `disk full ${Math.round(e.data.duration_ms / 100) / 10} s`, `${p.node}'s database cannot grow for ${e.data.duration_ms} ms`);
}

export function diskFullEnded(d: Drawing, _e: HistoryEventOf<"disk_full_ended">, p: Place): void {
  d.canvas.mark(p.at(p.own), "dot", "disk has room", `${p.node}'s disk has room again`);
}
