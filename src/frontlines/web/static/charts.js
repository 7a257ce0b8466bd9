// Small SVG charts: a line over time and signed bars. No dependencies.
"use strict";
const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const W = 340, PAD_L = 38, PAD_R = 4, PAD_T = 6, PAD_B = 14;

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }
  function clear(svg) { while (svg.firstChild) svg.removeChild(svg.firstChild); }
  function height(svg) { return svg.viewBox.baseVal.height || 120; }
  function fmt(v) {
    const a = Math.abs(v);
    return a >= 1e6 ? (v / 1e6).toFixed(1) + "M" : a >= 1e3 ? (v / 1e3).toFixed(0) + "k" : v.toFixed(0);
  }
  function axes(svg, t0, t1, lo, hi, H) {
    el("line", { x1: PAD_L, x2: W - PAD_R, y1: H - PAD_B, y2: H - PAD_B, stroke: "#bbb" }, svg);
    el("text", { x: 2, y: PAD_T + 8 }, svg).textContent = fmt(hi);
    el("text", { x: 2, y: H - PAD_B }, svg).textContent = fmt(lo);
    const y0 = new Date(t0).getUTCFullYear(), y1 = new Date(t1).getUTCFullYear();
    for (let y = y0 + 1; y <= y1; y++) {
      const x = PAD_L + (Date.UTC(y, 0, 1) - t0) / (t1 - t0) * (W - PAD_L - PAD_R);
      el("line", { x1: x, x2: x, y1: PAD_T, y2: H - PAD_B, stroke: "#eee" }, svg);
      el("text", { x: x + 2, y: H - 3 }, svg).textContent = String(y);
    }
  }
  // points: [[ms, value]], marker: ms or null. Returns a function ms -> x.
  function line(svg, points, opts = {}) {
    clear(svg);
    const H = height(svg);
    const pts = points.filter(p => p[1] !== null && p[1] !== undefined);
    if (!pts.length) { el("text", { x: PAD_L, y: H / 2 }, svg).textContent = "no data"; return; }
    const t0 = opts.t0 ?? pts[0][0], t1 = Math.max(opts.t1 ?? pts[pts.length - 1][0], t0 + 1);
    let lo = Math.min(...pts.map(p => p[1])), hi = Math.max(...pts.map(p => p[1]));
    if (hi === lo) { hi += 1; lo -= 1; }
    const x = t => PAD_L + (t - t0) / (t1 - t0) * (W - PAD_L - PAD_R);
    const y = v => PAD_T + (hi - v) / (hi - lo) * (H - PAD_T - PAD_B);
    axes(svg, t0, t1, lo, hi, H);
    el("polyline", { points: pts.map(p => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" "),
                     fill: "none", stroke: opts.color || "#b71c1c", "stroke-width": 1.3 }, svg);
    if (opts.marker != null) marker(svg, x(opts.marker), H, "cursor");
    if (opts.marker2 != null) marker(svg, x(opts.marker2), H, "cursor2");
    svg.dataset.t0 = t0; svg.dataset.t1 = t1;
  }
  function marker(svg, x, H, cls) {
    el("line", { x1: x, x2: x, y1: PAD_T, y2: H - PAD_B, stroke: cls === "cursor" ? "#263238" : "#999",
                 "stroke-dasharray": cls === "cursor" ? "" : "3,2", class: cls }, svg);
  }
  // bars: [[startMs, endMs, value]] (value may be null).
  function bars(svg, rows, opts = {}) {
    clear(svg);
    const H = height(svg);
    const ok = rows.filter(r => r[2] !== null && r[2] !== undefined);
    if (!ok.length) { el("text", { x: PAD_L, y: H / 2 }, svg).textContent = "no data"; return; }
    const t0 = opts.t0 ?? rows[0][0], t1 = opts.t1 ?? rows[rows.length - 1][1];
    let lo = Math.min(0, ...ok.map(r => r[2])), hi = Math.max(0, ...ok.map(r => r[2]));
    if (hi === lo) hi = lo + 1;
    const x = t => PAD_L + (t - t0) / (t1 - t0) * (W - PAD_L - PAD_R);
    const y = v => PAD_T + (hi - v) / (hi - lo) * (H - PAD_T - PAD_B);
    axes(svg, t0, t1, lo, hi, H);
    el("line", { x1: PAD_L, x2: W - PAD_R, y1: y(0), y2: y(0), stroke: "#999" }, svg);
    for (const [a, b, v] of ok) {
      const r = el("rect", { x: x(a) + 0.3, width: Math.max(0.8, x(b) - x(a) - 0.6), y: Math.min(y(0), y(v)),
                             height: Math.max(0.5, Math.abs(y(v) - y(0))), fill: v >= 0 ? "#c62828" : "#1565c0" }, svg);
      el("title", {}, r).textContent = `${new Date(a).toISOString().slice(0, 7)}: ${v >= 0 ? "+" : ""}${v.toFixed(1)} km²`;
    }
    if (opts.marker != null) marker(svg, x(opts.marker), H, "cursor");
    svg.dataset.t0 = t0; svg.dataset.t1 = t1;
  }
  // The time under a click on a chart, or null.
  function timeAt(svg, evt) {
    const r = svg.getBoundingClientRect();
    const vx = (evt.clientX - r.left) / r.width * W;
    const t0 = Number(svg.dataset.t0), t1 = Number(svg.dataset.t1);
    if (!isFinite(t0) || !isFinite(t1)) return null;
    return t0 + (vx - PAD_L) / (W - PAD_L - PAD_R) * (t1 - t0);
  }
  return { line, bars, timeAt };
})();
