"""Vehicle-routing instances: one frozen dataclass for CVRP, VRPTW, TSP, asymmetric matrices and the
rich variants (vehicle types, several depots, optional clients with prizes, backhauls, reloads,
release times, site dependence).

Internally nodes ``0..D-1`` are the depots (``D = num_depots``, 1 for a CVRP) and nodes ``D..n``
the clients, in the order of the file. ``node_ids`` maps these indices back to the file's own
ids (VRPLIB: depot 1, customers 2..n+1), which is what route JSON uses; ``.sol`` files use the
internal index. A CVRP or VRPTW is the special case with one depot and one vehicle type built
from ``capacity`` / ``num_vehicles`` / ``max_duration`` / ``max_distance``: every variant goes
through the same fields, the same validator and the same reader.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from ..exceptions import InfeasibleInstanceError, InstanceFormatError
from .distances import PointDistances, keeps_points
from .fleet import VehicleType


#: most load dimensions (weight, volume, pallets, ...) an instance may have
MAX_LOAD_DIMS = 8

#: distance conventions an instance may declare (see :mod:`netopt.io.distances`)
ROUNDINGS = ("nint", "dimacs", "none", "exact", "ceil", "att", "geo", "x10", "x1000")


def _load(a):
    """A load as it reads in messages and summaries: an int, or a tuple of ints per load dimension."""
    a = np.asarray(a)
    return int(a) if a.ndim == 0 else tuple(int(x) for x in a)


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}" + ("" if k == 1 else "s")


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
        Already rounded by the reader's convention (``rounding``). Or a
        :class:`~netopt.model.distances.PointDistances` (large coordinate instances): the same
        entries computed from the points on demand, no dense matrix (:attr:`dense` is False).
    demands
        ``(n+1,)`` int64, ``demands[0] == 0`` (the depot); or ``(n+1, L)`` for loads in ``L >= 2``
        dimensions (weight, volume, ...), each checked against its own capacity.
    capacity
        Vehicle capacity, same unit as ``demands`` (a tuple of ``L`` with several load dimensions).
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
        How distances were rounded: ``"nint"``, ``"dimacs"``, ``"none"``, ``"exact"`` (explicit
        matrix), ``"x10"`` or ``"x1000"`` (PyVRP's scaled integers: every distance and time
        value times 10, truncated, or times 1000, rounded), ``"ceil"``, ``"att"``, ``"geo"``.
    problem
        ``"cvrp"``, ``"vrptw"`` or ``"tsp"``; inferred when omitted. :attr:`variant` names the
        rich variant (``"hfvrp"``, ``"mdvrptw"`` ...) from :attr:`features`.
    source, sha256
        Where the instance came from and the hash of its bytes (for Result provenance).
    num_depots
        ``D``: nodes ``0..D-1`` are depots (demand 0).
    pickups
        ``(n+1,)`` (or ``(n+1, L)``, as ``demands``) amounts picked up at each client and carried back to a depot (backhauls), or ``None``.
    linehauls_first
        VRPB: on every trip all deliveries (linehauls) come before any pickup (backhaul), and a
        trip does not start with a backhaul.
    release_times
        ``(n+1,)`` time from which a client's delivery is at the depot: the trip carrying it
        leaves the depot no earlier; or ``None``.
    prizes, required
        ``(n+1,)`` prize of each client and whether it must be served. An optional client may be
        skipped; the cost then includes its prize. Defaults: all required, no prizes.
    vehicle_types
        The fleet (:class:`~netopt.model.fleet.VehicleType`); ``None`` builds the one type of a
        CVRP from ``capacity``, ``num_vehicles``, ``max_duration`` and ``max_distance``.
    fleet
        ``(V,)`` vehicle type of each vehicle, for files that list vehicles one by one (route ``k``
        of a ``.sol`` is vehicle ``k``); ``None``: vehicles are numbered type by type.

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
    capacity: int | None = None
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
    num_depots: int = 1
    pickups: np.ndarray | None = None
    linehauls_first: bool = False
    release_times: np.ndarray | None = None
    prizes: np.ndarray | None = None
    required: np.ndarray | None = None
    vehicle_types: tuple[VehicleType, ...] | None = None
    fleet: np.ndarray | None = None

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

        lazy = isinstance(self.distance, PointDistances)  # a large coordinate instance: no dense matrix
        dist = self.distance if lazy else matrix("distance", self.distance)
        if lazy and self.rounding not in ("none", dist.rounding):
            raise bad("rounding", f"{self.rounding!r} differs from the distances' {dist.rounding!r}")
        n1 = dist.shape[0]
        same = self.duration is None or self.duration is self.distance
        dur = dist if same else matrix("duration", self.duration)
        if dur.shape != dist.shape:
            raise bad("duration", f"shape {dur.shape} differs from distance {dist.shape}")

        nd = self.num_depots
        if isinstance(nd, bool) or not isinstance(nd, (int, np.integer)) or not 1 <= nd < n1:
            raise bad("num_depots", f"must be an integer in 1..{n1 - 1} (at least one client), got {nd!r}")
        nd = int(nd)

        def amounts(name: str, a, what: str, shape=None) -> np.ndarray:
            try:
                a = np.asarray(a)
            except (TypeError, ValueError):  # (rows of uneven length)
                raise bad(name, "must be one integer per node, or rows of one integer per load dimension") from None
            if a.ndim == 2 and a.shape[1] == 1:
                a = a[:, 0]  # one load dimension
            if shape is not None and a.shape != shape:
                raise bad(name, f"expected shape {shape} (as demands), got {a.shape}")
            if a.shape != (n1,) and not (a.ndim == 2 and a.shape[0] == n1 and 1 <= a.shape[1] <= MAX_LOAD_DIMS):
                raise bad(name, f"expected {n1} values (depots first), or {n1} rows of one value per load dimension "
                                f"(at most {MAX_LOAD_DIMS}), got shape {a.shape}")
            if a.dtype.kind == "f":
                if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
                    raise bad(name, "must be integers (scale fractional units, e.g. kg -> g)")
                if np.any(np.abs(a) > 2.0**53):
                    raise bad(name, "must be integers below 2^53")
            elif a.dtype.kind not in "iub":
                raise bad(name, "must be integers")
            a = a.astype(np.int64)
            rows = a if a.ndim == 2 else a[:, None]
            if np.any(rows < 0):
                i = int(np.argmax((rows < 0).any(1)))
                raise bad(name, f"negative {what} {_load(a[i])} at node {self._id(i)}")
            if np.any(rows[:nd] != 0):
                i = int(np.argmax((rows[:nd] != 0).any(1)))
                raise bad(name, f"depot {what} must be 0, got {_load(a[i])} at depot {self._id(i)}")
            return a

        dem = amounts("demands", self.demands, "demand")
        pick = None if self.pickups is None else amounts("pickups", self.pickups, "pickup", dem.shape)
        dims = 1 if dem.ndim == 1 else dem.shape[1]

        cap = self.capacity
        if cap is not None:
            caps = tuple(cap) if isinstance(cap, (list, tuple, np.ndarray)) else (cap,)
            try:
                ints = tuple(int(c) for c in caps)
            except (TypeError, ValueError, OverflowError):
                raise bad("capacity", f"must be an integer, got {self.capacity!r}") from None
            if len(ints) != dims:
                raise bad("capacity", f"{_count(len(ints), 'value')} for {_count(dims, 'load dimension')} of the demands")
            if ints != caps or min(ints) <= 0:
                raise bad("capacity", f"must be a positive integer (one per load dimension), got {self.capacity!r}")
            cap = ints[0] if dims == 1 else ints
        elif self.vehicle_types is None:
            raise bad("capacity", "missing (give capacity or vehicle_types)")

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

        xy = dist.coordinates if lazy and self.coordinates is None else self.coordinates
        if xy is not None:
            xy = floats("coordinates", xy)
            if xy.shape != (n1, 2):
                raise bad("coordinates", f"expected shape ({n1}, 2), got {xy.shape}")
            if lazy and not np.array_equal(xy, dist.coordinates):
                raise bad("coordinates", "differ from the points the distances are computed from")

        ids = np.arange(1, n1 + 1) if self.node_ids is None else floats("node_ids", self.node_ids)
        if ids.shape != (n1,):
            raise bad("node_ids", f"expected {n1} distinct ids")
        if np.any(ids != np.round(ids)) or np.any(np.abs(ids) > 2.0**53):
            raise bad("node_ids", "must be integers below 2^53")
        ids = ids.astype(np.int64)
        if len(np.unique(ids)) != n1:
            raise bad("node_ids", f"expected {n1} distinct ids")
        if self.rounding not in ROUNDINGS:
            raise bad("rounding", f"unknown convention {self.rounding!r}")
        if lazy:
            object.__setattr__(self, "rounding", dist.rounding)
            if not np.isfinite(dist.longest()):
                raise bad("coordinates", "so large that distances overflow to infinity")

        def per_node(name: str, a) -> np.ndarray | None:
            if a is None:
                return None
            a = floats(name, a)
            if a.shape != (n1,) or not np.all(np.isfinite(a)) or np.any(a < 0):
                raise bad(name, f"expected {n1} finite non-negative values (depots first)")
            return a

        release = per_node("release_times", self.release_times)
        prizes = per_node("prizes", self.prizes)
        req = np.ones(n1, bool) if self.required is None else np.asarray(self.required)
        if req.shape != (n1,) or req.dtype.kind not in "bi" or not np.all((req == 0) | (req == 1)):
            raise bad("required", f"expected {n1} booleans (depots first)")
        req = req.astype(bool)
        req[:nd] = True
        if self.linehauls_first and pick is None:
            raise bad("linehauls_first", "needs pickups (backhaul amounts)")

        types = self.vehicle_types
        if types is None:
            if nd > 1:
                raise bad("vehicle_types", f"{nd} depots need vehicle types saying where each vehicle is based")
            types = (VehicleType(capacity=cap, num_available=nv, max_duration=self.max_duration,
                                 max_distance=self.max_distance),)
        else:
            types = tuple(types)
            if not types or not all(isinstance(t, VehicleType) for t in types):
                raise bad("vehicle_types", "expected a non-empty sequence of VehicleType")
            for k, t in enumerate(types):
                for fld, msg in t.problems(nd, n1):
                    raise bad(f"vehicle_types[{k}].{fld}", msg)
                if len(t.capacities) != dims:
                    raise bad(f"vehicle_types[{k}].capacity",
                              f"{_count(len(t.capacities), 'value')} for {_count(dims, 'load dimension')} of the demands")
            if self.capacity is not None or self.num_vehicles is not None or \
                    self.max_duration is not None or self.max_distance is not None:
                raise bad("capacity", "give capacity, num_vehicles, max_duration and max_distance per vehicle type "
                                      "when vehicle_types is given")
            most = tuple(max(int(t.capacities[j]) for t in types) for j in range(dims))
            if min(most) <= 0:
                raise bad("vehicle_types", "every vehicle type has capacity 0" + (" in some load dimension" if dims > 1 else ""))
            cap = most[0] if dims == 1 else most
            counts = [t.num_available for t in types]
            nv = None if any(c is None for c in counts) else int(sum(counts))
            for fld in ("max_duration", "max_distance"):
                vals = {getattr(t, fld) for t in types}
                object.__setattr__(self, fld, vals.pop() if len(vals) == 1 else None)
        fleet = self.fleet
        if fleet is not None:
            fleet = np.asarray(fleet)
            if fleet.ndim != 1 or fleet.dtype.kind not in "iu" or np.any(fleet < 0) or np.any(fleet >= len(types)):
                raise bad("fleet", f"expected one vehicle type index (0..{len(types) - 1}) per vehicle")
            got = np.bincount(fleet, minlength=len(types))
            for k, t in enumerate(types):
                if t.num_available is None or got[k] != t.num_available:
                    raise bad("fleet", f"lists {got[k]} vehicles of type {k}, the type has {t.num_available}")
            fleet = fleet.astype(np.int64)

        problem = self.problem or self._infer_problem(tw, nv, dem)
        if problem == "tsp" and dims > 1:
            raise bad("problem", "a TSP has no loads (demands in several dimensions given)")
        if problem not in ("cvrp", "vrptw", "tsp"):
            raise bad("problem", f"unknown problem type {problem!r} (cvrp, vrptw, tsp)")

        dist = dist if lazy else _readonly(dist)
        set_ = object.__setattr__
        set_(self, "distance", dist)
        set_(self, "duration", dist if same else _readonly(dur))
        set_(self, "demands", _readonly(dem))
        set_(self, "capacity", cap)
        set_(self, "num_vehicles", nv)
        set_(self, "time_windows", None if tw is None else _readonly(tw))
        set_(self, "service_times", _readonly(st))
        set_(self, "coordinates", None if xy is None else _readonly(xy))
        set_(self, "node_ids", _readonly(ids))
        set_(self, "problem", problem)
        set_(self, "num_depots", nd)
        set_(self, "pickups", None if pick is None or not pick.any() else _readonly(pick))
        set_(self, "linehauls_first", bool(self.linehauls_first))
        set_(self, "release_times", None if release is None or not release.any() else _readonly(release))
        set_(self, "prizes", None if prizes is None else _readonly(prizes))
        set_(self, "required", _readonly(req))
        set_(self, "vehicle_types", types)
        set_(self, "fleet", None if fleet is None else _readonly(fleet))
        if not self.sha256:
            set_(self, "sha256", self._content_hash())

    @classmethod
    def euclidean_tsp(cls, xy, *, name: str, source: str = "<points>", sha256: str = "",
                      dense: bool | None = None) -> "RoutingInstance":
        """A TSP over points with unrounded Euclidean distances (city 0 plays the depot); the distances
        are computed from the points (no n x n matrix) with ``dense=False``, or by default above
        :data:`~netopt.model.distances.DENSE_NODES` cities.

        >>> RoutingInstance.euclidean_tsp([[0, 0], [3, 4], [0, 4]], name="t").distance[0].tolist()
        [0.0, 5.0, 4.0]
        """
        from scipy.spatial.distance import cdist  # no (n, n, 2) temporary: 800 MB, not 2.4 GB, at n = 10,000

        xy = np.asarray(xy, dtype=np.float64)
        n = xy.shape[0]
        dist = PointDistances(xy, "none") if keeps_points(n, dense) else cdist(xy, xy)
        return cls(name=name, distance=dist, demands=np.zeros(n, np.int64), capacity=1, num_vehicles=1,
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
            if isinstance(a, PointDistances):
                h.update(a.coordinates.tobytes() + a.rounding.encode())
            else:
                h.update(np.ascontiguousarray(a).tobytes())
        if self.time_windows is not None:
            h.update(self.time_windows.tobytes())
        h.update(repr((self.capacity, self.num_vehicles, self.max_duration, self.max_distance)).encode())
        if self.features:  # rich variants only, so the hash of a plain CVRP / VRPTW stays as it was
            for a in (self.pickups, self.release_times, self.prizes, self.required, self.fleet):
                h.update(b"-" if a is None else np.ascontiguousarray(a).tobytes())
            h.update(repr((self.num_depots, self.linehauls_first, [t.to_dict() for t in self.vehicle_types])).encode())
        return h.hexdigest()

    # ------------------------------------------------------------------ properties
    @property
    def num_nodes(self) -> int:
        """Depots plus clients."""
        return self.distance.shape[0]

    @property
    def num_customers(self) -> int:
        """Clients (customers), required or optional."""
        return self.distance.shape[0] - self.num_depots

    @property
    def clients(self) -> range:
        """Internal indices of the clients."""
        return range(self.num_depots, self.num_nodes)

    @property
    def dense(self) -> bool:
        """Whether the distances are a dense matrix (False: :class:`~netopt.model.distances.PointDistances`,
        computed from the coordinates on demand)."""
        return not isinstance(self.distance, PointDistances)

    @property
    def is_symmetric(self) -> bool:
        if not self.dense and self.duration is self.distance:
            return True
        return bool(np.array_equal(self.distance, self.distance.T) and np.array_equal(self.duration, self.duration.T))

    @property
    def has_time_windows(self) -> bool:
        return self.time_windows is not None

    @property
    def depot_id(self) -> int:
        return int(self.node_ids[0])

    @property
    def load_dims(self) -> int:
        """Load dimensions: 1, or ``L`` when ``demands`` is ``(n+1, L)``."""
        return 1 if self.demands.ndim == 1 else self.demands.shape[1]

    @property
    def total_demand(self) -> int | tuple[int, ...]:
        """Sum of the deliveries (per load dimension when there are several)."""
        return _load(self.demands.sum(axis=0))

    @property
    def required_load(self) -> int | tuple[int, ...]:
        """Load of the required clients: the larger of their deliveries and their pickups (per load
        dimension when there are several)."""
        req = self.required
        load = self.demands[req].sum(axis=0)
        if self.pickups is not None:
            load = np.maximum(load, self.pickups[req].sum(axis=0))
        return _load(load)

    def load_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """``(deliveries, pickups)`` as ``(n+1, L)`` arrays, a row of loads per node (one column for one
        load dimension; pickups all 0 without backhauls)."""
        dem = self.demands.reshape(self.num_nodes, self.load_dims)
        return dem, (np.zeros_like(dem) if self.pickups is None else self.pickups.reshape(dem.shape))

    def load_ratio(self, capacity) -> float:
        """The required load over ``capacity`` (an int, or one per load dimension) in the tightest
        dimension: the largest ``load / capacity`` over the dimensions with load (infinite when one of
        them has no capacity)."""
        ratio = 0.0
        for q, c in zip(np.atleast_1d(self.required_load), np.atleast_1d(capacity)):
            if q > 0:
                ratio = max(ratio, q / c if c > 0 else math.inf)
        return ratio

    def routes_needed(self, capacity) -> int:
        """Fewest one-trip routes of ``capacity`` (an int, or one per load dimension) that carry the
        required load: ``ceil`` of :meth:`load_ratio` (a huge number when a dimension has load and no
        capacity)."""
        loads = np.atleast_1d(self.required_load)
        caps = np.atleast_1d(capacity)
        return max([0] + [-(-int(q) // int(c)) if c > 0 else (1 << 62) for q, c in zip(loads, caps) if q > 0])

    @property
    def min_vehicles(self) -> int:
        """Lower bound on the number of routes from capacity: ceil(required load / largest capacity)
        (one trip per route; the largest over the load dimensions)."""
        return max(1, self.routes_needed(self.capacity))

    @property
    def features(self) -> tuple[str, ...]:
        """The rich-VRP features this instance uses beyond a CVRP / VRPTW with one vehicle type:
        ``multi_depot``, ``vehicle_types``, ``vehicle_costs``, ``prizes``, ``backhauls`` (pickups),
        ``linehauls_first``, ``release_times``, ``reloads``, ``allowed_clients``, ``shift_windows``,
        ``load_dimensions`` (loads in several dimensions)."""
        cached = self.__dict__.get("_features")
        if cached is not None:
            return cached
        types = self.vehicle_types
        out = []
        if self.num_depots > 1:
            out.append("multi_depot")
        if len(types) > 1:
            out.append("vehicle_types")
        if any((t.fixed_cost, t.unit_distance_cost, t.unit_duration_cost) != (0.0, 1.0, 0.0) for t in types):
            out.append("vehicle_costs")
        if not self.required.all() or (self.prizes is not None and self.prizes.any()):
            out.append("prizes")
        if self.pickups is not None:
            out.append("backhauls")
        if self.linehauls_first:
            out.append("linehauls_first")
        if self.release_times is not None:
            out.append("release_times")
        if any(t.reload_depots for t in types):
            out.append("reloads")
        if any(t.allowed_clients is not None for t in types):
            out.append("allowed_clients")
        if any(t.tw_early is not None or t.tw_late is not None for t in types):
            out.append("shift_windows")
        if self.load_dims > 1:
            out.append("load_dimensions")
        result = tuple(out)
        object.__setattr__(self, "_features", result)
        return result

    @property
    def variant(self) -> str:
        """A short name of the problem: ``cvrp``, ``vrptw``, ``tsp``, or a rich variant such as
        ``hfvrp``, ``mdvrptw``, ``pcvrptw``, ``vrpb``, ``mtvrptwr``, ``sdvrptw`` (a combination is
        named by its parts), with ``-Ldim`` after it for loads in ``L >= 2`` dimensions (``cvrp-2dim``)."""
        f = set(self.features) - {"load_dimensions"}
        dims = f"-{self.load_dims}dim" if self.load_dims > 1 else ""
        if not f:
            return self.problem + dims
        name = ""
        if "multi_depot" in f:
            name += "md"
        kinds = {(t.capacity, t.fixed_cost, t.unit_distance_cost, t.unit_duration_cost) for t in self.vehicle_types}
        if len(kinds) > 1 or "vehicle_costs" in f:
            name += "hf" if "allowed_clients" not in f else ""
        if "allowed_clients" in f:
            name += "sd"
        if "prizes" in f:
            name += "pc"
        if "reloads" in f:
            name += "mt"
        name += "vrp"
        if "backhauls" in f:
            name += "b"
        if self.time_windows is not None:
            name += "tw"
        if "release_times" in f:
            name += "r"
        return name + dims

    def vehicle_type_of(self, vehicle: int) -> int | None:
        """Type index of vehicle number ``vehicle`` (0-based, as route ``k + 1`` of a ``.sol``), or
        ``None`` when the fleet has no such vehicle."""
        if self.fleet is not None:
            return int(self.fleet[vehicle]) if 0 <= vehicle < len(self.fleet) else None
        first = 0
        for k, t in enumerate(self.vehicle_types):
            if t.num_available is None or vehicle < first + t.num_available:
                return k if vehicle >= first else None
            first += t.num_available
        return None

    def vehicles_of_type(self, k: int) -> list[int] | None:
        """Vehicle numbers of type ``k`` in order (``None`` for an unlimited type)."""
        t = self.vehicle_types[k]
        if t.num_available is None:
            return None
        if self.fleet is not None:
            return [int(v) for v in np.flatnonzero(self.fleet == k)]
        first = sum(u.num_available or 0 for u in self.vehicle_types[:k])
        return list(range(first, first + t.num_available))

    def index_of(self, node_id: int) -> int:
        """Internal index of a file node id; raises ``KeyError`` when unknown."""
        lookup = getattr(self, "_index_lookup", None)
        if lookup is None:
            lookup = {int(v): i for i, v in enumerate(self.node_ids)}
            object.__setattr__(self, "_index_lookup", lookup)
        return lookup[int(node_id)]

    # ------------------------------------------------------------------ feasibility
    def check_feasible(self) -> None:
        """Raise :class:`InfeasibleInstanceError` when some required client cannot be served at all.

        Checks each required client alone on one route of each vehicle type that may serve it:
        demand and pickup within capacity, time window reachable from the depot after its release
        time and the depot reachable again before it closes, route limits. With a fixed fleet
        of one type, also the capacity bound ``ceil(total demand / capacity) <= fleet``. This is
        necessary, not sufficient: a fixed fleet can still be too small for time windows.
        """
        src = self.source
        types = self.vehicle_types
        for i in self.clients:
            if not self.required[i]:
                continue
            load = self.demands[i] if self.pickups is None else np.maximum(self.demands[i], self.pickups[i])
            if len(types) == 1 and np.any(load > np.asarray(self.capacity)):
                raise InfeasibleInstanceError(
                    f"{src}: customer {self._id(i)} has demand {_load(load)} above the vehicle capacity {self.capacity}"
                )
            why = ""
            for t in types:
                if not t.may_serve(i):
                    why = why or "no vehicle type may serve it"
                elif np.any(load > np.asarray(t.capacities)):
                    why = why or f"its load {_load(load)} is above the capacity of every vehicle type that may serve it"
                else:
                    why = self._single_route_problem(i, t)
                    if not why:
                        break
            if why:
                raise InfeasibleInstanceError(f"{src}: customer {self._id(i)} cannot be served: {why}")
        if len(types) == 1 and not types[0].reload_depots and self.num_vehicles is not None and \
                self.min_vehicles > self.num_vehicles:
            raise InfeasibleInstanceError(
                f"{src}: total demand {self.total_demand} needs at least {self.min_vehicles} vehicles "
                f"of capacity {self.capacity}, the fleet has {self.num_vehicles}"
            )

    def shift_window(self, t: VehicleType) -> tuple[float, float]:
        """Earliest departure and latest return of vehicle type ``t``: its shift window, else its start
        and end depots' time windows, else 0 and infinity."""
        tw = self.time_windows
        early = t.tw_early if t.tw_early is not None else (tw[t.start_depot, 0] if tw is not None else 0.0)
        late = t.tw_late if t.tw_late is not None else (tw[t.end_depot, 1] if tw is not None else np.inf)
        return float(early), float(late)

    def _single_route_problem(self, i: int, t: VehicleType) -> str:
        d, dur, st = self.distance, self.duration, self.service_times
        s, e = t.start_depot, t.end_depot
        if t.max_distance is not None and d[s, i] + d[i, e] > t.max_distance + 1e-9:
            return f"depot-{self._id(i)}-depot distance {d[s, i] + d[i, e]:g} exceeds the route limit {t.max_distance:g}"
        tw = self.time_windows
        early, late = self.shift_window(t)
        release = 0.0 if self.release_times is None else float(self.release_times[i])
        depart = max(early, release)
        if depart > late + 1e-9:
            return f"its release time {release:g} is after the depot closes ({late:g})"
        arrive = depart + st[s] + dur[s, i]
        if tw is not None and arrive > tw[i, 1] + 1e-9:
            return f"earliest arrival {arrive:g} is after its time window closes ({tw[i, 1]:g})"
        back = max(arrive, 0.0 if tw is None else tw[i, 0]) + st[i] + dur[i, e]
        if back > late + 1e-9:
            return f"earliest return to the depot {back:g} is after the depot closes ({late:g})"
        if t.max_duration is not None and tw is None and back - depart > t.max_duration + 1e-9:
            return f"round trip takes {back - depart:g}, above the route duration limit {t.max_duration:g}"
        return ""

    def describe(self) -> dict:
        """Summary used by ``netopt info``."""
        out = {
            "name": self.name,
            "problem": self.problem,
            "variant": self.variant,
            "features": list(self.features),
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
            "distances": "dense matrix" if self.dense else "from the coordinates (no matrix)",
            "source": self.source,
            "sha256": self.sha256,
        }
        if self.features:
            out["depots"] = self.num_depots
            out["optional_clients"] = int((~self.required[self.num_depots:]).sum())
            out["vehicle_types"] = [
                {"name": t.name or str(k), "count": t.num_available or "unlimited", "capacity": t.capacity,
                 "depot": int(self.node_ids[t.start_depot]), "fixed_cost": t.fixed_cost,
                 "unit_distance_cost": t.unit_distance_cost}
                for k, t in enumerate(self.vehicle_types[:20])
            ]
            if len(self.vehicle_types) > 20:
                out["vehicle_types"].append(f"... {len(self.vehicle_types) - 20} more")
        return out
