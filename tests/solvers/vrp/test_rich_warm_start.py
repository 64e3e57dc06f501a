"""Warm starts on the rich variants (``ils``): each route goes into a slot of its vehicle type with its
reload stops, the search starts where the start is, what the start misses is inserted by the search,
and a start that says too little (no vehicle types) or names what the instance lacks is refused."""

import warnings

import numpy as np
import pytest

from netopt.exceptions import NetoptWarning, SolutionFormatError, UnsupportedInstanceError
from netopt.model import RoutingInstance, RoutingSolution
from netopt.model.fleet import VehicleType
from netopt.solvers import get_solver
from netopt.solvers.base import SearchState
from netopt.solvers.vrp.ils import ILS, _Run
from netopt.solvers.warm_start import warm_start_routes
from netopt.validate import check_routes
from tests.support import datasets_dir

from test_rich_solvers import make, solvable, variants


def fleet_instance(n=40, seed=0, **kw):
    """``n`` clients around two depots, two vehicle types of different capacities and costs."""
    rng = np.random.default_rng(seed)
    xy = np.r_[[[0, 0], [60, 60]], rng.uniform(0, 60, (n, 2))]
    d = np.round(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)), 1)
    dem = np.r_[0, 0, rng.integers(1, 6, n)]
    types = kw.pop("vehicle_types", (VehicleType(15, None, fixed_cost=20), VehicleType(9, None, start_depot=1)))
    return RoutingInstance("fleet", d, dem, num_depots=2, vehicle_types=types, coordinates=xy, **kw)


def solution_of(inst, res) -> RoutingSolution:
    routes = res.solution["routes"]
    return RoutingSolution.from_node_ids(inst, [r["visits"] for r in routes],
                                         vehicle_types=[r["vehicle_type"] for r in routes])


def solved(inst, **kw):
    res = ILS().solve(inst, time_limit=60, **kw)
    assert res.solution is not None and res.solution["feasible"], res.message
    sol = solution_of(inst, res)
    assert sol.cost == pytest.approx(res.objective)
    return res, sol


@pytest.mark.parametrize("name, inst", solvable(ILS(), [(n, make(kw)) for n, kw in variants()]),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_each_route_goes_into_a_slot_of_its_type_with_its_reload_stops(name, inst):
    """The search's arrays read back as exactly the start: the same routes (reload stops included) on
    the same vehicle types, whatever the variant."""
    _, sol = solved(inst, seed=0, max_iterations=300)
    start = warm_start_routes(inst, sol)[0]
    run = _Run(inst, SearchState(60, None, None), ILS().resolve_params(), 0, [start])
    routes, rlen = run._placed(start)
    got = sorted((int(run.data.slot_types[r]), tuple(run._visits(routes, rlen, r)))
                 for r in range(run.slots) if rlen[r])
    types = start.vehicle_types or [0] * len(start)
    assert got == sorted(zip(types, map(tuple, start)))
    if name.startswith("mtvrp"):
        assert any(v < inst.num_depots for r in start for v in r), "the case has no reload stop to place"


def test_the_search_starts_at_the_start():
    """After one iteration from a good start the result is no worse than it (a cold start is); the
    start is the first solution offered."""
    inst = fleet_instance()
    good, sol = solved(inst, seed=1, max_iterations=3000)
    res = ILS().solve(inst, time_limit=60, seed=3, max_iterations=1, initial=sol)
    assert res.history[0][1] == pytest.approx(sol.cost)
    assert res.objective <= good.objective + 1e-9
    cold = ILS().solve(inst, time_limit=60, seed=3, max_iterations=1)
    assert cold.objective > good.objective


def test_missing_and_repeated_clients_are_repaired_by_the_search():
    inst = fleet_instance(prizes=np.r_[0, 0, np.full(40, 8)], required=np.r_[True, True, np.arange(40) % 4 != 0])
    _, sol = solved(inst, seed=1, max_iterations=500)
    routes = [list(r) for r in sol.routes]
    required = next(v for r in routes for v in r if inst.required[v])
    routes = [[v for v in r if v != required] for r in routes]
    routes[0].append(routes[-1][0])  # a repeated visit
    keep = [k for k, r in enumerate(routes) if r]
    start = RoutingSolution(inst, [routes[k] for k in keep], [sol.vehicle_types[k] for k in keep])
    with pytest.warns(NetoptWarning, match="dropped 1 repeated visit .*; the solver inserts 1 missing required client"):
        res = ILS().solve(inst, time_limit=60, seed=0, max_iterations=1, initial=start)
    assert res.solution["feasible"]
    assert any(required in r for r in solution_of(inst, res).routes)


def test_more_routes_than_slots_of_a_type():
    """A start of one client per route (more routes of type 0 than the search's slots of that type):
    the clients of the routes beyond are inserted again, and the result is feasible."""
    inst = fleet_instance(n=30)
    start = RoutingSolution(inst, [[v] for v in range(2, 32)], [0] * 30)
    assert start.is_feasible
    res = ILS().solve(inst, time_limit=60, seed=0, max_iterations=1, initial=start)
    assert res.solution["feasible"] and res.objective < start.cost


def test_refusals():
    inst = fleet_instance(n=10)
    with pytest.raises(SolutionFormatError, match="2 vehicle types: give each route's vehicle type"):
        ILS().solve(inst, time_limit=5, max_iterations=1, initial=[[v] for v in range(2, 12)])
    bad = RoutingSolution(inst, [[v] for v in range(2, 12)], [0] * 9 + [2])
    with pytest.raises(SolutionFormatError, match="vehicle type 2 is not one of the instance's"):
        ILS().solve(inst, time_limit=5, max_iterations=1, initial=bad)
    depot = RoutingSolution(inst, [[2, 0, 3]] + [[v] for v in range(4, 12)], [0] * 9)
    with pytest.raises(SolutionFormatError, match="0 is not a customer index"):
        ILS().solve(inst, time_limit=5, max_iterations=1, initial=depot)
    ok = RoutingSolution(inst, [[v] for v in range(2, 12)], [0] * 10)
    with pytest.raises(UnsupportedInstanceError, match="solver ils takes them"):
        get_solver("ortools").solve(inst, time_limit=5, initial=ok)


@pytest.mark.datasets
@pytest.mark.parametrize("folder, name", [("HFVRP", "X110-HD"), ("MDVRPTW", "PR11B"), ("PCVRPTW", "R1_10_4"),
                                          ("VRPB", "X-n524-80-k132"), ("MTVRPTWR", "R204R0.5"), ("SDVRPTW", "PR11")])
def test_from_the_best_known_solution(folder, name):
    """From each folder's best-known solution (read from its .sol: vehicles aligned, reload stops) the
    search starts at the best-known cost and does not end above it."""
    from netopt.io import load_instance, read_sol

    path = datasets_dir("pyvrp") / folder / f"{name}.vrp"
    if not path.exists():
        pytest.skip(f"{path} not found")
    inst = load_instance(path)
    sol, _ = read_sol(path.with_suffix(".sol"), inst)
    rep = check_routes(inst, sol.routes, None, sol.vehicle_types)
    assert rep.feasible
    with warnings.catch_warnings():
        warnings.simplefilter("error", NetoptWarning)  # a best-known solution needs no repair
        res = ILS().solve(inst, time_limit=60, seed=0, max_iterations=1, initial=sol)
    assert res.history[0][1] == pytest.approx(rep.cost)
    assert res.objective <= rep.cost + 1e-6
