/* rnncourse widgets: browser-side views. All numbers come precomputed from Python (rnncourse);
   this file only decodes, indexes and draws them, so the views work without a kernel. */
(function () {
  "use strict";
  var VERSION = "1";
  if (window.rnnw && window.rnnw.version === VERSION) return;
  var W = (window.rnnw = { version: VERSION, views: {} });

  // ---------------------------------------------------------------- helpers
  W.decode = function (enc) {
    var bin = atob(enc.b64), n = bin.length, q, i;
    if (enc.bits === 8) {
      q = new Uint8Array(n);
      for (i = 0; i < n; i++) q[i] = bin.charCodeAt(i);
    } else {
      q = new Uint16Array(n / 2);
      for (i = 0; i < n / 2; i++) q[i] = bin.charCodeAt(2 * i) | (bin.charCodeAt(2 * i + 1) << 8);
    }
    var levels = Math.pow(2, enc.bits) - 1;
    var scale = enc.hi > enc.lo ? (enc.hi - enc.lo) / levels : 1;
    var out = new Float64Array(q.length);
    for (i = 0; i < q.length; i++) out[i] = enc.lo + q[i] * scale;
    return { shape: enc.shape, data: out, lo: enc.lo, hi: enc.hi };
  };
  function el(tag, attrs, html) {
    var e = document.createElement(tag);
    if (attrs) for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (html !== undefined) e.innerHTML = html;
    return e;
  }
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function fmt(v) {
    if (!isFinite(v)) return String(v);
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e4)) return v.toExponential(2);
    return v.toFixed(3);
  }
  W.fmt = fmt;
  // diverging blue-white-red for v in [-1, 1]; sequential white-blue for v in [0, 1]
  function diverging(v) {
    v = Math.max(-1, Math.min(1, v));
    var r, g, b;
    if (v >= 0) { r = 255 - 41 * v; g = 255 - 216 * v; b = 255 - 215 * v; }
    else { var u = -v; r = 255 - 224 * u; g = 255 - 136 * u; b = 255 - 75 * u; }
    return "rgb(" + Math.round(r) + "," + Math.round(g) + "," + Math.round(b) + ")";
  }
  function sequential(v) {
    v = Math.max(0, Math.min(1, v));
    return "rgb(" + Math.round(255 - 224 * v) + "," + Math.round(255 - 136 * v) + "," + Math.round(255 - 75 * v) + ")";
  }
  W.light = function (v, scale) {  // diverging colour blended with white, for text backgrounds
    var m = W.colour(v, "tanh", scale).match(/\d+/g).map(Number);
    return "rgb(" + m.map(function (c) { return Math.round(c + 0.45 * (255 - c)); }).join(",") + ")";
  };
  W.colour = function (v, kind, scale) {
    if (kind === "sigmoid") return sequential(v);
    return diverging(v / (scale || 1));
  };
  function slider(label, n, value, onInput, cls) {
    var wrap = el("label", { class: "rnnw-ctl " + (cls || "") });
    wrap.appendChild(document.createTextNode(label));
    var inp = el("input", { type: "range", min: 0, max: Math.max(0, n - 1), step: 1, value: value });
    var out = el("span", { class: "rnnw-val" });
    wrap.appendChild(inp);
    wrap.appendChild(out);
    inp.addEventListener("input", function () { onInput(parseInt(inp.value, 10), out); });
    // a screen reader announces the value the view shows, not the slider's index
    var sync = function () { inp.setAttribute("aria-valuetext", out.textContent.trim() || inp.value); };
    if (window.MutationObserver) new MutationObserver(sync).observe(out, { childList: true, characterData: true, subtree: true });
    return { node: wrap, input: inp, out: out };
  }
  // The numbers behind a picture, on request: a closed <details> whose table is built when it is
  // opened and rebuilt on every redraw while it is open. build() -> {head: [...], rows: [[...]]}.
  function numbers(parent, what, build) {
    var box = el("details", { class: "rnnw-numbers" });
    box.appendChild(el("summary", {}, "Numbers behind the " + esc(what)));
    var holder = el("div", { class: "rnnw-numbers-table", tabindex: "0", role: "region", "aria-label": "numbers behind the " + what });
    box.appendChild(holder);
    parent.appendChild(box);
    function refresh() {
      if (!box.open) return;
      var t = build(), h = "<table class='rnnw-table'><caption>" + esc(t.caption || what) + "</caption><tr>";
      t.head.forEach(function (c) { h += "<th scope='col'>" + esc(c) + "</th>"; });
      h += "</tr>";
      t.rows.forEach(function (r) {
        h += "<tr><th scope='row'>" + esc(r[0]) + "</th>";
        for (var i = 1; i < r.length; i++) h += "<td>" + (typeof r[i] === "number" ? fmt(r[i]) : esc(r[i])) + "</td>";
        h += "</tr>";
      });
      holder.innerHTML = h + "</table>";
    }
    box.addEventListener("toggle", refresh);
    return { refresh: refresh, node: box };
  }
  function describe(node, text) {  // a picture's short text alternative
    node.setAttribute("role", "img");
    node.setAttribute("aria-label", text);
  }
  // Positions of a view's own controls survive a redraw: a live weight change replaces the view's
  // iframe, and the new view starts where the reader left the old one. They are kept on the page
  // that holds the iframe (a srcdoc frame shares its origin), under the widget's view_id.
  function store() {
    var w = window;
    try {
      if (window.parent !== window && window.parent.document) w = window.parent;
    } catch (e) { /* a host of another origin: keep them in this frame */ }
    if (!w.__rnnwState) w.__rnnwState = {};
    return w.__rnnwState;
  }
  W.recall = function (viewId, key) {
    var s = viewId ? store()[viewId] : null;
    return s ? s[key] : undefined;
  };
  W.remember = function (viewId, key, value) {
    if (!viewId) return;
    var s = store();
    (s[viewId] = s[viewId] || {})[key] = value;
  };
  W.mount = function (id) {
    var root = document.getElementById(id);
    if (!root) {  // not in the document yet (some front ends insert outputs late)
      setTimeout(function () { W.mount(id); }, 50);
      return;
    }
    if (root.getAttribute("data-mounted")) return;
    root.setAttribute("data-mounted", "1");
    var data = JSON.parse(root.querySelector("script.rnnw-data").textContent);
    var body = root.querySelector(".rnnw-body");
    body.innerHTML = "";
    try {
      W.views[data.kind](body, data);
    } catch (err) {
      body.innerHTML = '<div class="rnnw-error">This view failed to draw: ' + esc(err.message) + "</div>";
      if (window.console) console.warn(err);
    }
  };

  // ---------------------------------------------------------------- single-cell explorer
  W.views.cell = function (body, d) {
    var grid = {}, k;
    for (k in d.grid) grid[k] = W.decode(d.grid[k]);
    var axes = d.axes, names = d.axis_names, labels = d.axis_labels;
    var saved = W.recall(d.view_id, "idx") || {};
    var idx = names.map(function (nm) {
      var v = saved[nm];
      return typeof v === "number" && v >= 0 && v < axes[nm].length ? v : d.start[nm];
    });
    function save() {
      var pos = {};
      names.forEach(function (nm, a) { pos[nm] = idx[a]; });
      W.remember(d.view_id, "idx", pos);
    }
    var controls = el("div", { class: "rnnw-row" });
    var svgBox = el("div", { class: "rnnw-panel" });
    var table = el("div");
    body.appendChild(el("div", { class: "rnnw-title" }, esc(d.title)));
    body.appendChild(controls);
    var row = el("div", { class: "rnnw-row" });
    row.appendChild(svgBox);
    row.appendChild(table);
    body.appendChild(row);
    body.appendChild(el("div", { class: "rnnw-note" }, esc(d.note)));
    var sliders = names.map(function (nm, a) {
      var s = slider(labels[a] + " ", axes[nm].length, idx[a], function (v, out) {
        idx[a] = v; out.textContent = fmt(axes[nm][v]); save(); draw();
      }, "rnnw-axis-" + nm);
      s.out.textContent = fmt(axes[nm][idx[a]]);
      controls.appendChild(s.node);
      return s;
    });
    function flat() {
      var f = 0;
      for (var a = 0; a < names.length; a++) f = f * axes[names[a]].length + idx[a];
      return f;
    }
    function val(key) { return grid[key].data[flat()]; }
    function draw() {
      var v = {};
      for (var key in grid) v[key] = val(key);
      names.forEach(function (nm, a) { v["in_" + nm] = axes[nm][idx[a]]; });
      svgBox.innerHTML = d.cell === "lstm" ? lstmSvg(v, d.squash) : gruSvg(v, d.squash);
      describe(svgBox.querySelector("svg"), "Diagram of the " + (d.cell === "lstm" ? "LSTM" : "GRU") +
        " cell, each gate drawn as a box filled to its value: " +
        d.table.map(function (t) { return t[1] + " = " + fmt(v[t[0]]); }).join(", ") + ".");
      var rows = d.table.map(function (t) {
        return "<tr><th>" + esc(t[1]) + "</th><td class='rnnw-out-" + t[0] + "'>" + fmt(v[t[0]]) + "</td></tr>";
      });
      table.innerHTML = "<table class='rnnw-table'>" + rows.join("") + "</table>";
    }
    draw();
  };
  function gateBox(x, y, name, v, kind, label) {
    // a "valve": the box fills from the bottom in proportion to the gate value
    var h = 46, w = 44, fill;
    var s = '<g class="rnnw-gate rnnw-gate-' + name + '">';
    s += '<rect x="' + (x - w / 2) + '" y="' + (y - h / 2) + '" width="' + w + '" height="' + h + '" fill="#fff" stroke="#333" rx="4"/>';
    if (kind === "sigmoid") {
      fill = Math.max(0, Math.min(1, v)) * (h - 4);
      s += '<rect x="' + (x - w / 2 + 2) + '" y="' + (y + h / 2 - 2 - fill) + '" width="' + (w - 4) + '" height="' + fill + '" fill="#1f77b4" opacity="0.55"/>';
    } else {
      fill = Math.abs(Math.max(-1, Math.min(1, v))) * (h / 2 - 2);
      var y0 = v >= 0 ? y - fill : y;
      s += '<rect x="' + (x - w / 2 + 2) + '" y="' + y0 + '" width="' + (w - 4) + '" height="' + fill + '" fill="' + (v >= 0 ? "#d62728" : "#1f77b4") + '" opacity="0.55"/>';
      s += '<line x1="' + (x - w / 2) + '" x2="' + (x + w / 2) + '" y1="' + y + '" y2="' + y + '" stroke="#999" stroke-dasharray="2,2"/>';
    }
    s += '<text x="' + x + '" y="' + (y - 4) + '" text-anchor="middle" font-size="13" font-weight="600">' + label + "</text>";
    s += '<text x="' + x + '" y="' + (y + 13) + '" text-anchor="middle" font-size="11">' + fmt(v) + "</text>";
    // beside the input arrow that enters the box from below, not on it
    s += '<text x="' + (x + 5) + '" y="' + (y + h / 2 + 13) + '" text-anchor="start" font-size="10" fill="#666">' + (kind === "sigmoid" ? "σ" : "tanh") + "</text></g>";
    return s;
  }
  function op(x, y, sym) {
    return '<circle cx="' + x + '" cy="' + y + '" r="11" fill="#fff" stroke="#333"/><text x="' + x + '" y="' + (y + 5) + '" text-anchor="middle" font-size="15">' + sym + "</text>";
  }
  function line(pts, colour, width) {
    return '<polyline fill="none" stroke="' + (colour || "#555") + '" stroke-width="' + (width || 1.5) + '" points="' + pts.map(function (p) { return p.join(","); }).join(" ") + '" marker-end="url(#rnnw-arrow)"/>';
  }
  function label(x, y, text, anchor, extra) {
    return '<text x="' + x + '" y="' + y + '" text-anchor="' + (anchor || "middle") + '" font-size="12" ' + (extra || "") + ">" + text + "</text>";
  }
  function svgOpen(w, h) {
    return '<svg xmlns="http://www.w3.org/2000/svg" width="' + w + '" height="' + h + '" viewBox="0 0 ' + w + " " + h + '" font-family="sans-serif">' +
      '<defs><marker id="rnnw-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>';
  }
  function stateTag(x, y, name, v) {
    return '<rect x="' + (x - 34) + '" y="' + (y - 17) + '" width="68" height="34" rx="4" fill="' + W.colour(v, "tanh", 2) + '" stroke="#333"/>' +
      label(x, y - 4, name, "middle", 'font-weight="600" font-size="11"') + label(x, y + 13, fmt(v), "middle", 'font-size="10"');
  }
  function lstmSvg(v, sq) {
    var s = svgOpen(560, 300);
    // conveyor belt: c_{t-1} -> x f -> + i*g -> c_t
    s += stateTag(50, 50, "c<tspan baseline-shift='sub' font-size='8'>t−1</tspan>", v.in_c);
    s += line([[84, 50], [189, 50]], "#2ca02c", 2.5) + op(200, 50, "×") + line([[211, 50], [319, 50]], "#2ca02c", 2.5);
    s += op(330, 50, "+") + line([[341, 50], [476, 50]], "#2ca02c", 2.5) + stateTag(510, 50, "c<tspan baseline-shift='sub' font-size='8'>t</tspan>", v.c);
    // gates
    s += gateBox(150, 200, "f", v.f, sq.f, "f") + gateBox(230, 200, "i", v.i, sq.i, "i");
    s += gateBox(300, 200, "g", v.g, sq.g, "g") + gateBox(390, 200, "o", v.o, sq.o, "o");
    s += line([[150, 177], [150, 50], [189, 50]]);
    s += op(265, 120, "×") + line([[230, 177], [230, 120], [254, 120]]) + line([[300, 177], [300, 120], [276, 120]]);
    s += line([[265, 109], [265, 80], [330, 80], [330, 61]]);
    s += label(285, 112, "i⊙g = " + fmt(v.i * v.g), "start", 'font-size="10" fill="#444"');
    // output path: tanh(c_t) * o -> h_t
    s += line([[440, 50], [440, 104]]) + '<rect x="415" y="105" width="50" height="22" rx="4" fill="#fff" stroke="#333"/>' + label(440, 120, "tanh", "middle", 'font-size="11"');
    s += label(472, 140, fmt(v.tc), "start", 'font-size="10" fill="#444"');
    s += line([[440, 127], [440, 188]]) + op(440, 200, "×") + line([[413, 200], [429, 200]]);
    s += line([[451, 200], [476, 200], [476, 252]]) + stateTag(510, 268, "h<tspan baseline-shift='sub' font-size='8'>t</tspan>", v.h);
    // inputs
    s += stateTag(50, 268, "h<tspan baseline-shift='sub' font-size='8'>t−1</tspan>", v.in_h) + stateTag(50, 200, "x<tspan baseline-shift='sub' font-size='8'>t</tspan>", v.in_x);
    s += '<polyline fill="none" stroke="#999" points="84,268 390,268"/><polyline fill="none" stroke="#999" points="84,200 100,200 100,268"/>';
    [150, 230, 300, 390].forEach(function (x) { s += line([[x, 268], [x, 224]], "#999", 1); });
    s += label(200, 30, "f⊙c<tspan baseline-shift='sub' font-size='8'>t−1</tspan> = " + fmt(v.f * v.in_c), "middle", 'font-size="10" fill="#444"');
    return s + "</svg>";
  }
  function gruSvg(v, sq) {
    var s = svgOpen(560, 300);
    // memory path: h_{t-1} -> x z -> + (1-z)*n -> h_t
    s += stateTag(50, 50, "h<tspan baseline-shift='sub' font-size='8'>t−1</tspan>", v.in_h);
    s += line([[84, 50], [239, 50]], "#2ca02c", 2.5) + op(250, 50, "×") + line([[261, 50], [369, 50]], "#2ca02c", 2.5);
    s += op(380, 50, "+") + line([[391, 50], [476, 50]], "#2ca02c", 2.5) + stateTag(510, 50, "h<tspan baseline-shift='sub' font-size='8'>t</tspan>", v.h);
    s += gateBox(160, 200, "r", v.r, sq.r, "r") + gateBox(250, 200, "z", v.z, sq.z, "z") + gateBox(360, 200, "n", v.n, sq.n, "n");
    s += line([[250, 177], [250, 61]]) + label(262, 140, "z", "start", 'font-size="11" fill="#444"');
    s += '<rect x="285" y="105" width="40" height="20" rx="4" fill="#fff" stroke="#333"/>' + label(305, 119, "1−z", "middle", 'font-size="11"');
    s += line([[250, 115], [284, 115]]) + line([[325, 115], [369, 115]]) + op(380, 115, "×") + line([[360, 177], [360, 140], [380, 140], [380, 127]]);
    s += line([[380, 104], [380, 61]]) + label(392, 90, "(1−z)⊙n = " + fmt((1 - v.z) * v.n), "start", 'font-size="10" fill="#444"');
    s += label(200, 30, "z⊙h<tspan baseline-shift='sub' font-size='8'>t−1</tspan> = " + fmt(v.z * v.in_h), "middle", 'font-size="10" fill="#444"');
    s += line([[160, 177], [160, 160], [336, 160], [336, 188]]) + label(104, 152, "r gates h<tspan baseline-shift='sub' font-size='8'>t−1</tspan>W<tspan baseline-shift='sub' font-size='8'>hn</tspan> in n", "start", 'font-size="10" fill="#444"');
    s += stateTag(50, 268, "h<tspan baseline-shift='sub' font-size='8'>t−1</tspan>", v.in_h) + stateTag(50, 200, "x<tspan baseline-shift='sub' font-size='8'>t</tspan>", v.in_x);
    s += '<polyline fill="none" stroke="#999" points="84,268 360,268"/><polyline fill="none" stroke="#999" points="84,200 100,200 100,268"/>';
    [160, 250, 360].forEach(function (x) { s += line([[x, 268], [x, 224]], "#999", 1); });
    return s + "</svg>";
  }

  // ---------------------------------------------------------------- gate inspector
  W.views.inspector = function (body, d) {
    var arr = {}, k;
    for (k in d.arrays) arr[k] = W.decode(d.arrays[k]);
    var T = d.T, H = d.H, t = 0, unit = d.unit || 0;
    var cw = Math.max(1, Math.min(10, Math.floor(300 / T))), ch = Math.max(2, Math.min(8, Math.floor(96 / H)));
    body.appendChild(el("div", { class: "rnnw-title" }, esc(d.title)));
    var controls = el("div", { class: "rnnw-row" });
    var tS = slider("time step t ", T, 0, function (v) { t = v; draw(); }, "rnnw-time");
    var uS = slider("unit ", H, unit, function (v) { unit = v; draw(); }, "rnnw-unit");
    controls.appendChild(tS.node);
    controls.appendChild(uS.node);
    body.appendChild(controls);
    var tokens = el("div", { class: "rnnw-tokens rnnw-panel" });
    if (d.tokens) {
      d.tokens.forEach(function (tok, i) {
        var sp = el("span", { "data-t": i, title: "t = " + i });
        sp.textContent = tok;
        sp.style.cursor = "pointer";
        sp.addEventListener("click", function () { t = i; tS.input.value = i; draw(); });
        tokens.appendChild(sp);
      });
      body.appendChild(tokens);
    }
    var maps = el("div", { class: "rnnw-row" });
    body.appendChild(maps);
    var canv = {};
    d.keys.forEach(function (key) {
      var box = el("div", { class: "rnnw-panel" });
      box.appendChild(el("div", { class: "rnnw-title" }, esc(d.labels[key])));
      var c = el("canvas", { width: T * cw, height: H * ch, class: "rnnw-map rnnw-map-" + key });
      describe(c, "Heat map of " + d.labels[key] + ": " + H + " units (rows) by " + T +
        " time steps (columns); the sliders choose the outlined step and unit, the table below gives its numbers.");
      c.addEventListener("click", function (ev) {
        var r = c.getBoundingClientRect();
        t = Math.min(T - 1, Math.floor((ev.clientX - r.left) / (r.width / T)));
        unit = Math.min(H - 1, Math.floor((ev.clientY - r.top) / (r.height / H)));
        tS.input.value = t; uS.input.value = unit; draw();
      });
      box.appendChild(c);
      maps.appendChild(box);
      canv[key] = c;
      paint(key);
    });
    var lower = el("div", { class: "rnnw-row" });
    var series = el("div", { class: "rnnw-panel" });
    var readout = el("div", { class: "rnnw-panel rnnw-readout" });
    lower.appendChild(series);
    lower.appendChild(readout);
    body.appendChild(lower);
    body.appendChild(el("div", { class: "rnnw-note" }, esc(d.note)));
    var table = numbers(body, "unit's curves", function () {
      var rows = [];
      for (var tt = 0; tt < T; tt++) {
        rows.push([String(tt)].concat(d.tokens ? [JSON.stringify(d.tokens[tt])] : [],
          d.keys.map(function (key) { return value(key, tt, unit); })));
      }
      return { caption: "unit " + unit + " at every time step", head: ["t"].concat(d.tokens ? ["token"] : [], d.keys), rows: rows };
    });
    function value(key, tt, u) { return arr[key].data[tt * H + u]; }
    function plotted(key, tt, u) { var v = value(key, tt, u); return d.squash && d.squash[key] ? Math.tanh(v) : v; }
    function paint(key) {
      var ctx = canv[key].getContext("2d"), a = arr[key], kind = d.kinds[key], sc = d.scales[key];
      for (var tt = 0; tt < T; tt++) for (var u = 0; u < H; u++) {
        ctx.fillStyle = W.colour(value(key, tt, u), kind, sc);
        ctx.fillRect(tt * cw, u * ch, cw, ch);
      }
      canv[key]._base = ctx.getImageData(0, 0, T * cw, H * ch);
      return a;
    }
    function draw() {
      tS.out.textContent = t + (d.tokens ? "  " + JSON.stringify(d.tokens[t]) : "");
      uS.out.textContent = String(unit);
      d.keys.forEach(function (key) {
        var c = canv[key], ctx = c.getContext("2d");
        ctx.putImageData(c._base, 0, 0);
        ctx.strokeStyle = "#d62728"; ctx.lineWidth = 1;
        ctx.strokeRect(t * cw + 0.5, 0.5, cw - 1, H * ch - 1);
        ctx.strokeStyle = "#000";
        ctx.strokeRect(0.5, unit * ch + 0.5, T * cw - 1, ch - 1);
      });
      var spans = tokens.children;
      for (var i = 0; i < spans.length; i++) spans[i].className = i === t ? "rnnw-cur" : "";
      var rows = d.keys.map(function (key) {
        return "<tr><th>" + esc(key) + "</th><td class='rnnw-read-" + key + "'>" + fmt(value(key, t, unit)) + "</td></tr>";
      });
      readout.innerHTML = "<div class='rnnw-title'>unit " + unit + " at t = " + t + "</div><table class='rnnw-table'>" + rows.join("") + "</table>";
      series.innerHTML = seriesSvg();
      describe(series.querySelector("svg"), "Curves of unit " + unit + " over the " + T + " time steps (" +
        d.keys.join(", ") + "), the current step t = " + t + " marked; the numbers are in the table below.");
      table.refresh();
    }
    // Okabe-Ito colours, each curve with its own dash pattern; the legend text stays black
    var COL = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
    var DASH = ["", "6,3", "2,2", "8,3,2,3", "4,4", "1,3"];
    function seriesSvg() {
      var w = 460, h = 170, L = 36, R = 8, Tp = 10, B = 22, lo = Infinity, hi = -Infinity, key, tt;
      d.keys.forEach(function (key) { for (var tt = 0; tt < T; tt++) { var v = plotted(key, tt, unit); lo = Math.min(lo, v); hi = Math.max(hi, v); } });
      lo = Math.min(lo, 0); hi = Math.max(hi, 1);
      function X(tt) { return L + (T > 1 ? tt / (T - 1) : 0.5) * (w - L - R); }
      function Y(v) { return Tp + (1 - (v - lo) / (hi - lo)) * (h - Tp - B); }
      var s = '<svg xmlns="http://www.w3.org/2000/svg" width="' + w + '" height="' + h + '" font-family="sans-serif" font-size="10" class="rnnw-series">';
      s += '<line x1="' + L + '" x2="' + (w - R) + '" y1="' + Y(0) + '" y2="' + Y(0) + '" stroke="#bbb"/>';
      [lo, 0, hi].forEach(function (v) { s += '<text x="' + (L - 3) + '" y="' + (Y(v) + 3) + '" text-anchor="end">' + fmt(v) + "</text>"; });
      s += '<line x1="' + X(t) + '" x2="' + X(t) + '" y1="' + Tp + '" y2="' + (h - B) + '" stroke="#d62728" stroke-dasharray="3,2"/>';
      d.keys.forEach(function (key, j) {
        var pts = [];
        for (tt = 0; tt < T; tt++) pts.push(X(tt).toFixed(1) + "," + Y(plotted(key, tt, unit)).toFixed(1));
        s += '<polyline fill="none" stroke="' + COL[j % 6] + '" stroke-dasharray="' + DASH[j % 6] + '" stroke-width="1.8" points="' + pts.join(" ") + '"/>';
        var lx = L + 4 + j * 62;
        s += '<line x1="' + lx + '" x2="' + (lx + 16) + '" y1="' + (h - 9) + '" y2="' + (h - 9) + '" stroke="' + COL[j % 6] + '" stroke-dasharray="' + DASH[j % 6] + '" stroke-width="2"/>';
        s += '<text x="' + (lx + 19) + '" y="' + (h - 6) + '" fill="#222" font-weight="600">' + esc(d.squash && d.squash[key] ? "tanh " + key : key) + "</text>";
      });
      s += '<text x="' + (w - R) + '" y="' + (h - 6) + '" text-anchor="end">t →</text>';
      return s + "</svg>";
    }
    draw();
  };

  // ---------------------------------------------------------------- gradient-flow explorer
  W.views.gradflow = function (body, d) {
    var ri = d.start, clip = false, ti = d.clip_start || 0;
    body.appendChild(el("div", { class: "rnnw-title" }, esc(d.title)));
    var controls = el("div", { class: "rnnw-row" });
    var rS = slider("spectral radius ρ ", d.radii.length, ri, function (v) { ri = v; draw(); }, "rnnw-radius");
    controls.appendChild(rS.node);
    var cl = el("label", { class: "rnnw-ctl rnnw-clip" });
    var cb = el("input", { type: "checkbox" });
    cl.appendChild(cb);
    cl.appendChild(document.createTextNode(" clip the gradient (global norm)"));
    var tl = el("label", { class: "rnnw-ctl" });
    tl.appendChild(document.createTextNode("at threshold τ "));
    var tsel = el("select", { class: "rnnw-tau" });
    d.taus.forEach(function (tau, j) { var o = el("option", { value: j }, fmt(tau)); if (j === ti) o.selected = true; tsel.appendChild(o); });
    tl.appendChild(tsel);
    cb.addEventListener("change", function () { clip = cb.checked; draw(); });
    tsel.addEventListener("change", function () { ti = parseInt(tsel.value, 10); draw(); });
    controls.appendChild(cl);
    controls.appendChild(tl);
    body.appendChild(controls);
    var plot = el("div", { class: "rnnw-panel" });
    var readout = el("div", { class: "rnnw-readout" });
    body.appendChild(plot);
    body.appendChild(readout);
    body.appendChild(el("div", { class: "rnnw-note" }, esc(d.note)));
    var COL = { rnn: "#D55E00", lstm: "#0072B2", gru: "#009E73" };
    var DASH = { rnn: "", lstm: "7,3", gru: "2,2" };
    var table = numbers(body, "plot", function () {
      var rows = [];
      for (var k = 0; k <= d.T; k++) {
        rows.push([String(k)].concat(d.cells.map(function (cell) { var c = curve(cell); return c[d.T - k]; })));
      }
      return { caption: "‖∂L/∂h_t‖ at each number of steps back, ρ = " + fmt(d.radii[ri]) + (clip ? ", clipped" : ""),
               head: ["steps back"].concat(d.cells.map(function (c) { return d.names[c]; })), rows: rows };
    });
    function curve(cell) {
      var c = d.curves[cell][ri];
      if (!clip) return c;
      var s = d.clip_scale[cell][ri][ti];
      return c.map(function (v) { return v * s; });
    }
    function draw() {
      rS.out.textContent = fmt(d.radii[ri]);
      var w = 620, h = 320, L = 56, R = 16, Tp = 32, B = 34;  // legend above the plot area
      var lo = Math.log10(d.ylim[0]), hi = Math.log10(d.ylim[1]), T = d.T;
      function X(t) { return L + (t / T) * (w - L - R); }
      function Y(v) { var l = Math.log10(Math.max(v, d.ylim[0])); l = Math.min(l, hi); return Tp + (1 - (l - lo) / (hi - lo)) * (h - Tp - B); }
      var s = '<svg xmlns="http://www.w3.org/2000/svg" width="' + w + '" height="' + h + '" font-family="sans-serif" font-size="11" class="rnnw-gradplot">';
      for (var e = Math.ceil(lo); e <= Math.floor(hi); e += Math.max(1, Math.round((hi - lo) / 8))) {
        s += '<line x1="' + L + '" x2="' + (w - R) + '" y1="' + Y(Math.pow(10, e)) + '" y2="' + Y(Math.pow(10, e)) + '" stroke="' + (e === 0 ? "#888" : "#eee") + '"/>';
        s += '<text x="' + (L - 4) + '" y="' + (Y(Math.pow(10, e)) + 4) + '" text-anchor="end">1e' + e + "</text>";
      }
      // x: steps back from the loss, T - t, as in the book's static figures (loss at the left)
      for (var k = 0; k <= T; k += Math.max(1, Math.round(T / 6))) s += '<text x="' + X(k) + '" y="' + (h - B + 14) + '" text-anchor="middle">' + k + "</text>";
      s += '<text x="' + ((L + w - R) / 2) + '" y="' + (h - 4) + '" text-anchor="middle">' + esc(d.xlabel) + " (T = " + T + ")</text>";
      s += '<text x="12" y="' + (h / 2) + '" transform="rotate(-90 12 ' + h / 2 + ')" text-anchor="middle">' + esc(d.ylabel) + "</text>";
      var lines = [];
      d.cells.forEach(function (cell) {
        var c = curve(cell), pts = [];
        for (var t = 0; t < c.length; t++) pts.push(X(T - t).toFixed(1) + "," + Y(c[t]).toFixed(1));
        s += '<polyline class="rnnw-curve-' + cell + '" fill="none" stroke="' + COL[cell] + '" stroke-dasharray="' + DASH[cell] + '" stroke-width="2" points="' + pts.join(" ") + '"/>';
        var ly = 16, lx = L + 10 + 120 * d.cells.indexOf(cell);
        s += '<line x1="' + lx + '" x2="' + (lx + 24) + '" y1="' + (ly - 4) + '" y2="' + (ly - 4) + '" stroke="' + COL[cell] + '" stroke-dasharray="' + DASH[cell] + '" stroke-width="2"/>';
        s += '<text x="' + (lx + 30) + '" y="' + ly + '" fill="#222" font-weight="600">' + esc(d.names[cell]) + "</text>";
        var line = d.names[cell] + ": ‖∂L/∂h_t‖ " + T + " steps back = " + fmt(c[0]) + ", per-step factor ≈ " + fmt(d.rates[cell][ri]);
        if (clip) line += ", parameter-gradient norm " + fmt(d.grad_norm[cell][ri]) + " → " + fmt(Math.min(d.grad_norm[cell][ri], d.taus[ti]));
        lines.push("<div class='rnnw-read-" + cell + "'>" + esc(line) + "</div>");
      });
      plot.innerHTML = s + "</svg>";
      describe(plot.querySelector("svg"), "Semilog plot of " + d.ylabel + " against " + d.xlabel + " for " +
        d.cells.map(function (c) { return d.names[c]; }).join(", ") + " at spectral radius " + fmt(d.radii[ri]) +
        (clip ? ", clipped" : "") + "; the lines below and the table give the numbers.");
      readout.innerHTML = lines.join("");
      table.refresh();
    }
    draw();
  };

  // ---------------------------------------------------------------- interpretable-cell viewer
  W.views.interpret = function (body, d) {
    var acts = W.decode(d.acts), H = d.H, T = d.tokens.length, unit = d.unit, feat = d.feature || null;
    body.appendChild(el("div", { class: "rnnw-title" }, esc(d.title)));
    var controls = el("div", { class: "rnnw-row" });
    var uS = slider("unit ", H, unit, function (v) { unit = v; draw(); }, "rnnw-unit");
    controls.appendChild(uS.node);
    var fl = el("label", { class: "rnnw-ctl" });
    fl.appendChild(document.createTextNode("feature "));
    var fsel = el("select", { class: "rnnw-feature" });
    fl.appendChild(fsel);
    fsel.appendChild(el("option", { value: "" }, "search units tracking a feature…"));
    d.feature_names.forEach(function (f) { fsel.appendChild(el("option", { value: f }, esc(d.features[f].label))); });
    if (feat) fsel.value = feat;
    fsel.addEventListener("change", function () { feat = fsel.value || null; if (feat) { unit = d.features[feat].ranking[0][0]; uS.input.value = unit; } draw(); });
    controls.appendChild(fl);
    body.appendChild(controls);
    var chips = el("div", { class: "rnnw-row rnnw-ranking" });
    body.appendChild(chips);
    // scrolls when long: reachable by keyboard (tabindex) and named
    var text = el("div", { class: "rnnw-text rnnw-panel", tabindex: "0", role: "region", "aria-label": "the text, each character coloured by the unit's value" });
    var spans = d.tokens.map(function (tok, i) {
      var sp = el("span");
      sp.textContent = tok === "\n" ? "↵\n" : tok;
      sp.setAttribute("data-t", i);
      text.appendChild(sp);
      return sp;
    });
    body.appendChild(text);
    var legend = el("div", { class: "rnnw-note" });
    body.appendChild(legend);
    body.appendChild(el("div", { class: "rnnw-note" }, esc(d.note)));
    var table = numbers(body, "colours", function () {
      var rows = [];
      for (var t = 0; t < T; t++) rows.push([String(t), JSON.stringify(d.tokens[t]), acts.data[t * H + unit]]);
      return { caption: d.what + " of unit " + unit + " at each character", head: ["t", "character", d.what], rows: rows };
    });
    function draw() {
      uS.out.textContent = String(unit);
      for (var t = 0; t < T; t++) {
        var v = acts.data[t * H + unit];
        spans[t].style.background = W.light(v, d.scale);
        spans[t].title = "t = " + t + ", " + d.what + " = " + fmt(v);
      }
      chips.innerHTML = "";
      if (feat) {
        var F = d.features[feat];
        chips.appendChild(el("span", { class: "rnnw-note" }, "units ranked by |correlation| with “" + esc(F.label) + "”: "));
        F.ranking.forEach(function (p) {
          var b = el("button", { class: "rnnw-chip" + (p[0] === unit ? " rnnw-on" : ""), type: "button", "data-unit": p[0], "aria-pressed": p[0] === unit ? "true" : "false" }, "unit " + p[0] + " (r = " + p[1].toFixed(2) + ")");
          b.addEventListener("click", function () { unit = p[0]; uS.input.value = unit; draw(); });
          chips.appendChild(b);
        });
      }
      table.refresh();
      legend.innerHTML = "colour: " + esc(d.what) + " of unit " + unit + " — <span style='color:#000;background:" + W.light(-d.scale, d.scale) + "'>&nbsp;" + fmt(-d.scale) + "&nbsp;</span> … <span style='color:#000;background:#fff;border:1px solid #ddd'>&nbsp;0&nbsp;</span> … <span style='color:#000;background:" + W.light(d.scale, d.scale) + "'>&nbsp;+" + fmt(d.scale) + "&nbsp;</span>; hover a character for its value, or open the numbers below.";
    }
    draw();
  };

  // ---------------------------------------------------------------- attention explorer
  W.views.attention = function (body, d) {
    var ex = 0, model = d.models[0];
    body.appendChild(el("div", { class: "rnnw-title" }, esc(d.title)));
    var row = el("div", { class: "rnnw-row" });
    var pick = el("select", {});
    d.examples.forEach(function (e, i) { pick.appendChild(el("option", { value: i }, esc(e.source))); });
    pick.addEventListener("change", function () { ex = parseInt(pick.value, 10); draw(); });
    row.appendChild(el("label", {}, "input ")).appendChild(pick);
    var buttons = d.models.map(function (m) {
      var b = el("button", { class: "rnnw-chip", type: "button" }, esc(m));
      b.addEventListener("click", function () { model = m; draw(); });
      row.appendChild(b);
      return b;
    });
    body.appendChild(row);
    var out = el("div", { class: "rnnw-text" });
    var grid = el("div", { class: "rnnw-text rnnw-grid" });
    body.appendChild(out);
    body.appendChild(grid);
    body.appendChild(el("div", { class: "rnnw-note" }, esc(d.note)));
    function show(c) { return c === " " ? "␣" : esc(c); }
    function draw() {
      buttons.forEach(function (b, i) {
        b.className = "rnnw-chip" + (d.models[i] === model ? " rnnw-on" : "");
        b.setAttribute("aria-pressed", d.models[i] === model ? "true" : "false");
      });
      var e = d.examples[ex], run = e.runs[model], w = W.decode(run.w);
      var T = w.shape[0], L = w.shape[1], src = e.source, o = run.output;
      var verdict = e.target === null ? "" : (o === e.target ? "  ✓ matches " : "  ✗ expected ") + esc(e.target);
      out.innerHTML = "output: <b>" + esc(o) + "</b>" + verdict;
      var h = '<table class="rnnw-table rnnw-attn" style="width:min(100%,' + (L * 13 + 48) + 'px)" aria-label="attention weights, one row per output character, one column per input character; their numbers are in the table below"><tr><th></th>';
      for (var l = 0; l < L; l++) h += "<th style='padding:0 1px;text-align:center'>" + show(src[l]) + "</th>";
      h += "</tr>";
      for (var t = 0; t < T; t++) {
        var lab = t < o.length ? show(o[t]) : "&lt;EOS&gt;";
        h += "<tr><th style='padding:0 4px'>" + lab + "</th>";
        for (l = 0; l < L; l++) {
          var v = w.data[t * L + l];
          h += "<td title='" + lab + " ← " + show(src[l]) + ": " + fmt(v) + "' style='padding:0;width:11px;height:13px;border:0;background:" + W.colour(v, "sigmoid") + "'></td>";
        }
        h += "</tr>";
      }
      grid.innerHTML = h + "</table>";
      table.refresh();
    }
    var table = numbers(body, "grid", function () {
      var e = d.examples[ex], run = e.runs[model], w = W.decode(run.w), rows = [], o = run.output;
      for (var t = 0; t < w.shape[0]; t++) {
        var r = [t < o.length ? o[t] : "<EOS>"];
        for (var l = 0; l < w.shape[1]; l++) r.push(w.data[t * w.shape[1] + l]);
        rows.push(r);
      }
      return { caption: "attention of " + model + " on " + JSON.stringify(e.source), head: ["output"].concat(e.source.split("").map(function (c) { return c === " " ? "␣" : c; })), rows: rows };
    });
    draw();
  };
})();
