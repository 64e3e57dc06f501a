"""Decomposition for large instances (issue 15): a 30,000-client CVRP solved as many 500-client ones.

The whole instance never becomes a dense matrix (its distances are
:class:`~netopt.model.distances.PointDistances` when read from coordinates); each sub-problem is a
small dense instance of its own, solved by the same iterated local search (``decompose=off``).

* **Start**: the clients sorted by polar angle around the depot, cut into sectors of about
  ``sub_size`` clients, each solved on its own (its share of a tenth of the time, at most
  ``sub_time``). Or the best warm start.
* **Improvement** (the localized search of FILO and KGLS-XXL, at the level of routes): pick a route
  at random, gather the routes whose centroids lie nearest to its centroid until they hold about
  ``sub_size`` clients, and improve that sub-problem for ``sub_time`` seconds with ILS, warm-started
  from those routes. ILS returns the best it found, never worse than its start, so the whole
  solution only improves; different seed routes cut the plane differently, so clients near one
  sub-problem's border lie inside another's.
* **Longer sub-problems when they stall** (``sub_grow``): after each round of sub-problems (about
  as many as it takes to cover the instance once, clients / ``sub_size``), when fewer than
  ``sub_grow`` of them improved, the next ones get twice the time (and twice ``sub_iterations``),
  up to :data:`MAX_SUB_SCALE` times ``sub_time``.
* **The whole instance at the end** (``whole``, a share of the time): when the merged solution has
  few long routes (at most :data:`WHOLE_MAX_ROUTES`) and the instance is small enough for dense
  matrices (:data:`WHOLE_MAX_CLIENTS`), the last ``whole`` share of ``--max-iterations`` (when given,
  so that the same seed gives the same search) or else of the time limit runs the ILS, with the
  sub-problems' settings, on the whole instance from the merged solution.
  A 500-client sub-problem holds only 5-6 routes of 80-90 clients, and its 1 s search stalls
  there; the whole-instance search moves clients between any routes and keeps its state.
* **Reproducible** with ``sub_iterations > 0``: every sub-problem then stops after that many
  iterations instead of ``sub_time`` seconds, so the same seed gives the same result while the
  time limit does not bind (``--max-iterations`` counts the sub-problems' iterations).

Applies to single-depot instances with one vehicle type and an unlimited fleet, given by
coordinates, without the rich features (:func:`unsupported`). Every sub-problem's result is
validated by the solver that produced it; the merged solution is validated once at the end, as
every solver's. Ctrl-C stops the sub-problem at hand, which returns its best, and then the whole.
"""

from __future__ import annotations

import time

import numpy as np

from ...exceptions import UnsupportedInstanceError
from ...model import RoutingInstance
from ...parallel import engine, run_tasks
from ..base import SearchState
from ..warm_start import WarmStart

#: ``decompose=auto`` decomposes instances with at least this many clients (Leuven1 / Leuven2, 3,000 / 4,000
#: clients, 120 s: +0.90 / +5.03 % decomposed, +1.44 / +6.56 % whole; RESULTS, "Issue 15, Stop 18")
AUTO_CUSTOMERS = 3000
#: the whole-instance phase needs few routes: on Leuven2 (4,000 clients, 46 routes of ~87), 60 s decomposed +
#: 240 s whole reached +1.75 % against +3.52 % decomposed for 300 s; on Antwerp2 (7,000 clients, 120 routes of
#: ~58) +2.78 % against +2.36 %; on Leuven1 and Antwerp1 (203 and 344 routes) a little worse too
#: (RESULTS, "Issue 15, Stop 39")
WHOLE_MAX_ROUTES = 64
#: ``sub_grow`` doubles a sub-problem's time at most this many times over
MAX_SUB_SCALE = 16
#: ... and dense matrices (distance and duration, float64: about 0.6 GB at 6,000 clients)
WHOLE_MAX_CLIENTS = 6000


def unsupported(inst: RoutingInstance) -> str:
    """Why the decomposition cannot solve ``inst`` (empty when it can)."""
    if inst.features:
        return f"it decomposes plain CVRP / VRPTW instances, not {inst.variant}"
    if inst.coordinates is None:
        return "it needs coordinates"
    if inst.num_vehicles is not None:
        return "it needs an unlimited fleet (the instance limits the vehicles)"
    return ""


def wanted(inst: RoutingInstance, mode: str) -> bool:
    """Whether ``decompose=mode`` (``auto`` | ``on`` | ``off``) decomposes ``inst``; ``on`` for an
    instance it cannot decompose is an :class:`UnsupportedInstanceError` with the reason."""
    if mode == "off":
        return False
    why = unsupported(inst)
    if mode == "on" and why:
        raise UnsupportedInstanceError(f"decompose=on cannot split {inst.name}: {why}")
    return not why and (mode == "on" or inst.num_customers >= AUTO_CUSTOMERS)


