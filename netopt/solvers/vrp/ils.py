"""Iterated local search (ILS) for CVRP, VRPTW, TSP and fleets of several vehicle types and depots:
perturb a little, re-optimise only what changed, accept by late acceptance (the design of PyVRP
0.12+; Burke & Bykov 2017).

Overview
--------
* **Vehicles**: each route slot is one vehicle of a type, with its depots, shift window, capacity,
  route limits, fixed and unit costs and the clients it may serve (HFVRP, MDVRPTW, SDVRPTW). An
  optional client is visited only where that costs less than its prize (PCVRPTW). Pickups load
  the vehicle where they are made (the peak load counts); VRPB's linehauls-first rule forbids
  arcs as PyVRP's reader does (VRPB). A vehicle that may reload returns to a depot between trips,
  each trip leaving no earlier than its clients' release times (MTVRPTWR): the search's nodes then
  include copies of each reload depot, optional nodes with no prize that every move inserts, moves
  and removes like clients, and the kernels use the multi-trip summaries of
  :mod:`netopt.solvers.vrp._trip_kernels`. A type
  gets as many slots as its fleet, capped at what its capacity could need (:func:`_slot_types`).
* **Start**: a random giant tour cut into routes by the exact split of
  :mod:`netopt.solvers.vrp._kernels` (one vehicle type), the clients by deadline cut into trips
  dealt out to the vehicles (multi-trip), or every client inserted at its cheapest place (several
  types), improved by a whole local search; or the best warm start.
* **Iteration** (:func:`~netopt.solvers.vrp._ils_kernels.ils_run`): remove a client and its
  nearest neighbours, in random order or, on site-dependent and prize-collecting instances, by
  proximity grouped by route as PyVRP (``perturb_order``); or, one time in ten, ``ruin_route``, every
  client of a short route; or, on prize-collecting instances, ``open_route``, a cluster of unvisited
  clients into an empty route, or ``close_route``, off by default, a route emptied of the optional
  clients that do not pay alone; reinsert them greedily, run the granular local search of HGS
  (relocate, swap, 2-opt, 2-opt*, SWAP*; on prize-collecting instances PyVRP's configuration: 50
  neighbours, no SWAP*) from the customers that moved only, and accept the candidate by
  late-acceptance hill climbing on the penalised cost. An iteration costs a small fraction of a
  whole local search, so the search does tens of thousands of them where HGS educates hundreds of
  offspring.
* **Penalties** of excess load and time violations adapt every ``penalty_every`` candidates so
  that about ``target_feasible`` of them are feasible; the best feasible solution is kept apart.

All inner loops are Numba kernels; this module runs them in slices of about a tenth of a second
between which it checks the clock, Ctrl-C and ``max_iterations``, and offers each new best (checked
by the independent validator) to the caller. The same seed and ``max_iterations`` give the same
result however the slices fall.

Examples
--------
>>> import numpy as np
>>> from netopt.model import RoutingInstance
>>> xy = np.random.default_rng(1).uniform(0, 100, (9, 2))
>>> d = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
>>> inst = RoutingInstance("demo", d, np.array([0] + [1] * 8), capacity=3, coordinates=xy)
>>> res = ILS().solve(inst, time_limit=60, seed=0, max_iterations=200)
>>> res.solution["feasible"], len(res.solution["routes"]) >= 3
(True, True)
"""

from __future__ import annotations

import math
import time

import numpy as np

from ...params import Param, ParamSpace
from ...validate import check_routes
from ..base import SearchState, Solver
from ..registry import register
from . import _ils_kernels as I
from . import _kernels as K
from . import decompose as D
from .hgs import _Data, _fleet, _route_arrays

_warm: set = set()


