// The timeline page's stylesheet: readable at a glance, red only for what went wrong.

export const TIMELINE_STYLE = `
:root{--ink:#1f2328;--muted:#6b7280;--line:#d0d7de;--bad:#d21f3c;--warn:#c2410c;--ok:#2f8a57;--req:#2f62a8}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:var(--ink);background:#fff}
header{padding:1rem 1.5rem .6rem;max-width:76rem}
h1{font-size:1.25rem;margin:0 0 .25rem}
h2{font-size:1rem;margin:1.2rem 0 .4rem}
.verdict{display:inline-block;padding:0 .5rem;border-radius:4px;color:#fff;font-size:.85rem;vertical-align:2px;margin-left:.4rem}
.verdict.fail{background:var(--bad)}.verdict.pass{background:var(--ok)}
.stats{color:var(--muted);margin:.1rem 0 .6rem}
.violation{border-left:4px solid var(--bad);background:#fff5f6;padding:.5rem 1rem;margin:.4rem 0}
.violation h2{margin:.1rem 0 .2rem;color:var(--bad)}
.violation .msg{margin:.1rem 0 .3rem;font-weight:500}
.witness-facts{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.82rem;color:#444}
.passed{border-left:4px solid var(--ok);background:#f3faf5;padding:.5rem 1rem}
.repro{display:flex;gap:.5rem;align-items:center;margin:.4rem 0 .1rem}
.repro code{background:#f3f4f6;border:1px solid var(--line);border-radius:4px;padding:.15rem .45rem;font-size:.82rem;user-select:all}
#goto-witness{color:var(--bad);font-weight:600}
details{margin:.3rem 0}summary{cursor:pointer;color:var(--muted)}
#bar{position:sticky;top:0;z-index:5;background:rgba(255,255,255,.97);border-bottom:1px solid var(--line);box-shadow:0 1px 4px rgba(0,0,0,.05)}
.controls{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center;padding:.45rem 1.5rem;font-size:.85rem}
.controls input[type=search]{width:14rem;padding:.2rem .4rem;border:1px solid var(--line);border-radius:4px}
.controls button{border:1px solid var(--line);background:#f6f8fa;border-radius:4px;padding:0 .45rem;cursor:pointer}
#hits{color:var(--muted);min-width:6rem;display:inline-block}
#nodes label{margin-right:.6rem;white-space:nowrap}
.legend{color:var(--muted)}
.legend>span{margin-right:.8rem;white-space:nowrap}
.sw{display:inline-block;width:.6rem;height:.8rem;vertical-align:-1px;margin-right:.2rem;border-radius:2px}
#lanehead{display:block}
.lh-name{font-weight:600;font-size:13px;text-anchor:middle;fill:var(--ink)}
.lh-sub{font-size:11px;text-anchor:middle;fill:var(--muted)}
.lh.wit .lh-name{fill:var(--bad)}
main{padding:0 0 1rem}
#diagram{display:block}
svg text{font-family:system-ui,-apple-system,"Segoe UI",sans-serif}
.lane{stroke:#c9ced6;stroke-width:1.5}
.lane-server{stroke:#8b95a3;stroke-width:2.5}
.lane.wit{stroke:#e8a0ac}
.tick{font-size:10.5px;fill:var(--muted);text-anchor:end}
.brk line{stroke:#b8bec7;stroke-dasharray:2 4}
.brk text{font-size:10.5px;fill:var(--muted);font-style:italic;paint-order:stroke;stroke:#fff;stroke-width:4px}
.lbl{font-size:11.5px;fill:#30363d;paint-order:stroke;stroke:#fff;stroke-width:3.5px;stroke-linejoin:round}
.r{cursor:default}
.t-bad{fill:var(--bad);font-weight:600}
.t-fault{fill:var(--warn)}
.t-good{fill:var(--ok);font-weight:600}
.gl-arrive{fill:#9aa3ad}
.gl-dot{fill:#57606a}
.gl-ok{fill:var(--ok)}
.gl-fault{fill:#f59e0b;stroke:var(--warn);stroke-width:1}
.gl-cut{stroke:var(--bad);stroke-width:2.5;fill:none}
.gl-restart{fill:var(--ok)}
.gl-crash{stroke:var(--bad);stroke-width:3.2;fill:none;stroke-linecap:round}
.glob-line{stroke:var(--ok);stroke-dasharray:6 4;stroke-width:1.2}
.glob .lbl{fill:var(--ok);font-weight:600}
.a path{fill:none;stroke-width:1.3}
.a-request path{stroke:var(--req);marker-end:url(#m-request)}
.a-response path{stroke:var(--ok);marker-end:url(#m-response)}
.a-frame path{stroke:#8b95a3;marker-end:url(#m-frame)}
.a-duplicate path{stroke:var(--warn);stroke-dasharray:5 3;stroke-width:1.6;marker-end:url(#m-duplicate)}
.a.minor{opacity:.35}
.a.lost path{marker-end:url(#m-lost);stroke-dasharray:3 2}
.albl{font-size:10.5px;fill:#4b5563;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px}
.a-duplicate .albl{fill:var(--warn)}
.b{opacity:.55}
.b-partition{fill:#fdba74}
.b-stall{fill:#c4b5fd}
.b-ws_stall{fill:#fde68a}
.b-down{fill:#d1d5db;opacity:.75}
.ring{fill:#ffe4e8;stroke:var(--bad);stroke-width:1.5}
.lbl .w{fill:var(--bad);font-weight:700;text-decoration:underline;text-decoration-thickness:1.5px}
.a.wit path{stroke:var(--bad);stroke-width:2.2;marker-end:url(#m-wit)}
.a.wit.lost path{marker-end:url(#m-lost)}
.a.wit .albl{fill:var(--bad);font-weight:700}
.hit .lbl tspan,.hit .albl{fill:#1d4ed8;font-weight:700}
.r.hit .ring,.r.hit circle,.r.hit path{stroke:#1d4ed8;stroke-width:2}
.a.hit path{stroke:#1d4ed8;stroke-width:2.4}
@keyframes flash{0%{opacity:.15}50%{opacity:1}75%{opacity:.3}100%{opacity:1}}
.flash{animation:flash 1.2s ease-in-out 1}
#charts{padding:0 1.5rem 2rem}
.chart{display:block;margin:.3rem 0 .8rem;cursor:crosshair}
.chart .ct{font-size:12px;font-weight:600;fill:var(--ink)}
.chart .cl text{font-size:11px;fill:var(--muted)}
.chart .axis{stroke:#9aa3ad}
.chart .cx{font-size:10px;fill:var(--muted)}
.chart .cy{font-size:10px;fill:var(--muted);text-anchor:end}
.chart .cs{fill:none;stroke-width:1.6}
.chart .vmark{stroke:var(--bad);stroke-dasharray:3 3}
footer{padding:0 1.5rem 2rem;color:var(--muted);font-size:.8rem}
`;
