import type { ExploreResult } from "../sim/explore/explore.ts";
import type { FailureFile } from "./explore-summary.ts";

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A self-contained HTML page: verdicts, faults, and every failure with its replay command. */
export function exploreHtml(result: ExploreResult, files: readonly FailureFile[], title: string): string {
  const rows = (pairs: [string, number][]) => pairs.map(([k, n]) => `<tr><td>${esc(k)}</td><td class="n">${n}</td></tr>`).join("") || `<tr><td colspan="2">none</td></tr>`;
  const failures = files
    .map(({ failure: f, path, repro }) => {
      const shrunk = f.shrunk
        ? `<p>Shrunk in ${f.shrunk.runs} runs from ${f.shrunk.size_before.ops} to ${f.shrunk.size_after.ops} ops, ${f.shrunk.size_before.clients} to ${f.shrunk.size_after.clients} clients: ${esc(f.shrunk.violation.message)}</p>`
        : "";
      return `<section class="fail"><h3>seed ${f.seed} · ${esc(f.transport)} · ${esc(f.checker)}/${esc(f.violation.anomaly)}</h3><p>${esc(f.violation.message)}</p>${shrunk}<p>Scenario: <a href="${esc(path)}">${esc(path)}</a></p><pre>${esc(repro)}</pre></section>`;
    })
    .join("\n");
  const dots = result.outcomes.map((o) => `<span class="${o.verdict}" title="seed ${o.seed} ${o.transport}: ${o.verdict}${o.violation ? ` (${esc(o.violation.checker)})` : ""}"></span>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:0 2rem 1rem 0;display:inline-table;vertical-align:top}
td,th{border-bottom:1px solid #ddd;padding:.2rem .8rem;text-align:left}.n{text-align:right}
.grid span{display:inline-block;width:8px;height:8px;margin:1px;border-radius:2px}.pass{background:#4a4}.fail{background:#d33}
tr.never td{color:#b00;font-weight:600}
section.fail{border-left:4px solid #d33;padding:.1rem 1rem;margin:1rem 0;background:#fff6f6}pre{background:#f4f4f4;padding:.4rem}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${result.seeds_run} seeds, ${result.runs} runs, ${files.length} failing; ${(result.wall_ms / 1000).toFixed(1)} s at ${result.seeds_per_s} seeds/s.</p>
<table><tr><th>checker</th><th>failing runs</th></tr>${rows(Object.entries(result.verdicts))}</table>
<table><tr><th>fault</th><th>injected</th></tr>${rows(Object.entries(result.faults))}</table>
<table class="coverage"><tr><th>coverage condition</th><th>runs that reached it</th></tr>${Object.entries(result.coverage)
    .map(([k, n]) => `<tr class="${n === 0 ? "never" : ""}"><td>${esc(k)}</td><td class="n">${n === 0 ? "never" : n}</td></tr>`)
    .join("")}</table>
<h2>Runs</h2><div class="grid">${dots}</div>
<h2>Failures</h2>${failures || "<p>None.</p>"}
</body></html>
`;
}