def warm_up(trips: bool = False, dims: bool = False) -> float:
    """Compile (or load from the Numba cache) the ILS kernels on tiny instances, for one-trip routes or,
    with ``trips``, for multi-trip routes with release times, or with ``dims``, for one-trip routes with
    loads in several dimensions; with one vehicle type (a split giant tour to start) and with two
    (cheapest insertion); returns seconds."""
    t = time.perf_counter()
    if (trips, dims) not in _warm:
        from ...model import RoutingInstance
        from ...model.fleet import VehicleType

        _warm.add((trips, dims))  # (solve calls prepare, which calls this)
        xy = np.random.default_rng(0).uniform(0, 10, (6, 2))
        d = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
        dem = np.array([0, 1, 1, 1, 1, 1])
        if dims:
            dem = np.c_[dem, [0, 2, 0, 1, 1, 2]]
            cases = (dict(capacity=(3, 3)),
                     dict(vehicle_types=(VehicleType((3, 3), 2), VehicleType((4, 2), 1, fixed_cost=1))))
        elif trips:
            kw = dict(release_times=[0, 1, 0, 2, 0, 0])
            one = VehicleType(3, 2, reload_depots=(0,))
            cases = (dict(kw, vehicle_types=(one,)),
                     dict(kw, vehicle_types=(one, VehicleType(3, 1, fixed_cost=1, reload_depots=(0,)))))
        else:
            cases = (dict(capacity=3), dict(vehicle_types=(VehicleType(3, 2), VehicleType(4, 1, fixed_cost=1))))
        for kw in cases:
            inst = RoutingInstance("warm", d, dem, coordinates=xy, **kw)
            ILS().solve(inst, time_limit=60, seed=0, max_iterations=3)
    return time.perf_counter() - t


def _slot_types(inst, seeds=()) -> np.ndarray:
    """Vehicle type of each route slot for an instance with several types (contiguous per type): a
    type's fleet, capped at what its capacity could need (1.3 x the required load over the capacity,
    plus 3; up to twice that for the routes of that type in a warm start of ``seeds``: the clients of
    routes beyond are inserted again, and memory stays bounded) and at the number of clients."""
    n = inst.num_customers
    out = []
    for k, t in enumerate(inst.vehicle_types):
        ratio = _load_ratio(inst, t)
        need = math.ceil(1.3 * ratio) + 3 if math.isfinite(ratio) else 0
        need = max([need] + [min(2 * need, s.vehicle_types.count(k)) for s in seeds])
        count = need if t.num_available is None else min(t.num_available, need)
        out += [k] * min(count, n)
    return np.array(out, np.int64)


def _reload_nodes(inst) -> int:
    """Reload nodes per reload depot for the search (0 without reloads): 1.5 times the trips the
    load needs, plus 2, at most one per client."""
    ratio = _load_ratio(inst, inst.vehicle_types[0])
    if "reloads" not in inst.features or not math.isfinite(ratio):
        return 0
    return min(inst.num_customers, math.ceil(1.5 * ratio) + 2)


def _load_ratio(inst, t) -> float:
    """The required load over vehicle type ``t``'s capacity in its tightest dimension
    (:meth:`~netopt.model.RoutingInstance.load_ratio`); infinite for a type with no capacity at all."""
    return inst.load_ratio(t.capacity) if any(t.capacities) else math.inf


#: ``swap_star`` modes: the kernel's ``ip[I_SWAP_STAR]`` (``auto``: :func:`_swap_star_mode`)
SWAP_STAR_MODES = {"always": 1, "best": 2, "off": 0}


#: ``history=0`` (auto): the late-acceptance length of a search (iterations), :func:`_history`
AUTO_HISTORY, AUTO_HISTORY_RICH_TW = 30, 300

#: ``granular=0`` (auto): the neighbours tried per client, :func:`_granular`
AUTO_GRANULAR, AUTO_GRANULAR_PRIZES = 20, 50


def _prize_collecting(instance) -> bool:
    """Optional clients (with prizes): the instances on which the auto settings take PyVRP's configuration
    (:func:`_granular`, :func:`_swap_star_mode`, :func:`_grouped`)."""
    return "prizes" in instance.features


def _granular(instance, granular: int) -> int:
    """The granular neighbourhood size for ``granular`` (0 = auto: ``AUTO_GRANULAR_PRIZES``, PyVRP's 50, on a
    prize-collecting instance, where it goes with SWAP* off; ``AUTO_GRANULAR`` otherwise). On PCVRPTW, SWAP* off
    with 20 was worse (1.02 % against 0.75 % with 50, three seeds; RESULTS, "Issue 16, Stop 46"), and 40 with
    SWAP* every iteration on R2_10_8 (one run; "Issue 16, Stop 25"). On GH1000's plain R2 / RC2 VRPTW, 50
    without SWAP* in the random order was worse than 20 ("Issue 15, Stop 39"); with the grouped order as well it
    was lower on all 48 GH1000 files at seed 0 (1.34 / 1.53 %, higher on C2 and RC1; "Issue 15 (resolved
    earlier), Stop 47"), one seed, Solomon not run: the other variants keep 20 for now."""
    if granular:
        return granular
    return AUTO_GRANULAR_PRIZES if _prize_collecting(instance) else AUTO_GRANULAR


