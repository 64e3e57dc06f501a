"""Routes along the streets: GeoJSON and a self-contained offline HTML map (Leaflet inlined).

Each leg between two stops is drawn along the shortest path *by distance* on the road graph
(the distance matrix is what the solvers minimise; by travel time for an instance made with
``--cost duration``); arrival times (ETA, seconds after the
depot departure) come from the instance's duration matrix, waiting at a time window's opening
and adding service times. The road graph is the one named in the instance JSON's ``road`` key
(written by ``netopt road matrix``); a changed graph file is refused (its snapped positions
would not match).
"""

from __future__ import annotations

import itertools
import json
from importlib.resources import files
from pathlib import Path

import numpy as np

from ..exceptions import InstanceFormatError
from ..io import load_instance, read_routes, write_atomic
from ..io._text import read_text
from .graph import RoadGraph
from .matrix import Snap, augment, path_coordinates, path_edges
from .osm import ATTRIBUTION

MAP_SUFFIXES = (".geojson", ".html")
#: one colour per vehicle (cycled), distinguishable on a light background
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")
LICENCE = "© OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"


def _clock(s: float) -> str:
    """Seconds -> ``H:MM:SS``.

    >>> _clock(3725.4)
    '1:02:05'
    """
    s = round(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _road_of(instance_path, raw: dict):
    road = raw.get("road")
    if not isinstance(road, dict) or "graph" not in road:
        raise InstanceFormatError(instance_path, "road", "missing: maps need an instance made by `netopt road matrix`")
    graph = RoadGraph.load(road["graph"])
    if road.get("graph_sha256") and graph.meta["sha256"] != road["graph_sha256"]:
        raise InstanceFormatError(instance_path, "road", f"{road['graph']} changed since the instance was made "
                                  "(run `netopt road matrix` again)")
    try:
        edge = np.asarray(road["edge"], np.int64)
        t = np.asarray(road["t"], np.float64)
    except (KeyError, TypeError, ValueError):
        raise InstanceFormatError(instance_path, "road", "edge/t: expected lists of numbers") from None
    n1 = len(raw.get("distance") or [])
    if edge.shape != (n1,) or t.shape != (n1,) or np.any((edge < 0) | (edge >= graph.num_edges)) or \
            np.any(~((t >= 0) & (t <= 1))):
        raise InstanceFormatError(instance_path, "road", "edge/t do not fit the instance and the graph")
    g = graph
    lat = g.node_lat[g.tail[edge]] + t * (g.node_lat[g.head[edge]] - g.node_lat[g.tail[edge]])
    lon = g.node_lon[g.tail[edge]] + t * (g.node_lon[g.head[edge]] - g.node_lon[g.tail[edge]])
    return graph, Snap(edge, t, lat, lon, np.zeros(n1))


def route_features(instance_path, routes_path) -> dict:
    """GeoJSON FeatureCollection: one LineString per route, one Point per stop (and the depot)."""
    return _features(instance_path, routes_path)[0]


def _features(instance_path, routes_path) -> tuple[dict, RoadGraph]:
    text, _ = read_text(instance_path)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise InstanceFormatError(instance_path, None, f"invalid JSON: {e.msg}", e.lineno) from None
    if not isinstance(raw, dict):
        raise InstanceFormatError(instance_path, None, "expected a JSON object")
    inst = load_instance(instance_path)
    sol, _ = read_routes(routes_path, inst)
    graph, snap = _road_of(instance_path, raw)
    by_time = raw.get("cost") == "duration"  # the solver minimised travel time: draw the fastest paths
    aug = augment(graph, snap, {"distance": graph.duration_s if by_time else graph.length_m})
    road_dist = np.asarray(raw["road_distance"], float) if by_time and raw.get("road_distance") else inst.distance
    labels = raw.get("labels") or [str(i) for i in inst.node_ids.tolist()]
    if len(labels) != inst.node_ids.size:
        raise InstanceFormatError(instance_path, "labels", f"expected {inst.node_ids.size} labels")
    xy = inst.coordinates if inst.coordinates is not None else np.column_stack([snap.lon, snap.lat])
    dur, tw, st = inst.duration, inst.time_windows, inst.service_times
    start = float(tw[0, 0]) if tw is not None else 0.0
    features = [_point(xy[0], {"kind": "depot", "node": int(inst.node_ids[0]), "label": str(labels[0]),
                               "order": 0, "eta_s": 0.0, "eta": _clock(0.0)})]
    for r, route in enumerate(sol.routes):
        colour = PALETTE[r % len(PALETTE)]
        path = [0, *route, 0]
        line: list = []
        t = start
        for order, (a, b) in enumerate(itertools.pairwise(path), start=1):
            for pt in path_coordinates(graph, aug, path_edges(aug, "distance", a, b)):
                if not line or line[-1] != pt:
                    line.append(pt)
            t += float(dur[a, b])
            arrive = t
            if tw is not None:
                t = max(t, float(tw[b, 0]))
            begin = t
            t += float(st[b])
            if b != 0:
                features.append(_point(xy[b], {
                    "kind": "stop", "vehicle": r, "order": order, "node": int(inst.node_ids[b]),
                    "label": str(labels[b]), "demand": int(inst.demands[b]), "eta_s": round(arrive - start, 1),
                    "eta": _clock(arrive - start), "wait_s": round(begin - arrive, 1), "colour": colour}))
        dist = sum(float(road_dist[a, b]) for a, b in itertools.pairwise(path))
        features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [list(p) for p in line]},
                         "properties": {"kind": "route", "vehicle": r, "stops": len(route), "colour": colour,
                                        "distance_m": round(dist, 1), "duration_s": round(arrive - start, 1),
                                        "duration": _clock(arrive - start)}})
    return {"type": "FeatureCollection", "attribution": LICENCE, "features": features,
            "netopt": {"instance": inst.name, "graph": raw["road"]["graph"]}}, graph


