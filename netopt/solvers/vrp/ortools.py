"""OR-Tools routing as the baseline every netopt result is compared against.

CVRP, VRPTW, asymmetric distance/duration matrices and TSP through one model: arc cost =
distance, a capacity dimension, a time dimension (travel + service, waiting allowed) when
there are time windows or a duration limit, and a distance dimension for a route-length
limit. OR-Tools needs integer arcs, so matrices are scaled by the smallest power of ten
(up to 10^4) that makes them integral (DIMACS distances: 10); the reported cost is always
recomputed from the float matrix by the validator.

Fleet: every customer is droppable at a penalty above the cost of serving it alone, so
the search always has a solution to improve. A fixed fleet is used as given (an answer
that still drops customers is reported infeasible). An unlimited fleet starts near the
capacity bound; when no complete solution appears within a share of the remaining time,
the fleet doubles, up to one vehicle per customer, where serving every customer alone is
feasible (checked up front), so a feasible answer is always found when one exists.
"""

from __future__ import annotations

import numpy as np

from ...params import Param, ParamSpace
from ..base import SearchState, Solver
from ..registry import register

FIRST_SOLUTIONS = (
    "PATH_CHEAPEST_ARC", "SAVINGS", "SWEEP", "CHRISTOFIDES", "PARALLEL_CHEAPEST_INSERTION",
    "LOCAL_CHEAPEST_INSERTION", "GLOBAL_CHEAPEST_ARC", "LOCAL_CHEAPEST_ARC", "FIRST_UNBOUND_MIN_VALUE",
    "AUTOMATIC",
)
METAHEURISTICS = ("GUIDED_LOCAL_SEARCH", "SIMULATED_ANNEALING", "TABU_SEARCH", "GENERIC_TABU_SEARCH",
                  "GREEDY_DESCENT", "AUTOMATIC")


def integer_scale(*arrays: np.ndarray, max_power: int = 4) -> int:
    """Smallest ``10**k`` (k <= max_power) making every array integral, else ``10**max_power``."""
    for k in range(max_power + 1):
        s = 10**k
        if all(np.allclose(a * s, np.round(a * s), rtol=0, atol=1e-6) for a in arrays if a is not None):
            return s
    return 10**max_power


#: share of the remaining time an unlimited-fleet attempt may spend without serving every customer
PATIENCE = 0.2