def sub_instance(inst: RoutingInstance, clients: np.ndarray) -> RoutingInstance:
    """The instance restricted to the depot and ``clients`` (internal indices), in that order:
    sub-problem node ``k >= 1`` is ``clients[k - 1]`` (node id ``k + 1``, VRPLIB's numbering). Dense,
    whatever ``inst`` holds."""
    nodes = np.r_[0, clients].astype(np.int64)
    ix = np.ix_(nodes, nodes)
    dist = np.asarray(inst.distance[ix], dtype=np.float64)
    tw = inst.time_windows
    return RoutingInstance(
        name=f"{inst.name}[{len(clients)} clients]", distance=dist,
        duration=None if inst.duration is inst.distance else np.asarray(inst.duration[ix], dtype=np.float64),
        demands=inst.demands[nodes], capacity=inst.capacity, time_windows=None if tw is None else tw[nodes],
        service_times=inst.service_times[nodes], max_duration=inst.max_duration, max_distance=inst.max_distance,
        coordinates=inst.coordinates[nodes], rounding=inst.rounding,
        problem=inst.problem, source=inst.source,
    )


def solve_sub(solver, sub: RoutingInstance, time_limit: float, seed: int, max_iterations: int | None, initial,
              params: dict) -> tuple[float | None, list[list[int]], int, str]:
    """One sub-problem (a task: picklable in and out, run here or in a worker process): its cost or
    None, its routes as sub-problem node ids, the iterations and the status."""
    res = solver.solve(sub, time_limit=max(time_limit, 1e-3), seed=seed, max_iterations=max_iterations,
                       initial=initial, **params)
    routes = [r["visits"] for r in res.solution["routes"]] if res.objective is not None else []
    return res.objective, routes, res.iterations, res.status


