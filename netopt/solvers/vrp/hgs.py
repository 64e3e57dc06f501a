"""Hybrid genetic search (HGS) for CVRP, VRPTW and TSP, in the style of HGS-CVRP (Vidal 2022).

Overview
--------
* **Chromosome**: a giant tour (permutation of the customers), cut into routes by an exact
  :func:`~netopt.solvers.vrp._kernels.split` (shortest path over cut points, with a limited-fleet
  version when the fleet is fixed).
* **Education**: granular local search (relocate, swap, 2-opt, 2-opt*, SWAP*) on the penalised
  cost ``distance + w_load * excess load + w_time * (time warp + excess duration/distance)``,
  with O(1) route concatenation of time-window segments. Infeasible offspring are repaired with
  probability ``repair_probability`` by a second local search with ten times the penalties.
* **Penalties** adapt every 100 offspring so that about ``target_feasible`` of them are
  feasible for load and for time.
* **Population**: a feasible and an infeasible subpopulation, each trimmed from
  ``population_size + generation_size`` to ``population_size`` by biased fitness (rank of cost
  plus rank of diversity, the average broken-pairs distance to the ``nb_close`` closest); parents
  by binary tournament; OX crossover; restart after ``restart_after`` offspring without an
  improvement of the run's best.

All inner loops are Numba kernels in :mod:`netopt.solvers.vrp._kernels`; this module only
orchestrates. Randomness comes from one ``numpy.random.Generator(seed)`` which hands a seed to
every kernel call, so the same seed and ``max_iterations`` give the same result.

Examples
--------
>>> import numpy as np
>>> from netopt.model import RoutingInstance
>>> xy = np.random.default_rng(1).uniform(0, 100, (9, 2))
>>> d = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
>>> inst = RoutingInstance("demo", d, np.array([0] + [1] * 8), capacity=3, coordinates=xy)
>>> res = HGS().solve(inst, time_limit=60, seed=0, max_iterations=50, population_size=5)
>>> res.solution["feasible"], len(res.solution["routes"]) >= 3, "compile_s" in res.extra
(True, True, True)
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...exceptions import UnsupportedInstanceError
from ...validate import check_routes
from ...params import Param, ParamSpace
from ..base import SearchState, Solver
from ..registry import register
from . import _kernels as K

_FEAS_TOL = 1e-9
_warm = False


def warm_up() -> float:
    """Compile (or load from the Numba cache) every kernel on a tiny instance; returns seconds spent.

    The first call in a process pays the compilation (tens of seconds without a cache, well under
    a second with it); later calls return 0.
    """
    global _warm
    if _warm:
        return 0.0
    t = time.perf_counter()
    from ...model import RoutingInstance

    xy = np.random.default_rng(0).uniform(0, 10, (6, 2))
    d = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    data = _Data(RoutingInstance("warm", d, np.array([0, 1, 1, 1, 1, 1]), capacity=3, coordinates=xy), 4)
    prm = data.prm(1.0, 1.0)
    kd = data.kd
    tour = np.arange(1, 6, dtype=np.int64)
    routes, rlen, _ = K.split(tour, 3, kd, prm, 1.5)
    K.split(tour, 2, kd, prm, 1.5)
    K.local_search(routes, rlen, kd, prm, data.neigh, data.ncnt, data.angle, 1, True, 100)
    K.evaluate_routes(routes, rlen, kd, prm)
    s, p = K.succ_pred(routes, rlen, 6)
    K.broken_pairs(s, p, s, p)
    K.ox_crossover(tour, tour[::-1].copy(), 1)
    _warm = True
    return time.perf_counter() - t


class _Data:
    """Kernel-ready arrays of one instance (service times folded into ``tt``) and of the search's
    route slots: ``slot_types[r]`` is the vehicle type of slot ``r``, the slots of one type
    contiguous (default: one type, a slot per client, which covers any fleet of a one-type
    instance)."""

    def __init__(self, inst, granular: int, slot_types=None, reload_nodes: int = 0):
        self.nd = nd = inst.num_depots
        # multi-trip routes: ``reload_nodes`` copies of each reload depot after the clients, which the
        # search inserts, moves and removes as optional clients (``depot_of``: the depot each copies)
        self.trips = bool(reload_nodes) or inst.release_times is not None
        reload = sorted({d for t in inst.vehicle_types for d in t.reload_depots}) if reload_nodes else []
        self.depot_of = np.r_[np.full(inst.num_nodes, -1), np.repeat(reload, reload_nodes)].astype(np.int64)
        src = np.r_[np.arange(inst.num_nodes), np.repeat(reload, reload_nodes)].astype(np.int64)
        n1 = len(src)
        self.n = n1 - 1  # the largest node index (clients are nd..n)

        def nodes(a, copy=True):  # per-node figures of the instance for the search's nodes: float64, C order,
            a = np.asarray(a, dtype=np.float64)  # writable (Numba types read-only arrays apart)
            if reload:
                return np.ascontiguousarray(a[np.ix_(src, src)] if a.ndim == 2 else a[src])
            return np.array(a, order="C") if copy else np.ascontiguousarray(a)

        self.dist = nodes(inst.distance)
        self.tt = nodes(inst.service_times[:, None] + inst.duration, copy=False)  # (a new array already)
        if inst.time_windows is not None:
            self.tw_e = nodes(inst.time_windows[:, 0])
            self.tw_l = nodes(inst.time_windows[:, 1])
        else:
            self.tw_e = np.zeros(n1)
            self.tw_l = np.full(n1, K.BIG)
        # load dimension 1 (``dem``, ``pick``) and the others (``dem_x``, ``pick_x``: K.MD_EXTRA columns)
        dims = inst.load_dims
        loads, picks = inst.load_rows()
        self.dem = nodes(loads[:, 0])
        self.pick = nodes(picks[:, 0])
        self.dem_x = np.zeros((n1, K.MD_EXTRA))
        self.pick_x = np.zeros((n1, K.MD_EXTRA))
        for j in range(1, min(dims, K.MD_EXTRA + 1)):
            self.dem_x[:, j - 1] = nodes(loads[:, j])
            self.pick_x[:, j - 1] = nodes(picks[:, j])
        self.release = np.zeros(n1) if inst.release_times is None else nodes(inst.release_times)
        self.src = src
        self.slot_types = (np.zeros(n1, np.int64) if slot_types is None
                           else np.asarray(slot_types, np.int64))
        self.cls, self.allow = self._vehicle_classes(inst)
        self.neigh, self.ncnt = self._neighbours(inst, granular)  # (from the distances before any arc is forbidden)
        self.maxd = float(self.dist.max()) if self.dist.size else 0.0
        self.arc_big = self._forbid_arcs(inst)
        self.kd = self._kernel_data(inst)
        self.base = np.zeros(K.N_PRM)  # prm without the penalties
        self.base[K.P_SYMMETRIC] = 1.0 if np.array_equal(self.dist, self.dist.T) else 0.0
        self.coords = None if inst.coordinates is None else np.asarray(inst.coordinates, np.float64)[src]
        if self.coords is not None:
            dx = self.coords[:, 0] - self.coords[0, 0]
            dy = self.coords[:, 1] - self.coords[0, 1]
            ang = np.arctan2(dy, dx)
            self.angle = (np.floor((ang + math.pi) / (2 * math.pi) * 65536).astype(np.int64)) % 65536
        else:
            self.angle = np.zeros(n1, np.int64)

    def _forbid_arcs(self, inst) -> float:
        """VRPB's precedence as PyVRP's reader models it: an arc that would put a linehaul (or any
        client that is not a pure backhaul) after a backhaul, or a pure backhaul first, is
        forbidden by adding ``arc_big`` to its distance. ``arc_big`` is a power of two above 1,000
        times the longest possible route (so every sum stays exact for integer distances, and a
        route at least that long is known to use a forbidden arc); ``K.BIG`` when nothing is forbidden."""
        if not inst.linehauls_first:
            return K.BIG
        pick, dem = self.pick, self.dem
        back = pick > 0
        pure = back & (dem == 0)
        after_back = ~pure  # the clients that may not follow a backhaul
        after_back[:self.nd] = False
        after_back[self.depot_of >= 0] = False
        longest = float(self.dist.max(axis=1).sum()) if self.dist.size else 0.0
        big = 2.0 ** math.ceil(math.log2(1000.0 * max(longest, 1.0)))
        self.dist[np.ix_(back, after_back)] += big
        self.dist[np.ix_((self.depot_of >= 0) | (np.arange(self.n + 1) < self.nd), pure)] += big  # (reloads too)
        return big

    def _vehicle_classes(self, inst) -> tuple[list[int], np.ndarray]:
        """Vehicle classes = distinct (allowed clients, reload depots), one bit each: the class of each
        vehicle type, and ``allow``, the bits of the classes that may serve each node (all bits set
        without site dependence): site dependence, and which vehicles may reload at the depot a reload
        node copies."""
        types = inst.vehicle_types
        n1, nc = self.n + 1, inst.num_nodes  # the search's nodes; the instance's (reload nodes follow them)
        classes: dict = {}
        cls = [classes.setdefault((t.allowed_clients, t.reload_depots), len(classes)) for t in types]
        if len(classes) > 52:
            raise UnsupportedInstanceError(f"{inst.name}: more than 52 distinct allowed-client sets among its vehicle "
                                           "types")
        allow = np.full(n1, -1, np.int64)
        if any(t.allowed_clients is not None for t in types):
            allow[self.nd:nc] = 0
            for (key, _), bit in classes.items():
                if key is None:
                    allow[self.nd:nc] |= 1 << bit
                else:
                    allow[np.asarray(key, np.int64)] |= 1 << bit
        copies = np.flatnonzero(self.depot_of >= 0)
        if copies.size and len({rel for _, rel in classes}) > 1:
            allow[copies] = 0
            for (_, rel), bit in classes.items():
                for dep in rel:
                    allow[copies[self.depot_of[copies] == dep]] |= 1 << bit
        return cls, allow

    def _kernel_data(self, inst) -> K.KernelData:
        """:class:`~netopt.solvers.vrp._kernels.KernelData` of the instance and the slots
        (:class:`~netopt.solvers.vrp._kernels.KernelDataMT` for multi-trip routes,
        :class:`~netopt.solvers.vrp._kernels.KernelDataMD` for loads in several dimensions)."""
        types = inst.vehicle_types
        n1, nc = self.n + 1, inst.num_nodes  # the search's nodes; the instance's (reload nodes follow them)
        allow, cls = self.allow, self.cls
        st = self.slot_types
        shift = np.array([inst.shift_window(t) for t in types], np.float64).reshape(-1, 2)
        shift[~np.isfinite(shift)] = K.BIG

        def limit(v):
            return K.BIG if v is None else float(v)

        rf = np.array([[shift[k, 0], shift[k, 1], t.capacities[0], limit(t.max_duration), limit(t.max_distance),
                        t.fixed_cost, t.unit_distance_cost, t.unit_duration_cost, limit(t.max_reloads)]
                       for k, t in enumerate(types)], np.float64)
        ri = np.array([[t.start_depot, t.end_depot, cls[k], k] for k, t in enumerate(types)], np.int64)
        counts = np.bincount(st, minlength=len(types))
        optional = np.ones(n1, bool)  # (the reload nodes too)
        optional[:nc] = ~np.asarray(inst.required, bool)
        optional[:self.nd] = False
        prize = np.zeros(n1)
        if inst.prizes is not None:
            prize[:nc] = inst.prizes
        prize[~optional] = 0.0
        fields = (self.dist, self.tt, self.tw_e, self.tw_l, self.dem, self.pick, allow, prize, optional, self.nd,
                  self.arc_big, np.ascontiguousarray(rf[st]), np.ascontiguousarray(ri[st]),
                  np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
        if self.trips:
            return K.KernelDataMT(*fields, self.release, self.depot_of, float(types[0].capacity))
        if inst.load_dims == 1:
            return K.KernelData(*fields)
        cap_x = np.full((len(types), K.MD_EXTRA), K.BIG)
        for k, t in enumerate(types):
            cap_x[k, :len(t.capacities) - 1] = t.capacities[1:K.MD_EXTRA + 1]
        return K.KernelDataMD(*fields, self.dem_x, self.pick_x, np.ascontiguousarray(cap_x[st]))

    def initial_load_penalty(self) -> float:
        """Starting cost per unit of excess load: the largest arc cost (at the largest unit distance
        cost) over the largest demand, clipped to [0.1, 1000] arc costs, and never below the largest
        fixed cost per unit of capacity (else overloading a vehicle is cheaper than using another)."""
        kd = self.kd
        unit = float(kd.rf[:, K.RF_UDIST].max())
        maxd = self.maxd * unit if self.dist.size else 1.0
        maxdem = max(float(self.dem.max()), float(self.pick.max()), float(self.dem_x.max()), float(self.pick_x.max()))
        pc = max(0.1, min(1000.0 * max(unit, 1.0), maxd / maxdem)) if maxdem > 0 else 1.0
        per_unit = kd.rf[:, K.RF_FIXED] / np.maximum(kd.rf[:, K.RF_CAP], 1.0)
        return max(pc, float(per_unit.max()))

    def initial_time_penalty(self) -> float:
        """Starting cost per unit of time violation: 1, or the largest unit distance or duration cost."""
        return max(1.0, float(self.kd.rf[:, K.RF_UDIST].max()), float(self.kd.rf[:, K.RF_UDUR].max()))

    def prm(self, pc: float, ptw: float) -> np.ndarray:
        """Penalty parameters: ``pc`` per unit of excess load, ``ptw`` per unit of time violation."""
        prm = self.base.copy()
        prm[K.P_LOAD_PENALTY] = pc
        prm[K.P_TIME_PENALTY] = ptw
        return prm

    def _neighbours(self, inst, granular: int):
        """Granular neighbourhoods: the ``granular`` closest customers, made symmetric.

        Closeness is the distance plus, with time windows, the waiting time (weight 0.2) and
        time warp (weight 1) of going from one to the other (as PyVRP), symmetrised by the minimum.
        Two clients that no vehicle type may serve both (site dependence) are never neighbours: no
        route may hold them together, and the moves that would place one beside the other only cost
        time.
        """
        n1 = self.n + 1
        nd = self.nd
        prox = self.dist.copy()
        if inst.time_windows is not None:
            e, l, tt = self.tw_e, self.tw_l, self.tt
            wait = np.maximum(e[None, :] - tt - l[:, None], 0.0)
            warp = np.maximum(e[:, None] + tt - l[None, :], 0.0)
            prox = prox + 0.2 * wait + warp
        prox = np.minimum(prox, prox.T)
        if any(t.allowed_clients is not None for t in inst.vehicle_types):
            nc = inst.num_nodes  # (reload nodes, after them, are in no list)
            a = self.allow[:nc]
            prox[:nc, :nc][(a[:, None] & a[None, :]) == 0] = np.inf
        copy = self.depot_of >= 0  # reload nodes: their lists are their depot's closest clients, in no list
        g = min(granular, n1 - nd - 1 - int(copy.sum()))
        sets = [set() for _ in range(n1)]
        if g > 0:
            for i in range(nd, n1):
                row = prox[i].copy()
                row[:nd] = np.inf
                row[i] = np.inf
                row[copy] = np.inf
                idx = np.argsort(row, kind="stable")[:g]
                for j in idx[np.isfinite(row[idx])]:
                    sets[i].add(int(j))
                    if not copy[i]:
                        sets[int(j)].add(i)
        deg = max(1, max(len(s) for s in sets))
        neigh = np.zeros((n1, deg), np.int64)
        ncnt = np.zeros(n1, np.int64)
        for i in range(nd, n1):
            lst = sorted(sets[i], key=lambda j: (prox[i, j], j))
            neigh[i, : len(lst)] = lst
            ncnt[i] = len(lst)
        return neigh, ncnt


def _route_arrays(routes: list, slots: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Kernel form of routes: ``(slots, n + 2)`` visits after a depot column, and route lengths."""
    arr = np.zeros((slots, n + 2), np.int64)
    rlen = np.zeros(slots, np.int64)
    for r, route in enumerate(routes):
        arr[r, 1:len(route) + 1] = route
        rlen[r] = len(route)
    return arr, rlen


