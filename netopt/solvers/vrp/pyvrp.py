"""PyVRP (Wouda, Lan & Kool 2024) as the state-of-the-art reference column of benchmarks.

A benchmark-only, optional dependency (``pip install pyvrp``): the solver is always listed, and
``supports`` says how to install it when it is missing; netopt never falls back to it silently.
Matrices are scaled to integers like the OR-Tools wrapper; the cost is recomputed by the validator.
"""

from __future__ import annotations

import numpy as np

from ...params import Param, ParamSpace
from ..base import SearchState, Solver
from ..registry import register
from .ortools import integer_scale


def _available() -> bool:
    try:
        import pyvrp  # noqa: F401
    except ImportError:
        return False
    return True


@register
class PyVRPSolver(Solver):
    name = "pyvrp"
    description = "PyVRP's hybrid genetic search (optional: pip install pyvrp); state-of-the-art reference."
    params = ParamSpace("solver pyvrp", {"display": Param(bool, False, "print PyVRP's own progress log")})

    def supports(self, instance) -> str:
        return "" if _available() else 'pyvrp is not installed (pip install pyvrp; a benchmark-only dependency)'

    def _solve(self, instance, state: SearchState, *, seed, initial, params):
        from pyvrp import Model
        from pyvrp.stop import MaxRuntime

        inst = instance
        n1 = inst.num_nodes
        tw = inst.time_windows
        ds = integer_scale(inst.distance)
        ts = integer_scale(inst.duration, inst.service_times, tw)
        dist = np.round(inst.distance * ds).astype(np.int64)
        dur = np.round(inst.duration * ts).astype(np.int64)
        xy = inst.coordinates if inst.coordinates is not None else np.zeros((n1, 2))
        big = np.iinfo(np.int64).max

        m = Model()
        locs = [m.add_location(float(x), float(y)) for x, y in xy]
        e0, l0 = (int(np.ceil(tw[0, 0] * ts - 1e-6)), int(np.floor(tw[0, 1] * ts + 1e-6))) if tw is not None else (0, big)
        depot = m.add_depot(locs[0], tw_early=e0, tw_late=l0)
        m.add_vehicle_type(
            num_available=inst.num_vehicles or inst.num_customers,
            capacity=[inst.capacity], start_depot=depot, end_depot=depot, tw_early=e0, tw_late=l0,
            shift_duration=big if inst.max_duration is None else int(np.floor(inst.max_duration * ts + 1e-6)),
            max_distance=big if inst.max_distance is None else int(np.floor(inst.max_distance * ds + 1e-6)),
        )
        for i in range(1, n1):
            m.add_client(
                locs[i], delivery=[int(inst.demands[i])], service_duration=int(round(inst.service_times[i] * ts)),
                tw_early=0 if tw is None else int(np.ceil(tw[i, 0] * ts - 1e-6)),
                tw_late=big if tw is None else int(np.floor(tw[i, 1] * ts + 1e-6)),
            )
        for i in range(n1):
            for j in range(n1):
                if i != j:
                    m.add_edge(locs[i], locs[j], distance=int(dist[i, j]), duration=int(dur[i, j]))
        res = m.solve(stop=MaxRuntime(max(0.01, state.remaining())), seed=seed, display=params.display)
        state.tick(int(res.num_iterations))
        best = res.best
        if best.is_feasible():
            # a client activity's idx counts the clients from 0; our customers are 1..n
            routes = [[int(a.idx) + 1 for a in r if a.is_client()] for r in best.routes()]
            cost = sum(float(inst.distance[a, b]) for r in routes for a, b in zip([0, *r], [*r, 0]))
            state.improve(cost, routes)
        state.timed_out = True
        return {"pyvrp_cost_scaled": int(best.distance()), "distance_scale": ds}

