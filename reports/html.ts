import { esc } from "./escape.ts";
import type { ExploreSummary } from "./explore-summary.ts";

/** A self-contained HTML page: verdicts, faults, and every failure with its files and replay command. */
export function exploreHtml(summary: ExploreSummary): string {
  const rows = (pairs: [string, number][]) => pairs.map(([k, n]) => `<tr><td>${esc(k)}</td><td class="n">${n}</td></tr>`).join("") || `<tr><td colspan="2">none</td></tr>`;
  const failures = summary.failures
    .map((f) => {
      const shrunk = f.shrunk ? `<p>Shrunk in ${f.shrunk.runs} runs: ${esc(f.shrunk.message)}</p>` : "";
      // Links are relative to this page, which sits at the root of the output directory.
      const timeline = f.files.timeline ? ` · <a class="timeline" href="${esc(f.files.timeline)}">timeline</a>` : "";
      return `<section class="fail" id="seed-${f.seed}-${esc(f.transport)}"><h3>seed ${f.seed} · ${esc(f.transport)} · ${esc(f.checker)}/${esc(f.anomaly)}</h3><p>${esc(f.message)}</p>${shrunk}<p>Scenario: <a class="scenario" href="${esc(f.files.scenario)}">${esc(f.files.scenario)}</a>${timeline}</p><pre>${esc(f.repro)}</pre></section>`;
    })
    .join("\n");
  const dots = summary.outcomes
    .map((o) => {
      const dot = `<span class="${o.verdict}" title="seed ${o.seed} ${o.transport}: ${o.verdict}${o.checkers.length ? ` (${esc(o.checkers.join(", "))})` : ""}"></span>`;
      return o.verdict === "fail" ? `<a href="#seed-${o.seed}-${esc(o.transport)}">${dot}</a>` : dot;
    })
    .join("");
  const from = Array.isArray(summary.merged_from) ? (summary.merged_from as { dir: string; shard: string | null; seeds_run: number; failures: number }[]) : [];
  const shards = from.length ? `<p>Shards: ${from.map((m) => `${esc(m.dir)} (${m.shard ?? "unsharded"}, ${m.seeds_run} seeds, ${m.failures} failing)`).join(", ")}.</p>` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(summary.title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:0 2rem 1rem 0;display:inline-table;vertical-align:top}
td,th{border-bottom:1px solid #ddd;padding:.2rem .8rem;text-align:left}.n{text-align:right}
.grid span{display:inline-block;width:8px;height:8px;margin:1px;border-radius:2px}.pass{background:#4a4}.fail{background:#d33}
tr.never td{color:#b00;font-weight:600}
section.fail{border-left:4px solid #d33;padding:.1rem 1rem;margin:1rem 0;background:#fff6f6}pre{background:#f4f4f4;padding:.4rem}
a.timeline{font-weight:600;color:#b0102b}
</style></head><body>
<h1>${esc(summary.title)}</h1>
<p>${summary.seeds_run} seeds, ${summary.runs} runs, ${summary.failures.length} failing; ${(summary.wall_ms / 1000).toFixed(1)} s at ${summary.seeds_per_s} seeds/s.</p>
${shards}
<table><tr><th>checker</th><th>failing runs</th></tr>${rows(Object.entries(summary.verdicts))}</table>
<table><tr><th>fault</th><th>injected</th></tr>${rows(Object.entries(summary.faults))}</table>
<table class="coverage"><tr><th>coverage condition</th><th>runs that reached it</th></tr>${Object.entries((summary.coverage ?? {}) as Record<string, number>)
    .map(([k, n]) => `<tr class="${n === 0 ? "never" : ""}"><td>${esc(k)}</td><td class="n">${n === 0 ? "never" : n}</td></tr>`)
    .join("")}</table>
<h2>Runs</h2><div class="grid">${dots}</div>
<h2>Failures</h2>${failures || "<p>None.</p>"}
</body></html>
`;
}
