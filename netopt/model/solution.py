"""Routing solutions: routes over a :class:`RoutingInstance`, evaluated by the independent validator."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

import numpy as np

from .routing import RoutingInstance


@dataclass(frozen=True, eq=False)
class RoutingSolution:
    """Routes as tuples of internal customer indices (1..n); empty routes are dropped.

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

    def __init__(self, instance: RoutingInstance, routes: Sequence[Sequence[int]]):
        object.__setattr__(self, "instance", instance)
        object.__setattr__(self, "routes", tuple(tuple(_index(v) for v in r) for r in routes if len(r)))

    @cached_property
    def report(self):
        from ..validate import check_routes

        return check_routes(self.instance, self.routes)

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
    def from_node_ids(cls, instance: RoutingInstance, routes: Sequence[Sequence[int]], source: str = "<routes>"):
        """Build from routes written in the instance file's own node ids.

        The depot may open and close a route (``[1, 5, 4, 1]``) but not appear inside it (the
        instance has no reloads); every id must be an integer node id of ``instance``. Anything else
        is an :class:`~netopt.exceptions.InvalidSolutionError` (exit 1) naming the route and the id.
        """
        from ..exceptions import InvalidSolutionError

        out = []
        depot = instance.depot_id
        for r, route in enumerate(routes, start=1):
            ids = []
            for v in route:
                if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
                    raise InvalidSolutionError(f"{source}: route {r}: node {v!r} is not an integer node id")
                ids.append(int(v))
            if ids and ids[0] == depot:
                ids = ids[1:]
            if ids and ids[-1] == depot:
                ids = ids[:-1]
            idx = []
            for k, v in enumerate(ids):
                if v == depot:
                    raise InvalidSolutionError(f"{source}: route {r}: the depot {depot} in the middle of the route "
                                               f"(after {ids[k - 1] if k else depot}); instance {instance.name} "
                                               "has no reloads")
                try:
                    idx.append(instance.index_of(v))
                except KeyError:
                    raise InvalidSolutionError(
                        f"{source}: route {r}: node {v} is not a node id of instance {instance.name}"
                    ) from None
            out.append(idx)
        return cls(instance, out)

    def to_dict(self) -> dict:
        """Route JSON in the file's node ids: ``{"routes": [{"vehicle", "visits", "load", "distance", "duration"}]}``."""
        ids = self.instance.node_ids
        return {
            "routes": [
                {
                    "vehicle": k,
                    "visits": [int(ids[v]) for v in st.visits],
                    "load": st.load,
                    "distance": _num(st.distance),
                    "duration": _num(st.duration),
                }
                for k, st in enumerate(self.report.routes)
            ],
            "cost": _num(self.cost),
            "feasible": self.is_feasible,
            "violations": self.violations(),
        }

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
