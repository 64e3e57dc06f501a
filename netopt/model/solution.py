"""Routing solutions: routes over a :class:`RoutingInstance`, evaluated by the independent validator."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from .routing import RoutingInstance


@dataclass(frozen=True, eq=False)
class RoutingSolution:
    """Routes as tuples of internal client indices; empty routes are dropped.

    A depot index inside a route is a reload stop (multi-trip). ``vehicle_types`` gives the
    vehicle type of each route; it may be left out when the instance has one type.
    Cost, loads and feasibility are recomputed from the instance, never trusted from a solver.

    Examples
    --------
    >>> import numpy as np
    >>> inst = RoutingInstance("t", np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]]), np.array([0, 1, 1]), 2)
    >>> sol = RoutingSolution(inst, [[1, 2]])
    >>> sol.cost, sol.is_feasible, sol.to_dict()["routes"][0]["visits"]
    (3.0, True, [2, 3])
    """

    instance: RoutingInstance
    routes: tuple[tuple[int, ...], ...]
    vehicle_types: tuple[int, ...] | None = None

    def __init__(self, instance: RoutingInstance, routes: Sequence[Sequence[int]],
                 vehicle_types: Sequence[int] | None = None):
        from ..exceptions import InvalidSolutionError

        routes = list(routes)
        if vehicle_types is not None and len(vehicle_types) != len(routes):
            raise InvalidSolutionError(f"{len(vehicle_types)} vehicle types for {len(routes)} routes")
        keep = [k for k, r in enumerate(routes) if len(r)]
        object.__setattr__(self, "instance", instance)
        object.__setattr__(self, "routes", tuple(tuple(_index(v) for v in routes[k]) for k in keep))
        object.__setattr__(self, "vehicle_types",
                           None if vehicle_types is None else tuple(_index(vehicle_types[k]) for k in keep))

    @cached_property
    def report(self):
        from ..validate import check_routes

        return check_routes(self.instance, self.routes, vehicle_types=self.vehicle_types)

    @property
    def cost(self) -> float:
        return self.report.cost

    @property
    def num_routes(self) -> int:
        return len(self.routes)

    def violations(self) -> list[str]:
        return list(self.report.violations)

    @property
    def is_feasible(self) -> bool:
        return self.report.feasible

    @classmethod
    def from_node_ids(cls, instance: RoutingInstance, routes: Sequence[Sequence[int]], source: str = "<routes>",
                      vehicle_types: Sequence[int] | None = None):
        """Build from routes written in the instance file's own node ids.

        The route's depot may open and close a route (``[1, 5, 4, 1]``); a depot inside it is a
        reload stop, allowed only when a vehicle type of the instance reloads (the validator then
        checks it is one of that type's reload depots). Every id must be an integer node id of
        ``instance``. Anything else is an :class:`~netopt.exceptions.InvalidSolutionError` (exit 1)
        naming the route and the id.
        """
        from ..exceptions import InvalidSolutionError

        out = []
        nd = instance.num_depots
        reloads = any(t.reload_depots for t in instance.vehicle_types)
        depot_ids = {int(v) for v in instance.node_ids[:nd]}
        for r, route in enumerate(routes, start=1):
            ids = []
            for v in route:
                if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                    raise InvalidSolutionError(f"{source}: route {r}: node {v!r} is not an integer node id")
                ids.append(int(v))
            if ids and ids[0] in depot_ids:
                ids = ids[1:]
            if ids and ids[-1] in depot_ids:
                ids = ids[:-1]
            idx = []
            for k, v in enumerate(ids):
                if v in depot_ids and not reloads:
                    raise InvalidSolutionError(f"{source}: route {r}: the depot {v} in the middle of the route "
                                               f"(after {ids[k - 1] if k else v}); instance {instance.name} "
                                               "has no reloads")
                try:
                    idx.append(instance.index_of(v))
                except KeyError:
                    raise InvalidSolutionError(
                        f"{source}: route {r}: node {v} is not a node id of instance {instance.name}"
                    ) from None
            out.append(idx)
        return cls(instance, out, vehicle_types)

    @classmethod
    def from_dict(cls, instance: RoutingInstance, data: dict):
        """The inverse of :meth:`to_dict` (a Result's ``solution``): each route's ``visits`` in file node ids and,
        with several vehicle types, its ``vehicle_type``."""
        routes = data["routes"]
        types = [r["vehicle_type"] for r in routes] if len(instance.vehicle_types) > 1 else None
        return cls.from_node_ids(instance, [r["visits"] for r in routes], vehicle_types=types)

    def vehicles(self) -> list[int]:
        """A vehicle number for each route: the routes of each type take that type's vehicles in order
        (``.sol`` route ``k + 1`` is vehicle ``k``); past a type's count, or for an unlimited type,
        numbers continue after the whole fleet."""
        inst = self.instance
        types = self.vehicle_types or (0,) * len(self.routes)
        pools = {k: list(inst.vehicles_of_type(k) or []) for k in set(types)}
        nxt = inst.num_vehicles if inst.num_vehicles is not None else \
            sum(t.num_available or 0 for t in inst.vehicle_types)
        out = []
        for k in types:
            if pools[k]:
                out.append(pools[k].pop(0))
            else:
                out.append(nxt)
                nxt += 1
        return out

    def to_dict(self) -> dict:
        """Route JSON in the file's node ids: ``{"routes": [{"vehicle", "visits", "load", "distance", "duration"}]}``;
        for a rich instance each route also has its ``vehicle_type`` and number of ``trips``, and the
        solution its ``uncollected_prizes``."""
        ids = self.instance.node_ids
        rich = bool(self.instance.features)
        vehicles = self.vehicles() if rich else range(len(self.routes))
        routes = []
        for k, st in zip(vehicles, self.report.routes):
            route = {"vehicle": k, "visits": [int(ids[v]) for v in st.visits], "load": st.load,
                     "distance": _num(st.distance), "duration": _num(st.duration)}
            if rich:
                route.update(vehicle_type=st.vehicle_type, trips=st.trips, cost=_num(st.cost))
            routes.append(route)
        out = {"routes": routes, "cost": _num(self.cost), "feasible": self.is_feasible, "violations": self.violations()}
        if rich:
            out["uncollected_prizes"] = _num(self.report.uncollected_prizes)
        return out

    def giant_tour(self) -> np.ndarray:
        """All routes concatenated (the chromosome form used by genetic search)."""
        return np.array([v for r in self.routes for v in r], dtype=np.int64)


def _num(x: float):
    """Integral floats as ints so JSON reads like the instance (27591, not 27591.0)."""
    return int(x) if float(x).is_integer() else round(float(x), 10)


def _index(v) -> int:
    """An internal node index as a Python int; a float (``2.9``) or other non-integer is refused, never truncated."""
    import operator

    try:
        return operator.index(v)
    except TypeError:
        from ..exceptions import InvalidSolutionError

        raise InvalidSolutionError(f"node index {v!r} is not an integer") from None
