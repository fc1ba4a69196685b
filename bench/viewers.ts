import { availableParallelism } from "node:os";
import type { TransportName } from "../client-under-test/transports/transport.ts";
import type { ViewerSettings } from "../client-under-test/viewer/settings.ts";
import { DEFAULT_LIMITS, type Limits } from "../protocol/limits.ts";
import { within } from "./deadline.ts";
import { loopbackEndpoint, type LoopbackEndpoint } from "./loopback.ts";
import { measureViewerCell, type ViewerCellMeasure, type WriterPace } from "./viewer-cell.ts";
import { benchBodies } from "./workload.ts";

// `npm run bench:viewers`: one writer at batch 100 and 1, 10 or 100 live
// viewers following its share, by push over WebSocket or by polling over HTTP,
// each cell against a fresh loopback server child. A cell that fails or runs
// past its bound becomes a row with its error, never a hang.

export interface ViewersPlan {
  transports: TransportName[];
  viewers: number[];
  writers: WriterPace[];
  ops: number;
  batch: number;
  pace_ms: number;
  /** Measured samples per cell; null: 3 for cells of fewer than 10 viewers (one viewer's timing depends on its poll phase), 1 otherwise. */
  samples: number | null;
  settle_ms: number;
  sample_deadline_ms: number;
}

export const VIEWERS_PLAN: ViewersPlan = Object.freeze({
  transports: ["websocket", "http-batch", "rest"],
  viewers: [1, 10, 100],
  writers: ["burst", "paced"],
  ops: 2000,
  batch: 100,
  pace_ms: 100,
  samples: null,
  settle_ms: 1000,
  sample_deadline_ms: 60_000,
}) as ViewersPlan;

/** Polling viewers: back to the server 25–50 ms after a page with news, up to 0.5–1 s apart while the share is quiet. */
export const POLL_SETTINGS: Pick<ViewerSettings, "poll_min_ms" | "poll_max_ms" | "page_limit"> = Object.freeze({ poll_min_ms: 50, poll_max_ms: 1000, page_limit: 100 });

/** The writer is the same in every cell: only the viewers change. */
export const WRITER_TRANSPORT: TransportName = "websocket";

const LOOPBACK_START_MS = 20_000;

export interface ViewersRow extends ViewerCellMeasure {
  writer: WriterPace;
  /** null for the 0-viewer row: the writer alone. */
  transport: TransportName | null;
  follow: "push" | "poll" | null;
  viewers: number;
  ops: number;
  error: string | null;
}

export interface ViewersReport {
  plan: ViewersPlan;
  writer: { transport: TransportName; batch: number; calls_in_flight: number; pace_ms: number };
  viewer_settings: { push: string; poll: typeof POLL_SETTINGS };
  limits: Pick<Limits, "push_entries_max" | "push_in_flight_max" | "read_limit_max">;
  rows: ViewersRow[];
  machine: { cpus: number; node: string; platform: string };
  wall_ms: number;
  notes: string[];
}

export interface ViewersProgress {
  done: number;
  total: number;
  label: string;
}

export function samplesOf(plan: ViewersPlan, viewers: number): number {
  return plan.samples ?? (viewers < 10 ? 3 : 1);
}

export function followOf(transport: TransportName): "push" | "poll" {
  return transport === "websocket" ? "push" : "poll";
}

/** The cells to run, in order: per writer, the writer alone first, then every transport and viewer count. */
export function cellsOf(plan: ViewersPlan): { writer: WriterPace; transport: TransportName | null; viewers: number }[] {
  return plan.writers.flatMap((writer) => [
    { writer, transport: null, viewers: 0 },
    ...plan.transports.flatMap((transport) => plan.viewers.map((viewers) => ({ writer, transport, viewers }))),
  ]);
}

export function cellName(cell: { writer: WriterPace; transport: TransportName | null; viewers: number }): string {
  return cell.transport === null ? `${cell.writer} writer alone` : `${cell.writer} writer, ${cell.viewers} viewer${cell.viewers === 1 ? "" : "s"} ${followOf(cell.transport)} (${cell.transport})`;
}

const EMPTY: ViewerCellMeasure = {
  samples: 0,
  entries_delivered: 0,
  wall_ms: 0,
  entries_per_s: 0,
  writer_ms: 0,
  latency_ms: null,
  latency_from_send_ms: null,
  server_cpu_us_per_entry: null,
  server_cpu_us_per_op: null,
  request_bytes_per_entry: null,
  viewer_session_failures: 0,
};