def _history(instance, history: int) -> int:
    """The late-acceptance length for ``history`` (0 = auto: ``AUTO_HISTORY_RICH_TW`` on an instance with time
    windows and a rich feature, ``AUTO_HISTORY`` otherwise). 30 beat 300 on every set's mean at 20 s (RESULTS,
    "Issue 16, Stop 16"); at 60 s with today's search, seed 0, 300 against 30 in one session (RESULTS, "Issue 16,
    Stop 42"): PCVRPTW +0.86 / +1.25 %, SDVRPTW +1.97 / +2.50, MDVRPTW +1.99 / +2.13, MTVRPTWR +0.79 / +0.87;
    without time windows HFVRP +0.54 / +0.43, VRPB +0.82 / +0.62; on GH1000's
    plain R2 / RC2 VRPTW 300 was worse (RESULTS, "Issue 15, Stop 38")."""
    if history:
        return history
    return AUTO_HISTORY_RICH_TW if instance.time_windows is not None and instance.features else AUTO_HISTORY


def _grouped(instance, order: str) -> bool:
    """Does the perturbation take a centre's neighbours grouped by route (``perturb_order``; auto: on a
    site-dependent instance, where vehicle types may serve only some clients, and on a prize-collecting one,
    with PyVRP's other settings). Over three seeds at 60 s, route against random: SDVRPTW 1.61 / 1.79 %,
    PCVRPTW 1.08 / 0.99 % with 20 neighbours and SWAP* (RESULTS, "Issue 16, Stop 45"); with 50 and without
    SWAP*, PCVRPTW seed 0 0.84 / 1.33 % (RESULTS, "Issue 16, Stop 46")."""
    if order == "auto":
        return _prize_collecting(instance) or any(t.allowed_clients is not None for t in instance.vehicle_types)
    return order == "route"


def _swap_star_mode(instance, mode: str) -> int:
    """``ip[I_SWAP_STAR]`` for ``swap_star=mode``: ``auto`` is ``off`` on a prize-collecting instance (PyVRP's
    configuration, with 50 neighbours and the grouped perturbation: PCVRPTW 0.75 % against 0.99 % with the
    earlier defaults over three seeds at 60 s, and 0.65 / 1.02 % on ten other files at seed 0; RESULTS, "Issue
    16, Stop 46"), ``best`` on a plain VRPTW (time windows, none of the rich features), ``always`` otherwise
    (the rich variants with time windows were not measured with ``best``).

    GH1000 at 120 s, seed 0, always against best (RESULTS, "Issue 15, Stop 39"): R2_10_1 0.75 / 0.45 %,
    RC2_10_1 1.30 / 0.59 %, RC1_10_1 1.90 / 1.62 %, R1_10_1 1.70 / 1.87 %, C1 and C2 0.00 either way; X
    n = 300-1,000 (CVRP) at 30 s: mean 0.52 % always against 0.68 % best."""
    if mode == "auto":
        if _prize_collecting(instance):
            mode = "off"
        else:
            mode = "best" if instance.time_windows is not None and not instance.features else "always"
    return SWAP_STAR_MODES[mode]