def polish_routes(instance, routes: list[list[int]], seed: int = 0, granular: int = 20) -> list[list[int]]:
    """HGS's granular local search (relocate, swap, 2-opt, 2-opt*, SWAP*) on given routes, with
    prohibitive penalties so that a feasible solution stays feasible; returns the improved routes.

    >>> from netopt.solvers.nco.generate import sample_instance
    >>> from netopt.validate import check_routes
    >>> inst = sample_instance(30, seed=2)
    >>> start = [[i] for i in range(1, 31)]
    >>> better = polish_routes(inst, start, seed=0)
    >>> check_routes(inst, better).feasible, check_routes(inst, better).cost < check_routes(inst, start).cost
    (True, True)
    """
    warm_up()
    nv = instance.num_vehicles
    k = len(routes) + 1 if nv is None else max(nv, len(routes))
    d = _Data(instance, granular, np.zeros(k, np.int64))
    arr, rlen = _route_arrays(routes, k, d.n)
    K.local_search(arr, rlen, d.kd, d.prm(1e9, 1e9), d.neigh, d.ncnt, d.angle, int(seed), True, 1000)
    return [arr[r, 1:rlen[r] + 1].tolist() for r in range(k) if rlen[r] > 0]


class _Individual:
    __slots__ = ("tour", "routes", "dist", "load_ex", "time_viol", "succ", "pred")

    @property
    def feasible(self) -> bool:
        return self.load_ex <= 0.0 and self.time_viol <= _FEAS_TOL

    def penalized(self, pc: float, ptw: float) -> float:
        return self.dist + pc * self.load_ex + ptw * self.time_viol


