"""Delivery points: sampling real OSM addresses, and the points CSV (``id,lat,lon,label,demand``).

The first row of a points file is the depot. Optional columns: ``tw_start``, ``tw_end`` (time
window, seconds from the start of the day's schedule) and ``service`` (seconds at the stop); on a
TNTP network a ``node`` column (1-based node ids) may stand for ``lat``/``lon``.

Examples
--------
>>> import io
>>> pts = parse_points(io.StringIO("id,lat,lon,label,demand\\n0,60.1,24.9,depot,0\\n1,60.2,24.8,Main St 1,3\\n"), "p.csv")
>>> pts.ids.tolist(), pts.labels, pts.demands.tolist()
([0, 1], ['depot', 'Main St 1'], [0, 3])
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from ..exceptions import InstanceFormatError
from .graph import RoadGraph

COLUMNS = ("id", "lat", "lon", "label", "demand")
OPTIONAL = ("tw_start", "tw_end", "service")


@dataclass(frozen=True)
class Points:
    """Points read from a CSV (depot first)."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    labels: list[str]
    demands: np.ndarray
    time_windows: np.ndarray | None
    service: np.ndarray | None
    rows: list[str]  # "file:line" of each point, for messages
    nodes: np.ndarray | None = None  # network node ids (TNTP points), else None

    def __len__(self) -> int:
        return int(self.ids.size)


def sample_addresses(graph: RoadGraph, n: int, seed: int, depot: tuple[float, float] | None = None,
                     max_demand: int = 10, time_windows: tuple[float, float] | None = None,
                     service_s: float = 0.0) -> str:
    """CSV text of ``n`` distinct addresses of the map drawn with ``seed`` (uniform demands in
    ``1..max_demand``), depot first: the given ``(lat, lon)``, else one more drawn address.
    ``time_windows=(horizon, width)`` (seconds) adds ``tw_start,tw_end,service`` columns: the depot
    open ``[0, horizon]``, each customer a window of ``width`` starting uniformly in ``[0, horizon - width]``."""
    labels, lat, lon = graph.addr_label, graph.addr_lat, graph.addr_lon
    # one point per (label, position): an address tagged on both a node and its building counts once
    _, first = np.unique(np.char.add(labels.astype(str), np.char.add(np.round(lat, 5).astype(str),
                                                                      np.round(lon, 5).astype(str))),
                         return_index=True)
    first = np.sort(first)
    need = n + (depot is None)
    if need > first.size:
        raise InstanceFormatError(graph.meta.get("source", "<roads>"), "addresses",
                                  f"the map has {first.size} distinct address points, {need} requested")
    rng = np.random.default_rng(seed)
    pick = first[rng.choice(first.size, size=need, replace=False)]
    demand = rng.integers(1, max_demand + 1, size=n)
    tw = []
    if time_windows is not None:
        horizon, width = time_windows
        start = np.round(rng.uniform(0.0, horizon - width, size=n))
        tw = [[0, f"{horizon:g}", 0]] + [[f"{a:g}", f"{a + width:g}", f"{service_s:g}"] for a in start.tolist()]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS + (OPTIONAL if tw else ()))
    if depot is None:
        w.writerow([0, f"{lat[pick[0]]:.7f}", f"{lon[pick[0]]:.7f}", f"depot: {labels[pick[0]]}", 0, *(tw[0] if tw else [])])
        pick = pick[1:]
    else:
        w.writerow([0, f"{depot[0]:.7f}", f"{depot[1]:.7f}", "depot", 0, *(tw[0] if tw else [])])
    for i, (a, d) in enumerate(zip(pick.tolist(), demand.tolist()), start=1):
        w.writerow([i, f"{lat[a]:.7f}", f"{lon[a]:.7f}", labels[a], d, *(tw[i] if tw else [])])
    return buf.getvalue()