def _point(xy, props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [float(xy[0]), float(xy[1])]},
            "properties": props}


def _road_lines(graph: RoadGraph, fc: dict, margin: float = 0.1, limit: int = 200_000) -> list:
    """Undirected road segments around the routes (``[[lat, lon], [lat, lon]]``) for the map's background."""
    pts = np.array([c for f in fc["features"] for c in (f["geometry"]["coordinates"] if f["geometry"]["type"] ==
                                                         "LineString" else [f["geometry"]["coordinates"]])])
    lo, hi = pts.min(0), pts.max(0)
    pad = (hi - lo) * margin + 1e-3
    lo, hi = lo - pad, hi + pad
    u, v = np.minimum(graph.tail, graph.head), np.maximum(graph.tail, graph.head)
    _, first = np.unique(u * graph.num_nodes + v, return_index=True)
    u, v = u[first], v[first]
    lon, lat = graph.node_lon, graph.node_lat
    inside = ((lon[u] >= lo[0]) & (lon[u] <= hi[0]) & (lat[u] >= lo[1]) & (lat[u] <= hi[1])) | \
             ((lon[v] >= lo[0]) & (lon[v] <= hi[0]) & (lat[v] >= lo[1]) & (lat[v] <= hi[1]))
    u, v = u[inside][:limit], v[inside][:limit]
    return np.round(np.stack([np.column_stack([lat[u], lon[u]]), np.column_stack([lat[v], lon[v]])], 1), 6).tolist()


def render_html(fc: dict, road_lines: list) -> str:
    """A self-contained HTML page (Leaflet's JS and CSS inlined; no network needed)."""
    static = files("netopt.roads") / "static"
    js = (static / "leaflet.js").read_text(encoding="utf-8")
    css = (static / "leaflet.css").read_text(encoding="utf-8")
    data = json.dumps({"fc": fc, "roads": road_lines, "attribution": ATTRIBUTION + " (ODbL)"}, ensure_ascii=False)
    data = data.replace("</", "<\\/")  # no "</script>" inside the script
    title = f"netopt routes: {fc['netopt']['instance']}".replace("&", "&amp;").replace("<", "&lt;")
    return _HTML.replace("{{TITLE}}", title).replace("{{CSS}}", css).replace("{{JS}}", js.replace("</", "<\\/")) \
        .replace("{{DATA}}", data)


