"""Vehicle-routing instances: one frozen dataclass for CVRP, VRPTW, TSP and asymmetric matrices.

Internally node 0 is the depot and nodes ``1..n`` are the customers, in the order of the
file. ``node_ids`` maps these indices back to the file's own ids (VRPLIB: depot 1,
customers 2..n+1), which is what route JSON and ``.sol`` files use.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from ..exceptions import InfeasibleInstanceError, InstanceFormatError


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class RoutingInstance:
    """A single-depot vehicle-routing instance with flat NumPy arrays ready for Numba.

    Parameters
    ----------
    name
        Instance name (``NAME`` in VRPLIB).
    distance
        ``(n+1, n+1)`` float64 matrix, row = from, column = to; may be asymmetric.
        Already rounded by the reader's convention (``rounding``).
    demands
        ``(n+1,)`` int64, ``demands[0] == 0`` (the depot).
    capacity
        Vehicle capacity, same unit as ``demands``.
    duration
        ``(n+1, n+1)`` travel-time matrix; defaults to ``distance``.
    num_vehicles
        Fleet size, or ``None`` for an unlimited fleet.
    time_windows
        ``(n+1, 2)`` earliest/latest start of service, or ``None`` (no time windows).
    service_times
        ``(n+1,)`` service durations; defaults to zeros.
    max_duration, max_distance
        Route limits (VRPLIB ``DURATION`` / ``DISTANCE``), or ``None``.
    coordinates
        ``(n+1, 2)`` for plots and Euclidean-only solvers, or ``None``.
    node_ids
        ``(n+1,)`` the file's own node ids; defaults to VRPLIB's ``1..n+1``.
    rounding
        How distances were rounded: ``"nint"``, ``"dimacs"``, ``"none"`` or ``"exact"`` (explicit matrix).
    problem
        ``"cvrp"``, ``"vrptw"`` or ``"tsp"``; inferred when omitted.
    source, sha256
        Where the instance came from and the hash of its bytes (for Result provenance).

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0, 2, 3], [2, 0, 4], [3, 4, 0]], float)
    >>> inst = RoutingInstance("tiny", d, demands=np.array([0, 1, 1]), capacity=2)
    >>> inst.num_customers, inst.problem, inst.is_symmetric
    (2, 'cvrp', True)
    """

    name: str
    distance: np.ndarray
    demands: np.ndarray
    capacity: int
    duration: np.ndarray | None = None
    num_vehicles: int | None = None
    time_windows: np.ndarray | None = None
    service_times: np.ndarray | None = None
    max_duration: float | None = None
    max_distance: float | None = None
    coordinates: np.ndarray | None = None
    node_ids: np.ndarray | None = None
    rounding: str = "none"
    problem: str = ""
    source: str = "<instance>"
    sha256: str = ""

    def __post_init__(self) -> None:
        src = self.source

        def bad(fld: str, msg: str) -> InstanceFormatError:
            return InstanceFormatError(src, fld, msg)

        def floats(name: str, a) -> np.ndarray:
            try:
                return np.array(a, dtype=np.float64)
            except (TypeError, ValueError, OverflowError):
                raise bad(name, "must be numbers") from None

        def matrix(name: str, a) -> np.ndarray:
            try:
                a = np.array(a, dtype=np.float64)
            except (TypeError, ValueError):
                raise bad(name, "must be a numeric matrix") from None
            if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2:
                raise bad(name, f"must be a square matrix with at least 2 nodes, got shape {a.shape}")
            if not np.all(np.isfinite(a)):
                raise bad(name, "contains NaN or infinite values")
            if np.any(a < 0):
                i, j = np.argwhere(a < 0)[0]
                raise bad(name, f"negative value {a[i, j]} from node index {i} to {j}")
            return a

        dist = matrix("distance", self.distance)
        n1 = dist.shape[0]
        dur = dist if self.duration is None else matrix("duration", self.duration)
        if dur.shape != dist.shape:
            raise bad("duration", f"shape {dur.shape} differs from distance {dist.shape}")

        dem = np.asarray(self.demands)
        if dem.shape != (n1,):
            raise bad("demands", f"expected {n1} values (depot first), got shape {dem.shape}")
        if dem.dtype.kind == "f":
            if not np.all(np.isfinite(dem)) or np.any(dem != np.round(dem)):
                raise bad("demands", "must be integers (scale fractional units, e.g. kg -> g)")
            if np.any(np.abs(dem) > 2.0**53):
                raise bad("demands", "must be integers below 2^53")
        elif dem.dtype.kind not in "iub":
            raise bad("demands", "must be integers")
        dem = dem.astype(np.int64)
        if np.any(dem < 0):
            i = int(np.argmax(dem < 0))
            raise bad("demands", f"negative demand {dem[i]} at node {self._id(i)}")
        if dem[0] != 0:
            raise bad("demands", f"depot demand must be 0, got {dem[0]}")
        try:
            cap = int(self.capacity)
        except (TypeError, ValueError, OverflowError):
            raise bad("capacity", f"must be an integer, got {self.capacity!r}") from None
        if cap != self.capacity or cap <= 0:
            raise bad("capacity", f"must be a positive integer, got {self.capacity!r}")

        nv = self.num_vehicles
        if nv is not None:
            try:
                ok = int(nv) == nv and nv >= 1
            except (TypeError, ValueError, OverflowError):
                ok = False
            if not ok:
                raise bad("num_vehicles", f"must be a positive integer or None, got {nv!r}")
            nv = int(nv)

        tw = self.time_windows
        if tw is not None:
            tw = floats("time_windows", tw)
            if tw.shape != (n1, 2):
                raise bad("time_windows", f"expected shape ({n1}, 2), got {tw.shape}")
            if np.any(np.isnan(tw)) or np.any(tw[:, 0] > tw[:, 1]):
                i = int(np.argmax(np.isnan(tw).any(1) | (tw[:, 0] > tw[:, 1])))
                raise bad("time_windows", f"earliest > latest at node {self._id(i)}: {tw[i].tolist()}")
        st = np.zeros(n1) if self.service_times is None else floats("service_times", self.service_times)
        if st.shape != (n1,) or not np.all(np.isfinite(st)) or np.any(st < 0):
            raise bad("service_times", f"expected {n1} finite non-negative values")

        for fld in ("max_duration", "max_distance"):
            v = getattr(self, fld)
            if v is not None and not (np.isfinite(v) and v > 0):
                raise bad(fld, f"must be a positive number, got {v!r}")

        xy = self.coordinates
        if xy is not None:
            xy = floats("coordinates", xy)
            if xy.shape != (n1, 2):
                raise bad("coordinates", f"expected shape ({n1}, 2), got {xy.shape}")

        ids = np.arange(1, n1 + 1) if self.node_ids is None else floats("node_ids", self.node_ids)
        if ids.shape != (n1,):
            raise bad("node_ids", f"expected {n1} distinct ids")
        if np.any(ids != np.round(ids)) or np.any(np.abs(ids) > 2.0**53):
            raise bad("node_ids", "must be integers below 2^53")
        ids = ids.astype(np.int64)
        if len(np.unique(ids)) != n1:
            raise bad("node_ids", f"expected {n1} distinct ids")
        if self.rounding not in ("nint", "dimacs", "none", "exact", "ceil", "att", "geo"):
            raise bad("rounding", f"unknown convention {self.rounding!r}")

        problem = self.problem or self._infer_problem(tw, nv, dem)
        if problem not in ("cvrp", "vrptw", "tsp"):
            raise bad("problem", f"unknown problem type {problem!r} (cvrp, vrptw, tsp)")

        dist = _readonly(dist)
        set_ = object.__setattr__
        set_(self, "distance", dist)
        set_(self, "duration", dist if self.duration is None else _readonly(dur))
        set_(self, "demands", _readonly(dem))
        set_(self, "capacity", cap)
        set_(self, "num_vehicles", nv)
        set_(self, "time_windows", None if tw is None else _readonly(tw))
        set_(self, "service_times", _readonly(st))
        set_(self, "coordinates", None if xy is None else _readonly(xy))
        set_(self, "node_ids", _readonly(ids))
        set_(self, "problem", problem)
        if not self.sha256:
            set_(self, "sha256", self._content_hash())

    @classmethod
    def euclidean_tsp(cls, xy, *, name: str, source: str = "<points>", sha256: str = "") -> "RoutingInstance":
        """A TSP over points with unrounded Euclidean distances (city 0 plays the depot).

        >>> RoutingInstance.euclidean_tsp([[0, 0], [3, 4], [0, 4]], name="t").distance[0].tolist()
        [0.0, 5.0, 4.0]
        """
        from scipy.spatial.distance import cdist  # no (n, n, 2) temporary: 800 MB, not 2.4 GB, at n = 10,000

        xy = np.asarray(xy, dtype=np.float64)
        n = xy.shape[0]
        return cls(name=name, distance=cdist(xy, xy), demands=np.zeros(n, np.int64), capacity=1, num_vehicles=1,
                   coordinates=xy, rounding="none", problem="tsp", source=source, sha256=sha256)

    @staticmethod
    def _infer_problem(tw, nv, dem) -> str:
        if tw is not None:
            return "vrptw"
        if nv == 1 and not np.any(dem):
            return "tsp"
        return "cvrp"

    def _id(self, i: int) -> int:
        ids = self.node_ids
        return int(ids[i]) if ids is not None and i < len(ids) else i + 1

    def _content_hash(self) -> str:
        h = hashlib.sha256()
        for a in (self.distance, self.duration, self.demands, self.service_times):
            h.update(np.ascontiguousarray(a).tobytes())
        if self.time_windows is not None:
            h.update(self.time_windows.tobytes())
        h.update(repr((self.capacity, self.num_vehicles, self.max_duration, self.max_distance)).encode())
        return h.hexdigest()

    # ------------------------------------------------------------------ properties
    @property
    def num_nodes(self) -> int:
        """Depot plus customers."""
        return self.distance.shape[0]

    @property
    def num_customers(self) -> int:
        return self.distance.shape[0] - 1

    @property
    def is_symmetric(self) -> bool:
        return bool(np.array_equal(self.distance, self.distance.T) and np.array_equal(self.duration, self.duration.T))

    @property
    def has_time_windows(self) -> bool:
        return self.time_windows is not None

    @property
    def depot_id(self) -> int:
        return int(self.node_ids[0])

    @property
    def total_demand(self) -> int:
        return int(self.demands.sum())

    @property
    def min_vehicles(self) -> int:
        """Lower bound on the number of routes from capacity (ceil(total demand / capacity))."""
        return max(1, -(-self.total_demand // self.capacity))

    def index_of(self, node_id: int) -> int:
        """Internal index of a file node id; raises ``KeyError`` when unknown."""
        lookup = getattr(self, "_index_lookup", None)
        if lookup is None:
            lookup = {int(v): i for i, v in enumerate(self.node_ids)}
            object.__setattr__(self, "_index_lookup", lookup)
        return lookup[int(node_id)]

    # ------------------------------------------------------------------ feasibility
    def check_feasible(self) -> None:
        """Raise :class:`InfeasibleInstanceError` when some customer cannot be served at all.

        Checks each customer alone on its own route: demand within capacity, time window
        reachable from the depot and the depot reachable again before it closes, route limits.
        With a fixed fleet, also the capacity bound ``ceil(total demand / capacity) <= fleet``.
        This is necessary, not sufficient: a fixed fleet can still be too small for time windows.
        """
        src = self.source
        for i in range(1, self.num_nodes):
            if self.demands[i] > self.capacity:
                raise InfeasibleInstanceError(
                    f"{src}: customer {self._id(i)} has demand {self.demands[i]} above the vehicle capacity {self.capacity}"
                )
            why = self._single_route_problem(i)
            if why:
                raise InfeasibleInstanceError(f"{src}: customer {self._id(i)} cannot be served: {why}")
        if self.num_vehicles is not None and self.min_vehicles > self.num_vehicles:
            raise InfeasibleInstanceError(
                f"{src}: total demand {self.total_demand} needs at least {self.min_vehicles} vehicles "
                f"of capacity {self.capacity}, the fleet has {self.num_vehicles}"
            )

    def _single_route_problem(self, i: int) -> str:
        d, t, st = self.distance, self.duration, self.service_times
        if self.max_distance is not None and d[0, i] + d[i, 0] > self.max_distance + 1e-9:
            return f"depot-{self._id(i)}-depot distance {d[0, i] + d[i, 0]:g} exceeds the route limit {self.max_distance:g}"
        if self.time_windows is None:
            if self.max_duration is not None:
                dur = t[0, i] + st[0] + st[i] + t[i, 0]
                if dur > self.max_duration + 1e-9:
                    return f"round trip takes {dur:g}, above the route duration limit {self.max_duration:g}"
            return ""
        tw = self.time_windows
        arrive = tw[0, 0] + st[0] + t[0, i]
        if arrive > tw[i, 1] + 1e-9:
            return f"earliest arrival {arrive:g} is after its time window closes ({tw[i, 1]:g})"
        back = max(arrive, tw[i, 0]) + st[i] + t[i, 0]
        if back > tw[0, 1] + 1e-9:
            return f"earliest return to the depot {back:g} is after the depot closes ({tw[0, 1]:g})"
        return ""

    def describe(self) -> dict:
        """Summary used by ``netopt info``."""
        return {
            "name": self.name,
            "problem": self.problem,
            "customers": self.num_customers,
            "capacity": self.capacity,
            "total_demand": self.total_demand,
            "min_vehicles": self.min_vehicles,
            "fleet": "unlimited" if self.num_vehicles is None else self.num_vehicles,
            "symmetric": self.is_symmetric,
            "time_windows": self.has_time_windows,
            "max_duration": self.max_duration,
            "max_distance": self.max_distance,
            "rounding": self.rounding,
            "coordinates": self.coordinates is not None,
            "source": self.source,
            "sha256": self.sha256,
        }
