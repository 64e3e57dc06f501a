"""Points + road graph -> a netopt routing instance (instance JSON) with real-road matrices.

The instance JSON gets two keys the routing model ignores (``read_instance_json`` reads only its
own fields) and ``netopt export`` uses to draw the routes along the streets:

* ``labels``: one per node (depot first);
* ``road``: the graph file (absolute path and sha256) and where each point was snapped
  (``edge``, fraction ``t``, ``offset_m``); ``coordinates`` are ``[lon, lat]`` (``"crs": "lonlat"``);
  on a TNTP network, the network and flows files instead (no map: it has no street geometry);
* ``cost``: which matrix the ``distance`` field holds (``distance``, or ``duration`` with the
  road distances kept in ``road_distance``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .._limits import check_dense
from ..io import instance_to_json
from ..model import RoutingInstance
from .addresses import Points
from .graph import RoadGraph
from .matrix import (
    Snap,
    Snapper,
    augment,
    check_points_in_map,
    check_reachable,
    many_to_many,
)


def road_matrices(graph: RoadGraph, points: Points, *, engine: str = "numba", max_snap_m: float = 300.0,
                  where: str = "points", link_time_s: np.ndarray | None = None, snap: Snap | None = None,
                  contract: bool = True):
    """``(distance m, duration s, snap)`` between the points; ``link_time_s`` replaces the free-flow
    edge times (e.g. equilibrium times), ``snap`` the nearest-edge snapping (points on known nodes);
    ``contract`` searches the graph without its shape points (same results, fewer nodes).
    Raises naming the row of a point off the map or unreachable."""
    k = len(points)
    # two k x k float matrices, their rounded copies and the JSON lists (~4x): refuse before any work
    check_dense("distance and duration matrices", (k, k), copies=12, where=where)
    if snap is None:
        snap = Snapper(graph).snap(points.lat, points.lon)
        check_points_in_map(graph, snap, points.rows, max_snap_m, where)
    time_s = graph.duration_s if link_time_s is None else link_time_s
    weights = {"distance": graph.length_m, "duration": time_s}
    if contract:  # same shortest paths on the graph without its shape points (netopt/roads/contract.py)
        from .contract import augment_contracted
        from .contract import contract as contract_chains

        aug = augment_contracted(graph, contract_chains(graph, weights), snap, weights)
    else:
        aug = augment(graph, snap, weights)
    dist = many_to_many(aug, "distance", engine)
    check_reachable(dist, points.rows)
    dur = many_to_many(aug, "duration", engine)
    check_reachable(dur, points.rows)
    return dist, dur, snap


def make_instance(graph: RoadGraph, points: Points, snap: Snap, dist: np.ndarray, dur: np.ndarray, *, name: str,
                  capacity: int, vehicles: int | None, graph_path=None, cost: str = "distance",
                  road: dict | None = None) -> str:
    """Instance JSON text (distances rounded to 0.1 m, durations to 0.1 s). ``cost="duration"`` makes
    the travel time the cost the solvers minimise (the ``distance`` field then holds seconds too)."""
    tw = points.time_windows
    inst = RoutingInstance(
        name=name, distance=np.round(dur if cost == "duration" else dist, 1), duration=np.round(dur, 1),
        demands=points.demands, capacity=capacity, num_vehicles=vehicles, time_windows=tw,
        service_times=points.service, coordinates=np.column_stack([snap.lon, snap.lat]) if points.nodes is not None
        else np.column_stack([points.lon, points.lat]), node_ids=points.ids, rounding="exact",
        problem="vrptw" if tw is not None else "cvrp", source=name)
    d: dict = {"labels": list(points.labels), "crs": "lonlat" if graph.meta.get("degrees", True) else "xy",
               "cost": cost}
    if cost == "duration":
        d["road_distance"] = np.round(dist, 1).tolist()
    if graph_path is not None:
        d["road"] = {"graph": str(Path(graph_path).resolve()), "graph_sha256": graph.meta.get("sha256", ""),
                     "profile": graph.meta.get("profile", "car"), "edge": snap.edge.tolist(),
                     "t": [round(float(x), 9) for x in snap.t], "offset_m": [round(float(x), 1) for x in snap.offset_m]}
    else:
        d["road"] = dict(road or {})
    # the extra keys appended to the instance object's text (no second encoding of the matrices)
    text = instance_to_json(inst)
    assert text.endswith("}")
    return text[:-1] + ", " + json.dumps(d)[1:]
