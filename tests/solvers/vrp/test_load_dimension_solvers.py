"""Loads in two dimensions: each dimension is its own capacity, and on tiny instances where the second
one (volume) binds, the ILS, OR-Tools and PyVRP (when installed) reach the brute-force optimum, judged
by the independent validator."""

import functools

import numpy as np
import pytest

from netopt.model import RoutingInstance, RoutingSolution
from netopt.model.fleet import VehicleType
from netopt.solvers import get_solver
from netopt.solvers.vrp.ortools import _useful

from naive_rich import brute_force

XY = np.array([[0, 0], [10, 0], [10, 4], [-10, 0], [-10, 4], [0, 9]], float)
D = np.round(np.hypot(*(XY[:, None, :] - XY[None, :, :]).transpose(2, 0, 1)), 1)
WEIGHT = [0, 2, 2, 2, 2, 1]
VOLUME = [0, 3, 3, 3, 3, 1]


def cases():
    # weight (10) fits every client on one route; volume (13 of 7 per vehicle) needs two
    yield "cvrp-2dim", dict(demands=np.c_[WEIGHT, VOLUME], capacity=(10, 7), num_vehicles=3)
    # a heavy truck and a bulky van: each dimension binds on a different type
    yield "hfvrp-2dim", dict(demands=np.c_[[0, 4, 1, 4, 1, 2], [0, 1, 4, 1, 4, 2]],
                             vehicle_types=(VehicleType((9, 3), 1, fixed_cost=5), VehicleType((3, 9), 1),
                                            VehicleType((12, 12), 1, fixed_cost=40)))
    # VRPB: the pickups' volume binds (linehauls first, no route starts with a backhaul)
    yield "vrpb-2dim", dict(demands=np.c_[[0, 0, 0, 2, 2, 2], [0, 0, 0, 1, 1, 1]],
                            pickups=np.c_[[0, 1, 1, 0, 0, 0], [0, 4, 4, 0, 0, 0]], linehauls_first=True,
                            capacity=(10, 6), num_vehicles=3)


def make(kw) -> RoutingInstance:
    kw = dict(kw)
    return RoutingInstance("tiny", D, kw.pop("demands"), coordinates=XY, **kw)


@functools.lru_cache(maxsize=None)
def optimum(name: str) -> float:
    inst = make(dict(cases())[name])
    fleet = [k for k, t in enumerate(inst.vehicle_types) for _ in range(t.num_available)]
    return brute_force(inst, fleet)


def solve(inst, solver, time_limit=1.0, **kw):
    res = get_solver(solver).solve(inst, time_limit=time_limit, seed=0, **kw)
    assert res.status in ("feasible", "time_limit", "optimal"), res.message
    routes = res.solution["routes"]
    sol = RoutingSolution.from_node_ids(inst, [r["visits"] for r in routes],
                                        vehicle_types=[r["vehicle_type"] for r in routes])
    assert sol.is_feasible, sol.violations()
    assert np.isclose(sol.cost, res.objective)
    return res, sol


@pytest.mark.parametrize("solver", ["ils", "ortools", "pyvrp"])
@pytest.mark.parametrize("name", [c[0] for c in cases()])
def test_solver_reaches_the_brute_force_optimum(name, solver):
    if solver == "pyvrp":
        pytest.importorskip("pyvrp")
    inst = make(dict(cases())[name])
    assert "load_dimensions" in inst.features
    res, sol = solve(inst, solver, **({"max_iterations": 300} if solver == "ils" else {}))
    assert res.objective == pytest.approx(optimum(name)), (name, res.objective)
    if name == "cvrp-2dim":
        assert sol.num_routes == 2  # volume: 13 > 7


def test_second_dimension_binds():
    weight_only = RoutingInstance("w", D, WEIGHT, 10, num_vehicles=3, coordinates=XY)
    assert brute_force(weight_only, [0, 0, 0]) < optimum("cvrp-2dim") - 1
    kw = dict(cases())["vrpb-2dim"]
    weight_only = RoutingInstance("w", D, kw["demands"][:, 0], 10, pickups=kw["pickups"][:, 0], linehauls_first=True,
                                  num_vehicles=3, coordinates=XY)
    assert brute_force(weight_only, [0, 0, 0]) < optimum("vrpb-2dim") - 1


def test_fleet_size_heuristic_counts_every_dimension():
    inst = RoutingInstance("v", D, np.c_[WEIGHT, VOLUME], vehicle_types=(VehicleType((100, 2), 9),))
    assert inst.routes_needed(inst.vehicle_types[0].capacity) == 7  # ceil(13 / 2): volume, not weight (1)
    assert _useful(inst, inst.vehicle_types[0]) == 5  # every client on a vehicle of its own
    big = RoutingInstance("b", D, np.c_[WEIGHT, VOLUME], vehicle_types=(VehicleType((100, 20), 9),))
    assert _useful(big, big.vehicle_types[0]) == 2 * 1 + 2

