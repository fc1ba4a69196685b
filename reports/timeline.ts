import type { Violation } from "../sim/checker-names.ts";
import type { RunResult } from "../sim/run-scenario.ts";
import { esc } from "./escape.ts";
import { chartSvg } from "./timeline-charts.ts";
import { formatMs, LAYOUT } from "./timeline-layout.ts";
import { buildTimeline, type TimelineModel } from "./timeline-model.ts";
import { TIMELINE_SCRIPT } from "./timeline-script.ts";
import { TIMELINE_STYLE } from "./timeline-style.ts";
import { LABEL_AT, rowLines, timelineSvg } from "./timeline-svg.ts";

// One run as a self-contained HTML page (inline SVG, CSS and JS, nothing
// fetched): the violation and its repro on top, the Lamport diagram, then
// the charts. `replaysim run --html` and `explore` write it.

/** The repro command is wrapped in this element, so a merge can point it at the copied scenario file. */
export function reproElement(repro: string): string {
  return `<code id="repro">${esc(repro)}</code>`;
}

/** The witness as "key value" pairs, a producer id followed by the lane that is that producer. */
function witnessFacts(witness: Record<string, unknown>, laneOf: Map<string, string>): string {
  return Object.entries(witness)
    .map(([k, v]) => {
      const shown = typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
      const lane = typeof v === "string" ? laneOf.get(v) : undefined;
      return `${k} ${shown}${lane ? ` (${lane})` : ""}`;
    })
    .join(" · ");
}

function producerLanes(result: RunResult): Map<string, string> {
  return new Map(result.final.clients.map((c) => [c.producer, c.node]));
}

function violationBox(result: RunResult, model: TimelineModel, repro: string): string {
  const [first, ...rest] = result.violations;
  const reproLine = `<div class="repro">Replay: ${reproElement(repro)}</div>`;
  if (!first) return `<section class="passed"><strong>No checker found a violation.</strong>${reproLine}</section>`;
  const highlighted = model.rows.filter((r) => r.witness).length + model.arrows.filter((a) => a.witness).length;
  const go =
    model.firstWitnessRow !== null
      ? `<a href="#diagram" id="goto-witness">Show the witness in the diagram ↓</a> <span class="stats">(${highlighted} events highlighted in red)</span>`
      : `<span class="stats">This witness names no single event of the history (see the charts and the final state).</span>`;
  const more = (v: Violation) => `<li><strong>${esc(v.checker)}/${esc(v.anomaly)}</strong>${v.t_ms === null ? "" : ` at ${formatMs(v.t_ms)}`}: ${esc(v.message)}</li>`;
  return `<section class="violation">
<h2>${esc(first.checker)} / ${esc(first.anomaly)}${first.t_ms === null ? "" : ` <span class="stats">at ${formatMs(first.t_ms)}</span>`}</h2>
<p class="msg">${esc(first.message)}</p>
<p class="witness-facts">witness: ${esc(witnessFacts(first.witness, producerLanes(result)))}</p>
<p>${go}</p>
${reproLine}
${rest.length ? `<details><summary>${rest.length} more violation${rest.length === 1 ? "" : "s"}</summary><ul>${rest.map(more).join("")}</ul></details>` : ""}
</section>`;
}

function title(result: RunResult): string {
  const s = result.scenario;
  const target = s.mutant ? ` · mutant ${s.mutant}` : s.variant !== "reference" ? ` · variant ${s.variant}` : "";
  const system = s.a2a ? `A2A ${s.a2a.setup}` : result.transport;
  return `${result.real ? "real · " : ""}seed ${result.seed} · ${system}${target}`;
}

function statsLine(result: RunResult): string {
  const s = result.stats;
  const faults = Object.entries(s.faults_by_kind);
  return [
    ...(result.scenario.a2a ? [`${s.ops} messages`, `${s.applied} tasks stored`] : [`${s.ops} ops committed`, `${s.applied} applied`]),
    `${s.faults} fault${s.faults === 1 ? "" : "s"}${faults.length ? ` (${faults.map(([k, n]) => `${k} ${n}`).join(", ")})` : ""}`,
    result.real ? `${formatMs(s.sim_time_ms)} of wall time (a real run)` : `${formatMs(s.sim_time_ms)} simulated`,
    `outcome ${s.outcome}`,
    `trace ${result.trace_hash.slice(0, 12)}`,
  ].join(" · ");
}

const LEGEND = [
  `<span style="color:#2f62a8">→ request</span>`,
  `<span style="color:#2f8a57">→ response</span>`,
  `<span style="color:#6b7280">→ frame</span>`,
  `<span style="color:#c2410c">⇢ duplicate</span>`,
  `<span style="color:#d21f3c">✕ lost, crash</span>`,
  `<span style="color:#d21f3c">// cut</span>`,
  `<span style="color:#2f8a57">▲ restart</span>`,
  `<span><i class="sw" style="background:#fdba74"></i>partition</span>`,
  `<span><i class="sw" style="background:#c4b5fd"></i>stall</span>`,
  `<span><i class="sw" style="background:#d1d5db"></i>down</span>`,
].join("");

/** The timeline page of one run, which must have been run with `keepHistory`. */
export function timelineHtml(result: RunResult, repro: string): string {
  if (!result.history) throw new Error("timelineHtml needs the run's history: run it with keepHistory");
  const first = result.violations[0] ?? null;
  const model = buildTimeline(result.history, result.transport, first?.witness ?? null, result.stats.sim_time_ms);
  const svg = timelineSvg(model);
  const charts = model.charts.map((c) => chartSvg(c, model.end_t, first?.t_ms ?? null)).join("\n");
  const data = {
    layout: { ...LAYOUT, labelAt: LABEL_AT },
    t: model.rows.map((r) => r.t),
    lane: model.rows.map((r) => r.lane),
    lines: model.rows.map(rowLines),
    lanes: model.lanes.map((l) => l.name),
    firstWitnessRow: model.firstWitnessRow,
  };
  const nodes = model.lanes.map((l, i) => `<label><input type="checkbox" data-lane="${i}" checked> ${esc(l.name)}</label>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${esc(`replaysim timeline: ${title(result)} ${result.verdict.toUpperCase()}`)}</title>
<style>${TIMELINE_STYLE}</style></head><body>
<header>
<h1>replaysim timeline: ${esc(title(result))}<span class="verdict ${result.verdict}">${result.verdict.toUpperCase()}</span></h1>
<p class="stats">${esc(statsLine(result))}</p>
${violationBox(result, model, repro)}
</header>
<div id="bar">
<div class="controls">
<span><input type="search" id="search" placeholder="seq (8, client-1#8), op id, cursor 9" aria-label="search by seq, op id or cursor"> <button id="prev" title="previous match (shift+enter)">‹</button><button id="next" title="next match (enter)">›</button> <span id="hits"></span></span>
<span id="nodes">${nodes}</span>
<label><input type="checkbox" id="collapse" checked> collapse idle time</label>
<span class="legend">${LEGEND}</span>
</div>
${svg.header}
</div>
<main>
${svg.diagram}
</main>
<section id="charts"><h2>Over virtual time</h2>
${charts}
</section>
<footer>Time runs down; each row is one node at one virtual instant, in the order the history recorded them. Hover a mark for its events. Click a chart to jump there.</footer>
<script type="application/json" id="tl-data">${JSON.stringify(data).replace(/</g, "\\u003c")}</script>
<script>${TIMELINE_SCRIPT}</script>
</body></html>
`;
}