class _Run:
    """One search: the kernel state and the arrays it works on."""

    def __init__(self, instance, state: SearchState, params, seed: int, seeds=()):
        """``seeds``: checked warm starts (:class:`~netopt.solvers.warm_start.WarmStart`); with several
        vehicle types the slots make some room for their routes (:func:`_slot_types`)."""
        self.inst, self.state, self.p = instance, state, params
        self.rng = np.random.default_rng(seed)
        self.rich = len(instance.vehicle_types) > 1  # several vehicle types: slots per type, no split start
        reloads = _reload_nodes(instance)
        if not self.rich:
            self.data = d = _Data(instance, _granular(instance, params.granular), reload_nodes=reloads)
            self.slots = _fleet(instance, d)
        else:
            types = _slot_types(instance, seeds)
            self.data = d = _Data(instance, _granular(instance, params.granular), types, reloads)
            self.slots = len(types)
        p = params
        pc = d.initial_load_penalty()
        self.prm = d.prm(p.init_penalty or pc, p.init_penalty or d.initial_time_penalty())
        self.ip = np.zeros(I.N_IP, np.int64)
        self.ip[I.I_MIN_PERTURB] = p.min_perturb
        self.ip[I.I_MAX_PERTURB] = max(p.min_perturb, p.max_perturb)
        self.ip[I.I_PENALTY_EVERY] = p.penalty_every
        self.ip[I.I_RESTART] = p.restart_after
        self.ip[I.I_SWAP_STAR] = _swap_star_mode(instance, p.swap_star)
        self.ip[I.I_GROUPED] = _grouped(instance, p.perturb_order)
        self.fp = np.zeros(I.N_FP)
        self.fp[I.F_TARGET] = p.target_feasible
        self.fp[I.F_INCREASE] = 1.5
        self.fp[I.F_DECREASE] = 0.9
        self.fp[I.F_MIN_PENALTY] = 0.1
        self.fp[I.F_MAX_PENALTY] = 1e5 * max(1.0, pc)
        self.fp[I.F_RUIN_ROUTE] = p.ruin_route
        # (only where there are optional clients, not reload nodes: the others' random stream stays as it was)
        prizes = np.any(d.kd.optional & (d.kd.prize > 0))
        self.fp[I.F_OPEN_ROUTE] = p.open_route if prizes else 0.0
        self.fp[I.F_CLOSE_ROUTE] = p.close_route if prizes else 0.0
        self.fp[I.F_LEAVE_OUT] = p.leave_out if prizes else 0.0
        self.ist = np.zeros(I.N_IST, np.int64)
        self.fst = np.zeros(I.N_FST)
        self.fst[I.T_BEST] = K.BIG

    def _start(self, seeds: list) -> None:
        """The starting solution: the cheapest warm start (as routes, or, with one vehicle type and
        single trips, as a giant tour cut by the split when it has more routes than the search's
        slots), else a split random tour; then a whole local search."""
        d, n, k = self.data, self.data.n, self.slots
        start = None
        for routes in seeds or ():
            rep = check_routes(self.inst, routes, vehicle_types=routes.vehicle_types)
            if start is None or rep.cost < start[0]:
                start = (rep.cost, routes)
        if start is not None and (len(start[1]) <= k or self.rich or d.trips):
            routes, rlen = self._placed(start[1])
        elif self.rich:  # filled by cheapest insertion below
            routes, rlen = _route_arrays([], k, n)
        elif d.trips:
            routes, rlen = _route_arrays(self._trips_start(), k, n)
        else:
            tour = (np.array([v for r in start[1] for v in r], np.int64) if start is not None
                    else (self.rng.permutation(n - d.nd + 1) + d.nd).astype(np.int64))
            routes, rlen, _ = K.split(tour, k, d.kd, self.prm, 1.5)
        # the start's local search with prohibitive penalties (as PyVRP), so that it starts feasible
        # when it can; then the search's own penalties
        big = d.prm(self.fp[I.F_MAX_PENALTY], self.fp[I.F_MAX_PENALTY])
        self.st = st = K.ls_state(routes, rlen, d.neigh, d.kd)
        K.ls_setup(st, d.kd, big, d.ncnt, d.angle, int(self.rng.integers(2**31)))
        if self.rich or start is not None:  # every client in no route (all, or those a warm start misses)
            I.construct(st, d.kd, big, d.ncnt, d.angle, np.zeros(n + 1, np.bool_), np.zeros(n + 1, np.int64))
        K.ls_search(st, d.kd, big, d.ncnt, d.angle, -1, self.ip[I.I_SWAP_STAR] > 0, 1000)
        I.reprice(st, d.kd, self.prm)
        self.cur, self.cur_len = st.routes.copy(), st.rlen.copy()
        self.best, self.best_len = st.routes.copy(), st.rlen.copy()
        self.hist = np.zeros((_history(self.inst, self.p.history), 4))
        tot = I.totals(st, d.kd)
        self.fst[I.T_CUR:I.T_CUR + 3] = tot
        self.fst[I.T_INIT:I.T_INIT + 3] = tot
        if tot[1] <= 0.0 and tot[2] <= 1e-9:
            self.fst[I.T_BEST] = tot[0]
            self._offer(st.routes, st.rlen)

    def _placed(self, start) -> tuple[np.ndarray, np.ndarray]:
        """A warm start in the search's arrays: each route in the next free slot of its vehicle type
        (its clients left out, for :func:`~._ils_kernels.construct`, when the type has none free),
        each reload stop a spare copy of its depot (dropped when none is left)."""
        d = self.data
        types = start.vehicle_types or [0] * len(start)
        free: dict[int, list[int]] = {}
        for r in range(self.slots - 1, -1, -1):
            free.setdefault(int(d.slot_types[r]), []).append(r)
        spare = {int(v): np.flatnonzero(d.depot_of == v).tolist() for v in np.unique(d.depot_of[d.depot_of >= 0])}
        routes, rlen = _route_arrays([], self.slots, d.n)
        for route, t in zip(start, types):
            if not free.get(t):
                continue
            r = free[t].pop()
            row = [v if v >= d.nd else spare[v].pop() for v in route if v >= d.nd or spare.get(v)]
            routes[r, 1:len(row) + 1] = row
            rlen[r] = len(row)
        return routes, rlen

    def _trips_start(self) -> list[list[int]]:
        """Multi-trip start: the clients by deadline (ties at random) cut into trips at the capacity,
        dealt out to the vehicles in turn, a reload node between two trips of a vehicle (while it may
        reload again: past its most reloads, a trip joins the one before, overloaded)."""
        d, inst = self.data, self.inst
        clients = np.arange(d.nd, inst.num_nodes)
        order = clients[np.lexsort((self.rng.random(clients.size), d.tw_l[clients]))]
        cap = d.kd.trip_cap
        trips, cur, load = [], [], 0.0
        for v in order.tolist():
            need = max(d.dem[v], d.pick[v])
            if cur and load + need > cap:
                trips.append(cur)
                cur, load = [], 0.0
            cur.append(v)
            load += need
        trips.append(cur)
        vt = inst.vehicle_types[0]
        reload = vt.reload_depots
        spare = np.flatnonzero(d.depot_of == reload[0]).tolist() if reload else []  # its reload nodes
        routes = [[] for _ in range(min(self.slots, len(trips)))]
        reloads = [0] * len(routes)
        for t, trip in enumerate(trips):
            r = t % len(routes)
            route = routes[r]
            if route and spare and (vt.max_reloads is None or reloads[r] < vt.max_reloads):
                route.append(spare.pop())
                reloads[r] += 1
            route += trip
        return routes

    def _visits(self, routes: np.ndarray, rlen: np.ndarray, r: int) -> list[int]:
        """Route ``r``'s visits as instance nodes: a reload node becomes its depot, left out where it
        starts or ends the route or follows another (no cost: a depot is 0 from itself)."""
        row = routes[r, 1:rlen[r] + 1]
        if not self.data.trips:
            return row.tolist()
        nd, out = self.data.nd, []
        for v in self.data.src[row].tolist():
            if v >= nd or (out and out[-1] >= nd):
                out.append(v)
        while out and out[-1] < nd:
            out.pop()
        return out

    def _offer(self, routes: np.ndarray, rlen: np.ndarray) -> None:
        used, lst = [], []
        for r in range(routes.shape[0]):
            visits = self._visits(routes, rlen, r) if rlen[r] > 0 else []
            if visits:
                used.append(r)
                lst.append(visits)
        types = [int(self.data.slot_types[r]) for r in used]
        rep = check_routes(self.inst, lst, vehicle_types=types)
        if rep.feasible:
            self.state.improve(rep.cost, lst, types if self.rich else None)

    def search(self, seeds: list) -> dict:
        st, d = self.state, self.data
        t0 = time.perf_counter()
        self._start(seeds)
        n_best = 0
        chunk, per_iter = 1, 0.0
        scratch = (np.zeros(d.n + 1, np.bool_), np.zeros(d.n + 1, np.int64), np.zeros(self.slots, np.bool_))
        while not st.should_stop():
            if st.max_iterations is not None:
                chunk = min(chunk, st.max_iterations - st.iterations)
            if per_iter > 0:  # an iteration cannot be interrupted: never start a slice that overruns
                chunk = max(1, min(chunk, int(st.remaining() / per_iter)))
            t = time.perf_counter()
            I.ils_run(self.st, self.cur, self.cur_len, self.best, self.best_len, self.hist, d.kd, self.prm, d.ncnt,
                      d.neigh, d.angle, self.ip, self.fp, self.ist, self.fst, chunk, *scratch)
            dt = time.perf_counter() - t
            per_iter = dt / chunk if per_iter == 0 else 0.7 * per_iter + 0.3 * dt / chunk
            if self.ist[I.S_NEW_BEST] > n_best:
                n_best = int(self.ist[I.S_NEW_BEST])
                self._offer(self.best, self.best_len)
            st.tick(chunk)
            chunk = max(1, min(2 * chunk, int(0.1 / max(per_iter, 1e-7))))
        elapsed = time.perf_counter() - t0
        it = int(self.ist[I.S_ITER])
        return {"iterations_per_s": round(it / elapsed, 1) if elapsed > 0 else None,
                "restarts": int(self.ist[I.S_RESTARTS]), "fleet_slots": self.slots,
                "penalty_load": round(float(self.prm[K.P_LOAD_PENALTY]), 6),
                "penalty_time": round(float(self.prm[K.P_TIME_PENALTY]), 6)}


