// The frontlines dashboard: map of the selected date with its front line and settlements by status,
// compare mode (gained / lost ground, both front lines, places that changed hands), charts, regions, claims.
// Talks only to this server's /api; state lives in the URL query string.
"use strict";
(() => {
  const $ = id => document.getElementById(id);
  const LAYER_STYLE = {
    control: { color: "#b71c1c", fillColor: "#e53935", fillOpacity: 0.35, weight: 1 },
    contested: { color: "#ef6c00", fillColor: "#ffa726", fillOpacity: 0.3, weight: 1, dashArray: "3,3" },
    regained: { color: "#5e3c99", fillColor: "#b2abd2", fillOpacity: 0.45, weight: 1 },  // purple: never read as water
    other: { color: "#6a1b9a", fillColor: "#ab47bc", fillOpacity: 0.25, weight: 1 },
  };
  const GAINED = { color: "#7f0000", fillColor: "#d50000", fillOpacity: 0.75, weight: 1 };
  const LOST = { color: "#0d47a1", fillColor: "#2979ff", fillOpacity: 0.75, weight: 1 };
  // a map redraw (the source redrawing its map, not fighting): grey, dashed outline
  const REDRAW = { color: "#424242", fillColor: "#9e9e9e", fillOpacity: 0.35, weight: 1, dashArray: "4 3" };
  const TOLERANCE_KM = 0.3;
  const FRONT_NOW = { color: "#111", weight: 2.6, opacity: 0.9 };
  const FRONT_FROM = { color: "#37474f", weight: 2, opacity: 0.9, dashArray: "6,5" };
  const PLACE_FILL = { control: "#c62828", contested: "#ffa726", none: "#fff" };
  const BASE = { water: "#c6dbe8", waterEdge: "#9fbdd0", river: "#7ea7c2", land: "#fbfaf6", neighbour: "#e4e2dd",
                 neighbourEdge: "#b9b6ae" };
  const CREDITS = "Made with Natural Earth · boundaries © OpenStreetMap contributors (ODbL)";
  const SOURCE_NAMES = { deepstate: "DeepStateMap", "deepstate-daily": "DeepStateMap", "deepstate-history": "DeepStateMap",
                         isw: "ISW / Critical Threats", nzz: "NZZ / liveuamap" };
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                  "November", "December"];
  const CHANGED_SHOWN = 150;   // rows of the changed-places list

  const state = {
    source: null, layers: null, primary: null, by: "oblast", region: null, places: true,
    at: null, from: null, compare: false, view: null,
    days: [],            // [{date: "YYYY-MM-DD", ms, area}] last snapshot of each day (primary layer)
    seriesMonth: null, regionRows: {}, features: {}, pending: 0, seq: 0,
    sides: {},           // side id -> name, from the conflict definition (basemap document)
  };

  // ------------------------------------------------------------------ plain words
  const sideName = id => state.sides[id] || (id ? id.charAt(0).toUpperCase() + id.slice(1) : "");
  function otherSide(id) { const o = Object.keys(state.sides).filter(k => k !== id); return o.length === 1 ? sideName(o[0]) : null; }
  function layerPhrase(key) {
    const [side, status] = key.split(":");
    const n = sideName(side);
    return { control: `Held by ${n}`, contested: "Contested (grey zone)", claimed: `Claimed by ${n}`,
             advance: `Advance of ${n} (assessed)`, regained: `Retaken by ${n}`, other: `Other areas (${n})` }[status] || `${n}: ${status}`;
  }
  function changePhrases(key) {
    const [side, status] = (key || "").split(":");
    if (status === "control") {
      const o = otherSide(side);
      return [`Captured by ${sideName(side)}`, o ? `Retaken by ${o}` : `No longer held by ${sideName(side)}`];
    }
    const p = layerPhrase(key || "");
    return [`Newly ${p.charAt(0).toLowerCase()}${p.slice(1)}`, `No longer ${p.charAt(0).toLowerCase()}${p.slice(1)}`];
  }
  const statusWord = st => st === "control" ? layerPhrase(state.primary || "x:control") : st === "contested" ? "contested" : "not held";
  function longDate(d) { const [y, m, day] = d.split("-").map(Number); return `${day} ${MONTHS[m - 1]} ${y}`; }
  function spanText(a, b) {
    if (a === b) return longDate(a);
    const [ya, ma, da] = a.split("-").map(Number), [yb, mb, db] = b.split("-").map(Number);
    if (ya === yb && ma === mb) return `${da} – ${db} ${MONTHS[mb - 1]} ${yb}`;
    if (ya === yb) return `${da} ${MONTHS[ma - 1]} – ${db} ${MONTHS[mb - 1]} ${yb}`;
    return `${longDate(a)} – ${longDate(b)}`;
  }

  // ------------------------------------------------------------------ helpers
  const num = v => (v === null || v === undefined) ? "–" :
    Number(v).toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const signed = v => (v === null || v === undefined) ? "–" : (v >= 0 ? "+" : "−") + num(Math.abs(v));
  function setNum(id, v, fmt = num) { const e = $(id); e.textContent = fmt(v); e.dataset.value = v ?? ""; }
  // the API's include_redraws (map redraws are left out of every figure unless asked for)
  function redrawsParam() { return state.redraws ? "true" : null; }
  function qs(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") u.set(k, v);
    return u.toString();
  }
  function busy(delta, error) {
    state.pending += delta;
    const s = $("status");
    if (error) { s.dataset.state = "error"; s.textContent = error; return; }
    if (s.dataset.state === "error" && delta > 0) return;
    s.dataset.state = state.pending > 0 ? "loading" : "ready";
    if (state.pending <= 0) s.textContent = "ready"; else s.textContent = "loading…";
  }
  async function get(path, params = {}) {
    busy(+1);
    try {
      const r = await fetch(`/api/${path}?${qs(params)}`);
      const body = await r.json();
      if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
      busy(-1);
      return body;
    } catch (e) {
      state.pending -= 1;
      busy(0, `error: ${e.message}`);
      throw e;
    }
  }
  const dayOf = iso => iso.slice(0, 10);
  function indexOfDate(date) {  // last day <= date
    let lo = 0, hi = state.days.length - 1, best = 0;
    while (lo <= hi) { const m = (lo + hi) >> 1; if (state.days[m].date <= date) { best = m; lo = m + 1; } else hi = m - 1; }
    return best;
  }

  // ------------------------------------------------------------------ URL state
  function readUrl() {
    const p = new URLSearchParams(location.search);
    state.source = p.get("source");
    state.at = p.get("at");
    state.from = p.get("from");
    state.compare = p.get("cmp") === "1";
    state.redraws = p.get("redraws") === "1";
    state.by = p.has("by") ? p.get("by") : "oblast";
    state.region = p.get("region");
    state.places = p.get("places") !== "0";
    state.layers = p.has("layers") ? p.get("layers").split(",").filter(Boolean) : null;
    const v = (p.get("view") || "").split(",").map(Number);
    state.view = v.length === 3 && v.every(isFinite) ? v : null;
  }
  function writeUrl() {
    const c = map.getCenter();
    const q = qs({
      source: state.source, at: state.at, cmp: state.compare ? "1" : null, from: state.compare ? state.from : null,
      redraws: state.redraws ? "1" : null,
      layers: (state.layers || []).join(","), by: state.by, region: state.region, places: state.places ? null : "0",
      view: `${c.lat.toFixed(4)},${c.lng.toFixed(4)},${map.getZoom()}`,
    });
    history.replaceState(null, "", `${location.pathname}?${q}`);
  }

  // ------------------------------------------------------------------ map
  if (typeof L === "undefined") { $("missing-assets").hidden = false; busy(0, "error: map library missing"); return; }
  const map = L.map("map", { zoomControl: true, preferCanvas: false, attributionControl: true, keyboard: true,
                          zoomSnap: 0.25, zoomDelta: 0.5 });
  window.frontlinesMap = map;  // the Leaflet map, for pages that embed the dashboard and for the browser tests
  map.attributionControl.setPrefix("frontlines · Leaflet");
  map.attributionControl.addAttribution(CREDITS);
  map.createPane("basemap").style.zIndex = 200;
  map.createPane("water").style.zIndex = 380;    // lakes and rivers over the region fills, under the data
  map.createPane("labels").style.zIndex = 470;
  map.getPane("labels").style.pointerEvents = "none";
  const DateStamp = L.Control.extend({ options: { position: "topright" },
    onAdd: () => { const d = L.DomUtil.create("div", "date-stamp"); d.id = "map-date"; d.setAttribute("aria-live", "polite"); return d; } });
  new DateStamp().addTo(map);
  // The map is one tab stop (arrow keys pan it): shapes drawn on it are not tab stops of their own.
  new MutationObserver(records => {
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      if (n.matches("path, .leaflet-marker-icon")) n.setAttribute("tabindex", "-1");
      for (const c of n.querySelectorAll ? n.querySelectorAll("path, .leaflet-marker-icon") : []) c.setAttribute("tabindex", "-1");
    }
  }).observe(map.getContainer(), { childList: true, subtree: true });
  map.createPane("regions").style.zIndex = 350;
  map.createPane("data").style.zIndex = 420;
  map.createPane("change").style.zIndex = 430;
  map.createPane("front").style.zIndex = 440;
  map.createPane("places").style.zIndex = 450;
  map.createPane("highlight").style.zIndex = 460;
  const groups = { regions: L.layerGroup().addTo(map), data: L.layerGroup().addTo(map),
                   change: L.layerGroup().addTo(map), front: L.layerGroup().addTo(map),
                   places: L.layerGroup().addTo(map), changed: L.layerGroup().addTo(map),
                   highlight: L.layerGroup().addTo(map), basemap: L.layerGroup().addTo(map),
                   water: L.layerGroup().addTo(map), labels: L.layerGroup().addTo(map) };
  const evidence = L.layerGroup().addTo(map);
  let regionLayer = null;

  // ------------------------------------------------------------------ basemap (served by the app: offline)
  let basemapDoc = null, datedWater = [];
  async function drawBasemap() {
    basemapDoc = await get("basemap.geojson", { source: state.source, tolerance: 0.5 });
    state.sides = basemapDoc.sides || {};
    groups.basemap.clearLayers(); groups.water.clearLayers(); datedWater = [];
    const feats = basemapDoc.features;
    // The seas are drawn as shapes and the ground beyond the basemap's edge is foreign land (not sea).
    const seas = feats.filter(f => f.properties.layer === "water" && f.properties.kind === "sea");
    map.getContainer().style.background = seas.length ? BASE.neighbour : "";
    L.geoJSON({ type: "FeatureCollection", features: seas }, {
      pane: "basemap", interactive: false, style: { stroke: false, fillColor: BASE.water, fillOpacity: 1 },
    }).addTo(groups.basemap);
    L.geoJSON({ type: "FeatureCollection", features: feats.filter(f => f.properties.layer === "country") }, {
      pane: "basemap", interactive: false,
      style: f => f.properties.home ? { stroke: false, fillColor: BASE.land, fillOpacity: 1 }
        : { color: BASE.neighbourEdge, weight: 0.8, fillColor: BASE.neighbour, fillOpacity: 1 },
    }).addTo(groups.basemap);
    for (const f of feats.filter(f => f.properties.layer === "water" && f.properties.kind !== "sea")) {
      const lyr = L.geoJSON(f, { pane: "water", interactive: false,
        style: { color: BASE.waterEdge, weight: 0.5, fillColor: BASE.water, fillOpacity: 1 } }).addTo(groups.water);
      if (f.properties.until) datedWater.push([lyr, f.properties.until]);
    }
    L.geoJSON({ type: "FeatureCollection", features: feats.filter(f => f.properties.layer === "river") }, {
      pane: "water", interactive: false,
      style: f => ({ color: BASE.river, weight: f.properties.scalerank <= 4 ? 2 : f.properties.scalerank <= 7 ? 1.4 : 1, opacity: 0.9 }),
    }).addTo(groups.water);
    waterForDate();
    drawLegend();
    drawLabels();
  }
  function waterForDate() {  // a drained reservoir (Kakhovka after 6 June 2023) is not drawn on later dates
    for (const [lyr, until] of datedWater) {
      const show = !state.at || state.at <= until;
      if (show && !groups.water.hasLayer(lyr)) groups.water.addLayer(lyr);
      if (!show && groups.water.hasLayer(lyr)) groups.water.removeLayer(lyr);
    }
  }
  // Labels: seas and neighbours, then the largest places, skipping any that would overlap one already placed.
  let placeRows = [];
  function drawLabels() {
    groups.labels.clearLayers();
    if (!basemapDoc) return;
    const size = map.getSize(), taken = [];
    const fits = (pt, w, h) => {
      const box = [pt.x - w / 2, pt.y - h / 2, pt.x + w / 2, pt.y + h / 2];
      if (box[0] < 2 || box[1] < 2 || box[2] > size.x - 2 || box[3] > size.y - 2) return false;
      if (taken.some(b => box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1])) return false;
      taken.push(box); return true;
    };
    const add = (ll, text, cls, w, h, dx = 0) => {
      const pt = map.latLngToContainerPoint(ll);
      if (!fits(L.point(pt.x + dx, pt.y), w, h)) return false;
      L.marker(ll, { pane: "labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: `map-label ${cls}`, html: `<span>${text}</span>`, iconSize: [w, h], iconAnchor: [w / 2 - dx, h / 2] }) })
        .addTo(groups.labels);
      return true;
    };
    const stamp = document.getElementById("map-date");
    if (stamp) { const r = stamp.getBoundingClientRect(), m = map.getContainer().getBoundingClientRect();
      taken.push([r.left - m.left - 4, r.top - m.top - 4, r.right - m.left + 4, r.bottom - m.top + 4]); }
    for (const f of basemapDoc.features) {
      const p = f.properties;
      if (p.layer === "water" && p.kind === "sea" && p.name) {
        const c = L.geoJSON(f).getBounds().getCenter();
        const ll = p.name === "Black Sea" ? L.latLng(43.9, 33.5) : p.name === "Sea of Azov" ? L.latLng(46.1, 36.6) : c;
        add(ll, p.name, "sea", p.name.length * 7.5 + 8, 16);
      }
      if (p.layer === "country" && !p.home && p.name) {
        const pts = [[p.label_y, p.label_x], ...(p.inner_points || []).map(([x, y]) => [y, x])]
          .filter(([y, x]) => x !== null && y !== null && map.getBounds().contains([y, x]));
        for (const ll of pts) if (add(L.latLng(ll), p.name.toUpperCase(), "country", p.name.length * 9 + 10, 16)) break;
      }
    }
    const z = map.getZoom();
    const max = z < 6 ? 12 : z < 7 ? 25 : z < 9 ? 45 : 70;
    let n = 0;
    for (const r of placeRows) {
      if (n >= max) break;
      const big = r.population >= 500000;
      const w = r.name.length * (big ? 8 : 6.6) + 6;
      if (add(L.latLng(r.lat, r.lon), r.name, big ? "city big" : r.population >= 100000 ? "city mid" : "city", w, big ? 16 : 13, w / 2 + 5)) n++;
    }
  }
  map.on("zoomend", drawLabels);
  $("sheet-toggle").addEventListener("click", () => {
    const open = document.querySelector("main").classList.toggle("sheet-open");
    $("sheet-toggle").setAttribute("aria-expanded", String(open));
    setTimeout(() => { map.invalidateSize(); drawLabels(); }, 250);
  });
  function drawLegend() {
    const [gainedWord, lostWord] = changePhrases(state.primary);
    const side = (state.primary || "").split(":")[0];
    const items = [
      ["dot control", layerPhrase(`${side}:control`)], ["dot contested", "Contested (grey zone)"], ["dot none", "Not held"],
      ["line now", "Front line"],
    ];
    if (state.compare) items.push(["line from", "Front line at start"], ["sq gained", gainedWord], ["sq lost", lostWord],
                                  ["sq redraw", "Map redraw (not fighting)"]);
    items.push(["sq water", "Sea, lake, reservoir"], ["line river", "River"], ["sq neighbour", "Neighbouring country"]);
    if (state.by) items.push(["line border", `${state.by[0].toUpperCase()}${state.by.slice(1)} border`]);
    const box = $("legend"); box.innerHTML = "";
    for (const [cls, text] of items) {
      const s = document.createElement("span"); const i = document.createElement("i"); i.className = cls;
      s.append(i, text); box.appendChild(s);
    }
    $("gained-label").textContent = gainedWord; $("lost-label").textContent = lostWord;
  }

  async function drawRegions() {
    groups.regions.clearLayers(); regionLayer = null;
    if (basemapDoc) drawLegend();  // the legend names the borders drawn
    if (!state.by) return;
    const gj = await get("regions.geojson", { by: state.by, tolerance: state.by === "oblast" ? 0.5 : 0.3 });
    regionLayer = L.geoJSON(gj, {
      pane: "regions",
      style: f => ({ color: "#8d8d8d", weight: state.by === "oblast" ? 1.1 : 0.5, fillColor: BASE.land,
                     fillOpacity: f.properties.id === state.region ? 0.0 : 0.35 }),
      onEachFeature: (f, lyr) => {
        lyr.bindTooltip(f.properties.name, { sticky: true });
        lyr.on("click", () => selectRegion(f.properties.id));
      },
    }).addTo(groups.regions);
    highlightRegion();
  }
  function highlightRegion() {
    if (!regionLayer) return;
    regionLayer.eachLayer(l => l.setStyle(l.feature.properties.id === state.region
      ? { color: "#263238", weight: 3 } : { color: "#8d8d8d", weight: state.by === "oblast" ? 1.1 : 0.5 }));
  }

  async function drawData() {
    const seq = ++state.seq;
    const at = state.at;
    const requests = state.layers.map(layer =>
      get("layer.geojson", { at, source: state.source, layer, tolerance: TOLERANCE_KM }).then(gj => [layer, gj]));
    const areaDoc = get("area", { at, source: state.source, layer: state.primary });
    const front = (when) => get("frontline.geojson", { at: when, source: state.source, layer: state.primary, tolerance: TOLERANCE_KM });
    const frontReqs = [front(at)];
    let changeReq = null, span = null;
    if (state.compare && state.from) {
      span = state.from <= at ? [state.from, at] : [at, state.from];
      changeReq = get("change.geojson", { from: span[0], to: span[1], source: state.source, layer: state.primary, tolerance: 0.1,
                                          include_redraws: redrawsParam() });
      frontReqs.push(front(state.from));
    }
    const changedReq = span ? loadChanged(span, seq).catch(() => {}) : (clearChanged(), null);  // errors shown by get()
    schedulePlaces(0);
    const results = await Promise.all(requests);
    const area = await areaDoc;
    const change = changeReq ? await changeReq : null;
    const fronts = await Promise.all(frontReqs);
    if (seq !== state.seq) return;  // a newer request superseded this one
    groups.data.clearLayers(); groups.change.clearLayers();
    drawFronts(fronts);
    for (const [layer, gj] of results) {
      const status = layer.split(":")[1] || "other";
      const style = { ...(LAYER_STYLE[status] || LAYER_STYLE.other) };
      if (change) style.fillOpacity = 0.12;
      L.geoJSON(gj, { pane: "data", style, interactive: false }).addTo(groups.data);
    }
    setNum("area-value", area.area_km2);
    $("area-snapshot").textContent = `${layerPhrase(area.layer)} · ${SOURCE_NAMES[state.source] || state.source} map of ${longDate(area.snapshot.map_time.slice(0, 10))}`;
    $("map-date").textContent = state.compare && span ? spanText(span[0], span[1]) : longDate(at);
    map.attributionControl.removeAttribution(state.credit || "");
    state.credit = `Data: ${SOURCE_NAMES[state.source] || state.source}`;
    map.attributionControl.addAttribution(state.credit);
    waterForDate(); drawLegend();
    $("change-stats").hidden = !change;
    if (change) {
      const doc = change.change;
      for (const f of change.features) {
        if (!f.geometry) continue;
        const k = f.properties.kind;
        const tip = k === "redraw" ? `map redraw (${f.properties.reason}, ${f.properties.direction}): ${num(f.properties.area_km2)} km²`
          : `${changePhrases(state.primary)[k === "gained" ? 0 : 1]}: ${num(f.properties.area_km2)} km²`;
        L.geoJSON(f, { pane: "change", style: k === "redraw" ? REDRAW : k === "gained" ? GAINED : LOST, interactive: false })
          .bindTooltip(tip).addTo(groups.change);
      }
      setNum("gained-value", doc.gained_km2);
      setNum("lost-value", doc.lost_km2);
      setNum("net-value", doc.net_km2, signed);
      $("redraw-label").textContent = doc.redraws_excluded ? "map redraws left out" : "map redraws included";
      setNum("redraw-value", doc.redraw_km2);
      $("rate-value").textContent = doc.net_km2_per_day === null ? "" : `${signed(doc.net_km2_per_day)} km²/day over ${doc.days.toFixed(1)} days`;
    }
    if (change) zoomToChange(span);
    if (state.region) refreshRegionArea();
    drawCharts();
    if (changedReq) await changedReq;
  }

  // Compare mode frames the change once per new window (not when the URL brought its own view).
  function zoomToChange(span) {
    const key = span.join("/");
    if (state.zoomedSpan === key) return;
    const first = state.zoomedSpan === undefined;
    state.zoomedSpan = key;
    if (first && state.view) return;
    const b = L.featureGroup(groups.change.getLayers()).getBounds();
    if (b.isValid()) map.fitBounds(b, { padding: [40, 40], maxZoom: 10 });
  }

  // ------------------------------------------------------------------ front lines
  function drawFronts([now, from]) {
    groups.front.clearLayers();
    const line = (gj, style, label) => {
      const p = gj.frontline;
      L.geoJSON(gj, { pane: "front", style })
        .bindTooltip(`${label} ${p.at.slice(0, 10)}: ${num(p.length_km)} km`, { sticky: true }).addTo(groups.front);
    };
    if (from) line(from, FRONT_FROM, "Front line at start");
    line(now, FRONT_NOW, "Front line");
    setNum("frontline-value", now.frontline.length_km);
    $("frontline-from").hidden = $("legend-from").hidden = !from;
    if (from) setNum("frontline-from-value", from.frontline.length_km);
  }

  // ------------------------------------------------------------------ places that changed hands (compare)
  function clearChanged() {
    $("changed-panel").hidden = true; $("changed-list").innerHTML = ""; groups.changed.clearLayers(); groups.highlight.clearLayers();
    changedRows = [];
  }
  async function loadChanged([a, b], seq) {
    if (!state.primary.endsWith(":control")) { clearChanged(); return; }  // status needs a control layer
    const doc = await get("settlements", { from: a, to: b, source: state.source, layer: state.primary, include_redraws: redrawsParam() });
    if (seq !== state.seq) return;
    clearChanged();
    $("changed-panel").hidden = false;
    setNum("changed-count", doc.count, v => Number(v).toLocaleString("en-US"));
    $("changed-transitions").textContent = Object.entries(doc.transitions)
      .map(([k, v]) => { const [a, b] = k.split("->"); return `${statusWord(a)} → ${statusWord(b)}: ${v}`; }).join(" · ");
    const list = $("changed-list");
    doc.settlements.slice(0, CHANGED_SHOWN).forEach((r, i) => {
      const li = document.createElement("li");
      li.dataset.index = i; li.dataset.lon = r.lon; li.dataset.lat = r.lat;
      li.className = `to-${r.to_status}`;
      li.textContent = `${r.display_name} · ${r.population.toLocaleString("en-US")} · ${statusWord(r.from_status)} → ${statusWord(r.to_status)}` +
        (r.date ? ` · ${r.date.slice(0, 10)}` : "");
      li.title = `${r.raion ? r.raion + " raion, " : ""}${r.oblast || ""}`;
      li.addEventListener("click", () => zoomToPlace(r, li));
      list.appendChild(li);
      changedRows.push([r, li]);
    });
    const more = doc.count - Math.min(doc.count, CHANGED_SHOWN);
    $("changed-more").textContent = more > 0 ? `… and ${more.toLocaleString("en-US")} smaller places` : "";
    drawChangedMarkers();
  }
  // Markers of the places that changed hands, thinned by zoom so the change under them stays readable and
  // clickable: at national zoom only towns, spaced apart; zoomed in, every listed place.
  let changedRows = [];
  function drawChangedMarkers() {
    groups.changed.clearLayers();
    const z = map.getZoom();
    const minPop = z < 7 ? 20000 : z < 8 ? 5000 : z < 9 ? 1000 : 0;
    const max = z < 7 ? 8 : z < 8 ? 20 : z < 9 ? 60 : CHANGED_SHOWN;
    const gap = z < 9 ? 24 : 0;  // px between markers at low zoom
    const placed = [];
    const rows = changedRows.filter(([r]) => (r.population || 0) >= minPop)
      .sort(([a], [b]) => (b.population || 0) - (a.population || 0));
    for (const [r, li] of rows) {
      if (placed.length >= max) break;
      const pt = map.latLngToContainerPoint([r.lat, r.lon]);
      if (gap && placed.some(q => q.distanceTo(pt) < gap)) continue;
      placed.push(pt);
      L.circleMarker([r.lat, r.lon], { pane: "highlight", radius: z < 9 ? 4 : 5, weight: 2, color: r.to_status === "control" ? "#7f0000" : "#0d47a1",
        fillColor: PLACE_FILL[r.to_status] || "#fff", fillOpacity: 1, className: "changed-place" })
        .bindTooltip(`${r.display_name}: ${statusWord(r.from_status)} → ${statusWord(r.to_status)}`).on("click", () => zoomToPlace(r, li)).addTo(groups.changed);
    }
  }
  map.on("zoomend", drawChangedMarkers);
  function zoomToPlace(r, li) {
    for (const x of document.querySelectorAll("#changed-list li")) x.classList.toggle("active", x === li);
    li.scrollIntoView({ block: "nearest" });
    groups.highlight.clearLayers();
    L.circleMarker([r.lat, r.lon], { pane: "highlight", radius: 11, weight: 3, color: "#ffd600", fill: false, interactive: false })
      .addTo(groups.highlight);
    map.setView([r.lat, r.lon], Math.max(map.getZoom(), 11));
  }

  let placesTimer = null, placesSeq = 0, placesWaiting = false;
  function schedulePlaces(delay = 250) {  // debounced; a waiting request counts as loading
    if (!placesWaiting) { placesWaiting = true; busy(+1); }
    clearTimeout(placesTimer);
    placesTimer = setTimeout(() => { placesWaiting = false; busy(-1); drawPlaces().catch(() => {}); }, delay);
  }
  async function drawPlaces() {
    const seq = ++placesSeq;
    if (!state.places) { groups.places.clearLayers(); return; }
    const b = map.getBounds(), z = map.getZoom();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    const bbox = [clamp(b.getWest(), -180, 179.9), clamp(b.getSouth(), -90, 89.9), clamp(b.getEast(), -179.9, 180), clamp(b.getNorth(), -89.9, 90)]
      .map(v => v.toFixed(4)).join(",");
    const minPop = z < 6 ? 150000 : z < 7 ? 50000 : z < 8 ? 10000 : z < 10 ? 1000 : 0;  // thin markers at national zoom
    const withStatus = state.at && state.primary && state.primary.endsWith(":control");
    const gj = await get("places.geojson", { bbox, min_population: minPop, limit: 400,
      ...(withStatus ? { at: state.at, source: state.source, layer: state.primary } : {}) });
    if (seq !== placesSeq) return;  // superseded
    groups.places.clearLayers();
    if (z < 8) {  // national zoom: the largest place of a cluster stands for it (no heap of markers)
      const kept = [];
      gj.features = gj.features.slice().sort((a, b) => (b.properties.population || 0) - (a.properties.population || 0))
        .filter(f => {
          const pt = map.latLngToContainerPoint([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
          if (kept.some(q => q.distanceTo(pt) < 14)) return false;
          kept.push(pt); return true;
        });
    }
    L.geoJSON(gj, {
      pointToLayer: (f, ll) => L.circleMarker(ll, { pane: "places", radius: f.properties.population > 100000 ? 4.5 : 3,
        color: "#263238", weight: 1, fillColor: PLACE_FILL[f.properties.status || "none"], fillOpacity: 1,
        className: `place ${f.properties.status || "none"}` }),
      onEachFeature: (f, lyr) => lyr.bindTooltip(`${f.properties.name}${f.properties.name_uk ? " / " + f.properties.name_uk : ""}` +
        (f.properties.population ? ` · ${f.properties.population.toLocaleString("en-US")}` : "") +
        (f.properties.status ? ` · ${statusWord(f.properties.status)}` : ""), { direction: "top" }),
    }).addTo(groups.places);
    placeRows = gj.features.map(f => ({ name: f.properties.name, population: f.properties.population || 0,
      lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] })).sort((a, b) => b.population - a.population);
    drawLabels();
  }

  // ------------------------------------------------------------------ charts
  function drawCharts() {
    const ms = Date.parse(state.at + "T23:59:59Z");
    const fromMs = state.compare && state.from ? Date.parse(state.from + "T23:59:59Z") : null;
    Charts.line($("area-chart"), state.days.map(d => [d.ms, d.area]), { marker: ms, marker2: fromMs });
    if (state.seriesMonth) {
      Charts.bars($("net-chart"), state.seriesMonth.periods.map(p => [Date.parse(p.start), Date.parse(p.end), p.net_km2]), { marker: ms });
    }
    if (state.region && state.regionSeries) drawRegionCharts(ms);
  }
  async function loadSeries() {
    const first = state.days[0].date.slice(0, 8) + "01", last = state.days[state.days.length - 1].date;
    state.seriesMonth = await get("series", { from: first, to: last, freq: "month", source: state.source, layer: state.primary,
                                              include_redraws: redrawsParam() });
    drawCharts();
  }
  for (const id of ["area-chart", "net-chart", "region-area-chart", "region-net-chart"]) {
    $(id).addEventListener("click", evt => {
      const t = Charts.timeAt($(id), evt);
      if (t === null) return;
      const date = new Date(Math.max(state.days[0].ms, Math.min(t, state.days[state.days.length - 1].ms))).toISOString().slice(0, 10);
      setDate(state.days[indexOfDate(date)].date);
    });
  }

  // ------------------------------------------------------------------ regions
  async function selectRegion(id) {
    state.region = state.region === id ? null : id;
    $("region-panel").hidden = !state.region;
    highlightRegion();
    writeUrl();
    if (!state.region) return;
    const by = state.by || "oblast";
    const first = state.days[0].date.slice(0, 8) + "01", last = state.days[state.days.length - 1].date;
    $("region-name").textContent = "…";
    const [series] = await Promise.all([
      get("series", { from: first, to: last, freq: "month", source: state.source, layer: state.primary, by,
                      include_redraws: redrawsParam() }),
      refreshRegionArea(),
    ]);
    state.regionSeries = series;
    drawCharts();
  }
  async function refreshRegionArea() {
    const by = state.by || "oblast";
    const doc = await get("area", { at: state.at, source: state.source, layer: state.primary, by });
    const row = (doc.regions || []).find(r => r.id === state.region);
    if (!row) { $("region-name").textContent = `${state.region} (not in ${by} layer)`; return; }
    $("region-name").textContent = row.name;
    setNum("region-area", row.area_km2);
    $("region-share").textContent = row.share === null ? "" : `${(100 * row.share).toFixed(1)} % of ${num(row.land_area_km2)} km²`;
    // In compare mode the panel also gives this region's change over the window.
    $("region-change").hidden = !(state.compare && state.from);
    if (state.compare && state.from) {
      const span = state.from <= state.at ? [state.from, state.at] : [state.at, state.from];
      const ch = await get("change", { from: span[0], to: span[1], source: state.source, layer: state.primary, by,
                                       include_redraws: redrawsParam() });
      const r = (ch.regions || []).find(x => x.id === state.region);
      const [gw, lw] = changePhrases(state.primary);
      $("region-gained-label").textContent = gw; $("region-lost-label").textContent = lw;
      setNum("region-gained", r ? r.gained_km2 : 0); setNum("region-lost", r ? r.lost_km2 : 0);
      $("region-window").textContent = spanText(span[0], span[1]);
    }
  }
  function drawRegionCharts(ms) {
    const rows = state.regionSeries.periods.map(p => [p, (p.regions || []).find(r => r.id === state.region)]);
    Charts.line($("region-area-chart"), rows.filter(([, r]) => r).map(([p, r]) => [Date.parse(p.end), r.area_km2]),
      { marker: ms, color: "#6d4c41" });
    Charts.bars($("region-net-chart"), rows.map(([p, r]) => [Date.parse(p.start), Date.parse(p.end), r ? r.net_km2 : null]), { marker: ms });
  }
  $("region-clear").addEventListener("click", () => selectRegion(state.region));

  // ------------------------------------------------------------------ time controls
  function setDate(date, { from = false } = {}) {
    const i = indexOfDate(date);
    const d = state.days[i].date;
    if (from) { state.from = d; $("from-slider").value = i; $("from-input").value = d; $("from-label").textContent = d; }
    else { state.at = d; $("date-slider").value = i; $("date-input").value = d; $("date-label").textContent = d; }
    writeUrl();
    drawData().catch(() => {});
  }
  $("date-slider").addEventListener("input", e => {
    const d = state.days[Number(e.target.value)].date; $("date-label").textContent = d; $("date-input").value = d;
  });
  $("date-slider").addEventListener("change", e => setDate(state.days[Number(e.target.value)].date));
  $("from-slider").addEventListener("input", e => {
    const d = state.days[Number(e.target.value)].date; $("from-label").textContent = d; $("from-input").value = d;
  });
  $("from-slider").addEventListener("change", e => setDate(state.days[Number(e.target.value)].date, { from: true }));
  $("date-input").addEventListener("change", e => e.target.value && setDate(e.target.value));
  $("from-input").addEventListener("change", e => e.target.value && setDate(e.target.value, { from: true }));
  $("compare-toggle").addEventListener("change", e => {
    state.compare = e.target.checked;
    $("from-slider").disabled = $("from-input").disabled = !state.compare;
    if (state.compare && !state.from) {
      const i = Math.max(0, indexOfDate(state.at) - 30);
      state.from = state.days[i].date;
    }
    if (state.compare) setDate(state.from, { from: true }); else { writeUrl(); drawData().catch(() => {}); }
  });
  $("by").addEventListener("change", e => {
    state.by = e.target.value; state.region = null; state.regionSeries = null; $("region-panel").hidden = true;
    writeUrl(); drawRegions().catch(() => {});
  });
  $("places-toggle").addEventListener("change", e => { state.places = e.target.checked; writeUrl(); schedulePlaces(0); });
  $("redraws-toggle").addEventListener("change", e => {
    state.redraws = e.target.checked; state.regionSeries = null; writeUrl();
    drawData().catch(() => {}); loadSeries().catch(() => {});
    if (state.region) { const r = state.region; state.region = null; selectRegion(r).catch(() => {}); }
  });
  $("source").addEventListener("change", e => { state.source = e.target.value; state.layers = null; state.at = null; state.from = null; start().catch(() => {}); });
  map.on("moveend", () => { writeUrl(); schedulePlaces(); });

  // ------------------------------------------------------------------ claims
  async function setupClaims(enabled) {
    const run = $("claim-run");
    if (!enabled) {
      run.disabled = true; $("claim-text").disabled = true;
      $("claim-message").textContent = "Claim checking is not available in this version of frontlines.";
      return;
    }
    run.addEventListener("click", async () => {
      $("claim-message").textContent = "checking…"; $("claim-results").innerHTML = ""; evidence.clearLayers();
      busy(+1);
      try {
        const body = { text: $("claim-text").value };
        if ($("claim-published").value) body.published = $("claim-published").value;
        const r = await fetch("/api/check", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
        const doc = await r.json();
        busy(-1);
        if (!r.ok) { $("claim-message").textContent = doc.error; return; }
        $("claim-message").textContent = doc.message;
        doc.claims.forEach((c, i) => {
          const li = document.createElement("li");
          li.dataset.index = i; li.dataset.verdict = c.verdict;
          const v = document.createElement("span"); v.className = `verdict ${c.verdict}`; v.textContent = c.verdict;
          // one sentence may hold several claims (a depth, an area, a comparison): say which one this is
          const what = c.claim.kind === "settlement" ? c.claim.figure_text : `${c.claim.kind} ${c.claim.figure_text || ""}`;
          const t = document.createElement("span"); t.textContent = ` ${what} — ${c.claim.sentence || ""}`;
          const why = document.createElement("div"); why.className = "k"; why.textContent = c.reason || "";
          const more = document.createElement("div"); more.className = "k claim-more";
          const alts = (c.alternatives || []).map(a => `${a.source} ${a.layer}: ${num(a.value)}`).join("; ");
          more.textContent = [alts ? `alternatives: ${alts}` : "", ...(c.notes || [])].filter(Boolean).join(" · ");
          li.append(v, t, why, more);
          li.addEventListener("click", () => showEvidence(c, li));
          $("claim-results").appendChild(li);
        });
      } catch (e) { state.pending -= 1; busy(0, `error: ${e.message}`); }
    });
  }
  async function showEvidence(c, li) {
    for (const x of document.querySelectorAll("#claim-results li")) x.classList.toggle("active", x === li);
    const central = c.primary || Object.values(c.readings || {}).flat().find(r => r.central);
    const w = central ? { start: central.start, end: central.end } : c.claim.window;
    if (w && w.start && w.end) {
      state.compare = true; $("compare-toggle").checked = true; $("from-slider").disabled = $("from-input").disabled = false;
      const i0 = indexOfDate(dayOf(w.start)), i1 = indexOfDate(dayOf(w.end));
      state.from = state.days[i0].date; $("from-slider").value = i0; $("from-input").value = state.from; $("from-label").textContent = state.from;
      setDate(state.days[i1].date);
    }
    if (!central) return;
    busy(+1);
    try {
      const r = await fetch("/api/evidence.geojson?tolerance=0.1", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(c) });
      const gj = await r.json();
      busy(-1);
      if (!r.ok) { $("claim-message").textContent = gj.error; return; }
      evidence.clearLayers();
      const lyr = L.geoJSON(gj, { pane: "change", style: f => ({ ...(f.properties.kind === "gained" ? GAINED : LOST), color: "#000", weight: 1.5 }) })
        .bindTooltip(l => `evidence ${l.feature.properties.kind}: ${num(l.feature.properties.area_km2)} km²`).addTo(evidence);
      const g = gj.features.find(f => f.properties.kind === "gained");
      $("claim-message").textContent = `evidence: ${g ? num(g.properties.area_km2) : "–"} km² gained ${central.region ? "in " + central.region : ""} (${dayOf(central.start)} → ${dayOf(central.end)})`;
      $("claim-message").dataset.evidence = g ? g.properties.area_km2 : "";
      if (lyr.getBounds().isValid()) map.fitBounds(lyr.getBounds(), { padding: [20, 20], maxZoom: 10 });
      const [kind, id] = (central.region || "").split(":");
      if (id && kind === state.by && state.region !== id) selectRegion(id);
    } catch (e) { state.pending -= 1; busy(0, `error: ${e.message}`); }
  }

  // ------------------------------------------------------------------ start
  async function start() {
    const [health, srcDoc] = await Promise.all([get("health"), get("sources")]);
    const sources = srcDoc.sources;
    if (!health.assets) $("missing-assets").hidden = false;
    const src = sources.find(s => s.source === state.source) || sources.slice().sort((a, b) => b.snapshots - a.snapshots)[0];
    state.source = src.source; state.primary = src.primary_layer;
    showFreshness(src.freshness);
    $("source").innerHTML = "";
    for (const s of sources) $("source").add(new Option(`${s.source} (${s.snapshots})`, s.source, false, s.source === state.source));
    if (!state.layers) state.layers = src.layers.filter(l => !l.endsWith(":other"));
    state.layers = state.layers.filter(l => src.layers.includes(l));
    const box = $("layers"); box.innerHTML = "";
    for (const l of src.layers) {
      const lab = document.createElement("label"); const cb = document.createElement("input");
      cb.type = "checkbox"; cb.value = l; cb.checked = state.layers.includes(l);
      cb.addEventListener("change", () => { state.layers = [...box.querySelectorAll("input:checked")].map(x => x.value); writeUrl(); drawData().catch(() => {}); });
      lab.append(cb, ` ${layerPhrase(l)}`); box.appendChild(lab);
    }
    const tl = await get("timeline", { source: state.source, layer: state.primary });
    const byDay = new Map();
    for (const [, when, area] of tl.snapshots) byDay.set(dayOf(when), area);
    state.days = [...byDay].map(([date, area]) => ({ date, area, ms: Date.parse(date + "T23:59:59Z") }));
    const n = state.days.length - 1;
    for (const s of ["date-slider", "from-slider"]) $(s).max = n;
    for (const s of ["date-input", "from-input"]) { $(s).min = state.days[0].date; $(s).max = state.days[n].date; }
    $("compare-toggle").checked = state.compare;
    $("from-slider").disabled = $("from-input").disabled = !state.compare;
    $("by").value = state.by; $("places-toggle").checked = state.places;
    $("redraws-toggle").checked = state.redraws;
    if (state.compare) {
      const i = indexOfDate(state.from || state.days[Math.max(0, n - 30)].date);
      state.from = state.days[i].date; $("from-slider").value = i; $("from-input").value = state.from; $("from-label").textContent = state.from;
    }
    await setupClaimsOnce(health.features.check);
    await drawBasemap().catch(() => {});
    for (const lab of $("layers").querySelectorAll("label")) lab.lastChild.textContent = ` ${layerPhrase(lab.firstChild.value)}`;
    drawRegions().then(() => { if (state.region) { const r = state.region; state.region = null; selectRegion(r); } }).catch(() => {});
    loadSeries().catch(() => {});
    setDate(state.at || state.days[n].date);
  }
  function showFreshness(f) {
    const el = $("freshness");
    if (!f) { el.textContent = ""; delete el.dataset.stale; return; }
    el.textContent = `latest map ${longDate(f.newest_map_time.slice(0, 10))}` +
      (f.last_fetched ? ` · synced ${longDate(f.last_fetched.slice(0, 10))}` : "") + (f.stale ? " · stale" : "");
    if (f.stale === null) delete el.dataset.stale; else el.dataset.stale = f.stale ? "yes" : "no";
    el.title = (f.licence ? f.licence + " " : "") + (f.last_error ? "Last sync error: " + f.last_error : "");
  }
  let claimsReady = false;
  async function setupClaimsOnce(enabled) { if (!claimsReady) { claimsReady = true; await setupClaims(enabled); } }

  readUrl();
  if (state.view) map.setView([state.view[0], state.view[1]], state.view[2]);
  else map.fitBounds([[44.3, 22.1], [52.4, 40.3]]);
  start().catch(e => busy(0, `error: ${e.message}`));
})();
