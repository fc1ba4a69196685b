import type { BareCallRow, BenchReport, CeilingRow, CellRow } from "../bench/report.ts";

// `replaysim bench` for people: one table of cells, the reference points, the
// goals, and what the storage settings were.

function storageText(r: { storage: string; synchronous: string | null }): string {
  return r.synchronous === null ? r.storage : `${r.storage}/${r.synchronous}`;
}

/** A number for a table cell: grouped thousands, or fixed digits; `-` when there is none. */
export function num(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "-";
  return digits === 0 ? Math.round(n).toLocaleString("en-US") : n.toFixed(digits);
}

/** Aligned columns under a header and a rule; columns from `rightFrom` on are right-aligned. */
export function table(header: string[], rows: string[][], rightFrom: number): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

export function benchConsole(report: BenchReport): string[] {
  const cells = report.rows.filter((r): r is CellRow => r.kind === "cell");
  const ceilings = report.rows.filter((r): r is CeilingRow => r.kind === "ceiling");
  const calls = report.rows.filter((r): r is BareCallRow => r.kind === "capnweb-call");
  const out: string[] = [];
  out.push(
    ...table(
      ["mode", "transport", "batch", "in-flight", "storage", "sync ops/s", "× ceiling", "enqueue ops/s", "p50 ms", "p99 ms", "sent/op", "req B/op", "server µs/op"],
      cells.map((c) => [
        c.mode,
        c.transport,
        String(c.batch),
        String(c.in_flight),
        storageText(c),
        c.error ? "ERROR" : num(c.ops_per_s),
        num(c.ceiling_ratio, 3),
        num(c.enqueue_ops_per_s),
        num(c.latency_ms?.p50, 3),
        num(c.latency_ms?.p99, 3),
        c.error ? "-" : num(c.op_amplification, 2),
        num(c.request_bytes_per_op),
        num(c.server_cpu_us_per_op, 1),
      ]),
      5,
    ),
  );
  out.push("");
  out.push("Reference points, same run:");
  out.push(
    ...table(
      ["reference", "batch", "storage", "ops/s", "p50 ms", "p99 ms"],
      [
        ...ceilings.map((c) => ["SQLite ceiling", String(c.batch), storageText(c), c.error ? "ERROR" : num(c.ops_per_s), "-", "-"]),
        ...calls.map((c) => [`bare capnweb call, ${c.mode}`, "-", "-", c.error ? "ERROR" : num(c.ops_per_s), num(c.latency_ms?.p50, 3), num(c.latency_ms?.p99, 3)]),
      ],
      3,
    ),
  );
  out.push("");
  for (const g of report.goals) {
    const ratios = Object.entries(g.ratios).map(([k, v]) => `${k} ${num(v, 2)}`);
    const verdict = g.met === null ? "not measured" : g.met ? "met" : "missed";
    out.push(`goal ${g.name} (${g.target}): ${verdict}${ratios.length ? `; ${ratios.join(", ")}` : ""}`);
  }
  for (const r of report.rows.filter((r) => r.error !== null)) {
    const what = r.kind === "cell" ? `${r.mode} ${r.transport} batch ${r.batch} in-flight ${r.in_flight} ${storageText(r)}` : r.kind === "ceiling" ? `ceiling batch ${r.batch} ${storageText(r)}` : `bare capnweb call ${r.mode}`;
    out.push(`error: ${what}: ${r.error}`);
  }
  out.push("");
  for (const note of report.notes) out.push(`note: ${note}`);
  out.push(`${report.rows.length} rows in ${(report.wall_ms / 1000).toFixed(1)} s on ${report.machine.cpus} cores, node ${report.machine.node}; ${report.matrix.ops} ops per sample, ${report.matrix.time_ms} ms per cell.`);
  return out;
}
