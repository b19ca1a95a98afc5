#include "reports/html/assets.h"

namespace faultline::reports::html {

// Phone first: one column, tables scroll sideways inside their own box; wide screens
// get a centred page up to 1500px.
const char kReportCss[] = R"CSS(
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f5f6f8}
a{color:#1f5fbf}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
header.banner{padding:14px 18px;color:#fff}
header.banner h1{margin:0 0 4px;font-size:20px;word-break:break-all}
.v-valid{background:#1e7d45}.v-invalid{background:#b3261e}.v-unknown{background:#a86400}.v-none{background:#59606b}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.chip{display:inline-block;padding:2px 10px;border-radius:12px;background:rgba(255,255,255,.18);border:1px solid rgba(255,255,255,.45);color:#fff;text-decoration:none;font-size:13px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}
nav.toc{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid #dde1e6;padding:6px 12px;overflow-x:auto;white-space:nowrap}
nav.toc a{margin-right:14px;text-decoration:none;font-size:13px}
main{max-width:1500px;margin:0 auto;padding:8px 12px 40px}
section{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:12px 0;padding:10px 14px}
section h2{margin:2px 0 8px;font-size:17px}
section h3{margin:12px 0 6px;font-size:15px}
.note{color:#59606b;font-size:13px}
.warn{background:#fff4e0;border-left:4px solid #d08a00;padding:6px 10px;margin:6px 0}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:13px;margin:4px 0}
th,td{border:1px solid #e2e5ea;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f2f5;font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.val{max-width:420px;word-break:break-all}
tr.role-failed td{background:#fde8e7}
tr.role-concurrent td{background:#eef4fc}
tr.role-other td{color:#59606b}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:8px}
.card{border:1px solid #e2e5ea;border-radius:6px;padding:8px 10px}
.card .big{font-size:20px;font-weight:600}
.plot{margin:8px 0}
.plot img{max-width:100%;height:auto;background:#fff;border:1px solid #eee}
#tl-wrap{position:relative;width:100%;touch-action:none;user-select:none;-webkit-user-select:none}
#tl-canvas{display:block;width:100%;border:1px solid #dde1e6;cursor:grab;background:#fff}
#tl-canvas.dragging{cursor:grabbing}
.tl-controls{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:4px 0 6px}
.tl-controls button,.tl-controls input{font:inherit;padding:2px 8px}
.tl-controls input{width:8em}
#tl-tip{position:fixed;z-index:20;pointer-events:none;background:#1d2330;color:#fff;padding:6px 8px;border-radius:4px;font:12px/1.35 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;max-width:min(460px,90vw);display:none;word-break:break-all}
#tl-detail{margin-top:6px;white-space:pre-wrap;word-break:break-all;background:#f7f8fa;border:1px solid #e2e5ea;padding:6px 8px;min-height:2.4em}
.legend span{display:inline-block;margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:12px;height:10px;margin-right:4px;vertical-align:-1px}
svg.ce{width:100%;min-width:640px;height:auto;max-width:1100px;font-family:system-ui,sans-serif;background:#fff;border:1px solid #eee}
svg.ce .prefix{fill:#cfe3f7;stroke:#4e93d8}
svg.ce .concurrent{fill:#fff3d6;stroke:#d08a00}
svg.ce .failed{fill:#f9c9c6;stroke:#b3261e;stroke-width:2}
svg.ce .other{fill:#eceef1;stroke:#a8a8a8}
svg.ce .open{stroke-dasharray:4 3}
svg.ce text{font-size:11px;fill:#1d2330}
svg.ce text.state{font-size:10px;fill:#1e7d45}
svg.ce text.lane{font-size:11px;fill:#59606b}
ul.elements{margin:4px 0;padding-left:20px;columns:3 160px}
details>summary{cursor:pointer}
@media (max-width:600px){body{font-size:13px}section{padding:8px 8px}main{padding:4px 4px 30px}header.banner h1{font-size:17px}}
)CSS";

// Data (fl-data), all arrays so 1,000,000 ops stay compact; times in microseconds:
//   lanes: [process name]          fs, keys, nodes, errs: string tables
//   ops:   [lane, start, end|-1, outcome 0 ok 1 fail 2 info 3 pending, f, key|-1,
//           node|-1, invoke id, completion id|-1, value, error|-1, truncated?]
//          (value is the op's JSON value, or its first characters as a string when
//          truncated is 1)
//   end:   the run's last time        faults: [fault name]
//   windows: [fault, start, stop|-1]   nem: [id, time, f, value text]
//   marks: [op row] of anomalies (outlined in red)
const char kReportJs[] = R"JS(
(function () {
  'use strict';
  var dataEl = document.getElementById('fl-data');
  var canvas = document.getElementById('tl-canvas');
  if (!dataEl || !canvas || !canvas.getContext) return;
  var D = JSON.parse(dataEl.textContent);
  var ops = D.ops, N = ops.length, L = D.lanes.length, endT = Math.max(D.end, 1);
  var COLORS = ['#4e93d8', '#e0607e', '#f0a030', '#a8a8a8'];
  var OUT = ['ok', 'fail', 'info', 'pending'];
  var FCOL = ['#e4572e', '#7b61ff', '#17a398', '#c9a227', '#d64fb0', '#3a86ff', '#8d6e63'];
  var GUT = 52, AXIS = 20, NROW = 12, LH = 16;
  var NF = D.faults.length, NEMH = NF * NROW;

  var st = new Float64Array(N), en = new Float64Array(N), oc = new Uint8Array(N);
  var maxId = -1, i, k;
  for (i = 0; i < N; i++) {
    var o = ops[i];
    st[i] = o[1]; en[i] = o[2] >= 0 ? o[2] : endT; oc[i] = o[3];
    if (en[i] < st[i]) en[i] = st[i];
    if (o[7] > maxId) maxId = o[7];
    if (o[8] > maxId) maxId = o[8];
  }
  for (k = 0; k < D.nem.length; k++) if (D.nem[k][0] > maxId) maxId = D.nem[k][0];
  var byId = new Int32Array(maxId + 1).fill(-1);
  for (i = 0; i < N; i++) {
    if (ops[i][7] >= 0) byId[ops[i][7]] = i;
    if (ops[i][8] >= 0) byId[ops[i][8]] = i;
  }
  for (k = 0; k < D.nem.length; k++) if (D.nem[k][0] >= 0) byId[D.nem[k][0]] = -2 - k;

  // Rows of each lane sorted by start; maxEnd[j] = max end of rows 0..j (monotone, so a
  // binary search finds the first row that can reach into the view).
  var laneRows = [], laneMax = [], counts = new Int32Array(L);
  for (i = 0; i < N; i++) counts[ops[i][0]]++;
  for (k = 0; k < L; k++) laneRows.push(new Int32Array(counts[k]));
  counts.fill(0);
  for (i = 0; i < N; i++) { var l = ops[i][0]; laneRows[l][counts[l]++] = i; }
  for (k = 0; k < L; k++) {
    var rows = laneRows[k], sorted = true;
    for (i = 1; i < rows.length; i++) if (st[rows[i]] < st[rows[i - 1]]) { sorted = false; break; }
    if (!sorted) rows.sort(function (a, b) { return st[a] - st[b]; });
    var me = new Float64Array(rows.length), m = -Infinity;
    for (i = 0; i < rows.length; i++) { if (en[rows[i]] > m) m = en[rows[i]]; me[i] = m; }
    laneMax.push(me);
  }
  var marks = new Uint8Array(N);
  for (i = 0; i < D.marks.length; i++) if (D.marks[i] >= 0 && D.marks[i] < N) marks[D.marks[i]] = 1;

  var ctx = canvas.getContext('2d');
  var tip = document.getElementById('tl-tip');
  var detail = document.getElementById('tl-detail');
  var dpr = 1, cw = 300, ch = 200;
  var vs = 0, ve = endT * 1.01, yoff = 0, selected = -1, dirty = true;
  var lanesTop = AXIS + NEMH + 4;

  function fullHeight() { return lanesTop + L * LH + 6; }
  function resize() {
    dpr = window.devicePixelRatio || 1;
    cw = Math.max(200, canvas.parentNode.clientWidth - 2);
    ch = Math.min(fullHeight(), Math.max(220, Math.round(window.innerHeight * 0.7)));
    canvas.style.height = ch + 'px';
    canvas.width = Math.round(cw * dpr);
    canvas.height = Math.round(ch * dpr);
    clampY();
    request();
  }
  function clampY() { yoff = Math.max(0, Math.min(yoff, fullHeight() - ch)); }
  function clampX() {
    var span = ve - vs, maxSpan = endT * 1.2;
    if (span < 5) { var c = (vs + ve) / 2; vs = c - 2.5; ve = c + 2.5; span = 5; }
    if (span > maxSpan) { vs = -endT * 0.1; ve = vs + maxSpan; }
    if (vs < -endT * 0.1) { ve += -endT * 0.1 - vs; vs = -endT * 0.1; }
    if (ve > endT * 1.1) { vs -= ve - endT * 1.1; ve = endT * 1.1; }
  }
  function X(t) { return GUT + (t - vs) / (ve - vs) * (cw - GUT); }
  function T(x) { return vs + (x - GUT) / (cw - GUT) * (ve - vs); }
  var framePending = false;
  function request() {
    dirty = true;
    if (!framePending) { framePending = true; requestAnimationFrame(draw); }
  }
  function lowerBound(arr, v) {
    var lo = 0, hi = arr.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (arr[mid] < v) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function valueText(o) {
    if (o[11] === 1) return o[9] + '…';
    return JSON.stringify(o[9]);
  }
  function label(r) {
    var o = ops[r];
    return D.fs[o[4]] + ' ' + (o[5] >= 0 ? D.keys[o[5]] + ' ' : '') + valueText(o);
  }
  function fmtS(us) { return (us / 1e6).toFixed(6) + ' s'; }
  function fmtDur(us) { return us >= 1e6 ? (us / 1e6).toFixed(3) + ' s' : (us / 1e3).toFixed(3) + ' ms'; }
  function niceStep(span) {
    var raw = span / Math.max(2, (cw - GUT) / 110), p = Math.pow(10, Math.floor(Math.log10(raw)));
    var n = raw / p;
    return (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10) * p;
  }

  function draw() {
    framePending = false;
    if (!dirty) return;
    dirty = false;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cw, ch);
    ctx.font = '10px system-ui,sans-serif';
    ctx.textBaseline = 'middle';
    // Fault windows: a solid bar in the fault's row, a shade over the lanes.
    var w, a, b;
    for (k = 0; k < D.windows.length; k++) {
      w = D.windows[k];
      a = Math.max(GUT, X(w[1]));
      b = Math.min(cw, X(w[2] >= 0 ? w[2] : endT));
      if (b < GUT || a > cw) continue;
      b = Math.max(b, a + 1);
      var col = FCOL[w[0] % FCOL.length];
      ctx.fillStyle = col;
      ctx.globalAlpha = 0.12;
      ctx.fillRect(a, lanesTop, b - a, ch - lanesTop);
      ctx.globalAlpha = 0.85;
      ctx.fillRect(a, AXIS + w[0] * NROW + 1, b - a, NROW - 2);
      ctx.globalAlpha = 1;
    }
    for (k = 0; k < NF; k++) {
      ctx.fillStyle = FCOL[k % FCOL.length];
      ctx.fillText(D.faults[k].slice(0, 8), 2, AXIS + k * NROW + NROW / 2);
    }
    // Axis.
    var step = niceStep(ve - vs), t0 = Math.ceil(vs / step) * step;
    var digits = Math.max(0, -Math.floor(Math.log10(step / 1e6) + 1e-9));
    ctx.fillStyle = '#59606b';
    ctx.strokeStyle = '#e6e8ec';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (var t = t0; t <= ve; t += step) {
      var x = Math.round(X(t)) + 0.5;
      if (x < GUT) continue;
      ctx.moveTo(x, AXIS - 4); ctx.lineTo(x, ch);
      ctx.fillText((t / 1e6).toFixed(Math.min(digits, 6)) + 's', x + 2, AXIS / 2);
    }
    ctx.stroke();
    // Lanes: only the visible ones, and in each only the rows inside the view. Rows that
    // fall into a pixel already drawn are skipped; ok first, then the rest on top, so a
    // fail or info is never hidden by a neighbour.
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, lanesTop, cw, ch - lanesTop);
    ctx.clip();
    var first = Math.max(0, Math.floor(yoff / LH)), last = Math.min(L - 1, Math.ceil((yoff + ch - lanesTop) / LH));
    var texts = [], outlines = [];
    for (var ln = first; ln <= last; ln++) {
      var y = lanesTop + ln * LH - yoff;
      ctx.fillStyle = ln % 2 ? '#fafbfc' : '#ffffff';
      ctx.globalAlpha = 0.5;
      ctx.fillRect(GUT, y, cw - GUT, LH);
      ctx.globalAlpha = 1;
      ctx.fillStyle = '#59606b';
      ctx.fillText('p' + D.lanes[ln], 2, y + LH / 2);
      var rows = laneRows[ln], lo = lowerBound(laneMax[ln], vs);
      for (var pass = 0; pass < 2; pass++) {
        var lastPx = -1, fill = -1;
        for (var j = lo; j < rows.length; j++) {
          var r = rows[j];
          if (st[r] > ve) break;
          if ((oc[r] === 0) !== (pass === 0)) continue;
          var x0 = X(st[r]), x1 = X(en[r]);
          if (x1 < lastPx) continue;
          a = Math.max(x0, GUT); b = Math.max(x1, a + (marks[r] ? 3 : 1));
          if (oc[r] !== fill) { fill = oc[r]; ctx.fillStyle = COLORS[fill]; }
          ctx.fillRect(a, y + 2, b - a, LH - 4);
          lastPx = Math.floor(b) + 1;
          if (b - a > 36) texts.push(r, a, b, y);
          if (marks[r] || r === selected) outlines.push(r, a, b, y);
        }
      }
    }
    ctx.fillStyle = '#10131a';
    for (k = 0; k < texts.length; k += 4) {
      var room = Math.floor((texts[k + 2] - texts[k + 1] - 4) / 5.6), s = label(texts[k]);
      if (s.length > room) s = s.slice(0, Math.max(0, room - 1)) + '…';
      ctx.fillText(s, texts[k + 1] + 2, texts[k + 3] + LH / 2);
    }
    for (k = 0; k < outlines.length; k += 4) {
      var sel = outlines[k] === selected;
      ctx.strokeStyle = sel ? '#000' : '#b3261e';
      ctx.lineWidth = 2;
      ctx.strokeRect(outlines[k + 1] - 1, outlines[k + 3] + 1, outlines[k + 2] - outlines[k + 1] + 2, LH - 2);
    }
    ctx.restore();
  }

  // What is under the pointer: {row} for an op, {nem, win} for the nemesis rows.
  function hit(x, y) {
    if (x < GUT) return null;
    var t = T(x), tol = 3 * (ve - vs) / (cw - GUT);
    if (y >= AXIS && y < AXIS + NEMH) {
      var f = Math.floor((y - AXIS) / NROW), best = null;
      for (var k2 = 0; k2 < D.windows.length; k2++) {
        var w = D.windows[k2];
        if (w[0] === f && t >= w[1] - tol && t <= (w[2] >= 0 ? w[2] : endT) + tol) best = { win: k2 };
      }
      return best;
    }
    if (y < lanesTop) return null;
    var ln = Math.floor((y - lanesTop + yoff) / LH);
    if (ln < 0 || ln >= L) return null;
    var rows = laneRows[ln], j = lowerBound(laneMax[ln], t - tol), found = -1, n = 0;
    for (; j < rows.length && n < 4000; j++, n++) {
      var r = rows[j];
      if (st[r] > t + tol) break;
      if (en[r] >= t - tol) { found = r; if (st[r] <= t && en[r] >= t) break; }
    }
    return found >= 0 ? { row: found } : null;
  }
  function describeRow(r) {
    var o = ops[r];
    var lines = ['#' + o[7] + (o[8] >= 0 ? ' → #' + o[8] : '') + '  process ' + D.lanes[o[0]] + '  ' + OUT[o[3]],
      label(r),
      'invoked ' + fmtS(o[1]) + (o[2] >= 0 ? ', took ' + fmtDur(o[2] - o[1]) : ', never completed')];
    if (o[6] >= 0) lines.push('node ' + D.nodes[o[6]]);
    if (o[10] >= 0) lines.push('error ' + D.errs[o[10]]);
    if (marks[r]) lines.push('flagged by a checker');
    return lines.join('\n');
  }
  function describeWindow(k2) {
    var w = D.windows[k2], lines = [D.faults[w[0]] + ' ' + fmtS(w[1]) + ' – ' + (w[2] >= 0 ? fmtS(w[2]) : 'end of run')];
    for (var e = 0; e < D.nem.length; e++) {
      var ev = D.nem[e];
      if (ev[1] >= w[1] && (w[2] < 0 || ev[1] <= w[2]) && ev[2].indexOf(D.faults[w[0]]) >= 0)
        lines.push('#' + ev[0] + ' ' + fmtS(ev[1]) + ' ' + ev[2] + ' ' + ev[3]);
      if (lines.length > 8) break;
    }
    return lines.join('\n');
  }
  function showTip(h, cx, cy) {
    if (!h) { tip.style.display = 'none'; return; }
    tip.textContent = h.row !== undefined ? describeRow(h.row) : describeWindow(h.win);
    tip.style.display = 'block';
    var tw = tip.offsetWidth, th = tip.offsetHeight;
    tip.style.left = Math.max(4, Math.min(cx + 14, window.innerWidth - tw - 4)) + 'px';
    tip.style.top = Math.max(4, Math.min(cy + 14, window.innerHeight - th - 4)) + 'px';
  }
  function setDetail(text, id) {
    detail.textContent = text;
    if (id !== undefined) {
      detail.appendChild(document.createTextNode('\nlink: '));
      var a = document.createElement('a');
      a.href = '#op-' + id;
      a.textContent = '#op-' + id;
      detail.appendChild(a);
    }
  }
  function select(r) {
    selected = r;
    if (r >= 0) setDetail(describeRow(r), ops[r][7]);
    request();
  }
  function focusId(id) {
    var r = id >= 0 && id < byId.length ? byId[id] : -1;
    if (r === -1) { setDetail('No op #' + id + ' in this history.'); return; }
    var span = ve - vs, a, b;
    if (r >= 0) { a = st[r]; b = en[r]; } else { a = b = D.nem[-2 - r][1]; }
    var dur = Math.max(b - a, 1);
    if (span > 400 * dur || span < 2 * dur) span = Math.min(endT * 1.2, Math.max(dur * 8, 50000));
    vs = (a + b) / 2 - span / 2; ve = vs + span;
    clampX();
    if (r >= 0) {
      yoff = (ops[r][0] + 0.5) * LH - (ch - lanesTop) / 2;
      clampY();
      select(r);
    } else {
      var ev = D.nem[-2 - r];
      selected = -1;
      setDetail('#' + ev[0] + ' nemesis ' + ev[2] + ' at ' + fmtS(ev[1]) + '\n' + ev[3], ev[0]);
      request();
    }
    var sec = document.getElementById('timeline');
    if (sec && sec.scrollIntoView) sec.scrollIntoView({ block: 'start' });
  }
  function onHash() {
    var m = /^#op-(\d+)$/.exec(location.hash);
    if (m) focusId(parseInt(m[1], 10));
  }
  function zoom(factor, atX) {
    var t = T(atX), span = (ve - vs) * factor;
    vs = t - (atX - GUT) / (cw - GUT) * span; ve = vs + span;
    clampX();
    request();
  }

  // Pointers: drag pans (both axes), two pointers pinch-zoom, a click selects.
  var pointers = new Map(), drag = null, pinch = null;
  function local(e) { var rc = canvas.getBoundingClientRect(); return { x: e.clientX - rc.left, y: e.clientY - rc.top }; }
  canvas.addEventListener('pointerdown', function (e) {
    canvas.setPointerCapture(e.pointerId);
    pointers.set(e.pointerId, local(e));
    if (pointers.size === 1) {
      var p = local(e);
      drag = { x: p.x, y: p.y, vs: vs, ve: ve, yoff: yoff, moved: false };
      canvas.classList.add('dragging');
    } else if (pointers.size === 2) {
      var ps = Array.from(pointers.values());
      pinch = { d: Math.abs(ps[0].x - ps[1].x) || 1, vs: vs, ve: ve, mid: (ps[0].x + ps[1].x) / 2 };
      drag = null;
    }
  });
  canvas.addEventListener('pointermove', function (e) {
    var p = local(e);
    if (pointers.has(e.pointerId)) pointers.set(e.pointerId, p);
    if (pinch && pointers.size === 2) {
      var ps = Array.from(pointers.values()), d = Math.abs(ps[0].x - ps[1].x) || 1;
      var span = (pinch.ve - pinch.vs) * pinch.d / d, t = pinch.vs + (pinch.mid - GUT) / (cw - GUT) * (pinch.ve - pinch.vs);
      vs = t - (pinch.mid - GUT) / (cw - GUT) * span; ve = vs + span;
      clampX(); request();
      return;
    }
    if (drag) {
      var dx = p.x - drag.x, dy = p.y - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      var dt = dx / (cw - GUT) * (drag.ve - drag.vs);
      vs = drag.vs - dt; ve = drag.ve - dt; clampX();
      yoff = drag.yoff - dy; clampY();
      tip.style.display = 'none';
      request();
      return;
    }
    showTip(hit(p.x, p.y), e.clientX, e.clientY);
  });
  function release(e) {
    pointers.delete(e.pointerId);
    if (pointers.size < 2) pinch = null;
    if (drag && !drag.moved && e.type === 'pointerup') {
      var p = local(e), h = hit(p.x, p.y);
      if (h && h.row !== undefined) {
        select(h.row);
        if (history.replaceState) history.replaceState(null, '', '#op-' + ops[h.row][7]);
      } else if (h) {
        setDetail(describeWindow(h.win));
      }
    }
    if (pointers.size === 0) { drag = null; canvas.classList.remove('dragging'); }
  }
  canvas.addEventListener('pointerup', release);
  canvas.addEventListener('pointercancel', release);
  canvas.addEventListener('pointerleave', function () { tip.style.display = 'none'; });
  // Ctrl/Cmd + wheel (and trackpad pinch) zooms; a sideways wheel pans; a plain wheel
  // scrolls the lanes while they can scroll, else the page.
  canvas.addEventListener('wheel', function (e) {
    var p = local(e);
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      zoom(Math.exp(e.deltaY * 0.003), p.x);
    } else if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      e.preventDefault();
      var dt = e.deltaX / (cw - GUT) * (ve - vs);
      vs += dt; ve += dt; clampX(); request();
    } else {
      var before = yoff;
      yoff += e.deltaY; clampY();
      if (yoff !== before) { e.preventDefault(); request(); }
    }
  }, { passive: false });

  function button(id, fn) { var b = document.getElementById(id); if (b) b.addEventListener('click', fn); }
  button('tl-in', function () { zoom(0.5, (GUT + cw) / 2); });
  button('tl-out', function () { zoom(2, (GUT + cw) / 2); });
  button('tl-reset', function () { vs = 0; ve = endT * 1.01; yoff = 0; clampX(); request(); });
  var gotoForm = document.getElementById('tl-goto');
  if (gotoForm) gotoForm.addEventListener('submit', function (e) {
    e.preventDefault();
    var v = parseInt(document.getElementById('tl-goto-id').value, 10);
    if (!isNaN(v)) location.hash = '#op-' + v;
  });
  window.addEventListener('hashchange', onHash);
  window.addEventListener('resize', resize);
  resize();
  onHash();
  if (window.performance && document.body) document.body.setAttribute('data-timeline-ops', String(N));
})();
)JS";

}  // namespace faultline::reports::html