def parse_latlon(text: str, option: str = "--depot") -> tuple[float, float]:
    """``"60.17,24.94"`` -> ``(60.17, 24.94)``, checked.

    >>> parse_latlon("60.17, 24.94")
    (60.17, 24.94)
    """
    parts = text.split(",")
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise InstanceFormatError(option, None, f"expected LAT,LON in degrees, got {text!r}") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise InstanceFormatError(option, None, f"not a latitude,longitude in degrees: {text!r}")
    return lat, lon


def read_points(path) -> Points:
    """Read and check a points CSV (see the module docstring)."""
    from ..io._text import read_text

    text, _ = read_text(path)
    return parse_points(io.StringIO(text), str(path))


def parse_points(f, where: str) -> Points:
    reader = csv.reader(f)
    header = next(reader, None)
    if header is None:
        raise InstanceFormatError(where, None, "empty file, expected a header id,lat,lon,label,demand")
    header = [h.strip().lstrip("\ufeff").lower() for h in header]  # a spreadsheet's byte-order mark
    for col in ("id", "lat", "lon") if "node" not in header else ("id", "node"):
        if col not in header:
            raise InstanceFormatError(where, None, f"no {col!r} column (header: {','.join(header)})", 1)
    col = {h: i for i, h in enumerate(header)}
    has_tw = "tw_start" in col or "tw_end" in col
    if has_tw and not ("tw_start" in col and "tw_end" in col):
        raise InstanceFormatError(where, None, "tw_start and tw_end go together", 1)
    ids, lat, lon, labels, dem, tw, svc, rows, nodes = [], [], [], [], [], [], [], [], []
    by_node = "node" in col
    for lineno, row in enumerate(reader, start=2):
        if not row or all(not c.strip() for c in row):
            continue

        def cell(name, lineno=lineno, row=row):
            i = col.get(name)
            v = row[i].strip() if i is not None and i < len(row) else ""
            return v

        def number(name, lo=-math.inf, hi=math.inf, integer=False, default=None, lineno=lineno):
            v = cell(name)
            if v == "":
                if default is not None:
                    return default
                raise InstanceFormatError(where, name, "missing value", lineno)
            try:
                x = float(v)
            except ValueError:
                raise InstanceFormatError(where, name, f"not a number: {v!r}", lineno) from None
            if not (math.isfinite(x) and lo <= x <= hi):
                raise InstanceFormatError(where, name, f"{v} is out of range [{lo:g}, {hi:g}]", lineno)
            if integer and x != int(x):
                raise InstanceFormatError(where, name, f"must be an integer, got {v}", lineno)
            return int(x) if integer else x

        ids.append(number("id", -2.0**53, 2.0**53, integer=True))
        if by_node:
            nodes.append(number("node", 1, 2.0**31, integer=True))
        lat.append(number("lat", -90, 90, default=math.nan if by_node else None))
        lon.append(number("lon", -180, 180, default=math.nan if by_node else None))
        labels.append(cell("label") or str(ids[-1]))
        dem.append(number("demand", 0, 2.0**53, integer=True, default=0))
        if has_tw:
            tw.append((number("tw_start", 0), number("tw_end", 0)))
            if tw[-1][0] > tw[-1][1]:
                raise InstanceFormatError(where, "tw_start", "is after tw_end", lineno)
        svc.append(number("service", 0, default=0.0))
        rows.append(f"{where}:{lineno} ({labels[-1]})")
    if len(ids) < 2:
        raise InstanceFormatError(where, None, "needs a depot row and at least one customer row")
    seen = {}
    for i, (x, r) in enumerate(zip(ids, rows)):
        if x in seen:
            raise InstanceFormatError(where, "id", f"id {x} repeated ({rows[seen[x]]} and {r})")
        seen[x] = i
    if dem[0] != 0:
        raise InstanceFormatError(where, "demand", f"the depot (first row) must have demand 0, got {dem[0]}", 2)
    return Points(np.array(ids, np.int64), np.array(lat), np.array(lon), labels, np.array(dem, np.int64),
                  np.array(tw) if has_tw else None, np.array(svc) if "service" in col else None, rows,
                  np.array(nodes, np.int64) if by_node else None)