class _SubPop:
    """A subpopulation with its broken-pairs distance matrix and cached biased fitness."""

    def __init__(self, capacity: int):
        self.inds: list[_Individual] = []
        self.D = np.zeros((capacity, capacity))
        self.fit: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.inds)

    def add(self, ind: _Individual) -> None:
        m = len(self.inds)
        for k, other in enumerate(self.inds):
            d = K.broken_pairs(ind.succ, ind.pred, other.succ, other.pred)
            self.D[m, k] = self.D[k, m] = d
        self.D[m, m] = 0.0
        self.inds.append(ind)
        self.fit = None

    def remove(self, k: int) -> None:
        m = len(self.inds) - 1
        if k != m:
            self.inds[k] = self.inds[m]
            self.D[k, :m + 1] = self.D[m, :m + 1]
            self.D[:m + 1, k] = self.D[:m + 1, m]
            self.D[k, k] = 0.0
        self.inds.pop()
        self.fit = None

    def _closest_mean(self, nb_close: int) -> np.ndarray:
        m = len(self.inds)
        D = self.D[:m, :m].copy()
        np.fill_diagonal(D, np.inf)
        c = min(nb_close, m - 1)
        return np.sort(D, axis=1)[:, :c].mean(axis=1)

    def biased_fitness(self, pc: float, ptw: float, nb_elite: int, nb_close: int) -> np.ndarray:
        if self.fit is not None:
            return self.fit
        m = len(self.inds)
        if m <= 1:
            self.fit = np.zeros(m)
            return self.fit
        cost = np.array([x.penalized(pc, ptw) for x in self.inds])
        div = self._closest_mean(nb_close)
        fit_rank = np.empty(m)
        fit_rank[np.argsort(cost, kind="stable")] = np.arange(m) / (m - 1)
        div_rank = np.empty(m)
        div_rank[np.argsort(-div, kind="stable")] = np.arange(m) / (m - 1)
        if m <= nb_elite:
            self.fit = fit_rank
        else:
            self.fit = fit_rank + (1.0 - nb_elite / m) * div_rank
        return self.fit

    def remove_worst(self, pc: float, ptw: float, nb_elite: int, nb_close: int) -> None:
        """Drop a clone if any (never the best-cost individual), else the worst biased fitness."""
        fit = self.biased_fitness(pc, ptw, nb_elite, nb_close)
        m = len(self.inds)
        cost = np.array([x.penalized(pc, ptw) for x in self.inds])
        best = int(np.argmin(cost))
        D = self.D[:m, :m].copy()
        np.fill_diagonal(D, np.inf)
        clone = D.min(axis=1) < 1e-9
        worst, worst_key = -1, None
        for i in range(m):
            if i == best:
                continue
            key = (bool(clone[i]), float(fit[i]))
            if worst_key is None or key > worst_key:
                worst, worst_key = i, key
        self.remove(worst)


