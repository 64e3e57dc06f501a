"""OR-Tools routing as the baseline every netopt result is compared against.

CVRP, VRPTW, asymmetric distance/duration matrices and TSP through one model: arc cost =
distance, a capacity dimension (one per load dimension: weight, volume, ...), a time dimension
(travel + service, waiting allowed) when there are time windows or a duration limit, and a
distance dimension for a route-length limit. OR-Tools needs integer arcs, so matrices are scaled
by the smallest power of ten (up to 10^4) that makes them integral (DIMACS distances: 10); the
reported cost is always recomputed from the float matrix by the validator.

Rich variants through the same model: vehicle types (capacity, fixed cost, unit distance and
duration costs, shift window, duration and distance limits) as per-vehicle settings, start and
end depots per vehicle (several depots), optional clients as disjunctions with their prize as
the penalty, allowed vehicles per client (site dependence), and VRPB's linehauls-first rule as a
second load dimension plus removed arcs (backhaul to linehaul, depot to backhaul). Release
times and reloads are not modelled: :attr:`ORToolsSolver.features` says so and such instances
are refused.

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
    features = frozenset({"multi_depot", "vehicle_types", "vehicle_costs", "prizes", "allowed_clients",
                          "shift_windows", "backhauls", "linehauls_first", "load_dimensions"})
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

    def supports(self, instance) -> str:
        if instance.pickups is not None and not instance.linehauls_first:
            return "pickups mixed with deliveries on one trip are not modelled (only VRPB's linehauls first)"
        return ""

    def _solve(self, instance, state: SearchState, *, seed, initial, params):
        n = instance.num_customers
        start = initial[0] if initial else None  # the first warm start (OR-Tools takes one)
        types = instance.vehicle_types
        if len(types) > 1:
            fleets = [[k for k, t in enumerate(types) for _ in range(_useful(instance, t))]]
        elif instance.num_vehicles is not None:
            fleets = [[0] * instance.num_vehicles]
        else:
            v = params.vehicles or instance.min_vehicles + max(2, instance.min_vehicles // 10)
            if start is not None:
                v = max(v, len(start))
            sizes = [max(1, min(n, v))]
            while sizes[-1] < n:
                sizes.append(min(n, 2 * sizes[-1]))
            fleets = [[0] * v for v in sizes]
        attempts = []
        for k, fleet in enumerate(fleets):
            last = k == len(fleets) - 1
            patience = None if last else max(0.5, PATIENCE * state.remaining())
            found = _solve_once(instance, state, fleet, params.first_solution, params.metaheuristic, start, patience)
            attempts.append(len(fleet))
            if found or state.should_stop():
                break
        return {"vehicles_tried": attempts}


def _useful(inst, t) -> int:
    """How many vehicles of type ``t`` the model gets: all of them, but never more than one per client,
    and without time or route limits never more than twice the number that could carry all required
    load alone, plus two (a large fleet makes OR-Tools' model slow to build: PyVRP's FSM instances list
    1,000 vehicles of each type)."""
    n = inst.num_customers
    count = min(t.num_available or n, n)
    if inst.time_windows is None and t.max_duration is None and t.max_distance is None and min(t.capacities) > 0:
        count = min(count, 2 * inst.routes_needed(t.capacity) + 2)
    return max(1, count)


def _solve_once(inst, state: SearchState, fleet, first_solution, metaheuristic, initial, patience) -> bool:
    """One OR-Tools search with one vehicle of type ``fleet[v]`` for each ``v``, from the warm start
    ``initial`` (routes, or None); gives up after ``patience`` seconds without a solution that serves
    every required customer (None: never). True when one was found."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    from ...validate import check_routes

    started = state.elapsed()
    complete = False
    n1, nd = inst.num_nodes, inst.num_depots
    num_vehicles = len(fleet)
    tw = inst.time_windows
    types = inst.vehicle_types
    vtypes = [types[k] for k in fleet]
    manager = pywrapcp.RoutingIndexManager(n1, num_vehicles, [t.start_depot for t in vtypes],
                                           [t.end_depot for t in vtypes])
    routing = pywrapcp.RoutingModel(manager)

    dmat = np.asarray(inst.distance)  # (a large coordinate instance holds points: the matrix the model needs)
    tmat = dmat if inst.duration is inst.distance else np.asarray(inst.duration)
    ds = integer_scale(dmat)
    dist_int = np.round(dmat * ds).astype(np.int64)
    arc = routing.RegisterTransitMatrix(dist_int.tolist())
    # arc costs per vehicle type: unit distance cost x distance + unit duration cost x travel time, in one scale
    unit = {(t.unit_distance_cost, t.unit_duration_cost) for t in vtypes}
    if unit == {(1.0, 0.0)}:
        cs = ds
        routing.SetArcCostEvaluatorOfAllVehicles(arc)
    else:
        mats = {u: u[0] * dmat + u[1] * tmat for u in unit}
        cs = integer_scale(*mats.values(), np.array([t.fixed_cost for t in vtypes]),
                           inst.prizes if inst.prizes is not None else None)
        evaluators = {u: routing.RegisterTransitMatrix(np.round(m * cs).astype(np.int64).tolist())
                      for u, m in mats.items()}
        for v, t in enumerate(vtypes):
            routing.SetArcCostEvaluatorOfVehicle(evaluators[(t.unit_distance_cost, t.unit_duration_cost)], v)
    for v, t in enumerate(vtypes):
        if t.fixed_cost:
            routing.SetFixedCostOfVehicle(int(round(t.fixed_cost * cs)), v)

    # a capacity dimension per load dimension (weight, volume, ...): deliveries, and with VRPB's
    # linehauls first the pickups in a second one, so the peak load is the larger of the two sums
    dims = inst.load_dims
    dem, pick = inst.load_rows()
    pickups = None if inst.pickups is None else pick
    for j in range(dims):
        name = "" if dims == 1 else f" {j + 1}"
        caps = [int(t.capacities[j]) for t in vtypes]
        if dem[:, j].any():
            cb = routing.RegisterUnaryTransitVector(dem[:, j].tolist())
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "Capacity" + name)
        if pickups is not None:
            cb = routing.RegisterUnaryTransitVector(pickups[:, j].tolist())
            routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, "Backhaul" + name)
    if pickups is not None:
        back = [i for i in inst.clients if pickups[i].any() and not dem[i].any()]
        line = [manager.NodeToIndex(j) for j in inst.clients if dem[j].any()]
        for i in back:  # no linehaul after a backhaul, and no route that starts with a backhaul
            nxt = routing.NextVar(manager.NodeToIndex(i))
            for j in line:
                nxt.RemoveValue(j)
            for v in range(num_vehicles):
                routing.NextVar(routing.Start(v)).RemoveValue(manager.NodeToIndex(i))

    shifts = any(t.tw_early is not None or t.tw_late is not None for t in vtypes)
    limits = [t.max_duration for t in vtypes]
    if tw is not None or shifts or any(x is not None for x in limits):
        st = inst.service_times
        given = [np.array([x]) for x in limits + [t.tw_early for t in vtypes] + [t.tw_late for t in vtypes]
                 if x is not None]
        ts = integer_scale(tmat, st, tw, *given)
        # transit i->j = service at i + travel i->j; arrival at j must lie in j's window
        time_int = np.round((tmat + st[:, None]) * ts).astype(np.int64)
        ends = [t.tw_late for t in vtypes if t.tw_late is not None] + ([tw[:nd, 1].max()] if tw is not None else [])
        horizon = int(np.ceil(max(ends) * ts)) if ends else int(time_int.sum(1).max() * n1)
        t_cb = routing.RegisterTransitMatrix(time_int.tolist())
        routing.AddDimension(t_cb, horizon, horizon, False, "Time")
        time_dim = routing.GetDimensionOrDie("Time")
        if tw is not None:
            for node in inst.clients:
                time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(
                    int(np.ceil(tw[node, 0] * ts - 1e-6)), int(np.floor(tw[node, 1] * ts + 1e-6)))
        for v, t in enumerate(vtypes):
            early, late = inst.shift_window(t)
            late = min(late, horizon / ts)
            lo, hi = int(np.ceil(early * ts - 1e-6)), int(np.floor(late * ts + 1e-6))
            time_dim.CumulVar(routing.Start(v)).SetRange(lo, hi)
            time_dim.CumulVar(routing.End(v)).SetRange(lo, hi)
            if t.max_duration is not None:
                time_dim.SetSpanUpperBoundForVehicle(int(np.floor(t.max_duration * ts + 1e-6)), v)
        for v in range(num_vehicles):  # prefer schedules without idle time at the start
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(v)))

    max_dist = [t.max_distance for t in vtypes]
    if any(x is not None for x in max_dist):
        big = int(dist_int.max()) * n1 + 1
        routing.AddDimensionWithVehicleCapacity(
            arc, 0, [big if x is None else int(np.floor(x * ds + 1e-6)) for x in max_dist], True, "Distance")

    if "allowed_clients" in inst.features:  # site dependence, per type (a fleet has far more vehicles than types)
        vehicles_of = {k: [v for v, kv in enumerate(fleet) if kv == k] for k in set(fleet)}
        for node in inst.clients:
            allowed = [v for k, vs in vehicles_of.items() if types[k].may_serve(node) for v in vs]
            if len(allowed) < num_vehicles:  # (SetAllowedVehiclesForIndex's binding refuses Python lists)
                routing.VehicleVar(manager.NodeToIndex(node)).SetValues([-1, *sorted(allowed)])
    used_depots = {t.start_depot for t in vtypes} | {t.end_depot for t in vtypes}
    for node in range(nd):  # a depot no vehicle starts or ends at is no stop: it is dropped at no cost
        if node not in used_depots:
            idx = manager.NodeToIndex(node)
            routing.VehicleVar(idx).SetValues([-1])
            routing.AddDisjunction([idx], 0)

    # dropping a required customer costs more than serving it on a route of its own; an optional one its prize
    penalty = int(min(2**62 // (2 * n1), 2 * max(1, dist_int.max()) * max(1, cs // ds) * max(
        1.0, max(t.unit_distance_cost + t.unit_duration_cost for t in vtypes)) + 1 + max(
        int(round(t.fixed_cost * cs)) for t in vtypes)))
    required = inst.required
    for node in inst.clients:
        prize = 0 if inst.prizes is None else int(round(inst.prizes[node] * cs))
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty if required[node] else prize)
    need = int(required[nd:].sum())

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
        if sum(1 for r in routes for v in r if required[v]) == need:  # every required customer served
            complete = True
            if len(types) == 1 and not inst.features:
                cost = sum(float(inst.distance[a, b]) for r in routes for a, b in zip([0, *r], [*r, 0]) if r)
                state.improve(cost, routes)
            else:
                state.improve(check_routes(inst, routes, None, fleet).cost, routes, fleet)
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
