import type { BareCallRow, BenchReport, CeilingRow, CellRow } from "../bench/report.ts";

// bench.html: one self-contained page, inline SVG, no network. One chart per
// mode, storage and in-flight setting: sync ops/s against batch size (both
// axes logarithmic), one line per transport, and the SQLite ceiling dashed.

const COLORS: Record<string, string> = { websocket: "#1f6fb4", "http-batch": "#e07b00", rest: "#2a9d3a" };
const CEILING = "#444";

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function storageText(r: { storage: string; synchronous: string | null }): string {
  return r.synchronous === null ? r.storage : `${r.storage}/${r.synchronous}`;
}

function fmt(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e4 ? 0 : 1)}k`;
  return n.toFixed(n >= 10 ? 0 : 1);
}

interface Series {
  cls: "series" | "ceiling";
  name: string;
  color: string;
  points: { batch: number; value: number }[];
}

const W = 440;
const H = 280;
const M = { left: 56, right: 110, top: 16, bottom: 40 };

function chart(title: string, batches: readonly number[], series: Series[]): string {
  const values = series.flatMap((s) => s.points.map((p) => p.value)).filter((v) => v > 0);
  const lo = Math.floor(Math.log10(Math.min(...values, 1e9)));
  const hi = Math.ceil(Math.log10(Math.max(...values, 1)));
  const yMin = Math.min(lo, hi - 1);
  const yMax = Math.max(hi, yMin + 1);
  const bx = [...batches].sort((a, b) => a - b);
  const xLo = Math.log10(bx[0]!);
  const xHi = Math.log10(bx[bx.length - 1]!);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (batch: number) => (xHi === xLo ? M.left + plotW / 2 : M.left + ((Math.log10(batch) - xLo) / (xHi - xLo)) * plotW);
  const y = (v: number) => M.top + plotH - ((Math.log10(Math.max(v, 10 ** yMin)) - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [];
  for (let e = yMin; e <= yMax; e++) {
    const yy = y(10 ** e).toFixed(1);
    parts.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/><text class="tick" x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${fmt(10 ** e)}</text>`);
  }
  for (const b of bx) {
    const xx = x(b).toFixed(1);
    parts.push(`<line class="grid" x1="${xx}" x2="${xx}" y1="${M.top}" y2="${H - M.bottom}"/><text class="tick" x="${xx}" y="${H - M.bottom + 14}" text-anchor="middle">${b}</text>`);
  }
  parts.push(`<text class="axis" x="${M.left + plotW / 2}" y="${H - 6}" text-anchor="middle">batch size (ops per call)</text>`);
  parts.push(`<text class="axis" transform="rotate(-90)" x="${-(M.top + plotH / 2)}" y="12" text-anchor="middle">sync ops/s</text>`);
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.value > 0).sort((a, b) => a.batch - b.batch);
    const d = pts.map((p, j) => `${j === 0 ? "M" : "L"}${x(p.batch).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
    const dash = s.cls === "ceiling" ? ` stroke-dasharray="6 4"` : "";
    const label = `${s.name}`;
    parts.push(`<path class="${s.cls}" data-name="${esc(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${dash}><title>${esc(label)}</title></path>`);
    for (const p of pts) {
      parts.push(`<circle cx="${x(p.batch).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3" fill="${s.color}"><title>${esc(`${s.name}, batch ${p.batch}: ${Math.round(p.value)} ops/s`)}</title></circle>`);
    }
    const ly = M.top + 10 + i * 18;
    parts.push(`<line x1="${W - M.right + 10}" x2="${W - M.right + 30}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/><text class="legend" x="${W - M.right + 34}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  return `<figure><figcaption>${esc(title)}</figcaption><svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${parts.join("")}</svg></figure>`;
}

function num(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  return digits === 0 ? Math.round(n).toLocaleString("en-US") : n.toFixed(digits);
}

export function benchHtml(report: BenchReport, title = "replaysim bench"): string {
  const cells = report.rows.filter((r): r is CellRow => r.kind === "cell");
  const ceilings = report.rows.filter((r): r is CeilingRow => r.kind === "ceiling");
  const calls = report.rows.filter((r): r is BareCallRow => r.kind === "capnweb-call");
  const panels = new Map<string, CellRow[]>();
  for (const c of cells) {
    const key = `${c.mode} · ${storageText(c)} · in-flight ${c.in_flight}`;
    panels.set(key, [...(panels.get(key) ?? []), c]);
  }
  const charts = [...panels.entries()].map(([key, rows]) => {
    const first = rows[0]!;
    const transports = [...new Set(rows.map((r) => r.transport))];
    const series: Series[] = transports.map((t) => ({
      cls: "series",
      name: t,
      color: COLORS[t] ?? "#888",
      points: rows.filter((r) => r.transport === t && r.error === null).map((r) => ({ batch: r.batch, value: r.ops_per_s })),
    }));
    const ceiling = ceilings.filter((c) => c.storage === first.storage && c.synchronous === first.synchronous && c.error === null);
    series.push({ cls: "ceiling", name: "SQLite ceiling", color: CEILING, points: ceiling.map((c) => ({ batch: c.batch, value: c.ops_per_s })) });
    return chart(key, report.matrix.batches, series);
  });
  const cellRows = cells
    .map(
      (c) =>
        `<tr${c.error ? ` class="error" title="${esc(c.error)}"` : ""}><td>${c.mode}</td><td>${c.transport}</td><td class="n">${c.batch}</td><td class="n">${c.in_flight}</td><td>${storageText(c)}</td>` +
        `<td class="n">${c.error ? "error" : num(c.ops_per_s)}</td><td class="n">${num(c.ceiling_ratio, 3)}</td><td class="n">${num(c.enqueue_ops_per_s)}</td>` +
        `<td class="n">${num(c.latency_ms?.p50, 3)}</td><td class="n">${num(c.latency_ms?.p99, 3)}</td><td class="n">${c.error ? "–" : num(c.op_amplification, 2)}</td><td class="n">${num(c.request_bytes_per_op)}</td><td class="n">${num(c.server_cpu_us_per_op, 1)}</td></tr>`,
    )
    .join("\n");
  const refRows = [
    ...ceilings.map((c) => `<tr><td>SQLite ceiling</td><td class="n">${c.batch}</td><td>${storageText(c)}</td><td class="n">${c.error ? "error" : num(c.ops_per_s)}</td><td class="n">–</td><td class="n">–</td></tr>`),
    ...calls.map((c) => `<tr><td>bare capnweb call, ${c.mode}</td><td class="n">–</td><td>–</td><td class="n">${c.error ? "error" : num(c.ops_per_s)}</td><td class="n">${num(c.latency_ms?.p50, 3)}</td><td class="n">${num(c.latency_ms?.p99, 3)}</td></tr>`),
  ].join("\n");
  const goals = report.goals
    .map((g) => `<li><b>${esc(g.name)}</b> (${esc(g.target)}): ${g.met === null ? "not measured" : g.met ? "met" : "missed"}; ${Object.entries(g.ratios).map(([k, v]) => `${esc(k)} ${num(v, 2)}`).join(", ")}</li>`)
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:90rem;color:#222}
figure{display:inline-block;margin:0 1.5rem 1.5rem 0;vertical-align:top}figcaption{font-weight:600;margin-bottom:.3rem}
.grid{stroke:#e4e4e4}.tick,.legend{font-size:11px;fill:#444}.axis{font-size:12px;fill:#222}
table{border-collapse:collapse;margin:0 0 1.5rem}td,th{border-bottom:1px solid #ddd;padding:.15rem .6rem;text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}
tr.error td{background:#fff0f0}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${report.rows.length} rows in ${(report.wall_ms / 1000).toFixed(1)} s on ${report.machine.cpus} cores (${esc(report.machine.platform)}, node ${esc(report.machine.node)}); ${report.matrix.ops} ops per sample${report.quick ? ", quick matrix" : ""}.</p>
<h2>Sync throughput against batch size</h2>
${charts.join("\n")}
<h2>Goals</h2><ul>${goals}</ul>
<h2>Every cell</h2>
<table><tr><th>mode</th><th>transport</th><th>batch</th><th>in-flight</th><th>storage</th><th>sync ops/s</th><th>× ceiling</th><th>enqueue ops/s</th><th>p50 ms</th><th>p99 ms</th><th>sent/op</th><th>req B/op</th><th>server µs/op</th></tr>
${cellRows}
</table>
<h2>Reference points</h2>
<table><tr><th>reference</th><th>batch</th><th>storage</th><th>ops/s</th><th>p50 ms</th><th>p99 ms</th></tr>
${refRows}
</table>
<ul>${report.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>
</body></html>
`;
}