class _Penalties:
    """Penalty weights of excess load and of time violations, adapted every 100 offspring so that
    about ``target`` of the educated offspring are feasible for load and for time."""

    def __init__(self, load: float, time: float, target: float):
        self.load, self.time, self.target = load, time, target
        self._load_ok: list[bool] = []
        self._time_ok: list[bool] = []

    def record(self, ind: _Individual) -> None:
        self._load_ok.append(ind.load_ex <= 0.0)
        self._time_ok.append(ind.time_viol <= _FEAS_TOL)

    def _adapted(self, pen: float, flags: list[bool]) -> float:
        if not flags:
            return pen
        frac = sum(flags) / len(flags)
        if frac < self.target - 0.05:
            pen = min(pen * 1.2, 1e5)
        elif frac > self.target + 0.05:
            pen = max(pen * 0.85, 0.1)
        return pen

    def adapt(self) -> None:
        self.load = self._adapted(self.load, self._load_ok)
        self.time = self._adapted(self.time, self._time_ok)
        self._load_ok.clear()
        self._time_ok.clear()


class _Population:
    """Feasible and infeasible subpopulations with survivor selection and binary tournaments."""

    def __init__(self, params):
        self.p = params
        self.reset()

    def reset(self) -> None:
        cap = self.p.population_size + self.p.generation_size + 2
        self.feas, self.infeas = _SubPop(cap), _SubPop(cap)

    def __len__(self) -> int:
        return len(self.feas) + len(self.infeas)

    def add(self, ind: _Individual, pen: _Penalties) -> None:
        """Insert ``ind``; past mu + lambda individuals, trim its subpopulation back to mu."""
        p = self.p
        sub = self.feas if ind.feasible else self.infeas
        sub.add(ind)
        if len(sub) > p.population_size + p.generation_size:
            while len(sub) > p.population_size:
                sub.remove_worst(pen.load, pen.time, p.nb_elite, p.nb_close)

    def penalties_changed(self) -> None:
        self.infeas.fit = None  # the infeasible individuals' penalised costs moved

    def tournament(self, pen: _Penalties, rng: np.random.Generator) -> _Individual:
        p = self.p
        nf, ni = len(self.feas), len(self.infeas)
        pick = []
        for _ in range(2):
            k = int(rng.integers(nf + ni))
            sub, i = (self.feas, k) if k < nf else (self.infeas, k - nf)
            f = sub.biased_fitness(pen.load, pen.time, p.nb_elite, p.nb_close)
            pick.append((f[i], sub.inds[i]))
        return pick[0][1] if pick[0][0] <= pick[1][0] else pick[1][1]


