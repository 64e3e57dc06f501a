"""Congestion-aware travel times: a TNTP network with node coordinates as a road graph, its link
times taken at user equilibrium (link flows from ``netopt assign --out flows.csv``) instead of free flow.

Link time at flow ``x``: the BPR function of the assignment, ``fftt * (1 + B * (x / capacity) ** power)``
(tolls and the distance factor of a generalised cost are not travel time and are left out).
Distances are in the network file's length unit, durations in seconds (``time_unit`` says what
the file's free-flow times are: TNTP files mostly use minutes). Zone centroids (nodes below
``<FIRST THRU NODE>``) are ordinary through nodes here.
"""

from __future__ import annotations

import csv
import io
import math
import warnings

import numpy as np

from ..exceptions import InstanceFormatError, NetoptWarning
from ..io._text import read_text
from ..io.tntp import find_files, read_net, read_nodes
from .graph import RoadGraph

TIME_UNITS = {"s": 1.0, "min": 60.0, "h": 3600.0}


def read_link_flows(path, init: np.ndarray, term: np.ndarray) -> np.ndarray:
    """Flows (one per link of the net file, in file order) from ``netopt assign --out flows.csv``
    (columns ``link,from,to,flow,...``); every link must have exactly one row that matches its ends."""
    text, _ = read_text(path)
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if not {"link", "from", "to", "flow"} <= set(header):
        raise InstanceFormatError(path, None, "expected the columns link,from,to,flow (netopt assign --out flows.csv)", 1)
    col = {h: i for i, h in enumerate(header)}
    m = init.size
    flow = np.full(m, np.nan)
    for lineno, row in enumerate(reader, start=2):
        if not row:
            continue
        try:
            k, a, b = (int(row[col[c]]) for c in ("link", "from", "to"))
            x = float(row[col["flow"]])
        except (ValueError, IndexError):
            raise InstanceFormatError(path, None, f"bad row {','.join(row)[:60]!r}", lineno) from None
        if not 1 <= k <= m:
            raise InstanceFormatError(path, "link", f"link {k} is not in the network (1..{m})", lineno)
        if (a, b) != (init[k - 1] + 1, term[k - 1] + 1):
            raise InstanceFormatError(path, "link", f"link {k} is {init[k - 1] + 1}->{term[k - 1] + 1} in the network, "
                                      f"{a}->{b} here (flows of another network?)", lineno)
        if not (math.isfinite(x) and x >= 0):
            raise InstanceFormatError(path, "flow", f"must be a finite number >= 0, got {row[col['flow']]!r}", lineno)
        if not np.isnan(flow[k - 1]):
            raise InstanceFormatError(path, "link", f"link {k} repeated", lineno)
        flow[k - 1] = x
    if np.isnan(flow).any():
        k = int(np.argmax(np.isnan(flow)))
        raise InstanceFormatError(path, "flow", f"no row for link {k + 1} ({init[k] + 1}->{term[k] + 1})")
    return flow


def graph_from_tntp(path, flows=None, time_unit: str = "min") -> tuple[RoadGraph, np.ndarray, dict]:
    """``(graph, link_time_s, info)`` of a TNTP network folder (``_net`` and ``_node`` files); link
    times at the given equilibrium ``flows`` file, else free flow."""
    net, _, node, _ = find_files(path, need_trips=False)
    if node is None:
        raise InstanceFormatError(net, None, "no _node.tntp beside it: road matrices need node coordinates")
    info, links, _ = read_net(net)
    links = links[: info["links"]]  # Rey's candidate new links are not roads yet
    xy = read_nodes(node, info["nodes"])
    if np.isnan(xy).any():
        k = int(np.argmax(np.isnan(xy).any(1)))
        raise InstanceFormatError(node, "node", f"no coordinates for node {k + 1}")
    init, term = links[:, 0].astype(np.int64) - 1, links[:, 1].astype(np.int64) - 1
    cap, length, fftt, b, power = links[:, 2], links[:, 3], links[:, 4], links[:, 5], links[:, 6]
    if flows is None:
        t = fftt
    else:
        x = read_link_flows(flows, init, term)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(b == 0, fftt, fftt * (1.0 + b * (x / cap) ** power))
        if not np.all(np.isfinite(t)):
            k = int(np.argmax(~np.isfinite(t)))
            raise InstanceFormatError(net, "capacity", f"link {k + 1}: no travel time at flow {x[k]:g} (capacity {cap[k]:g})")
    if info["ftn"] > 1:
        warnings.warn(f"{net.name}: zone centroids (nodes below {info['ftn']}) are treated as ordinary through nodes",
                      NetoptWarning, stacklevel=2)
    degrees = bool(np.all(np.abs(xy[:, 0]) <= 180) and np.all(np.abs(xy[:, 1]) <= 90))
    order = np.lexsort((term, init))
    offsets = np.zeros(info["nodes"] + 1, np.int64)
    np.add.at(offsets, init + 1, 1)
    secs = t[order] * TIME_UNITS[time_unit]
    g = RoadGraph(offsets=np.cumsum(offsets), tail=init[order], head=term[order], length_m=length[order],
                  speed_kmh=np.where(secs > 0, 3.6 * length[order] / np.maximum(secs, 1e-300), 1.0),
                  way_id=order.astype(np.int64) + 1, highway=np.zeros(order.size, np.int8),
                  node_lat=xy[:, 1].copy(), node_lon=xy[:, 0].copy(), node_id=np.arange(1, info["nodes"] + 1),
                  meta={"source": str(net), "tntp": True, "degrees": degrees, "flows": None if flows is None else str(flows)})
    return g, secs, {"net": str(net), "node": str(node), "degrees": degrees}


def node_snap(graph: RoadGraph, nodes: np.ndarray, rows, where: str):
    """Points given as network node ids (1-based): each sits exactly on its node."""
    from .matrix import Snap

    n = graph.num_nodes
    edge, t = np.empty(nodes.size, np.int64), np.empty(nodes.size)
    for i, v in enumerate(nodes.tolist()):
        if not 1 <= v <= n:
            raise InstanceFormatError(where, "node", f"point {rows[i]}: node {v} is not in the network (1..{n})")
        u = v - 1
        if graph.offsets[u + 1] > graph.offsets[u]:
            edge[i], t[i] = graph.offsets[u], 0.0
        else:
            into = np.flatnonzero(graph.head == u)
            if into.size == 0:
                raise InstanceFormatError(where, "node", f"point {rows[i]}: node {v} has no links")
            edge[i], t[i] = into[0], 1.0
    return Snap(edge, t, graph.node_lat[nodes - 1], graph.node_lon[nodes - 1], np.zeros(nodes.size))


__all__ = ["TIME_UNITS", "graph_from_tntp", "node_snap", "read_link_flows"]
