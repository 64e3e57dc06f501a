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
* **Reproducible** with ``sub_iterations > 0``: every sub-problem then stops after that many
  iterations instead of ``sub_time`` seconds, so the same seed gives the same result while the
  time limit does not bind (``--max-iterations`` counts the sub-problems' iterations).

Applies to single-depot instances with one vehicle type and an unlimited fleet, given by
coordinates, without the rich features (:func:`unsupported`). Every sub-problem's result is
validated by the solver that produced it; the merged solution is validated once at the end, as
every solver's. Ctrl-C stops the sub-problem at hand, which returns its best, and then the whole.
"""

from __future__ import annotations

import numpy as np

from ...exceptions import UnsupportedInstanceError
from ...model import RoutingInstance
from ..base import SearchState

#: ``decompose=auto`` decomposes instances with at least this many clients
AUTO_CUSTOMERS = 5000


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


class Decomposition:
    """One decomposed search over ``inst``, solving sub-problems with ``solver`` (an ILS) and
    reporting into ``state``."""

    def __init__(self, solver, inst: RoutingInstance, state: SearchState, seed: int, params):
        self.solver, self.inst, self.state, self.p = solver, inst, state, params
        self.rng = np.random.default_rng(seed)
        # the sub-problems run the same ILS with the same settings, undecomposed
        self.sub_params = {k: v for k, v in params.to_json().items()
                           if k not in ("sub_size", "sub_time", "sub_iterations")}
        self.sub_params["decompose"] = "off"
        self.xy = np.asarray(inst.coordinates, dtype=np.float64)
        self.routes: list[np.ndarray] = []
        self.costs: list[float] = []
        self.subproblems = self.improved = 0
        self.start_s = 0.0

    def _solve(self, clients: np.ndarray, time_limit: float, start: list[np.ndarray] | None):
        """Solve the sub-problem of ``clients`` within ``time_limit`` seconds (and ``sub_iterations``);
        returns (cost, routes as instance nodes) or None."""
        sub = sub_instance(self.inst, clients)
        local = np.empty(self.inst.num_nodes, np.int64)
        local[clients] = np.arange(1, len(clients) + 1)
        initial = None if start is None else [[local[r].tolist() for r in start]]
        cap = [self.p.sub_iterations] if self.p.sub_iterations else []
        if self.state.max_iterations is not None:
            cap.append(max(1, self.state.max_iterations - self.state.iterations))
        res = self.solver.solve(sub, time_limit=max(time_limit, 1e-3), seed=int(self.rng.integers(2**31)),
                                max_iterations=min(cap) if cap else None, initial=initial, **self.sub_params)
        self.subproblems += 1
        self.state.tick(max(1, res.iterations))
        if res.status == "interrupted":  # Ctrl-C reached the sub-problem's guard: stop here too
            self.state.interrupted = True
        if res.objective is None:
            return None
        back = np.r_[0, clients]  # (sub-problem node id k + 1 is node k)
        return float(res.objective), [back[np.asarray(r["visits"], np.int64) - 1] for r in res.solution["routes"]]

    def _set(self, routes: list[np.ndarray], costs: list[float]) -> None:
        self.routes, self.costs = routes, costs
        self.state.improve(float(sum(costs)), [r.tolist() for r in routes])

    def _route_cost(self, r: np.ndarray) -> float:
        path = np.r_[0, r, 0]
        return float(self.inst.distance[path[:-1], path[1:]].sum())

    def _start(self, initial: list[list[list[int]]]) -> None:
        inst, p = self.inst, self.p
        if initial:
            best = min(initial, key=lambda rs: sum(self._route_cost(np.asarray(r)) for r in rs))
            routes = [np.asarray(r, np.int64) for r in best if len(r)]
            self._set(routes, [self._route_cost(r) for r in routes])
            return
        clients = np.arange(1, inst.num_nodes)
        d = self.xy[clients] - self.xy[0]
        order = clients[np.argsort(np.arctan2(d[:, 1], d[:, 0]), kind="stable")]
        k = max(1, round(len(order) / p.sub_size))
        sectors = np.array_split(order, k)
        routes, costs = [], []
        for i, sector in enumerate(sectors):
            share = 0.1 * self.state.remaining() / (k - i)
            limit = self.state.remaining() / (k - i) if p.sub_iterations else min(p.sub_time, share)
            got = None if self.state.should_stop() else self._solve(np.sort(sector), limit, None)
            if got is None:  # out of time (or no feasible solution): one route per client
                sector_routes = [np.array([v]) for v in sector]
                routes += sector_routes
                costs += [self._route_cost(r) for r in sector_routes]
            else:
                routes += got[1]
                costs += [self._route_cost(r) for r in got[1]]
        self._set(routes, costs)

    def _group(self) -> list[int]:
        """Route indices of the next sub-problem: a random route and those with the nearest centroids."""
        cent = np.array([self.xy[r].mean(0) for r in self.routes])
        seed = int(self.rng.integers(len(self.routes)))
        order = np.argsort(((cent - cent[seed]) ** 2).sum(1), kind="stable")
        sizes = np.array([len(r) for r in self.routes])[order]
        take = int(np.searchsorted(np.cumsum(sizes), self.p.sub_size)) + 1
        return order[:max(2, take)].tolist()

    def run(self, initial: list[list[list[int]]]) -> dict:
        import time

        t0 = time.perf_counter()
        self._start(initial)
        self.start_s = time.perf_counter() - t0
        while not self.state.should_stop() and len(self.routes) > 1:
            t = self.state.remaining() if self.p.sub_iterations else min(self.p.sub_time, self.state.remaining())
            if t < 0.05:
                break
            group = self._group()
            clients = np.sort(np.concatenate([self.routes[g] for g in group]))
            old = sum(self.costs[g] for g in group)
            got = self._solve(clients, t, [self.routes[g] for g in group])
            if got is None or got[0] >= old - 1e-9 * max(1.0, old):
                continue
            keep = sorted(set(range(len(self.routes))) - set(group))
            new_costs = [self._route_cost(r) for r in got[1]]
            self._set([self.routes[i] for i in keep] + got[1], [self.costs[i] for i in keep] + new_costs)
            self.improved += 1
        return {"decomposition": {"subproblems": self.subproblems, "improved": self.improved,
                                  "sub_size": self.p.sub_size,
                                  "start_s": round(self.start_s, 3), "routes": len(self.routes)}}


def search(solver, inst: RoutingInstance, state: SearchState, seed: int, initial, params) -> dict:
    """Run the decomposition (see the module docstring); returns facts for ``Result.extra``."""
    return Decomposition(solver, inst, state, seed, params).run(initial)