def _fleet(inst, data: _Data) -> int:
    """Route slots of the search: the fleet when it is fixed, else a generous estimate."""
    n = data.n
    if inst.num_vehicles is not None:
        return int(min(inst.num_vehicles, n))
    k = math.ceil(1.3 * inst.min_vehicles) + 3
    if data.trips:  # (no split of multi-trip routes)
        return int(min(k, inst.num_customers))
    if inst.time_windows is not None or inst.max_duration is not None or inst.max_distance is not None:
        # estimate the routes time/route limits force: split the deadline order with stiff penalties
        order = np.argsort(data.tw_l[data.nd:], kind="stable").astype(np.int64) + data.nd
        prm = data.prm(1e4, 1e4)
        _, rlen, _ = K.split(order, n, data.kd, prm, 1.0)
        k = max(k, math.ceil(1.3 * int(np.count_nonzero(rlen))) + 3)
    return int(min(k, n))


class _Phases:
    """Seconds spent per phase of one search, reported as ``Result.extra["phase_s"]`` (the profile
    that says where a search's time goes: kernels, population management, Python between them).

    ``with phases("split"): ...`` adds the block's wall time to that phase."""

    NAMES = ("parents", "split", "local_search", "repair", "evaluate", "population", "offer")

    def __init__(self):
        self.seconds = dict.fromkeys(self.NAMES, 0.0)
        self._name, self._t = "", 0.0

    def __call__(self, name: str) -> "_Phases":
        self._name = name
        return self

    def __enter__(self) -> None:
        self._t = time.perf_counter()

    def __exit__(self, *exc) -> None:
        self.seconds[self._name] += time.perf_counter() - self._t

    def report(self, total: float) -> dict[str, float]:
        out = {k: round(v, 4) for k, v in self.seconds.items()}
        out["other"] = round(max(total - sum(self.seconds.values()), 0.0), 4)
        return out