@register
class ORToolsSolver(Solver):
    name = "ortools"
    description = "Google OR-Tools routing (first solution + local search metaheuristic); the baseline."
    params = ParamSpace("solver ortools", {
        "first_solution": Param(str, "PATH_CHEAPEST_ARC", "first-solution strategy", FIRST_SOLUTIONS),
        "metaheuristic": Param(str, "GUIDED_LOCAL_SEARCH", "local-search metaheuristic", METAHEURISTICS),
        "vehicles": Param(int, 0, "vehicles of the first attempt for an unlimited fleet (count; 0 = automatic; "
                          "more than the customers count as one per customer)", low=1, special=(0,)),
    })

    def prepare(self, params=None, instance=None) -> float:
        """Import OR-Tools before the clock starts (its first import takes a few tenths of a second)."""
        import time

        t = time.perf_counter()
        from ortools.constraint_solver import pywrapcp  # noqa: F401

        return time.perf_counter() - t

    def _solve(self, instance, state: SearchState, *, seed, initial, params):
        n = instance.num_customers
        start = initial[0] if initial else None  # the first warm start (OR-Tools takes one)
        if instance.num_vehicles is not None:
            fleets = [instance.num_vehicles]
        else:
            v = params.vehicles or instance.min_vehicles + max(2, instance.min_vehicles // 10)
            if start is not None:
                v = max(v, len(start))
            fleets = [max(1, min(n, v))]
            while fleets[-1] < n:
                fleets.append(min(n, 2 * fleets[-1]))
        attempts = []
        for k, v in enumerate(fleets):
            last = k == len(fleets) - 1
            patience = None if last else max(0.5, PATIENCE * state.remaining())
            found = _solve_once(instance, state, v, params.first_solution, params.metaheuristic, start, patience)
            attempts.append(v)
            if found or state.should_stop():
                break
        return {"vehicles_tried": attempts}


def _solve_once(inst, state: SearchState, num_vehicles, first_solution, metaheuristic, initial, patience) -> bool:
    """One OR-Tools search with ``num_vehicles`` from the warm start ``initial`` (routes, or None);
    gives up after ``patience`` seconds without a solution that serves every customer (None:
    never). True when one was found."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    started = state.elapsed()
    complete = False
    n1 = inst.num_nodes
    tw = inst.time_windows
    manager = pywrapcp.RoutingIndexManager(n1, num_vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    ds = integer_scale(inst.distance)
    dist_int = np.round(inst.distance * ds).astype(np.int64)
    arc = routing.RegisterTransitMatrix(dist_int.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(arc)

    if inst.demands.any():
        dem = routing.RegisterUnaryTransitVector(inst.demands.tolist())
        routing.AddDimensionWithVehicleCapacity(dem, 0, [inst.capacity] * num_vehicles, True, "Capacity")

    if tw is not None or inst.max_duration is not None:
        st = inst.service_times
        ts = integer_scale(inst.duration, st, tw, None if inst.max_duration is None else np.array([inst.max_duration]))
        # transit i->j = service at i + travel i->j; arrival at j must lie in j's window
        time_int = np.round((inst.duration + st[:, None]) * ts).astype(np.int64)
        horizon = int(np.ceil(tw[0, 1] * ts)) if tw is not None else int(time_int.sum(1).max() * n1)
        t = routing.RegisterTransitMatrix(time_int.tolist())
        routing.AddDimension(t, horizon, horizon, False, "Time")
        time_dim = routing.GetDimensionOrDie("Time")
        if tw is not None:
            for node in range(1, n1):
                time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(
                    int(np.ceil(tw[node, 0] * ts - 1e-6)), int(np.floor(tw[node, 1] * ts + 1e-6)))
            lo, hi = int(np.ceil(tw[0, 0] * ts - 1e-6)), int(np.floor(tw[0, 1] * ts + 1e-6))
            for v in range(num_vehicles):
                time_dim.CumulVar(routing.Start(v)).SetRange(lo, hi)
                time_dim.CumulVar(routing.End(v)).SetRange(lo, hi)
        if inst.max_duration is not None:
            for v in range(num_vehicles):
                time_dim.SetSpanUpperBoundForVehicle(int(np.floor(inst.max_duration * ts + 1e-6)), v)
        for v in range(num_vehicles):  # prefer schedules without idle time at the start
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(v)))

    if inst.max_distance is not None:
        routing.AddDimension(arc, 0, int(np.floor(inst.max_distance * ds + 1e-6)), True, "Distance")

    # dropping a customer costs more than serving it on a route of its own
    penalty = int(min(2**62 // (2 * n1), 2 * max(1, dist_int.max()) + 1))
    for node in range(1, n1):
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)

    def routes_now():
        out = []
        for v in range(num_vehicles):
            idx, r = routing.NextVar(routing.Start(v)).Value(), []
            while not routing.IsEnd(idx):
                r.append(manager.IndexToNode(idx))
                idx = routing.NextVar(idx).Value()
            out.append(r)
        return out

    def on_solution():
        nonlocal complete
        state.tick()
        routes = routes_now()
        if sum(map(len, routes)) == n1 - 1:  # every customer served
            complete = True
            cost = sum(float(inst.distance[a, b]) for r in routes for a, b in zip([0, *r], [*r, 0]) if r)
            state.improve(cost, routes)
        if state.should_stop() or (not complete and patience is not None and state.elapsed() - started > patience):
            routing.CancelSearch()

    routing.AddAtSolutionCallback(on_solution)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first_solution)
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic)
    params.time_limit.FromMilliseconds(max(1, int(state.remaining() * 1000)))

    assignment = None
    if initial is not None and len(initial) <= num_vehicles:
        routing.CloseModelWithParameters(params)
        start = routing.ReadAssignmentFromRoutes([list(r) for r in initial], True)
        if start is not None:
            assignment = routing.SolveFromAssignmentWithParameters(start, params)
    if assignment is None:
        assignment = routing.SolveWithParameters(params)
    # metaheuristics other than greedy descent only ever stop on the time limit (or a cancel)
    if not state.interrupted and (metaheuristic != "GREEDY_DESCENT" or state.remaining() < 0.05):
        state.timed_out = True
    return complete