def export_map(instance_path, routes_path, out_path) -> str:
    """Write ``.geojson`` or ``.html`` (by the suffix of ``out_path``); returns a one-line summary."""
    suffix = Path(out_path).suffix.lower()
    fc, graph = _features(instance_path, routes_path)
    routes = [f for f in fc["features"] if f["properties"]["kind"] == "route"]
    if suffix == ".html":
        write_atomic(out_path, render_html(fc, _road_lines(graph, fc)))
    else:
        write_atomic(out_path, json.dumps(fc) + "\n")
    return f"wrote {out_path}: {len(routes)} routes along the streets"


_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>{{CSS}}</style>
<style>
html, body, #map { height: 100%; margin: 0; }
#map { background: #f4f3ef; }
.netopt-stop div { width: 22px; height: 22px; border-radius: 11px; color: #fff; font: bold 11px/22px sans-serif;
  text-align: center; border: 2px solid #fff; box-shadow: 0 0 2px #333; }
.netopt-depot div { width: 18px; height: 18px; background: #000; border: 3px solid #fff; box-shadow: 0 0 3px #000; }
.netopt-legend { background: #fff; padding: 6px 10px; font: 12px sans-serif; max-height: 40vh; overflow-y: auto;
  box-shadow: 0 0 4px rgba(0,0,0,.4); border-radius: 4px; }
.netopt-legend span { display: inline-block; width: 18px; height: 4px; margin-right: 6px; vertical-align: middle; }
</style>
<script>{{JS}}</script>
</head><body><div id="map"></div>
<script>
(function () {
  var D = {{DATA}};
  var map = L.map("map", {preferCanvas: false});
  map.attributionControl.addAttribution(D.attribution);
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }
  if (D.roads.length) {
    L.polyline(D.roads, {renderer: L.canvas(), color: "#9a9a9a", weight: 1.5, opacity: 0.8, interactive: false}).addTo(map);
  }
  var bounds = L.latLngBounds([]);
  var legend = [];
  D.fc.features.forEach(function (f) {
    var p = f.properties, g = f.geometry;
    if (p.kind === "route") {
      var ll = g.coordinates.map(function (c) { return [c[1], c[0]]; });
      var line = L.polyline(ll, {color: p.colour, weight: 4, opacity: 0.85, className: "netopt-route"}).addTo(map);
      line.bindPopup("<b>vehicle " + p.vehicle + "</b><br>" + p.stops + " stops<br>" +
                     (p.distance_m / 1000).toFixed(2) + " km, " + p.duration);
      ll.forEach(function (x) { bounds.extend(x); });
      legend.push('<div><span style="background:' + p.colour + '"></span>vehicle ' + p.vehicle + ": " + p.stops +
                  " stops, " + (p.distance_m / 1000).toFixed(2) + " km, " + p.duration + "</div>");
    }
  });
  D.fc.features.forEach(function (f) {
    var p = f.properties, c = f.geometry.coordinates, at = [c[1], c[0]];
    if (f.geometry.type !== "Point") return;
    bounds.extend(at);
    var icon = p.kind === "depot"
      ? L.divIcon({className: "netopt-depot", html: "<div></div>", iconSize: [24, 24]})
      : L.divIcon({className: "netopt-stop", html: '<div style="background:' + p.colour + '">' + p.order + "</div>",
                   iconSize: [26, 26]});
    var text = p.kind === "depot" ? "<b>depot</b><br>" + esc(p.label)
      : "<b>" + esc(p.label) + "</b><br>vehicle " + p.vehicle + ", stop " + p.order + "<br>arrival " + p.eta +
        " after departure" + (p.wait_s > 0 ? " (waits " + Math.round(p.wait_s / 60) + " min)" : "") +
        "<br>demand " + p.demand;
    L.marker(at, {icon: icon, title: p.label}).bindPopup(text).addTo(map);
  });
  var Legend = L.Control.extend({options: {position: "topright"}, onAdd: function () {
    var div = L.DomUtil.create("div", "netopt-legend");
    div.innerHTML = "<b>Routes</b>" + legend.join("");
    return div; }});
  new Legend().addTo(map);
  if (bounds.isValid()) { map.fitBounds(bounds, {padding: [20, 20]}); } else { map.setView([0, 0], 2); }
})();
</script>
</body></html>
"""