class _Run:
    """One search: everything that changes while HGS runs (so a solver object can run many)."""

    def __init__(self, instance, state: SearchState, params, seed: int):
        self.inst, self.state, self.p = instance, state, params
        self.rng = np.random.default_rng(seed)
        self.data = d = _Data(instance, params.granular)
        self.slots = _fleet(instance, d)
        self.pen = _Penalties(d.initial_load_penalty(), d.initial_time_penalty(), params.target_feasible)
        self.pop = _Population(params)
        self.count = 0
        self.edu_time = 0.0  # moving average of one education, in seconds
        self.run_best = math.inf
        self.no_improve = 0
        self.phases = _Phases()

    # ------------------------------------------------------------------ individuals
    def _make(self, routes: np.ndarray, rlen: np.ndarray, prm: np.ndarray) -> _Individual:
        d = self.data
        dist, le, tv, _ = K.evaluate_routes(routes, rlen, d.kd, prm)
        lst = [routes[r, 1:rlen[r] + 1].copy() for r in range(routes.shape[0]) if rlen[r] > 0]
        if d.coords is not None and len(lst) > 1:
            c0 = d.coords[0]
            ang = [math.atan2(*(d.coords[r].mean(axis=0) - c0)[::-1]) for r in lst]
            lst = [lst[i] for i in np.argsort(ang, kind="stable")]
        ind = _Individual()
        ind.tour = np.concatenate(lst).astype(np.int64) if lst else np.zeros(0, np.int64)
        ind.routes = lst
        ind.dist, ind.load_ex, ind.time_viol = float(dist), float(le), float(tv)
        ind.succ, ind.pred = K.succ_pred(routes, rlen, d.n + 1)
        return ind

    def _ls(self, routes, rlen, prm) -> None:
        d = self.data
        K.local_search(routes, rlen, d.kd, prm, d.neigh, d.ncnt, d.angle, int(self.rng.integers(2**31)),
                       bool(self.p.swap_star), 1000)

    def _time_left(self) -> bool:
        """False once stopped, or when less than half an average education is left: one education
        cannot be interrupted, so starting it then would overrun the time limit."""
        st = self.state
        if st.should_stop():
            return False
        if st.remaining() < 0.5 * self.edu_time:
            st.timed_out = True
            return False
        return True

    def _educate(self, tour: np.ndarray | None, routes=None, rlen=None) -> list[_Individual]:
        """Split (unless routes are given), local search, and maybe repair; returns 1 or 2 individuals."""
        start = time.perf_counter()
        try:
            d, ph = self.data, self.phases
            prm = d.prm(self.pen.load, self.pen.time)
            if routes is None:
                with ph("split"):
                    routes, rlen, _ = K.split(tour, self.slots, d.kd, prm, 1.5)
            with ph("local_search"):
                self._ls(routes, rlen, prm)
            with ph("evaluate"):
                ind = self._make(routes, rlen, prm)
            self.pen.record(ind)
            out = [ind]
            if not ind.feasible and self.rng.random() < self.p.repair_probability:
                with ph("repair"):
                    prm10 = d.prm(self.pen.load * 10, self.pen.time * 10)
                    r2, l2 = routes.copy(), rlen.copy()
                    self._ls(r2, l2, prm10)
                    rep = self._make(r2, l2, prm)
                if rep.feasible:
                    out.append(rep)
            return out
        finally:
            self.edu_time = 0.8 * self.edu_time + 0.2 * (time.perf_counter() - start)

    def _add_all(self, inds: list[_Individual]) -> None:
        """Insert educated offspring, offer a new best to the caller, count one offspring."""
        for ind in inds:
            with self.phases("population"):
                self.pop.add(ind, self.pen)
            if ind.feasible and ind.dist < self.run_best - 1e-9:
                self.run_best = ind.dist
                self.no_improve = 0
                with self.phases("offer"):
                    self._offer(ind)
        self.state.tick()
        self.no_improve += 1
        self.count += 1
        if self.count % 100 == 0:
            self.pen.adapt()
            self.pop.penalties_changed()

    def _offer(self, ind: _Individual) -> None:
        st = self.state
        if st.best_cost is not None and ind.dist >= st.best_cost - 1e-9:
            return
        routes = [r.tolist() for r in ind.routes]
        rep = check_routes(self.inst, routes)
        if rep.feasible:
            st.improve(rep.cost, routes)

    # ------------------------------------------------------------------ search
    def _initial_population(self, seeds: list | None = None) -> None:
        """A fresh population: the ``seeds`` (lists of routes) first, then random giant tours."""
        p = self.p
        self.pop.reset()
        self.run_best = math.inf
        self.no_improve = 0
        count = p.initial_population or 4 * p.population_size
        for routes in seeds or ():
            if not self._time_left():
                return
            # a seed is educated as routes when the route slots allow, else as a giant tour
            if len(routes) <= self.slots:
                self._add_all(self._educate(None, *_route_arrays(routes, self.slots, self.data.n)))
            else:
                self._add_all(self._educate(np.array([v for r in routes for v in r], np.int64)))
        n = self.data.n
        for _ in range(count - len(seeds or ())):
            if not self._time_left():
                return
            tour = (self.rng.permutation(n) + 1).astype(np.int64)
            self._add_all(self._educate(tour))

    def search(self, seeds: list) -> dict:
        restarts = 0
        start = time.perf_counter()
        self._initial_population(seeds)
        while self._time_left():
            if len(self.pop) == 0:
                self._initial_population()
                continue
            with self.phases("parents"):
                p1, p2 = self.pop.tournament(self.pen, self.rng), self.pop.tournament(self.pen, self.rng)
                child = K.ox_crossover(p1.tour, p2.tour, int(self.rng.integers(2**31)))
            self._add_all(self._educate(child))
            if self.no_improve >= self.p.restart_after and not self.state.should_stop():
                restarts += 1
                self._initial_population()
        return {"restarts": restarts, "fleet_slots": self.slots,
                "penalty_load": round(self.pen.load, 6), "penalty_time": round(self.pen.time, 6),
                "phase_s": self.phases.report(time.perf_counter() - start)}