class Decomposition:
    """One decomposed search over ``inst``, solving sub-problems with ``solver`` (an ILS) on
    ``runner`` (:func:`netopt.parallel.run_tasks`: None here, else a process pool or Dask client)
    and reporting into ``state``."""

    def __init__(self, solver, inst: RoutingInstance, state: SearchState, seed: int, params, runner=None):
        self.solver, self.inst, self.state, self.p, self.runner = solver, inst, state, params, runner
        self.rng = np.random.default_rng(seed)
        # the sub-problems run the same ILS with the same settings, undecomposed
        self.sub_params = {k: v for k, v in params.to_json().items()
                           if k not in ("sub_size", "sub_time", "sub_iterations", "sub_grow", "whole", "workers",
                                     "scheduler")}
        self.sub_params["decompose"] = "off"
        self.xy = np.asarray(inst.coordinates, dtype=np.float64)
        self.routes: list[np.ndarray] = []
        self.costs: list[float] = []
        self.subproblems = self.improved = 0
        self.start_s = 0.0
        self.scale = 1  # sub_time and sub_iterations multiplier (``sub_grow``)

    def _batch(self, jobs: list[tuple[np.ndarray, float, list[np.ndarray] | None]]) -> list:
        """Solve the sub-problems ``(clients, seconds, start routes or None)`` (at once on a pool);
        returns for each (cost, routes as instance nodes) or None."""
        tasks = []
        for clients, time_limit, start in jobs:
            local = np.empty(self.inst.num_nodes, np.int64)
            local[clients] = np.arange(1, len(clients) + 1)
            initial = None if start is None else [[local[r].tolist() for r in start]]
            cap = [self.p.sub_iterations * self.scale] if self.p.sub_iterations else []
            if self.state.max_iterations is not None:
                cap.append(max(1, self.state.max_iterations - self.state.iterations))
            tasks.append((self.solver, sub_instance(self.inst, clients), time_limit, int(self.rng.integers(2**31)),
                          min(cap) if cap else None, initial, self.sub_params))
        out: list = [None] * len(jobs)
        for o in run_tasks(solve_sub, tasks, self.runner):
            self.subproblems += 1
            if o.error is not None:
                if self.state.interrupted:  # a worker stopped by the same Ctrl-C: return the best so far
                    continue
                raise o.error
            cost, routes, iterations, status = o.value
            self.state.tick(max(1, iterations))
            if status == "interrupted":  # Ctrl-C reached the sub-problem's guard: stop here too
                self.state.interrupted = True
            if cost is not None:
                back = np.r_[0, jobs[o.index][0]]  # (sub-problem node id k + 1 is node k)
                out[o.index] = float(cost), [back[np.asarray(r, np.int64) - 1] for r in routes]
        return out

    def _set(self, routes: list[np.ndarray], costs: list[float]) -> None:
        self.routes, self.costs = routes, costs
        self.state.improve(float(sum(costs)), [r.tolist() for r in routes])

    def _route_cost(self, r: np.ndarray) -> float:
        path = np.r_[0, r, 0]
        return float(self.inst.distance[path[:-1], path[1:]].sum())

    def _start(self, initial: list[list[list[int]]]) -> None:
        inst, p = self.inst, self.p
        if initial:  # the cheapest warm start
            starts = [[np.asarray(r, np.int64) for r in rs if len(r)] for rs in initial]
            costs = [[self._route_cost(r) for r in rs] for rs in starts]
            k = min(range(len(starts)), key=lambda i: sum(costs[i]))
            self._set(starts[k], costs[k])
            return
        clients = np.arange(1, inst.num_nodes)
        d = self.xy[clients] - self.xy[0]
        order = clients[np.argsort(np.arctan2(d[:, 1], d[:, 0]), kind="stable")]
        k = max(1, round(len(order) / p.sub_size))
        sectors = np.array_split(order, k)
        routes: list[np.ndarray] = []
        for i in range(0, k, p.workers):  # a batch of sectors per round, one per worker
            left = -(-(k - i) // p.workers)  # rounds left, this one included
            share = self.state.remaining() / left
            limit = share if p.sub_iterations else min(p.sub_time, 0.1 * share)
            batch = sectors[i:i + p.workers]
            got = [None] * len(batch) if self.state.should_stop() else \
                self._batch([(np.sort(sector), limit, None) for sector in batch])
            for sector, g in zip(batch, got):  # out of time (or none feasible): one route per client
                routes += [np.array([v]) for v in sector] if g is None else g[1]
        self._set(routes, [self._route_cost(r) for r in routes])

    def _groups(self, count: int) -> list[list[int]]:
        """Route indices of up to ``count`` disjoint sub-problems: each a random route not yet taken
        and the untaken routes with the nearest centroids, about ``sub_size`` clients."""
        cent = np.array([self.xy[r].mean(0) for r in self.routes])
        sizes = np.array([len(r) for r in self.routes])
        free = np.ones(len(self.routes), bool)
        groups = []
        for _ in range(count):
            if free.sum() < 2:
                break
            seed = int(self.rng.choice(np.flatnonzero(free)))
            order = np.flatnonzero(free)[np.argsort(((cent[free] - cent[seed]) ** 2).sum(1), kind="stable")]
            take = int(np.searchsorted(np.cumsum(sizes[order]), self.p.sub_size)) + 1
            group = order[:max(2, take)]
            free[group] = False
            groups.append(group.tolist())
        return groups

    def whole_wanted(self) -> bool:
        """Whether the last ``whole`` share of the search is for the whole instance (see the module docstring)."""
        return (self.p.whole > 0 and 0 < len(self.routes) <= WHOLE_MAX_ROUTES
                and self.inst.num_customers <= WHOLE_MAX_CLIENTS)

    def whole_now(self) -> bool:
        """Whether the decomposition has had its share (1 - ``whole``) of --max-iterations when given (so the
        hand-over does not depend on timing), else of the time limit."""
        if not self.whole_wanted():
            return False
        st = self.state
        spent = st.iterations / st.max_iterations if st.max_iterations else st.elapsed() / st.time_limit
        return spent >= 1.0 - self.p.whole

    def run(self, initial: list[list[list[int]]]) -> dict:
        t0 = time.perf_counter()
        self._start(initial)
        self.start_s = time.perf_counter() - t0
        cover = -(-self.inst.num_customers // self.p.sub_size)  # sub-problems in a round (``sub_grow``)
        done = gained = 0
        while not self.state.should_stop() and len(self.routes) > 1 and not self.whole_now():
            t = (self.state.remaining() if self.p.sub_iterations
                 else min(self.p.sub_time * self.scale, self.state.remaining()))
            if t < 0.05:
                break
            groups = self._groups(self.p.workers)
            got = self._batch([(np.sort(np.concatenate([self.routes[g] for g in group])), t,
                                [self.routes[g] for g in group]) for group in groups])
            drop, routes, costs = set(), [], []
            for group, g in zip(groups, got):
                old = sum(self.costs[i] for i in group)
                if g is not None and g[0] < old - 1e-9 * max(1.0, old):  # (ILS never returns worse than its start)
                    drop.update(group)
                    routes += g[1]
                    costs += [self._route_cost(r) for r in g[1]]
                    self.improved += 1
                    gained += 1
            done += len(groups)
            if done >= cover:
                if gained < self.p.sub_grow * done and self.scale < MAX_SUB_SCALE:
                    self.scale *= 2
                done = gained = 0
            if drop:
                keep = [i for i in range(len(self.routes)) if i not in drop]
                self._set([self.routes[i] for i in keep] + routes, [self.costs[i] for i in keep] + costs)
        return {"decomposition": {"subproblems": self.subproblems, "improved": self.improved,
                                  "sub_size": self.p.sub_size, "workers": self.p.workers,
                                  "start_s": round(self.start_s, 3), "routes": len(self.routes),
                                  "sub_scale": self.scale}}


def search(solver, inst: RoutingInstance, state: SearchState, seed: int, initial, params) -> dict:
    """Run the decomposition (see the module docstring) on ``params.workers`` processes (or the Dask
    cluster at ``params.scheduler``); returns facts for ``Result.extra``."""
    with engine(params.workers, params.scheduler or None) as runner:
        dec = Decomposition(solver, inst, state, seed, params, runner)
        extra = dec.run(initial)
    if dec.whole_wanted() and not state.should_stop():
        extra["decomposition"]["whole_from_s"] = round(state.elapsed(), 3)
        start = [WarmStart([r.tolist() for r in dec.routes])]
        extra.update(solver._solve(inst, state, seed=int(dec.rng.integers(2**31)), initial=start,
                                   params=solver.resolve_params(dec.sub_params)))
    return extra
