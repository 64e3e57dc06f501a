"""PyVRP (Wouda, Lan & Kool 2024) as the state-of-the-art reference column of benchmarks.

A benchmark-only, optional dependency (``pip install pyvrp``): the solver is always listed, and
``supports`` says how to install it when it is missing; netopt never falls back to it silently.
Matrices are scaled to integers like the OR-Tools wrapper; the cost is recomputed by the validator.
Every rich variant goes through PyVRP's ``Model`` (vehicle types, depots, pickups, release times,
prizes, reloads, loads in several dimensions; allowed clients as profiles, linehauls-first as ``pyvrp.read`` does it); the
distance and duration matrices are then set whole on its ``ProblemData``.
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
    features = frozenset({"multi_depot", "vehicle_types", "vehicle_costs", "prizes", "backhauls", "linehauls_first",
                          "release_times", "reloads", "allowed_clients", "shift_windows", "load_dimensions"})

    def supports(self, instance) -> str:
        return "" if _available() else 'pyvrp is not installed (pip install pyvrp; a benchmark-only dependency)'

    def _solve(self, instance, state: SearchState, *, seed, initial, params):
        from pyvrp import Model, solve
        from pyvrp.constants import MAX_VALUE
        from pyvrp.stop import MaxRuntime

        from ...validate import check_routes

        inst = instance
        n1, nd = inst.num_nodes, inst.num_depots
        tw = inst.time_windows
        types = inst.vehicle_types
        dmat = np.asarray(inst.distance)  # (a large coordinate instance holds points: the matrix PyVRP needs)
        tmat = dmat if inst.duration is inst.distance else np.asarray(inst.duration)
        ds = integer_scale(dmat)
        ts = integer_scale(tmat, inst.service_times, tw, inst.release_times)
        cs = integer_scale(np.array([t.fixed_cost for t in types]), inst.prizes)
        dist = np.round(dmat * ds).astype(np.int64)
        dur = np.round(tmat * ts).astype(np.int64)  # (its own array: VRPB forbids arcs in dist below)
        del dmat, tmat
        xy = inst.coordinates if inst.coordinates is not None else np.zeros((n1, 2))
        big = np.iinfo(np.int64).max
        # loads in the units pyvrp.read gives them under the instance's scaled convention (it scales
        # demands and capacities too): the same feasibility, and PyVRP's load penalties (bounded by
        # its maximum penalty) stay in proportion to costs scaled by 10 or 1000
        ls = {"x10": 10, "x1000": 1000}.get(inst.rounding, 1)

        def up(x, scale):
            return int(np.ceil(x * scale - 1e-6))

        def down(x, scale):
            return big if x is None or not np.isfinite(x) else int(np.floor(x * scale + 1e-6))

        dem, pick = inst.load_rows()  # (n1, L) rows: a list of one value per dimension for PyVRP
        if inst.linehauls_first:  # as pyvrp.read does: no depot -> backhaul, no backhaul -> linehaul
            back = pick.any(1) & ~dem.any(1)
            line = dem.any(1)
            dist[:nd, back] = MAX_VALUE
            dist[np.ix_(back, line)] = MAX_VALUE
        m = Model()
        locs = [m.add_location(float(x), float(y)) for x, y in xy]
        depots = [m.add_depot(locs[d], tw_early=0 if tw is None else up(tw[d, 0], ts),
                              tw_late=big if tw is None else down(tw[d, 1], ts)) for d in range(nd)]
        # site dependence: one profile per set of allowed clients, whose edges to other clients are unusable
        allowed = sorted({t.allowed_clients for t in types if t.allowed_clients is not None})
        profiles = {a: m.add_profile() for a in allowed}
        for t in types:
            early, late = inst.shift_window(t)  # down() maps an infinite late to "no limit"
            m.add_vehicle_type(
                num_available=t.num_available or inst.num_customers, capacity=[int(c) * ls for c in t.capacities],
                start_depot=depots[t.start_depot], end_depot=depots[t.end_depot],
                fixed_cost=int(round(t.fixed_cost * cs)), tw_early=up(early, ts), tw_late=down(late, ts),
                shift_duration=down(t.max_duration, ts), max_distance=down(t.max_distance, ds),
                unit_distance_cost=int(round(t.unit_distance_cost * cs)),
                unit_duration_cost=int(round(t.unit_duration_cost * cs)),
                profile=profiles.get(t.allowed_clients), reload_depots=[depots[d] for d in t.reload_depots],
                **({} if t.max_reloads is None else {"max_reloads": int(t.max_reloads)}),
            )
        for i in inst.clients:
            m.add_client(
                locs[i], delivery=[int(q) * ls for q in dem[i]], pickup=[int(q) * ls for q in pick[i]],
                service_duration=int(round(inst.service_times[i] * ts)),
                tw_early=0 if tw is None else up(tw[i, 0], ts), tw_late=big if tw is None else down(tw[i, 1], ts),
                release_time=0 if inst.release_times is None else up(inst.release_times[i], ts),
                prize=0 if inst.prizes is None else int(round(inst.prizes[i] * cs)), required=bool(inst.required[i]),
            )
        # the matrices go in whole (adding n^2 edges one by one took 6 s of a 30 s limit at n = 1,000)
        np.fill_diagonal(dist, 0)
        np.fill_diagonal(dur, 0)
        dists, durs = [], []
        for a in profiles:  # in creation order: profile k is matrix k
            ok = np.zeros(n1, bool)
            ok[:nd] = True
            ok[list(a)] = True
            off = ~(ok[:, None] & ok[None, :])
            np.fill_diagonal(off, False)
            dists.append(np.where(off, MAX_VALUE, dist))
            durs.append(dur.copy())
        if not profiles:
            dists, durs = [dist], [dur]
        data = m.data().replace(distance_matrices=dists, duration_matrices=durs)
        res = solve(data, stop=MaxRuntime(max(0.01, state.remaining())), seed=seed, collect_stats=False,
                    display=params.display)
        state.tick(int(res.num_iterations))
        best = res.best
        if best.is_feasible():
            routes, kinds = solution_routes(best, nd)
            rich = len(types) > 1
            cost = check_routes(inst, routes, None, kinds if rich else None).cost
            state.improve(cost, routes, kinds if rich else None)
        state.timed_out = True
        return {"pyvrp_cost_scaled": int(best.distance()), "distance_scale": ds}


def solution_routes(solution, num_depots: int) -> tuple[list[list[int]], list[int]]:
    """A PyVRP solution's routes as netopt node indices (a reload stop as its depot) and each route's
    vehicle type: a route's activities are its start depot, clients (``idx`` counting the clients
    from 0), reload depots and end depot."""
    routes, kinds = [], []
    for r in solution.routes():
        routes.append([int(a.idx) + num_depots if a.is_client() else int(a.idx) for a in list(r)[1:-1]])
        kinds.append(int(r.vehicle_type()))
    return routes, kinds