export async function runViewersBench(plan: ViewersPlan, onProgress?: (p: ViewersProgress) => void): Promise<ViewersReport> {
  const started = performance.now();
  const bodies = benchBodies(plan.ops);
  const limits = DEFAULT_LIMITS;
  const cells = cellsOf(plan);
  const rows: ViewersRow[] = [];
  let done = 0;
  for (const cell of cells) {
    onProgress?.({ done: done++, total: cells.length, label: cellName(cell) });
    const base = { writer: cell.writer, transport: cell.transport, follow: cell.transport && followOf(cell.transport), viewers: cell.viewers, ops: plan.ops };
    // Each wait of a sample is bounded; this bound only catches what slips through, and kills the server.
    const samples = samplesOf(plan, cell.viewers);
    const bound = (samples + 1) * 3 * plan.sample_deadline_ms + LOOPBACK_START_MS;
    let endpoint: LoopbackEndpoint | undefined;
    try {
      const measured = (async () => {
        endpoint = await loopbackEndpoint({ name: "memory", synchronous: null }, null, limits, LOOPBACK_START_MS);
        return measureViewerCell({ transport: cell.transport ?? WRITER_TRANSPORT, viewers: cell.viewers, writer: cell.writer }, endpoint, {
          bodies,
          batch: plan.batch,
          pace_ms: plan.pace_ms,
          writer_transport: WRITER_TRANSPORT,
          poll_settings: POLL_SETTINGS,
          settle_ms: plan.settle_ms,
          samples,
          limits,
          sample_deadline_ms: plan.sample_deadline_ms,
        });
      })();
      measured.catch(() => {});
      rows.push({ ...base, ...(await within(measured, bound, cellName(cell))), error: null });
    } catch (error) {
      rows.push({ ...base, ...EMPTY, error: String((error as Error)?.message ?? error) });
    } finally {
      await endpoint?.close();
    }
  }
  onProgress?.({ done, total: cells.length, label: "done" });
  return {
    plan,
    writer: { transport: WRITER_TRANSPORT, batch: plan.batch, calls_in_flight: 1, pace_ms: plan.pace_ms },
    viewer_settings: { push: "defaults (client-under-test/viewer/settings.ts)", poll: POLL_SETTINGS },
    limits: { push_entries_max: limits.push_entries_max, push_in_flight_max: limits.push_in_flight_max, read_limit_max: limits.read_limit_max },
    rows,
    machine: { cpus: availableParallelism(), node: process.version, platform: `${process.platform}-${process.arch}` },
    wall_ms: Math.round(performance.now() - started),
    notes: [
      `Every cell: a fresh loopback server child (in-memory SQLite) on 127.0.0.1; one writer (${WRITER_TRANSPORT}, batch ${plan.batch}, 1 call in flight) appends ${plan.ops} agent-session ops to a fresh share; N ShareViewers (in-memory SQLite each, all in this process) follow it from cursor 0 over real sockets, and start ${plan.settle_ms} ms before the writer.`,
      `burst: the writer's outbox is full before it starts and syncs as fast as acks return; paced: it enqueues one batch every ${plan.pace_ms} ms (${Math.round((plan.batch * 1000) / plan.pace_ms)} ops/s).`,
      `push (websocket): default viewer settings; the server pushes at most ${limits.push_entries_max} entries per push, ${limits.push_in_flight_max} pushes outstanding per viewer. poll (http-batch, rest): poll_min_ms ${POLL_SETTINGS.poll_min_ms}, poll_max_ms ${POLL_SETTINGS.poll_max_ms}, page_limit ${POLL_SETTINGS.page_limit}: a full page asks again at once, otherwise the next poll is ${POLL_SETTINGS.poll_min_ms / 2}–${POLL_SETTINGS.poll_min_ms} ms later after news, doubling up to ${POLL_SETTINGS.poll_max_ms / 2}–${POLL_SETTINGS.poll_max_ms} ms while nothing is new.`,
      plan.samples === null
        ? "samples: 3 per cell below 10 viewers (a single viewer's latency depends on where its poll loop stands when the writer starts), 1 from 10 viewers on; each cell first runs one small warm-up sample on its fresh server."
        : `samples: ${plan.samples} per cell, after one small warm-up sample on its fresh server.`,
      "entries/s: entries applied by all viewers ÷ wall time from the writer's start to the last viewer at the final cursor.",
      "latency: per (entry, viewer), from the return of the writer's append call that carried the entry to that viewer's viewer_applied probe; negative when the viewer applied it before the writer's ack was handled (the server pushes before it replies, and all viewers share this process). latency_from_send_ms counts from when that call was sent instead.",
      "server µs/entry: the server child's user+system CPU during the measured run ÷ entries delivered, appending included; the 'writer alone' row gives the appending cost per op.",
      "All viewers and the writer run in this one Node process: at 100 viewers it and the server child each keep about a full core busy, so entries/s there is the machine's ceiling as much as the transport's.",
    ],
  };
}

// ---------------------------------------------------------------- the table

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1));

const pair = (q: { p50: number; p99: number } | null) => (q === null ? "–" : `${ms(q.p50)} / ${ms(q.p99)}`);

/** The report as a Markdown table, one row per cell, and its notes. */
export function viewersTable(report: ViewersReport): string {
  const header = ["writer", "viewers follow by", "viewers", "entries/s", "latency from ack p50 / p99 ms", "from send p50 / p99 ms", "server µs/entry", "writer ms", "note"];
  const lines = [`| ${header.join(" | ")} |`, `| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |`];
  for (const r of report.rows) {
    const alone = r.transport === null;
    const by = alone ? "(writer alone)" : `${r.follow} (${r.transport})`;
    const cpu = alone ? (r.server_cpu_us_per_op === null ? "–" : `${r.server_cpu_us_per_op.toFixed(1)} per op`) : r.server_cpu_us_per_entry === null ? "–" : r.server_cpu_us_per_entry.toFixed(1);
    const cells = r.error
      ? [r.writer, by, String(r.viewers), "–", "–", "–", "–", "–", `failed: ${r.error}`]
      : [
          r.writer,
          by,
          String(r.viewers),
          alone ? "–" : int(r.entries_per_s),
          alone ? "–" : pair(r.latency_ms),
          alone ? "–" : pair(r.latency_from_send_ms),
          cpu,
          int(r.writer_ms),
          r.viewer_session_failures > 0 ? `${r.viewer_session_failures} viewer sessions failed and reopened` : "",
        ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  const m = report.machine;
  return [...lines, "", `${m.cpus} CPUs, Node ${m.node}, ${m.platform}; ${(report.wall_ms / 1000).toFixed(1)} s in all.`, ...report.notes.map((n) => `- ${n}`)].join("\n");
}
