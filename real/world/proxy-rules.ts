import { drawChance, drawInt } from "../../sim/kernel/draw.ts";
import { RandomStreams } from "../../sim/kernel/prng.ts";
import type { Scenario } from "../../sim/scenario/schema.ts";
import type { HttpRule, PartitionWindow, ProxyRules, WsRule } from "../proxy/rules.ts";

// A scenario's network faults as rules for the fault proxy in front of one
// client. Faults are decided per message position (the nth request, the cth
// connection), as the simulator decides them, from the scenario's seed; only
// which message lands at which position is up to the real world. Random
// partitions are drawn in scenario time and scaled like every other time.

/** How far ahead positions get a decision: more requests or connections than a real run makes. */
export const HTTP_POSITIONS = 5000;
export const WS_POSITIONS = 500;
/** Scenario time over which random partitions are drawn. */
const PARTITION_SPAN_MS = 120_000;

/** `origin_ms`: where scenario time 0 falls on the proxy's clock. */
export function proxyRulesFor(scenario: Scenario, client: string, time_scale: number, origin_ms = 0): ProxyRules {
  const f = scenario.faults;
  const streams = new RandomStreams(scenario.seed);
  const s = (name: string) => streams.stream(`real/${client}/${name}`);
  const scaled = (ms: number) => Math.round(ms * time_scale);
  const placed = (ms: number) => origin_ms + scaled(ms);

  const http: HttpRule[] = [];
  const explicitHttp = new Map(scenario.timeline.flatMap((a) => (a.action === "http" && a.node === client ? [[a.request, a] as const] : [])));
  const hs = s("http");
  for (let n = 1; n <= HTTP_POSITIONS; n++) {
    const a = explicitHttp.get(n);
    if (a) {
      http.push(a.fault === "duplicate" ? { request: n, fault: "duplicate", delay_ms: scaled(a.delay_ms) } : a.fault === "delay" ? { request: n, fault: "delay", ms: scaled(a.delay_ms) } : { request: n, fault: a.fault });
      continue;
    }
    if (drawChance(hs, f.http_drop_request)) http.push({ request: n, fault: "drop_request" });
    else if (drawChance(hs, f.http_drop_response)) http.push({ request: n, fault: "drop_response" });
    else if (drawChance(hs, f.http_duplicate)) http.push({ request: n, fault: "duplicate", delay_ms: scaled(drawInt(hs, ...f.http_duplicate_delay_ms)) });
    // A reorder is a delay long enough for later requests to overtake it.
    else if (drawChance(hs, f.http_delay) || drawChance(hs, f.http_reorder)) http.push({ request: n, fault: "delay", ms: scaled(drawInt(hs, ...f.http_delay_ms)) });
  }

  const ws: WsRule[] = [];
  const ws_s = s("ws");
  for (let conn = 1; conn <= WS_POSITIONS; conn++) {
    if (drawChance(ws_s, f.ws_refuse_connect)) {
      ws.push({ conn, fault: "refuse" });
      continue;
    }
    const cut = scenario.timeline.find((a) => a.action === "cut" && a.node === client && a.connection === conn);
    if (cut && cut.action === "cut") ws.push({ conn, fault: "cut", after_frame: cut.after_frames, direction: cut.direction, how: "close" });
    else if (drawChance(ws_s, f.ws_cut)) {
      ws.push({ conn, fault: "cut", after_frame: drawInt(ws_s, 0, f.ws_cut_frames_max), direction: ws_s.next() < 0.5 ? "to_server" : "to_client", how: drawChance(ws_s, f.crash_reset) ? "reset" : "close" });
    } else if (drawChance(ws_s, f.ws_stall)) {
      // A stall outlasts the client's deadline, as in the simulator.
      ws.push({ conn, fault: "stall", after_frame: drawInt(ws_s, 0, f.ws_cut_frames_max), direction: ws_s.next() < 0.5 ? "to_server" : "to_client", ms: scenario.client.deadline_ms + 200 });
    }
  }

  const partition: PartitionWindow[] = [];
  for (const a of scenario.timeline) {
    if (a.action === "partition" && (a.node === client || a.node === "all")) partition.push({ from_ms: placed(a.at_ms), to_ms: placed(a.at_ms + a.duration_ms) });
  }
  if (f.partition_per_min > 0) {
    const ps = s("partition");
    for (let t = 0; ; ) {
      t += Math.ceil(-Math.log(1 - ps.next()) * (60_000 / f.partition_per_min));
      if (t > PARTITION_SPAN_MS) break;
      const duration = drawInt(ps, ...f.partition_ms);
      partition.push({ from_ms: placed(t), to_ms: placed(t + duration) });
    }
  }
  partition.sort((a, b) => a.from_ms - b.from_ms);

  // A stall freezes the traffic already flowing, for the node it names.
  const stall = scenario.timeline.flatMap((a) => (a.action === "stall" && a.node === client ? [{ from_ms: placed(a.at_ms), to_ms: placed(a.at_ms + a.duration_ms) }] : [])).sort((a, b) => a.from_ms - b.from_ms);
  // The reply to the nth batch the server applied for this client is lost, as in sim/faults/reply-loss.ts.
  const lose_reply = scenario.timeline.flatMap((a) => (a.action === "lose_reply" && a.node === client ? [a.nth_apply] : []));

  return { http, ws, partition: mergeOverlaps(partition), latency_ms: scenario.network.latency_ms[0], ...(stall.length > 0 ? { stall: mergeOverlaps(stall) } : {}), ...(lose_reply.length > 0 ? { lose_reply } : {}) };
}

function mergeOverlaps(windows: readonly PartitionWindow[]): PartitionWindow[] {
  const out: PartitionWindow[] = [];
  for (const w of windows) {
    const last = out[out.length - 1];
    if (last && w.from_ms <= last.to_ms) last.to_ms = Math.max(last.to_ms, w.to_ms);
    else out.push({ ...w });
  }
  return out;
}