@register
class HGS(Solver):
    """Hybrid genetic search with Numba kernels (see the module docstring)."""

    name = "hgs"
    description = ("Hybrid genetic search (Vidal 2022 style): giant-tour split, OX crossover, granular local search "
                   "with SWAP*, adaptive penalties, diversity management; CVRP, VRPTW, TSP, asymmetric matrices.")
    params = ParamSpace("solver hgs", {
        "population_size": Param(int, 25, "minimum subpopulation size (mu), individuals", low=2),
        "generation_size": Param(int, 40, "offspring added before survivor selection (lambda), individuals", low=1),
        "nb_elite": Param(int, 4, "elite individuals protected by the biased fitness", low=0),
        "nb_close": Param(int, 5, "closest individuals averaged for the diversity contribution", low=1),
        "granular": Param(int, 20, "granular neighbourhood size (closest customers tried per customer)", low=1),
        "target_feasible": Param(float, 0.2, "target share of feasible offspring for penalty adaptation",
                                 low=0, high=1),
        "repair_probability": Param(float, 0.5, "probability of repairing an infeasible offspring", low=0, high=1),
        "restart_after": Param(int, 20000, "offspring without improvement before a population restart", low=1),
        "swap_star": Param(bool, True, "use the SWAP* inter-route neighbourhood"),
        "initial_population": Param(int, 0, "individuals created at (re)start; 0 means 4 * population_size",
                                    low=1, special=(0,)),
    }, rules=[
        (lambda p: p.nb_elite <= p.population_size, "nb_elite must be at most population_size"),
        (lambda p: p.nb_close < p.population_size + p.generation_size,
         "nb_close must be below population_size + generation_size"),
    ])

    def supports(self, instance) -> str:
        if instance.num_customers < 1:
            return "needs at least one customer"
        return ""

    def prepare(self, params=None, instance=None) -> float:
        return warm_up()

    def _solve(self, instance, state: SearchState, *, seed: int, initial, params) -> dict:
        return _Run(instance, state, params, seed).search(initial)
