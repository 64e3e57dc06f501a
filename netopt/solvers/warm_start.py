"""Warm starts checked at the boundary: every id in range, each customer once, nothing missing.

A warm start comes from the user (``--initial``) or from another method (a learned policy's
solutions). Before any kernel sees it, :func:`warm_start_routes` refuses ids that are not
customers of the instance (:class:`~netopt.exceptions.SolutionFormatError`, exit 2) and
repairs the rest: a repeated customer keeps its first visit, a missing one is inserted where it
adds the least distance (a new route when no route exists). Each repair is reported once as a
:class:`~netopt.exceptions.NetoptWarning`.

Examples
--------
>>> import warnings
>>> import numpy as np
>>> from netopt.model import RoutingInstance
>>> xy = np.array([[0, 0], [10, 0], [0, 10], [10, 10], [5, 5]])
>>> d = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
>>> inst = RoutingInstance("tiny", d, np.array([0, 3, 4, 5, 2]), capacity=10)
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     routes = warm_start_routes(inst, [[[4, 3, 1], [2, 1]]])
>>> routes, str(w[0].message)
([[[4, 3, 1], [2]]], 'warm start 1 of tiny: dropped 1 repeated visit (node 2); inserted 0 missing customers')
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from ..exceptions import NetoptWarning, SolutionFormatError
from ..model import RoutingInstance, RoutingSolution


def _routes_of(sol) -> Sequence[Sequence[int]]:
    return sol.routes if isinstance(sol, RoutingSolution) else sol


def warm_start_routes(instance: RoutingInstance, initial) -> list[list[list[int]]]:
    """``initial`` (None, one solution, or a sequence of solutions; a solution is a
    :class:`RoutingSolution` or a list of routes of customer indices 1..n) as checked and
    repaired lists of routes."""
    if initial is None:
        return []
    if isinstance(initial, RoutingSolution):
        sols = [initial]
    else:
        sols = list(initial)
        first = sols[0] if sols and not isinstance(sols[0], RoutingSolution) else None
        if first is not None and len(first) and not hasattr(first[0], "__len__"):
            sols = [sols]  # one solution given as a plain list of routes
    return [_checked(instance, sol, k) for k, sol in enumerate(sols, start=1)]


def _checked(instance: RoutingInstance, sol, k: int) -> list[list[int]]:
    name = f"warm start {k} of {instance.name}"
    if isinstance(sol, RoutingSolution) and sol.instance is not instance and sol.instance.sha256 != instance.sha256:
        raise SolutionFormatError(f"{name}: it is a solution of instance {sol.instance.name}, not of {instance.name}")
    n = instance.num_customers
    seen = np.zeros(n + 1, bool)
    repeated, routes = [], []
    for route in _routes_of(sol):
        kept = []
        for v in route:
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or not 1 <= v <= n:
                raise SolutionFormatError(f"{name}: {v!r} is not a customer index (1..{n})")
            if seen[v]:
                repeated.append(int(v))
                continue
            seen[v] = True
            kept.append(int(v))
        if kept:
            routes.append(kept)
    missing = np.flatnonzero(~seen[1:]) + 1
    for c in missing:
        _insert_cheapest(instance.distance, routes, int(c))
    if repeated or len(missing):
        ids = instance.node_ids
        what = f"dropped {len(repeated)} repeated visit{'s' if len(repeated) != 1 else ''}"
        if repeated:
            what += " (node " + ", ".join(str(int(ids[v])) for v in repeated[:5]) + (", ..." if len(repeated) > 5 else "") + ")"
        what += f"; inserted {len(missing)} missing customer{'s' if len(missing) != 1 else ''}"
        if len(missing):
            what += " (node " + ", ".join(str(int(ids[v])) for v in missing[:5]) + (", ..." if len(missing) > 5 else "") + ")"
        warnings.warn(f"{name}: {what}", NetoptWarning, stacklevel=3)
    return routes


def _insert_cheapest(dist: np.ndarray, routes: list[list[int]], c: int) -> None:
    """Insert customer ``c`` where it adds the least distance (a new route when there is none)."""
    best, where = np.inf, None
    for r, route in enumerate(routes):
        seq = np.array([0, *route, 0])
        delta = dist[seq[:-1], c] + dist[c, seq[1:]] - dist[seq[:-1], seq[1:]]
        i = int(np.argmin(delta))
        if delta[i] < best:
            best, where = float(delta[i]), (r, i)
    if where is None:
        routes.append([c])
    else:
        routes[where[0]].insert(where[1], c)
