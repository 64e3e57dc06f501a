"""Rich variants in the solvers: OR-Tools and ILS reach the brute-force optimum of tiny instances of every
variant they model; every solver refuses, with the reason, the features it does not model (never ignores
them)."""

import functools

import numpy as np
import pytest

from netopt.exceptions import UnsupportedInstanceError
from netopt.model import RoutingInstance, RoutingSolution
from netopt.model.fleet import VehicleType
from netopt.solvers import available_solvers, get_solver

from naive_rich import brute_force

XY = np.array([[0, 0], [10, 0], [1, 3], [2, -2], [9, 2], [12, 1], [5, 5]], float)
D = np.round(np.hypot(*(XY[:, None, :] - XY[None, :, :]).transpose(2, 0, 1)), 1)
DEM = np.array([0, 0, 3, 2, 3, 2, 4])


def variants():
    md = dict(num_depots=2, vehicle_types=(VehicleType(8, 1, start_depot=0), VehicleType(8, 1, start_depot=1)))
    yield "mdvrp", dict(md)
    yield "hfvrp", dict(num_depots=2, vehicle_types=(
        VehicleType(8, 1, fixed_cost=20, unit_distance_cost=1.5), VehicleType(5, 2, start_depot=1, fixed_cost=5)))
    yield "pcvrp", dict(md, prizes=[0, 0, 0, 0, 30, 2, 8], required=[1, 1, 1, 1, 0, 0, 0])
    yield "sdvrp", dict(num_depots=2, vehicle_types=(VehicleType(9, 1, allowed_clients=(2, 3, 6)),
                                                     VehicleType(9, 1, start_depot=1)))
    yield "vrpb", dict(md, demands=[0, 0, 3, 0, 3, 0, 2], pickups=[0, 0, 0, 4, 0, 2, 0], linehauls_first=True)
    tw = np.array([[0, 60], [0, 60], [0, 20], [10, 30], [0, 60], [0, 15], [20, 40]], float)
    yield "mtvrptwr", dict(num_depots=2, demands=[0, 0, 3, 2, 3, 2, 4], release_times=[0, 0, 5, 0, 9, 30, 0],
                           vehicle_types=(VehicleType(6, 1, reload_depots=(0,)),
                                          VehicleType(6, 1, start_depot=1, reload_depots=(0, 1))))
    yield "vrptw-shift", dict(num_depots=2, time_windows=tw, service_times=[0, 0, 2, 2, 2, 2, 2],
                              vehicle_types=(VehicleType(9, 1, tw_late=45), VehicleType(9, 1, start_depot=1)))
    yield "mtvrp-max-reloads", dict(num_depots=2, vehicle_types=(VehicleType(5, 1, reload_depots=(0,), max_reloads=1),
                                                                 VehicleType(5, 1, start_depot=1, reload_depots=(1,),
                                                                             max_reloads=1)))
    # the second load dimension (volume) binds where weight alone would not
    yield "mdvrp-2dim", dict(num_depots=2, demands=np.c_[DEM, [0, 0, 4, 1, 1, 4, 2]],
                             vehicle_types=(VehicleType((9, 6), 1), VehicleType((9, 6), 1, start_depot=1),
                                            VehicleType((9, 6), 1, start_depot=1)))


def solvable(solver, cases):
    """The ``(name, instance)`` of ``cases`` that ``solver`` may solve (its ``check_instance`` passes)."""
    out = []
    for name, inst in cases:
        try:
            solver.check_instance(inst)
        except UnsupportedInstanceError:
            continue
        out.append((name, inst))
    return out


def make(kw):
    kw = dict(kw)
    return RoutingInstance("tiny", D, kw.pop("demands", DEM), **kw)


@functools.lru_cache(maxsize=None)
def optimum(name: str) -> float:
    inst = make(dict(variants())[name])
    fleet = [k for k, t in enumerate(inst.vehicle_types) for _ in range(t.num_available)]
    return brute_force(inst, fleet)


@pytest.mark.parametrize("solver", ["ortools", "ils"])
@pytest.mark.parametrize("name, kw", list(variants()), ids=[v[0] for v in variants()])
def test_solver_reaches_the_brute_force_optimum(name, kw, solver):
    inst = make(kw)
    s = get_solver(solver)
    if s.unsupported_features(inst):
        pytest.skip(f"{solver} does not model {inst.variant}")
    best = optimum(name)
    assert np.isfinite(best)
    res = s.solve(inst, time_limit=1, seed=0, **({"max_iterations": 300} if solver == "ils" else {}))
    assert res.status in ("feasible", "time_limit", "optimal"), res.message
    routes = res.solution["routes"]
    sol = RoutingSolution.from_node_ids(inst, [r["visits"] for r in routes],
                                        vehicle_types=[r["vehicle_type"] for r in routes])
    assert sol.is_feasible and np.isclose(sol.cost, res.objective)
    assert res.objective == pytest.approx(best), (name, res.objective, best)


@pytest.mark.parametrize("solver", sorted(available_solvers()))
def test_every_solver_refuses_what_it_does_not_model(solver):
    s = get_solver(solver)
    refused = 0
    for name, kw in variants():
        inst = make(kw)
        missing = [f for f in inst.features if f not in s.features]
        if not missing:
            continue
        with pytest.raises(UnsupportedInstanceError, match=f"does not model {missing[0]}"):
            s.solve(inst, time_limit=0.2)
        refused += 1
    assert refused or s.features >= {"release_times", "reloads"}, "a solver that models no rich feature refuses"