@register
class ILS(Solver):
    """Iterated local search with Numba kernels (see the module docstring)."""

    name = "ils"
    rich_warm_starts = True
    description = ("Iterated local search (PyVRP 0.12+ style): neighbourhood ruin and greedy repair, granular "
                   "local search from the moved customers only, late acceptance, adaptive penalties; CVRP, VRPTW, "
                   "TSP, asymmetric matrices, vehicle types with their costs, shift windows and allowed clients, "
                   "several depots, optional clients with prizes, pickups (backhauls, linehauls first), multi-trip "
                   "routes with reloads (and a most number of them) and release times, loads in up to four "
                   "dimensions.")
    features = frozenset({"multi_depot", "vehicle_types", "vehicle_costs", "allowed_clients", "shift_windows",
                          "prizes", "backhauls", "linehauls_first", "reloads", "release_times", "load_dimensions"})
    params = ParamSpace("solver ils", {
        "granular": Param(int, 0, "granular neighbourhood size (closest customers tried per customer); 0 = auto: "
                          f"{AUTO_GRANULAR_PRIZES} on prize-collecting instances, {AUTO_GRANULAR} otherwise", low=0),
        "min_perturb": Param(int, 1, "fewest clients removed and reinserted per iteration", low=1),
        "max_perturb": Param(int, 25, "most clients removed and reinserted per iteration", low=1),
        "perturb_order": Param(str, "auto", "which of a random centre's granular neighbours an iteration removes "
                               "first: random (in shuffled order), route (PyVRP's: by proximity, grouped by route, "
                               "the centre's route first, so fewer routes change), or auto: route on prize-collecting "
                               "instances and where vehicle types may serve only some clients (site dependence), "
                               "random elsewhere",
                               choices=("auto", "random", "route")),
        # 0.1 against 0 at 60 s: VRPB 0.75 / 1.02 %, SDVRPTW 2.42-2.62 / 3.06 % (RESULTS, "Issue 16, Stop 24")
        "ruin_route": Param(float, 0.1, "probability that an iteration empties the shorter of two random routes "
                            "(when it has at most max_perturb clients) and reinserts its clients into the others, "
                            "instead of the neighbourhood removal", low=0, high=1),
        # 0.15 against 0 at 60 s: PCVRPTW +1.30 / +1.40 % (seed 0), +1.48 / +1.86 % (seed 1)
        # (RESULTS, "Issue 16, Stop 25")
        "open_route": Param(float, 0.15, "probability that an iteration puts a random unvisited optional client and "
                            "its unvisited neighbours (at most max_perturb) into an empty route instead (prize-"
                            "collecting instances only)", low=0, high=1),
        "close_route": Param(float, 0.0, "probability that an iteration empties the shorter of two random routes "
                             "(any length) and puts back its optional clients only where each pays alone (prize-"
                             "collecting instances only)", low=0, high=1),
        "leave_out": Param(float, 0.0, "probability that an iteration's neighbourhood removal leaves the optional "
                           "clients it removes unvisited (PyVRP's perturbation: visited ones out, unvisited ones in; the "
                           "local search puts them back where they pay) instead of reinserting those that pay (prize-"
                           "collecting instances only)", low=0, high=1),
        "history": Param(int, 0, "late-acceptance history length, iterations; 0 = auto: "
                         f"{AUTO_HISTORY_RICH_TW} with time windows and a rich feature (several depots, vehicle types, "
                         f"prizes, ...), {AUTO_HISTORY} otherwise", low=0),
        "penalty_every": Param(int, 100, "candidates between penalty updates", low=1),
        "init_penalty": Param(float, 0.0, "starting cost per unit of excess load and of time violation (PyVRP starts "
                              "both at 50,000); 0: from the instance (its largest arc cost over its largest demand, "
                              "and 1)", low=0),
        "target_feasible": Param(float, 0.65, "target share of feasible candidates for penalty adaptation",
                                 low=0, high=1),
        "restart_after": Param(int, 150000, "iterations without a new best before restarting from the best",
                               low=1),
        "swap_star": Param(str, "auto", "the SWAP* inter-route neighbourhood: always (every iteration's local "
                           "search), best (only the exhaustive search of a new best and of the start), off, or auto: "
                           "off on prize-collecting instances, best on a plain VRPTW, always on CVRP and the other "
                           "rich variants", choices=("auto", *SWAP_STAR_MODES)),
        "decompose": Param(str, "auto", "split the instance into sub-problems of about sub_size clients, each "
                           "solved by this ILS (auto: from 3,000 clients; plain CVRP/VRPTW with coordinates and an "
                           "unlimited fleet)", choices=("auto", "on", "off")),
        # 500 / 1 s beat 1,000 / 2 s and 2,000 / 4 s on Antwerp1 at 60 s (RESULTS, "Issue 15, Stop 18")
        "sub_size": Param(int, 500, "clients per sub-problem of the decomposition", low=10),
        "sub_time": Param(float, 1.0, "seconds per sub-problem of the decomposition", low=0.01),
        "sub_iterations": Param(int, 0, "ILS iterations per sub-problem of the decomposition (0: none, the "
                                "sub_time limit only; > 0: same seed, same result while the time limit does not "
                                "bind)", low=0),
        "sub_grow": Param(float, 0.0, "decomposition: after each round of sub-problems (clients / sub_size of them), "
                          "when fewer than this share improved, double the sub-problems' time and iterations (up to "
                          f"{D.MAX_SUB_SCALE} x sub_time); 0 = never", low=0, high=1),
        "whole": Param(float, 0.8, "decomposition: share of --max-iterations (when given) or of the time limit at its end for the "
                       f"ILS on the whole instance from the merged solution, where that has at most {D.WHOLE_MAX_ROUTES} "
                       f"routes and {D.WHOLE_MAX_CLIENTS:,} clients; 0 = never", low=0, high=1),
        "workers": Param(int, 1, "processes solving sub-problems of the decomposition at once (disjoint groups "
                         "of routes)", low=1),
        "scheduler": Param(str, "", "Dask scheduler address (tcp://host:8786) whose workers solve the "
                           "sub-problems of the decomposition, instead of local processes"),
    }, rules=[(lambda p: p.min_perturb <= p.max_perturb, "min_perturb must be at most max_perturb"),
              (lambda p: p.open_route + p.close_route <= 1, "open_route + close_route must be at most 1")])

    def supports(self, instance) -> str:
        if instance.num_customers < 1:
            return "needs at least one customer"
        types = instance.vehicle_types
        trips = {"reloads", "release_times"} & set(instance.features)
        if trips and len({t.capacity for t in types}) > 1:
            return "it models multi-trip routes and release times for vehicle types of one capacity only"
        if trips and instance.load_dims > 1:
            return "it models multi-trip routes and release times with loads in one dimension only"
        if instance.load_dims > 1 + K.MD_EXTRA:
            return f"it models loads in at most {1 + K.MD_EXTRA} dimensions, not {instance.load_dims}"
        return ""

    def prepare(self, params=None, instance=None) -> float:
        """Compile the kernels for one-trip routes and, for an instance with reloads or release times,
        for multi-trip routes, or with loads in several dimensions, for those; for no instance, for every
        variant."""
        trips = instance is None or bool({"reloads", "release_times"} & set(instance.features))
        dims = instance is None or instance.load_dims > 1
        return warm_up() + (warm_up(trips=True) if trips else 0.0) + (warm_up(dims=True) if dims else 0.0)

    def _solve(self, instance, state: SearchState, *, seed: int, initial, params) -> dict:
        if D.wanted(instance, params.decompose):
            return D.search(self, instance, state, seed, initial, params)
        return _Run(instance, state, params, seed, initial).search(initial)
