import type { HistoryEventOf } from "../../sim/history/events.ts";
import type { Drawing, Place } from "./context.ts";

// Partitions and stalls: a fault mark where the window opens, a band down the
// lane (the server's for "all") until the mark where it ends.

function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s` : `${ms} ms`;
}

/** A partition or stall of one node, or of "all" (drawn on the server's lane). */
export function faultWindow(d: Drawing, e: HistoryEventOf<"partition" | "stall">, p: Place): void {
  const row = p.at(p.own);
  const all = e.node === "all";
  const who = all ? "every client" : p.node;
  d.canvas.mark(row, "fault", `${e.type} ${seconds(e.data.duration_ms)}${all ? " (all)" : ""}`, `${e.type} of ${who} for ${e.data.duration_ms} ms`);
  d.bands.open(`${e.type}:${e.node}`, e.type, row, `${e.type}${all ? " (all)" : ""}`);
}

export function faultWindowEnded(d: Drawing, e: HistoryEventOf<"partition_ended" | "stall_ended">, p: Place): void {
  const kind = e.type.replace("_ended", "");
  const row = p.at(p.own);
  d.canvas.mark(row, "dot", `${kind} over`, `${kind} of ${e.node} ended`);
  d.bands.close(`${kind}:${e.node}`, p.own, row);
}
