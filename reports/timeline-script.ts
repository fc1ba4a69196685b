// The timeline page's own script: filter lanes, collapse or expand idle time,
// search by seq, op id or cursor, jump to the witness. It moves the elements
// timeline-svg.ts drew, using the same layout arithmetic as timeline-layout.ts
// (its constants arrive in the page's data block). Plain ES2020, no libraries.

export const TIMELINE_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("tl-data").textContent);
  var L = data.layout;
  var T = data.t;
  var RL = data.lane;
  var LN = data.lines;
  var lanesOn = data.lanes.map(function () { return true; });
  var collapse = true;
  var svg = document.getElementById("diagram");
  var head = document.getElementById("lanehead");
  var NS = "http://www.w3.org/2000/svg";
  var Y = [];

  function each(root, sel, fn) { Array.prototype.forEach.call(root.querySelectorAll(sel), fn); }
  var rowEls = [], arrowEls = [], bandEls = [], laneEls = [], headEls = [];
  each(svg, "#rows > g", function (g) { rowEls.push({ el: g, r: +g.getAttribute("data-r"), l: +g.getAttribute("data-l") }); });
  each(svg, "#arrows > g", function (g) {
    var a = g.getAttribute("data-a").split(" ").map(Number);
    arrowEls.push({ el: g, path: g.querySelector("path"), text: g.querySelector("text"), l1: a[0], r1: a[1], l2: a[2], r2: a[3], reach: a[4] });
  });
  each(svg, "#bands > rect", function (b) { var v = b.getAttribute("data-b").split(" ").map(Number); bandEls.push({ el: b, l: v[0], r1: v[1], r2: v[2] }); });
  each(svg, "#lanes > line", function (l) { laneEls.push({ el: l, l: +l.getAttribute("data-l") }); });
  each(head, "g.lh", function (g) { headEls.push({ el: g, l: +g.getAttribute("data-l") }); });

  function fmt(ms) {
    if (ms < 1000) return Math.round(ms) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
    var min = Math.floor(ms / 60000);
    return min + " min " + Math.round((ms - min * 60000) / 1000) + " s";
  }
  function tick(ms) { return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(3) + " s"; }
  function num(n) { return Number.isInteger(n) ? String(n) : n.toFixed(1); }
  function gapPx(dt, c) {
    if (!c) return dt * L.pxPerMs;
    if (dt >= L.idleMs) return L.breakPx;
    return Math.round(6 * Math.log2(1 + dt / 10));
  }
  function layoutRows(visible, c) {
    var y = new Array(T.length).fill(NaN), breaks = [], ticks = [];
    var at = L.top, prevT = null, prevLines = 1, tickY = -Infinity, tickT = null;
    for (var i = 0; i < T.length; i++) {
      if (!visible[i]) continue;
      var t = T[i];
      if (prevT !== null) {
        var dt = t - prevT, gap = gapPx(dt, c);
        if (c && dt >= L.idleMs) breaks.push({ y: at + (L.row + gap) / 2, dt: dt });
        at += L.row + L.line * (prevLines - 1) + gap;
      }
      y[i] = at;
      prevLines = Math.max(1, LN[i] || 1);
      if (t !== tickT && at - tickY >= L.tickGap) { ticks.push(i); tickY = at; tickT = t; }
      prevT = t;
    }
    return { y: y, height: at + L.row + L.line * (prevLines - 1) + 10, breaks: breaks, ticks: ticks };
  }
  function layoutLanes() {
    var k = 0;
    var x = lanesOn.map(function (on) { return on ? L.left + L.laneGap * k++ : null; });
    return { x: x, width: L.left + L.laneGap * Math.max(0, k - 1) + L.right };
  }
  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function show(e, on) { if (on) e.removeAttribute("display"); else e.setAttribute("display", "none"); }

  /** Puts every element where the current lanes and time scale say. */
  function relayout() {
    var lanes = layoutLanes();
    var visible = RL.map(function (l) { return l < 0 || lanesOn[l]; });
    var rows = layoutRows(visible, collapse);
    Y = rows.y;
    svg.setAttribute("width", lanes.width);
    svg.setAttribute("height", num(rows.height));
    head.setAttribute("width", lanes.width);
    rowEls.forEach(function (r) {
      var on = visible[r.r];
      show(r.el, on);
      if (!on) return;
      r.el.setAttribute("transform", "translate(" + (r.l < 0 ? 0 : lanes.x[r.l]) + "," + num(rows.y[r.r]) + ")");
      if (r.l < 0) r.el.querySelector("line").setAttribute("x2", lanes.width);
    });
    arrowEls.forEach(function (a) {
      var on = lanesOn[a.l1] && lanesOn[a.l2];
      show(a.el, on);
      if (!on) return;
      var x1 = lanes.x[a.l1], y1 = rows.y[a.r1], x2 = lanes.x[a.l2], y2 = rows.y[a.r2];
      var ex = x1 + (x2 - x1) * a.reach, ey = y1 + (y2 - y1) * a.reach;
      a.path.setAttribute("d", "M" + num(x1) + "," + num(y1) + "L" + num(ex) + "," + num(ey));
      if (a.text) {
        // Near the left end, as timeline-svg.ts's arrowGeometry puts it.
        var left = x1 <= ex, ax = left ? x1 : ex, ay = left ? y1 : ey, bx = left ? ex : x1, by = left ? ey : y1;
        var at = bx - ax > 0 ? Math.min(0.5, L.labelAt / (bx - ax)) : 0.5;
        a.text.setAttribute("x", num(ax + (bx - ax) * at));
        a.text.setAttribute("y", num(ay + (by - ay) * at - 3));
      }
    });
    bandEls.forEach(function (b) {
      var on = lanesOn[b.l];
      show(b.el, on);
      if (!on) return;
      var y1 = rows.y[b.r1], y2 = rows.y[b.r2];
      b.el.setAttribute("x", lanes.x[b.l] - 7);
      b.el.setAttribute("y", num(y1));
      b.el.setAttribute("height", num(Math.max(2, y2 - y1)));
    });
    laneEls.forEach(function (l) {
      show(l.el, lanesOn[l.l]);
      if (!lanesOn[l.l]) return;
      l.el.setAttribute("x1", lanes.x[l.l]); l.el.setAttribute("x2", lanes.x[l.l]); l.el.setAttribute("y2", num(rows.height));
    });
    headEls.forEach(function (h) {
      show(h.el, lanesOn[h.l]);
      if (lanesOn[h.l]) h.el.setAttribute("transform", "translate(" + lanes.x[h.l] + ",0)");
    });
    var gaps = svg.querySelector("#gaps"), ticks = svg.querySelector("#ticks");
    gaps.textContent = ""; ticks.textContent = "";
    rows.breaks.forEach(function (b) {
      var g = el("g", { "class": "brk", transform: "translate(0," + num(b.y) + ")" });
      g.appendChild(el("line", { x1: L.gutter, x2: lanes.width }));
      g.appendChild(el("text", { x: L.gutter + 6, y: 4 }, fmt(b.dt) + " idle, collapsed"));
      gaps.appendChild(g);
    });
    rows.ticks.forEach(function (i) {
      ticks.appendChild(el("text", { "class": "tick", x: L.gutter - 6, y: num(rows.y[i] + 4) }, tick(T[i])));
    });
  }

  function pageY(r) { return svg.getBoundingClientRect().top + window.scrollY + Y[r]; }
  function flash(elements) {
    elements.forEach(function (e) { e.classList.remove("flash"); void e.getBoundingClientRect(); e.classList.add("flash"); });
  }
  /** Scrolls row r to the middle of the window. */
  function goToRow(r) {
    if (r === null || r === undefined || !(Y[r] >= 0)) return false;
    window.scrollTo({ top: Math.max(0, pageY(r) - window.innerHeight / 2), behavior: "auto" });
    flash(rowEls.filter(function (x) { return x.r === r; }).map(function (x) { return x.el; }));
    return true;
  }

  // --- lanes and time --------------------------------------------------------
  /** The first visible row below the top of the window, to keep in place when the layout changes. */
  function anchorRow() {
    var top = window.scrollY - (svg.getBoundingClientRect().top + window.scrollY) + 80;
    for (var i = 0; i < Y.length; i++) if (Y[i] >= top) return i;
    return null;
  }
  function keepAnchor(change) {
    var r = anchorRow();
    var before = r === null ? 0 : pageY(r) - window.scrollY;
    change();
    relayout();
    if (r !== null && Y[r] >= 0) window.scrollTo({ top: pageY(r) - before });
  }
  Y = layoutRows(RL.map(function () { return true; }), true).y;
  each(document, "#nodes input[data-lane]", function (box) {
    box.addEventListener("change", function () {
      keepAnchor(function () { lanesOn[+box.getAttribute("data-lane")] = box.checked; });
    });
  });
  var collapseBox = document.getElementById("collapse");
  collapseBox.addEventListener("change", function () { keepAnchor(function () { collapse = collapseBox.checked; }); });

  // --- search ----------------------------------------------------------------
  var hits = [], hitAt = -1;
  var count = document.getElementById("hits");
  function inRanges(attr, n, lane) {
    if (!attr) return false;
    var parts = attr.split(" ");
    for (var i = 0; i < parts.length; i++) {
      var p = parts[i], c = p.lastIndexOf(":"), r = p.slice(c + 1).split("-");
      if ((lane === null || p.slice(0, c) === lane) && +r[0] <= n && n <= +r[1]) return true;
    }
    return false;
  }
  function parseQuery(q) {
    q = q.trim();
    if (!q) return null;
    var m = /^(?:seq\s*)?#?(\d+)$/i.exec(q);
    if (m) return { seq: +m[1], lane: null };
    m = /^((?:client|viewer)-\d+)\s*#\s*(\d+)$/i.exec(q);
    if (m) return { seq: +m[2], lane: m[1].toLowerCase() };
    m = /^cur(?:sor)?\s*(\d+)$/i.exec(q);
    if (m) return { cursor: +m[1] };
    return { op: q };
  }
  function rowOf(e) { return e.r !== undefined ? e.r : e.r1; }
  function runSearch(q) {
    hits.forEach(function (h) { h.el.classList.remove("hit"); });
    hits = []; hitAt = -1;
    var query = parseQuery(q);
    if (!query) { count.textContent = ""; return; }
    var all = rowEls.concat(arrowEls).filter(function (x) { return x.el.getAttribute("display") !== "none"; });
    var wanted = [];
    if (query.op !== undefined) {
      var needle = query.op.toLowerCase();
      all.forEach(function (x) {
        var ops = x.el.getAttribute("data-o");
        if (!ops || ops.toLowerCase().indexOf(needle) === -1) return;
        var s = (x.el.getAttribute("data-s") || "").split(" ")[0];
        var c = s.lastIndexOf(":");
        if (c > 0) wanted.push({ seq: +s.slice(c + 1).split("-")[0], lane: s.slice(0, c) });
      });
    } else wanted.push(query);
    hits = all.filter(function (x) {
      return wanted.some(function (w) {
        if (w.cursor !== undefined) return inRanges(x.el.getAttribute("data-c"), w.cursor, null);
        return inRanges(x.el.getAttribute("data-s"), w.seq, w.lane);
      });
    });
    hits.sort(function (a, b) { return rowOf(a) - rowOf(b); });
    hits.forEach(function (h) { h.el.classList.add("hit"); });
    count.textContent = hits.length === 0 ? "no match" : hits.length + (hits.length === 1 ? " match" : " matches");
    step(1);
  }
  function step(dir) {
    if (hits.length === 0) return;
    hitAt = (hitAt + dir + hits.length) % hits.length;
    var h = hits[hitAt];
    goToRow(rowOf(h));
    flash([h.el]);
    count.textContent = (hitAt + 1) + " of " + hits.length;
  }
  var input = document.getElementById("search");
  var timer = null;
  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { runSearch(input.value); }, 200); });
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter") return;
    e.preventDefault();
    clearTimeout(timer);
    if (hits.length && input.value === input.getAttribute("data-last")) step(e.shiftKey ? -1 : 1);
    else runSearch(input.value);
    input.setAttribute("data-last", input.value);
  });
  document.getElementById("next").addEventListener("click", function () { step(1); });
  document.getElementById("prev").addEventListener("click", function () { step(-1); });

  // --- the witness and the charts ----------------------------------------------
  var go = document.getElementById("goto-witness");
  if (go) go.addEventListener("click", function (e) {
    e.preventDefault();
    goToRow(data.firstWitnessRow);
    flash(Array.prototype.slice.call(svg.querySelectorAll(".wit")));
  });
  each(document, "svg.chart", function (chart) {
    chart.addEventListener("click", function (e) {
      var box = chart.getBoundingClientRect();
      var x0 = +chart.getAttribute("data-x0"), x1 = +chart.getAttribute("data-x1"), t1 = +chart.getAttribute("data-t1");
      var t = ((e.clientX - box.left - x0) / (x1 - x0)) * t1;
      for (var i = 0; i < T.length; i++) if (T[i] >= t && Y[i] >= 0) { goToRow(i); return; }
    });
  });
  window.replaysimTimeline = { relayout: relayout, search: runSearch, rows: function () { return Y.slice(); } };
})();
`;
