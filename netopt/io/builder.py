"""Build a routing instance in Python (the reader of data that is not in a file, in the spirit of PyVRP's ``Model``).

Add depots, clients and vehicle types, optionally edges; :meth:`Model.instance` checks everything
and returns a frozen :class:`~netopt.model.RoutingInstance` (depots first, clients in the order
they were added), ready for ``netopt.solve(instance, solver=...)``.

Examples
--------
>>> m = Model()
>>> depot = m.add_depot(0, 0)
>>> for x, y in [(3, 4), (6, 8), (-3, 4)]:
...     _ = m.add_client(x, y, delivery=1)
>>> _ = m.add_vehicle_type(num_available=2, capacity=2, start_depot=depot, fixed_cost=10)
>>> inst = m.instance(name="demo")
>>> inst.num_customers, inst.variant, float(inst.distance[0, 1])
(3, 'hfvrp', 5.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..exceptions import InstanceFormatError
from ..model import RoutingInstance, VehicleType
from ..model.routing import MAX_LOAD_DIMS
from . import distances as D


@dataclass(frozen=True)
class Node:
    """A handle to a depot or client added to a :class:`Model` (``kind`` and its position in that list)."""

    kind: str
    position: int


class Model:
    """Collects depots, clients, vehicle types and edges; see the module docstring."""

    def __init__(self) -> None:
        self._depots: list[dict] = []
        self._clients: list[dict] = []
        self._types: list[dict] = []
        self._edges: dict[tuple[Node, Node], tuple[float, float | None]] = {}

    def add_depot(self, x: float = 0.0, y: float = 0.0, *, tw: tuple[float, float] | None = None) -> Node:
        """A depot at ``(x, y)``, open during ``tw`` (earliest, latest); returns its handle."""
        self._depots.append(dict(x=x, y=y, tw=tw))
        return Node("depot", len(self._depots) - 1)

    def add_client(self, x: float = 0.0, y: float = 0.0, *, delivery: int | Sequence[int] = 0,
                   pickup: int | Sequence[int] = 0, service: float = 0.0, tw: tuple[float, float] | None = None,
                   release: float = 0.0, prize: float = 0.0, required: bool = True) -> Node:
        """A client at ``(x, y)``: amounts delivered and picked up (an int, or one per load dimension
        such as ``[weight, volume]``, as many for every client; 0 is none in every dimension), service
        duration, time window, release time, and for an optional client (``required=False``) the prize
        lost when it is skipped."""
        self._clients.append(dict(x=x, y=y, delivery=delivery, pickup=pickup, service=service, tw=tw,
                                  release=release, prize=prize, required=required))
        return Node("client", len(self._clients) - 1)

    def add_vehicle_type(self, *, capacity: int | Sequence[int], num_available: int | None = None, start_depot: Node | None = None,
                         end_depot: Node | None = None, reload_depots: tuple[Node, ...] = (),
                         allowed_clients: tuple[Node, ...] | None = None, **kwargs) -> int:
        """A vehicle type with ``capacity`` (one value per load dimension when the clients' loads have
        several; the other keyword arguments are :class:`~netopt.model.fleet.VehicleType`'s:
        ``fixed_cost``, ``unit_distance_cost``, ``unit_duration_cost``, ``tw_early``, ``tw_late``,
        ``max_duration``, ``max_distance``, ``max_reloads``, ``name``); returns its index."""
        self._types.append(dict(capacity=capacity, num_available=num_available, start_depot=start_depot,
                                end_depot=end_depot, reload_depots=tuple(reload_depots),
                                allowed_clients=None if allowed_clients is None else tuple(allowed_clients),
                                kwargs=kwargs))
        return len(self._types) - 1

    def add_edge(self, frm: Node, to: Node, distance: float, duration: float | None = None) -> None:
        """The distance (and duration, default the distance) from ``frm`` to ``to``; edges not added are
        Euclidean between the coordinates."""
        self._edges[(frm, to)] = (distance, duration)

    # ------------------------------------------------------------------ build
    def _index(self, node: Node, what: str) -> int:
        if not isinstance(node, Node):
            raise InstanceFormatError("<model>", what, f"expected a node handle from add_depot/add_client, got {node!r}")
        if node.kind == "depot":
            if not 0 <= node.position < len(self._depots):
                raise InstanceFormatError("<model>", what, f"unknown depot {node.position}")
            return node.position
        if not 0 <= node.position < len(self._clients):
            raise InstanceFormatError("<model>", what, f"unknown client {node.position}")
        return len(self._depots) + node.position

    def _load_dims(self) -> int:
        """The clients' load dimensions: the length of their delivery and pickup lists (an int is one
        dimension, 0 any number); a client that disagrees with the first one is an error."""
        first = None
        for k, p in enumerate(self._clients):
            for what in ("delivery", "pickup"):
                v = p[what]
                if isinstance(v, (list, tuple, np.ndarray)):
                    dims = len(v)
                    if not 1 <= dims <= MAX_LOAD_DIMS:
                        raise InstanceFormatError("<model>", f"clients[{k}].{what}",
                                                  f"{dims} values: give 1 to {MAX_LOAD_DIMS} (one per load dimension)")
                elif isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v == 0:
                    continue  # zero in every dimension
                else:
                    dims = 1
                if first is None:
                    first = (dims, k, what)
                elif dims != first[0]:
                    raise InstanceFormatError("<model>", f"clients[{k}].{what}",
                                              f"{dims} load dimension(s), clients[{first[1]}].{first[2]} has "
                                              f"{first[0]} (give every client one value per dimension)")
        return 1 if first is None else first[0]

    @staticmethod
    def _load(v, dims: int):
        """A client's delivery or pickup as the instance holds it: an int, or a list of ``dims``."""
        if isinstance(v, (list, tuple, np.ndarray)):
            return list(v) if dims > 1 else v[0]
        return [v] * dims if dims > 1 else v  # (a 0 in every dimension; else dims is 1)

    def instance(self, name: str = "model", *, rounding: str = "none") -> RoutingInstance:
        """The validated instance; Euclidean distances are rounded by ``rounding`` (``none``, ``nint``,
        ``dimacs``, ``x10``, ``x1000``: see :mod:`netopt.io.distances`)."""
        if not self._depots:
            raise InstanceFormatError("<model>", "depots", "add at least one depot")
        if not self._clients:
            raise InstanceFormatError("<model>", "clients", "add at least one client")
        if not self._types:
            raise InstanceFormatError("<model>", "vehicle_types", "add at least one vehicle type")
        nodes = self._depots + self._clients
        n1, nd = len(nodes), len(self._depots)
        xy = np.array([[p["x"], p["y"]] for p in nodes], dtype=np.float64)
        dist = D.round_distances(D.euclidean(xy), rounding)
        dur = dist.copy()
        for (a, b), (d, t) in self._edges.items():
            i, j = self._index(a, "edge"), self._index(b, "edge")
            dist[i, j] = d
            dur[i, j] = d if t is None else t
        tws = [p["tw"] for p in nodes]
        tw = None
        if any(w is not None for w in tws):
            # a node without a window is open until nothing can still be served: the latest window
            # closing plus one service and one trip back
            horizon = max(float(w[1]) for w in tws if w is not None) + dur.max() + max(p.get("service", 0) for p in nodes)
            tw = np.array([w if w is not None else (0.0, horizon) for w in tws], dtype=np.float64)
        dims = self._load_dims()
        zeros = [0 if dims == 1 else [0] * dims] * nd
        types = []
        for k, t in enumerate(self._types):
            start = 0 if t["start_depot"] is None else self._index(t["start_depot"], f"vehicle_types[{k}].start_depot")
            end = None if t["end_depot"] is None else self._index(t["end_depot"], f"vehicle_types[{k}].end_depot")
            types.append(VehicleType(
                capacity=t["capacity"], num_available=t["num_available"], start_depot=start, end_depot=end,
                reload_depots=tuple(self._index(d, f"vehicle_types[{k}].reload_depots") for d in t["reload_depots"]),
                allowed_clients=None if t["allowed_clients"] is None else tuple(
                    self._index(c, f"vehicle_types[{k}].allowed_clients") for c in t["allowed_clients"]),
                **t["kwargs"]))
        c = self._clients
        return RoutingInstance(
            name=name, distance=dist, duration=dur, coordinates=xy, rounding=rounding if not self._edges else "exact",
            demands=zeros + [self._load(p["delivery"], dims) for p in c],
            pickups=zeros + [self._load(p["pickup"], dims) for p in c],
            service_times=[0.0] * nd + [p["service"] for p in c], time_windows=tw,
            release_times=[0.0] * nd + [p["release"] for p in c], prizes=[0.0] * nd + [p["prize"] for p in c],
            required=[True] * nd + [bool(p["required"]) for p in c], num_depots=nd,
            vehicle_types=tuple(types), source="<model>",
        )
