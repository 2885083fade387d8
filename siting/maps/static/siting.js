// siting map pages: draws the layers of every map of the page from the JSON block
// "siting-data", on the Leaflet maps that folium created (named in that block).
// No string from the data is ever evaluated: the data is parsed with JSON.parse, numbers
// are formatted here, and the only HTML taken from the data (names in tooltips, popups,
// the panel and legends) was HTML-escaped in Python before it was written.
// A page may load extension scripts first (e.g. years.js): they set
// window.sitingExtensions = {kinds: {kind: function (spec, data) -> layer}, drawn: function
// (maps, all)}, adding layer kinds and a step run once every map is drawn.
var sitingLib = (function () {
  "use strict";
  var EXTENSIONS = window.sitingExtensions || {kinds: {}};
  // Unused candidates sit on their own pane below Leaflet's markers (600), where the chosen
  // sites are: a chosen site is never under a candidate.
  var PANES = [["sitingProvinces", 250], ["sitingReach", 380], ["sitingLines", 410],
               ["sitingFlows", 420], ["sitingCandidates", 430], ["sitingExisting", 620],
               ["sitingHubs", 640]];
  // A panel that would cover more than this share of its map starts folded to its title.
  var PANEL_FOLD_SHARE = 0.2;
  var HUB_COLOUR = "#ffd92f";

  function num(value, digits) {
    return Number(value).toLocaleString("en-US", {minimumFractionDigits: digits,
                                                  maximumFractionDigits: digits});
  }
  function table(header, rows) {
    var out = "<table>";
    if (header) { out += "<tr><th>" + header.join("</th><th>") + "</th></tr>"; }
    rows.forEach(function (row) {
      out += "<tr><td>" + row[0] + "</td><td class='n'>" + row.slice(1).join("</td><td class='n'>") +
             "</td></tr>";
    });
    return out + "</table>";
  }
  function panes(map) {
    PANES.forEach(function (p) {
      if (!map.getPane(p[0])) { map.createPane(p[0]).style.zIndex = p[1]; }
    });
  }
  function bind(layer, tip, pop, sticky) {
    if (tip) { layer.bindTooltip(tip, {direction: "top", sticky: !!sticky}); }
    if (pop) { layer.bindPopup(pop, {maxWidth: 420}); }
    return layer;
  }
  function icon(svg, d, cls) {
    return L.divIcon({html: svg, className: cls, iconSize: [d, d], iconAnchor: [d / 2, d / 2]});
  }
  function marker(lat, lon, svg, d, cls, pane, z) {
    return L.marker([lat, lon], {icon: icon(svg, d, cls), pane: pane, zIndexOffset: z || 0,
                                 keyboard: false});
  }

  // --- sites and existing capacity -------------------------------------------------------
  function sitePopup(site, hubs) {
    var html = "<div class='siting-popup'>" + site.pop;
    if (site.serves.length) {
      html += "<div class='siting-h'>Serves inference to</div>" + table(
        ["Hub", "MW", "RTT", "SLA (RTT)"],
        site.serves.map(function (s) {
          var hub = hubs[s[0]];
          return [hub.label, num(s[1], 1) + " MW", num(s[2], 1) + " ms", hub.sla + " ms"];
        }));
    }
    return html + "</div>";
  }
  function sites(data, rows) {
    // Every site, or those of the rows (indices into data.sites) a layer names.
    var group = L.featureGroup();
    (rows ? rows.map(function (i) { return data.sites[i]; }) : data.sites).forEach(function (s) {
      bind(marker(s.lat, s.lon, s.svg, s.d, s.cls, "markerPane", s.z), s.tip,
           function () { return sitePopup(s, data.hubs); }).addTo(group);
    });
    return group;
  }
  function candidates(spec, data) {
    // Light dots drawn on one canvas (thousands stay cheap), shown from spec.minZoom on;
    // a tooltip each (what a popup would add is zeros).
    var renderer = L.canvas({pane: "sitingCandidates"});
    var group = L.featureGroup();
    data.candidates.forEach(function (c) {
      var room = c.room === null ? "" : ", headroom " + num(c.room, 0) + " MW";
      var tip = c.tip !== undefined ? c.tip : "<b>" + c.label + "</b><br>candidate, not used" +
        room + (c.where ? "<br><small>" + c.where + "</small>" : "");
      bind(L.circleMarker([c.lat, c.lon], {renderer: renderer, pane: "sitingCandidates",
                                           radius: 3, color: "#888", weight: 1,
                                           fillColor: c.fill || "#ffffff", fillOpacity: 0.9,
                                           className: "siting-candidate"}),
           tip).addTo(group);
    });
    var on = null;
    function gate() {
      on.getPane("sitingCandidates").style.display = on.getZoom() >= spec.minZoom ? "" : "none";
    }
    group.on("add", function () { on = group._map; on.on("zoomend", gate); gate(); });
    group.on("remove", function () { on.off("zoomend", gate); });
    return group;
  }
  function existing(data) {
    var group = L.featureGroup();
    data.existing.forEach(function (e) {
      bind(marker(e.lat, e.lon, e.svg, e.d, "siting-existing", "sitingExisting", 0), e.tip)
        .addTo(group);
    });
    return group;
  }

  // --- hubs, sized by demand, gathered into one marker per grid cell when many -----------
  function diamond(s) {
    var d = Math.ceil(2 * s + 3), c = d / 2;
    return [d, "<svg width='" + d + "' height='" + d + "' viewBox='0 0 " + d + " " + d +
      "'><path d='M" + c + "," + (c - s) + " L" + (c + s) + "," + c + " L" + c + "," + (c + s) +
      " L" + (c - s) + "," + c + " Z' fill='" + HUB_COLOUR + "' stroke='#000' " +
      "stroke-width='1'/></svg>"];
  }
  function hubTip(hub) {
    var rtt = hub.rtt === null ? "none served" : num(hub.rtt, 1) + " ms mean RTT";
    return "<b>" + hub.label + "</b><br>" + num(hub.mw, 0) + " MW inference demand<br>SLA " +
      hub.sla + " ms round trip, " + rtt + ", " + hub.n + " serving sites";
  }
  function hubPopup(hub, sites) {
    var html = "<div class='siting-popup'>" + hubTip(hub);
    if (hub.served.length) {
      html += table(["Site", "MW", "RTT"], hub.served.map(function (s) {
        return [sites[s[0]].label, num(s[1], 1) + " MW", num(s[2], 1) + " ms"];
      }));
    }
    return html + "</div>";
  }
  function hubMarker(hub, data) {
    var opts = data.hubOptions;
    var s = Math.max(opts.minSize, opts.maxSize * Math.sqrt(Math.max(hub.mw, 0) / opts.maxMw));
    var sym = diamond(s);
    return bind(marker(hub.lat, hub.lon, sym[1], sym[0], "siting-hub", "sitingHubs",
                       Math.round(s * 10)),
                function () { return hubTip(hub); },
                function () { return hubPopup(hub, data.sites); });
  }
  function clusterRadius(total, opts) {
    return Math.min(opts.maxCluster, Math.max(9, opts.maxSize * Math.sqrt(total / opts.maxMw)));
  }
  function gather(members, opts, map, zoom) {
    // One group of nearby hubs: its demand-weighted centre, total MW, radius on screen.
    var total = 0, lat = 0, lon = 0;
    members.forEach(function (h) { total += h.mw; });
    members.forEach(function (h) {
      var w = total > 0 ? h.mw / total : 1 / members.length;
      lat += w * h.lat;
      lon += w * h.lon;
    });
    return {members: members, total: total, lat: lat, lon: lon,
            p: map.project([lat, lon], zoom), r: clusterRadius(total, opts)};
  }
  function clusterMarker(group, data, map) {
    var opts = data.hubOptions, members = group.members, r = group.r;
    var d = Math.ceil(2 * r + 3), c = d / 2;
    var svg = "<svg width='" + d + "' height='" + d + "'><circle cx='" + c + "' cy='" + c +
      "' r='" + r.toFixed(1) + "' fill='" + HUB_COLOUR + "' fill-opacity='0.8' stroke='#000' " +
      "stroke-width='1'/><text x='" + c + "' y='" + c + "' dy='0.35em' text-anchor='middle'>" +
      members.length + "</text></svg>";
    var largest = members.slice().sort(function (a, b) { return b.mw - a.mw; }).slice(0, 3);
    var tip = "<b>" + members.length + " demand hubs</b>, " + num(group.total, 0) +
      " MW inference demand<br>largest: " + largest.map(function (h) {
        return h.label + " (" + num(h.mw, 0) + " MW)";
      }).join(", ") + "<br><small>click to zoom in</small>";
    var m = marker(group.lat, group.lon, svg, d, "siting-hub-cluster", "sitingHubs",
                   Math.round(r * 10));
    m.bindTooltip(tip, {direction: "top"});
    m.on("click", function () {
      map.fitBounds(L.latLngBounds(members.map(function (h) { return [h.lat, h.lon]; })),
                    {maxZoom: opts.detailZoom, padding: [30, 30]});
    });
    return m;
  }
  function clusters(data, map, zoom) {
    // Hubs in the same grid cell on screen form a group; a group whose circle would overlap
    // a bigger one's joins it, so circles do not pile up at cell edges.
    var opts = data.hubOptions, cells = {}, singles = [], placed = [];
    data.hubs.forEach(function (h) {
      var p = map.project([h.lat, h.lon], zoom);
      var key = Math.floor(p.x / opts.cell) + ":" + Math.floor(p.y / opts.cell);
      (cells[key] = cells[key] || []).push(h);
    });
    var groups = Object.keys(cells).map(function (key) {
      return gather(cells[key], opts, map, zoom);
    });
    groups.sort(function (a, b) { return b.total - a.total; });
    groups.forEach(function (g) {
      if (g.members.length === 1) { singles.push(g.members[0]); return; }
      for (var i = 0; i < placed.length; i++) {
        if (placed[i].p.distanceTo(g.p) < placed[i].r + g.r) {
          placed[i] = gather(placed[i].members.concat(g.members), opts, map, zoom);
          return;
        }
      }
      placed.push(g);
    });
    return {groups: placed, singles: singles};
  }
  var HubLayer = L.FeatureGroup.extend({
    initialize: function (data) {
      L.FeatureGroup.prototype.initialize.call(this, []);
      this._data = data;
    },
    onAdd: function (map) {
      L.FeatureGroup.prototype.onAdd.call(this, map);
      map.on("zoomend", this._draw, this);
      this._draw();
    },
    onRemove: function (map) {
      map.off("zoomend", this._draw, this);
      L.FeatureGroup.prototype.onRemove.call(this, map);
    },
    _draw: function () {
      var self = this, data = this._data, opts = data.hubOptions, map = this._map;
      this.clearLayers();
      var zoom = map.getZoom();
      if (!opts.cluster || zoom >= opts.detailZoom) {
        data.hubs.forEach(function (h) { self.addLayer(hubMarker(h, data)); });
        return;
      }
      var found = clusters(data, map, zoom);
      found.singles.forEach(function (h) { self.addLayer(hubMarker(h, data)); });
      found.groups.forEach(function (g) { self.addLayer(clusterMarker(g, data, map)); });
    }
  });

  // --- flows and shapes ------------------------------------------------------------------
  function flows(data) {
    var group = L.featureGroup();
    data.flows.forEach(function (f) {
      var hub = data.hubs[f.h], site = data.sites[f.s];
      var line = L.polyline([[hub.lat, hub.lon], [site.lat, site.lon]],
                            {pane: "sitingFlows", color: data.flowColour, weight: f.w,
                             opacity: 0.55, className: "siting-flow"});
      bind(line, function () {
        return hub.label + " → " + site.label + ": " + num(f.mw, 1) + " MW inference, " +
          num(f.rtt, 1) + " ms RTT (SLA " + hub.sla + " ms round trip)";
      }).addTo(group);
    });
    return group;
  }
  function shapes(collection, pane, interactive) {
    return L.geoJSON(collection, {
      pane: pane, interactive: interactive,
      style: function (f) { return f.properties.style; },
      onEachFeature: function (f, layer) {
        if (interactive && f.properties.tip) { layer.bindTooltip(f.properties.tip, {sticky: true}); }
      }
    });
  }
  function choropleth(geometry, values, k) {
    return L.geoJSON(geometry, {
      pane: "sitingProvinces",
      style: function (f) {
        var v = values[f.properties.i];
        return {fillColor: k < 0 ? "#fafafa" : v.c[k], fillOpacity: k < 0 ? 0.5 : 0.75,
                color: "#7a7a7a", weight: 0.7};
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(values[f.properties.i].tip, {sticky: true});
      }
    });
  }

  // --- controls ----------------------------------------------------------------------------
  function control(map, position, cls, html) {
    var c = L.control({position: position});
    c.onAdd = function () {
      var div = L.DomUtil.create("div", cls);
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    c.addTo(map);
    return c;
  }
  function panel(map, html) {
    // The plan's title and KPIs, with a button (keyboard-operable) that folds it to its
    // title; it starts folded where it would cover more than PANEL_FOLD_SHARE of the map.
    var c = control(map, "topleft", "siting-panel", "");
    var div = c.getContainer();
    var body = L.DomUtil.create("div", "siting-panel-body", div);
    body.innerHTML = html;
    var button = L.DomUtil.create("button", "siting-fold", div);
    button.type = "button";
    function set(folded) {
      L.DomUtil[folded ? "addClass" : "removeClass"](div, "siting-folded");
      button.setAttribute("aria-expanded", folded ? "false" : "true");
      button.setAttribute("aria-label", folded ? "Show the plan's figures" : "Hide the plan's figures");
      button.title = button.getAttribute("aria-label");
      button.textContent = folded ? "+" : "\u2212";
    }
    L.DomEvent.on(button, "click", function (e) {
      L.DomEvent.stop(e);
      set(!L.DomUtil.hasClass(div, "siting-folded"));
    });
    set(false);
    var size = map.getSize(), box = div.getBoundingClientRect();
    var area = size.x * size.y;  // 0 while the map is not laid out: leave the panel open
    if (area > 0 && box.width * box.height > PANEL_FOLD_SHARE * area) { set(true); }
    return c;
  }
  function legend(map, spec) {
    var c = control(map, "bottomleft", "siting-legend", "<div class='siting-scale'></div>" +
                    spec.key);
    var scale = c.getContainer().querySelector(".siting-scale");
    scale.innerHTML = spec.legends[spec.first] || "";
    map.on("baselayerchange", function (e) { scale.innerHTML = spec.legends[e.name] || ""; });
  }
  function sync(a, b) {
    var busy = false;
    function follow(source, target) {
      source.on("move zoomend", function () {
        if (busy) { return; }
        busy = true;
        try { target.setView(source.getCenter(), source.getZoom(), {animate: false}); }
        finally { busy = false; }
      });
    }
    follow(a, b);
    follow(b, a);
    a.sitingSynced = b;
    b.sitingSynced = a;
  }

  // --- one map, and the page ---------------------------------------------------------------
  function layer(spec, data, geometry) {
    switch (spec.kind) {
      case "choropleth": return choropleth(geometry, data.provinces, spec.k);
      case "sites": return sites(data, spec.rows);
      case "candidates": return candidates(spec, data);
      case "existing": return existing(data);
      case "hubs": return new HubLayer(data);
      case "flows": return flows(data);
      case "shapes": return shapes(spec.shapes, spec.pane, spec.interactive);
      case "tiles": return leaflet(data.tiles, L.TileLayer);
    }
    if (EXTENSIONS.kinds.hasOwnProperty(spec.kind)) { return EXTENSIONS.kinds[spec.kind](spec, data); }
    throw new Error("unknown layer kind " + spec.kind);
  }
  function leaflet(name, type) {
    // A Leaflet object folium made: a global variable of the page, by its name in the data.
    var found = window[name];
    if (!(found instanceof type)) { throw new Error("no Leaflet object " + name); }
    return found;
  }
  function draw(map, data, geometry) {
    panes(map);
    var base = {}, overlays = {};
    map.sitingLayers = [];
    data.layers.forEach(function (spec) {
      var built = layer(spec, data, geometry);
      (spec.base ? base : overlays)[spec.name] = built;
      map.sitingLayers.push({kind: spec.kind, layer: built});
      if (spec.show) { built.addTo(map); }
    });
    L.control.layers(base, overlays, {collapsed: data.collapsed}).addTo(map);
    panel(map, data.panel);
    legend(map, data.legend);
    map.fitBounds(data.bounds, {animate: false, padding: [4, 4]});
    return map;
  }
  function page(all) {
    var maps = all.maps.map(function (data) {
      return draw(leaflet(data.map, L.Map), data, all.geometry);
    });
    // Each map follows the first and the first follows each: a star, so moves never loop.
    for (var k = 1; k < maps.length; k++) { sync(maps[0], maps[k]); }
    if (EXTENSIONS.drawn) { EXTENSIONS.drawn(maps, all); }
    return maps;
  }
  return {page: page, num: num, table: table, bind: bind, marker: marker, control: control};
})();
// The page's data (id siting-data), or the data that Plan.explore(m=...) added to a folium
// map of the user's (class siting-data); each drawn once, whichever script comes first.
Array.prototype.forEach.call(
  document.querySelectorAll("script#siting-data, script.siting-data"), function (el) {
    if (el.hasAttribute("data-drawn")) { return; }
    el.setAttribute("data-drawn", "");
    sitingLib.page(JSON.parse(el.textContent));
  });
