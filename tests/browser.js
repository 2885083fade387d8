// Probe injected at the top of a copy of a generated map by tests/test_browser.py.
// After the page has loaded it inspects the live page (Leaflet, maps, layers, markers,
// popups, tooltips, legend switching, view sync) and writes what it found as JSON into a
// "pre" element with the id siting-probe, which `chromium --dump-dom` then prints.
(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) {
    errors.push(String(e.message || e.type) + " @ " + (e.filename || "") + ":" + (e.lineno || ""));
  }, true);

  function texts(selector) {
    return Array.prototype.map.call(document.querySelectorAll(selector), function (el) {
      return el.textContent.replace(/\s+/g, " ").trim();
    });
  }

  function findMaps() {
    var maps = [];
    if (!window.L || !window.L.Map) { return maps; }
    Object.keys(window).forEach(function (key) {
      try {
        if (window[key] instanceof window.L.Map) { maps.push(window[key]); }
      } catch (ignored) { /* cross-origin or getter */ }
    });
    return maps;
  }

  function openAll(map) {
    // Open every popup and tooltip a user can reach at this zoom once; record their text
    // and any element that must not be there (a script, image or frame would mean data was
    // parsed as HTML).
    var out = {popups: [], tooltips: [], forbidden: 0};
    function read(overlay, into) {
      var element = overlay.getElement();
      if (!element) { return; }
      into.push(element.textContent);
      out.forbidden += element.querySelectorAll("script, img, iframe, object").length;
    }
    map.eachLayer(function (layer) {
      var pane = layer.options && layer.options.pane && map.getPane(layer.options.pane);
      if (pane && pane.style.display === "none") { return; }  // hidden at this zoom
      if (layer.getPopup && layer.getPopup() && layer.getLatLng) {
        layer.openPopup();
        read(layer.getPopup(), out.popups);
        layer.closePopup();
      }
      if (layer.getTooltip && layer.getTooltip()) {
        layer.openTooltip();
        read(layer.getTooltip(), out.tooltips);
        layer.closeTooltip();
      }
    });
    return out;
  }

  function switchBaseLayer(map) {
    // Click the second base layer's radio button: its legend must replace the first's.
    var radios = map.getContainer().querySelectorAll(".leaflet-control-layers-base input");
    var legend = map.getContainer().querySelector(".siting-scale");
    if (radios.length < 2 || !legend) { return null; }
    var before = legend.textContent;
    radios[1].click();
    var after = legend.textContent;
    radios[0].click();
    return {before: before, after: after, restored: legend.textContent};
  }

  // Places that the initial view must show, and the one no control may cover.
  var EDGES = {kashgar: [39.47, 75.99], altay: [47.85, 88.13], ngari: [32.5, 80.1],
               mohe: [52.97, 122.54], fuyuan: [48.36, 134.29], sanya: [18.25, 109.5]};
  var GUANGZHOU = [23.13, 113.26];

  function view(map) {
    var bounds = map.getBounds(), seen = {};
    Object.keys(EDGES).forEach(function (k) { seen[k] = bounds.contains(EDGES[k]); });
    // Which controls cover Guangzhou on the screen?
    var box = map.getContainer().getBoundingClientRect();
    var p = map.latLngToContainerPoint(GUANGZHOU);
    var x = box.left + p.x, y = box.top + p.y, covering = [];
    map.getContainer().querySelectorAll(".leaflet-control").forEach(function (c) {
      var r = c.getBoundingClientRect();
      if (x >= r.left && x <= r.right && y >= r.top && y <= r.bottom) {
        covering.push(c.className.split(" ").filter(function (n) {
          return n.indexOf("siting-") === 0 || n.indexOf("leaflet-control-") === 0;
        }).join(" "));
      }
    });
    return {edges: seen, guangzhouCoveredBy: covering, guangzhouOnScreen:
            p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height};
  }

  function panels(map) {
    // Each panel: the share of its map it covers, whether it is folded, and its fold button
    // (a real <button>, so Tab and Enter or Space reach it), pressed twice.
    var size = map.getSize();
    return Array.prototype.map.call(map.getContainer().querySelectorAll(".siting-panel"),
      function (panel) {
        function share() {
          var r = panel.getBoundingClientRect();
          return r.width * r.height / (size.x * size.y);
        }
        var button = panel.querySelector("button.siting-fold");
        var out = {share: share(), folded: panel.classList.contains("siting-folded"),
                   button: !!button};
        if (button) {
          out.tabIndex = button.tabIndex;
          out.expanded = button.getAttribute("aria-expanded");
          button.click();
          out.toggled = {share: share(), folded: panel.classList.contains("siting-folded"),
                         expanded: button.getAttribute("aria-expanded")};
          button.click();
          out.restored = panel.classList.contains("siting-folded") === out.folded;
        }
        return out;
      });
  }

  function candidates(map) {
    // The unused candidates: how many, and whether their pane shows at the current zoom.
    var n = 0;
    (map.sitingLayers || []).forEach(function (entry) {
      if (entry.kind === "candidates") { n += entry.layer.getLayers().length; }
    });
    var pane = map.getPane("sitingCandidates");
    return {n: n, shown: n > 0 && !!pane && pane.style.display !== "none"};
  }

  function stacking(map) {
    // Zoom in on the east, where candidates show: is any chosen site's centre under a
    // candidate (the element on top there belongs to the candidates)?
    map.setView([31.0, 114.0], 7, {animate: false});
    var out = {zoom: map.getZoom(), checked: 0, underCandidate: 0, candidates: candidates(map)};
    var icons = map.getContainer().querySelectorAll(".leaflet-marker-icon.siting-site");
    Array.prototype.forEach.call(icons, function (icon) {
      if (icon.classList.contains("siting-unused")) { return; }  // an unused site itself
      var r = icon.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
      if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) { return; }
      var top = document.elementFromPoint(x, y);
      if (!top || top.closest(".leaflet-control")) { return; }
      out.checked += 1;
      if (top.closest(".siting-unused, .leaflet-sitingCandidates-pane")) { out.underCandidate += 1; }
    });
    return out;
  }

  function report() {
    var maps = findMaps();
    var out = {
      leaflet: !!(window.L && window.L.version),
      version: window.L ? window.L.version : null,
      maps: maps.length,
      containers: maps.map(function (m) { return m.getContainer().id; }),
      sites: document.querySelectorAll(".leaflet-marker-icon.siting-site").length,
      hubs: document.querySelectorAll(".leaflet-marker-icon.siting-hub").length,
      hubClusters: document.querySelectorAll(".leaflet-marker-icon.siting-hub-cluster").length,
      clusterCounts: Array.prototype.map.call(
        document.querySelectorAll(".siting-hub-cluster text"),
        function (t) { return Number(t.textContent); }),
      scroll: {width: document.documentElement.scrollWidth,
               client: document.documentElement.clientWidth,
               height: document.documentElement.scrollHeight,
               clientHeight: document.documentElement.clientHeight},
      initial: maps.map(view),
      existing: document.querySelectorAll(".leaflet-marker-icon.siting-existing").length,
      flows: document.querySelectorAll("path.siting-flow").length,
      provinces: document.querySelectorAll(".leaflet-sitingProvinces-pane path").length,
      paths: document.querySelectorAll(".leaflet-pane svg path").length,
      layerLabels: texts(".leaflet-control-layers label"),
      panels: texts(".siting-panel"),
      legends: texts(".siting-legend"),
      title: document.title,
      views: maps.map(function (m) {
        return {zoom: m.getZoom(), lat: m.getCenter().lat, lng: m.getCenter().lng};
      }),
      panelsSeen: maps.map(panels),
      candidates: maps.map(candidates),
      switched: maps.length ? switchBaseLayer(maps[0]) : null,
      opened: maps.map(openAll),
      sync: null,
      resources: performance.getEntriesByType("resource").map(function (e) { return e.name; })
    };
    if (maps.length >= 2) {
      maps[0].setView([30.5, 114.3], 7, {animate: false});
      var c = maps[1].getCenter();
      out.sync = {zoom: maps[1].getZoom(), lat: c.lat, lng: c.lng};
      // Moving the last map moves every other one (they follow the first, which follows it).
      maps[maps.length - 1].setView([35.0, 110.0], 6, {animate: false});
      out.syncAll = maps.map(function (m) {
        return {zoom: m.getZoom(), lat: m.getCenter().lat, lng: m.getCenter().lng};
      });
    }
    if (maps.length === 1) { out.stacking = stacking(maps[0]); }
    setTimeout(function () {  // let any injected onerror/onload handler fire first
      out.pwned = window.__pwned === undefined ? null : String(window.__pwned);
      out.errors = errors;
      var pre = document.createElement("pre");
      pre.id = "siting-probe";
      pre.textContent = JSON.stringify(out);
      document.body.appendChild(pre);
    }, 300);
  }

  window.addEventListener("load", function () { setTimeout(report, 300); });
})();
