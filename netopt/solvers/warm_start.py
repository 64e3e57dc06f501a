"""Warm starts checked at the boundary: every id in range, each customer once, nothing missing.

A warm start comes from the user (``--initial``) or from another method (a learned policy's
solutions). Before any kernel sees it, :func:`warm_start_routes` refuses ids that are not
customers of the instance (:class:`~netopt.exceptions.SolutionFormatError`, exit 2) and
repairs the rest: a repeated customer keeps its first visit, a missing one is inserted where it
adds the least distance (a new route when no route exists). Each repair is reported once as a
:class:`~netopt.exceptions.NetoptWarning`.

On an instance with more than CVRP/VRPTW's features (vehicle types, depots, optional clients,
reloads...), a warm start also says each route's vehicle type (:attr:`WarmStart.vehicle_types`,
required with several types); a depot inside a route is a reload stop (where the instance has
reloads); and missing required clients are left to the solver, which inserts them where its own
costs say (distance alone cannot price a fleet's constraints), missing optional ones simply stay
unvisited.

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


class WarmStart(list):
    """The checked routes of one warm start (a list of routes of internal node indices), and the
    vehicle type of each route in :attr:`vehicle_types` (None when the instance has one type)."""

    def __init__(self, routes: list[list[int]], vehicle_types: list[int] | None = None):
        super().__init__(routes)
        self.vehicle_types = vehicle_types


def _is_index(x, stop: int) -> bool:
    """Whether ``x`` is an integer (not a bool) in ``0..stop-1``."""
    return not isinstance(x, (bool, np.bool_)) and isinstance(x, (int, np.integer)) and 0 <= x < stop


def _routes_of(sol) -> Sequence[Sequence[int]]:
    return sol.routes if isinstance(sol, RoutingSolution) else sol


def warm_start_routes(instance: RoutingInstance, initial) -> list[WarmStart]:
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


def _types_of(instance: RoutingInstance, sol, name: str, count: int) -> list[int] | None:
    """Each route's vehicle type, checked (None for an instance of one type)."""
    nt = len(instance.vehicle_types)
    types = sol.vehicle_types if isinstance(sol, RoutingSolution) else None
    if nt == 1:
        return None
    if types is None:
        raise SolutionFormatError(f"{name}: the instance has {nt} vehicle types: give each route's vehicle type "
                                  "(route JSON: \"vehicle_type\"; Python: a RoutingSolution with vehicle_types)")
    if len(types) != count:
        raise SolutionFormatError(f"{name}: {len(types)} vehicle types for {count} routes")
    for t in types:
        if not _is_index(t, nt):
            raise SolutionFormatError(f"{name}: vehicle type {t!r} is not one of the instance's (0..{nt - 1})")
    return [int(t) for t in types]


def _checked(instance: RoutingInstance, sol, k: int) -> WarmStart:
    name = f"warm start {k} of {instance.name}"
    if isinstance(sol, RoutingSolution) and sol.instance is not instance and sol.instance.sha256 != instance.sha256:
        raise SolutionFormatError(f"{name}: it is a solution of instance {sol.instance.name}, not of {instance.name}")
    nd, num = instance.num_depots, instance.num_nodes
    rich = bool(instance.features)
    reloads = any(t.reload_depots for t in instance.vehicle_types)
    given = [list(r) for r in _routes_of(sol)]
    types = _types_of(instance, sol, name, len(given))
    seen = np.zeros(num, bool)
    repeated, routes, kept_types = [], [], []
    for r, route in enumerate(given):
        kept = []
        for v in route:
            if not _is_index(v, num) or (v < nd and not reloads):
                raise SolutionFormatError(f"{name}: {v!r} is not a customer index ({nd}..{num - 1})")
            if v < nd:
                kept.append(int(v))  # a reload stop (the validator checks it is one of the vehicle's)
                continue
            if seen[v]:
                repeated.append(int(v))
                continue
            seen[v] = True
            kept.append(int(v))
        if any(v >= nd for v in kept):
            routes.append(kept)
            if types is not None:
                kept_types.append(types[r])
    unseen = np.flatnonzero(~seen[nd:]) + nd
    if rich:  # the solver inserts the required ones; optional ones may stay out
        missing = unseen[instance.required[unseen]]
    else:
        missing = unseen
        for c in missing:
            _insert_cheapest(instance.distance, routes, int(c))
    if repeated or len(missing):
        ids = instance.node_ids
        what = f"dropped {len(repeated)} repeated visit{'s' if len(repeated) != 1 else ''}"
        if repeated:
            what += " (node " + ", ".join(str(int(ids[v])) for v in repeated[:5]) + (", ..." if len(repeated) > 5 else "") + ")"
        what += f"; {'the solver inserts' if rich else 'inserted'} {len(missing)} missing " \
                f"{'required client' if rich else 'customer'}{'s' if len(missing) != 1 else ''}"
        if len(missing):
            what += " (node " + ", ".join(str(int(ids[v])) for v in missing[:5]) + (", ..." if len(missing) > 5 else "") + ")"
        warnings.warn(f"{name}: {what}", NetoptWarning, stacklevel=3)
    return WarmStart(routes, kept_types if types is not None else None)


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
