// siting year maps (`siting plan`): the layers of the chosen year and the year control.
// Loaded before siting.js, which draws the page's maps and calls back here: the layer kinds
// "planSites", "planBuilds" and "planFlows" are empty groups that setYear fills, and drawn() adds the
// year control (slider, previous / next / play buttons, the year shown large, the year's
// national totals) to the last map. As in siting.js, no data string is evaluated: numbers
// are formatted here and names were HTML-escaped in Python. The data are in "years"
// (shared) and, per map, "plan": per year, one row per site (fields in years.fields).
var sitingExtensions = (function () {
  "use strict";
  var groups = [];  // per map data: {data, sites, builds}
  var state = {maps: [], all: null, t: 0, timer: null, controls: []};
  var F = {};       // field name -> column of a site row

  function group(kind) {
    return function (spec, data) {
      var found = null;
      groups.forEach(function (g) { if (g.data === data) { found = g; } });
      if (!found) { found = {data: data}; groups.push(found); }
      found[kind] = L.featureGroup();
      return found[kind];
    };
  }

  // --- symbols -------------------------------------------------------------------------------
  function radius(mw) {
    var y = state.all.years, r = y.radius;
    return Math.max(r[0], r[1] * Math.sqrt(Math.max(mw, 0) / y.maxMw));
  }
  function point(c, r, a) {
    return (c + r * Math.sin(a)).toFixed(2) + "," + (c - r * Math.cos(a)).toFixed(2);
  }
  function arc(c, r, from, share, attrs) {
    // An arc (stroke) or wedge (with the centre) over `share` of the circle, from `from`.
    if (share >= 0.9999) {
      return "<circle cx='" + c + "' cy='" + c + "' r='" + r.toFixed(2) + "' " + attrs + "/>";
    }
    var a0 = 2 * Math.PI * from, a1 = 2 * Math.PI * (from + share);
    return "<path d='M" + point(c, r, a0) + " A" + r.toFixed(2) + "," + r.toFixed(2) + " 0 " +
      (share > 0.5 ? 1 : 0) + " 1 " + point(c, r, a1) + "' " + attrs + "/>";
  }
  function wedge(c, r, from, share, colour) {
    if (share >= 0.9999) { return arc(c, r, 0, 1, "fill='" + colour + "'"); }
    var a0 = 2 * Math.PI * from, a1 = 2 * Math.PI * (from + share);
    return "<path d='M" + c + "," + c + " L" + point(c, r, a0) + " A" + r.toFixed(2) + "," +
      r.toFixed(2) + " 0 " + (share > 0.5 ? 1 : 0) + " 1 " + point(c, r, a1) + " Z' fill='" +
      colour + "'/>";
  }
  function siteSymbol(row) {
    // Pie of training / inference / idle MW, area ∝ installed MW; a ring of pre-horizon and
    // new MW in service around it.
    var colours = state.all.years.colours, installed = row[F.installed_mw];
    var r = radius(installed), d = Math.ceil(2 * r + 9), c = d / 2, svg = "", from = 0;
    [[row[F.training_mw], colours.training], [row[F.inference_mw], colours.inference],
     [row[F.stranded_mw], colours.idle]].forEach(function (part) {
      var share = installed > 0 ? part[0] / installed : 0;
      if (share > 0.001) { svg += wedge(c, r, from, share, part[1]); }
      from += share;
    });
    var ringR = r + 2.5, newShare = installed > 0 ? row[F.new_in_service_mw] / installed : 0;
    svg += arc(c, ringR, 0, 1, "fill='none' stroke='" + colours.existing + "' stroke-width='2.5'");
    if (newShare > 0.001) {
      svg += arc(c, ringR, 0, newShare,
                 "fill='none' stroke='" + colours["new"] + "' stroke-width='2.5'");
    }
    return [d, "<svg width='" + d + "' height='" + d + "' viewBox='0 0 " + d + " " + d + "'>" +
      svg + "</svg>"];
  }
  function triangle(mw, filled) {
    var s = Math.max(5, radius(mw)) * 1.1, d = Math.ceil(2 * s + 4), c = d / 2;
    var colour = state.all.years.colours["new"];
    var style = filled ? "fill='" + colour + "' fill-opacity='0.85' stroke='#fff'" :
      "fill='none' stroke='" + colour + "' stroke-width='2' stroke-dasharray='4 2'";
    return [d, "<svg width='" + d + "' height='" + d + "'><path d='M" + c + "," + (c - s) + " L" +
      (c + s * 0.87).toFixed(2) + "," + (c + s / 2).toFixed(2) + " L" + (c - s * 0.87).toFixed(2) +
      "," + (c + s / 2).toFixed(2) + " Z' " + style + "/></svg>"];
  }

  // --- text ----------------------------------------------------------------------------------
  function mw(value) { return sitingLib.num(value, 1) + " MW"; }
  function siteTip(site, row, year) {
    var installed = row[F.installed_mw];
    return "<b>" + site.label + "</b> · " + year + "<br>" + sitingLib.num(installed, 0) +
      " MW installed: " + sitingLib.num(row[F.training_mw], 0) + " training, " +
      sitingLib.num(row[F.inference_mw], 0) + " inference, " +
      sitingLib.num(row[F.stranded_mw], 0) + " idle";
  }
  function sitePopup(site, row, year, foresight) {
    var classes = state.all.years.classes, installed = row[F.installed_mw];
    var idle = installed > 0 ? row[F.stranded_mw] / installed : 0;
    var html = "<div class='siting-popup'><b>" + site.label + "</b><br><small>" + site.where +
      " · " + year + " · " + foresight + " foresight</small>" + sitingLib.table(null, [
        ["Installed", mw(installed)],
        ["· pre-horizon", mw(row[F.existing_mw])],
        ["· new in service", mw(row[F.new_in_service_mw])],
        ["Used for training", mw(row[F.training_mw])],
        ["Used for inference", mw(row[F.inference_mw])],
        ["Idle (stranded)", mw(row[F.stranded_mw]) + " (" + sitingLib.num(100 * idle, 0) + " %)"],
        ["Stranded capital", sitingLib.num(row[F.stranded_capital_bn_cny], 3) + " bn CNY"],
        ["Entering service", mw(row[F.entering_mw])],
        ["Ordered this year", mw(row[F.ordered_mw])],
        ["Site open", row[F.open] ? "yes" : "no"]
      ]);
    var perClass = row[SITE_CLASSES];
    if (perClass.length) {
      html += "<div class='siting-h'>By accelerator class (MW)</div>" + sitingLib.table(
        ["Class", "Pre-horizon", "New", "Training", "Inference", "Idle"],
        perClass.map(function (c) {
          return [classes[c[0]]].concat(c.slice(1).map(function (v) {
            return sitingLib.num(v, 1);
          }));
        }));
    }
    return html + "</div>";
  }
  var SITE_CLASSES = -1;  // set in drawn(): the column after the fields

  // --- the year ------------------------------------------------------------------------------
  function drawFlows(g, t) {
    // The year's inference flows, from each hub's served sites: [site, MW, RTT ms].
    var data = g.data, maxMw = state.all.years.maxFlowMw;
    g.flows.clearLayers();
    data.hubs.forEach(function (hub) {
      hub.y[t][3].forEach(function (f) {
        var site = data.sites[f[0]];
        var line = L.polyline([[hub.lat, hub.lon], [site.lat, site.lon]],
                              {pane: "sitingFlows", color: data.flowColour,
                               weight: 1.5 + 7 * f[1] / maxMw, opacity: 0.55,
                               className: "siting-flow"});
        sitingLib.bind(line, hub.label + " → " + site.label + ": " + mw(f[1]) +
          " inference, " + sitingLib.num(f[2], 1) + " ms RTT (SLA " + hub.sla +
          " ms round trip)").addTo(g.flows);
      });
    });
  }
  function drawGroups(g, t, foresight) {
    var data = g.data, year = state.all.years.years[t];
    if (g.flows) { drawFlows(g, t); }
    if (g.sites) { g.sites.clearLayers(); }
    if (g.builds) { g.builds.clearLayers(); }
    data.plan[t].forEach(function (row) {
      var site = data.sites[row[F.site]];
      if (g.sites && row[F.installed_mw] > 1e-6) {
        var sym = siteSymbol(row);
        sitingLib.bind(
          sitingLib.marker(site.lat, site.lon, sym[1], sym[0], "siting-site siting-plan-site",
                           "markerPane", -Math.round(sym[0] * 20)),
          function () { return siteTip(site, row, year); },
          function () { return sitePopup(site, row, year, foresight); }).addTo(g.sites);
      }
      if (!g.builds) { return; }
      [[row[F.entering_mw], true, "entering service"], [row[F.ordered_mw], false, "ordered"]]
        .forEach(function (b) {
          if (b[0] <= 1e-6) { return; }
          var tri = triangle(b[0], b[1]);
          sitingLib.bind(
            sitingLib.marker(site.lat, site.lon, tri[1], tri[0],
                             "siting-site siting-build" + (b[1] ? "" : " siting-ordered"),
                             "markerPane", 1000),
            "<b>" + site.label + "</b> · " + year + "<br>" + mw(b[0]) + " " + b[2],
            function () { return sitePopup(site, row, year, foresight); }).addTo(g.builds);
        });
    });
  }
  function setHubs(map, data, t) {
    data.hubs.forEach(function (hub) {
      var y = hub.y[t];
      hub.mw = y[0]; hub.rtt = y[1]; hub.n = y[2]; hub.served = y[3];
    });
    map.sitingLayers.forEach(function (l) {
      if (l.kind === "hubs" && l.layer._map) { l.layer._draw(); }
    });
  }
  function totalsTable(t) {
    var totals = state.all.years.totals, plans = totals.plans;
    var header = ["National, " + state.all.years.years[t]].concat(plans.map(function (p) {
      return p.foresight;
    }));
    return sitingLib.table(header, totals.rows.map(function (row, i) {
      return [row[1] + " (" + row[2] + ")"].concat(plans.map(function (p) {
        return sitingLib.num(p.values[t][i], row[2] === "bn CNY" ? 2 : 0);
      }));
    }));
  }
  function setYear(t) {
    var years = state.all.years.years;
    t = Math.max(0, Math.min(years.length - 1, t));
    state.t = t;
    state.all.maps.forEach(function (data, i) {
      var foresight = state.all.years.totals.plans[i].foresight;
      groups.forEach(function (g) { if (g.data === data) { drawGroups(g, t, foresight); } });
      setHubs(state.maps[i], data, t);
    });
    state.controls.forEach(function (c) {
      c.year.textContent = String(years[t]);
      c.slider.value = String(t);
      c.slider.setAttribute("aria-valuetext", String(years[t]));
      c.prev.disabled = t === 0;
      c.next.disabled = t === years.length - 1;
      c.totals.innerHTML = totalsTable(t);
    });
  }
  function play() {
    var last = state.all.years.years.length - 1;
    if (state.timer !== null) { stop(); return; }
    if (state.t >= last) { setYear(0); }
    state.timer = window.setInterval(function () {
      if (state.t >= last) { stop(); return; }
      setYear(state.t + 1);
    }, 1200);
    state.controls.forEach(function (c) {
      c.play.textContent = "❚❚ Pause";
      c.play.setAttribute("aria-pressed", "true");
    });
  }
  function stop() {
    if (state.timer !== null) { window.clearInterval(state.timer); }
    state.timer = null;
    state.controls.forEach(function (c) {
      c.play.textContent = "▶ Play";
      c.play.setAttribute("aria-pressed", "false");
    });
  }

  // --- the control ---------------------------------------------------------------------------
  function button(parent, cls, text, label) {
    var b = L.DomUtil.create("button", cls, parent);
    b.type = "button";
    b.textContent = text;
    b.setAttribute("aria-label", label);
    b.title = label;
    return b;
  }
  function yearControl(map) {
    var years = state.all.years.years;
    var c = L.control({position: "bottomright"});
    c.onAdd = function () {
      var div = L.DomUtil.create("div", "siting-years");
      div.setAttribute("role", "group");
      div.setAttribute("aria-label", "Plan year");
      var year = L.DomUtil.create("div", "siting-year", div);
      year.setAttribute("aria-live", "polite");
      var row = L.DomUtil.create("div", "siting-year-buttons", div);
      var parts = {year: year, div: div};
      parts.prev = button(row, "siting-prev", "◀", "Previous year");
      parts.play = button(row, "siting-play", "▶ Play", "Play the years in turn");
      parts.play.setAttribute("aria-pressed", "false");
      parts.next = button(row, "siting-next", "▶", "Next year");
      var slider = L.DomUtil.create("input", "siting-slider", div);
      slider.type = "range";
      slider.min = "0";
      slider.max = String(years.length - 1);
      slider.step = "1";
      slider.setAttribute("aria-label", "Year");
      parts.slider = slider;
      var ticks = L.DomUtil.create("div", "siting-ticks", div);
      ticks.textContent = years[0] + " … " + years[years.length - 1];
      var totals = L.DomUtil.create("details", "siting-totals", div);
      totals.open = state.all.maps.length === 1;  // beside two maps it would hide the south
      var summary = L.DomUtil.create("summary", "", totals);
      summary.textContent = "National totals";
      parts.totals = L.DomUtil.create("div", "", totals);
      L.DomEvent.on(parts.prev, "click", function () { stop(); setYear(state.t - 1); });
      L.DomEvent.on(parts.next, "click", function () { stop(); setYear(state.t + 1); });
      L.DomEvent.on(parts.play, "click", play);
      L.DomEvent.on(slider, "input change", function () { stop(); setYear(Number(slider.value)); });
      L.DomEvent.on(div, "keydown", function (e) {
        // Arrow keys move the slider natively; Home / End and PageUp / PageDown on the buttons.
        var step = {PageUp: 1, PageDown: -1, Home: -years.length, End: years.length}[e.key];
        if (step !== undefined && e.target !== slider) {
          stop();
          setYear(state.t + step);
          L.DomEvent.preventDefault(e);
        }
        L.DomEvent.stopPropagation(e);
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      state.controls.push(parts);
      return div;
    };
    c.addTo(map);
  }

  function drawn(maps, all) {
    state.maps = maps;
    state.all = all;
    all.years.fields.forEach(function (name, i) { F[name] = i; });
    SITE_CLASSES = all.years.fields.length;
    yearControl(maps[maps.length - 1]);
    setYear(all.years.start);
  }

  return {kinds: {planSites: group("sites"), planBuilds: group("builds"),
                  planFlows: group("flows")}, drawn: drawn,
          setYear: function (t) { stop(); setYear(t); }, state: state};
})();
