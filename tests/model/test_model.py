import numpy as np
import pytest

from netopt.exceptions import InfeasibleInstanceError, InstanceFormatError
from netopt.model import Result, RoutingInstance, RoutingSolution


def make(**kw):
    d = np.array([[0, 2, 3], [2, 0, 4], [3, 4, 0]], float)
    args = dict(name="t", distance=d, demands=np.array([0, 1, 1]), capacity=2)
    args.update(kw)
    return RoutingInstance(**args)


def test_arrays_are_read_only_and_problem_inferred():
    inst = make()
    assert inst.problem == "cvrp" and inst.is_symmetric and inst.duration is inst.distance
    with pytest.raises(ValueError):
        inst.distance[0, 1] = 7
    assert make(time_windows=[[0, 10]] * 3).problem == "vrptw"
    assert make(demands=[0, 0, 0], num_vehicles=1).problem == "tsp"


@pytest.mark.parametrize(
    "kw, field",
    [
        (dict(distance=[[0, 1], [1, 0], [1, 1]]), "distance"),
        (dict(distance=[[0, -1, 1], [1, 0, 1], [1, 1, 0]]), "distance"),
        (dict(distance=[[0, np.nan, 1], [1, 0, 1], [1, 1, 0]]), "distance"),
        (dict(demands=[0, 1]), "demands"),
        (dict(demands=[0, -1, 1]), "demands"),
        (dict(demands=[0, 1.5, 1]), "demands"),
        (dict(demands=[3, 1, 1]), "demands"),
        (dict(capacity=0), "capacity"),
        (dict(capacity=2.5), "capacity"),
        (dict(num_vehicles=0), "num_vehicles"),
        (dict(time_windows=[[0, 10], [5, 1], [0, 10]]), "time_windows"),
        (dict(service_times=[0, -1, 0]), "service_times"),
        (dict(duration=np.zeros((2, 2))), "duration"),
        (dict(max_duration=-3), "max_duration"),
        (dict(node_ids=[1, 1, 2]), "node_ids"),
        (dict(problem="vrpx"), "problem"),
    ],
)
def test_invalid_fields_name_the_field(kw, field):
    with pytest.raises(InstanceFormatError) as e:
        make(**kw)
    assert e.value.field == field


def test_check_feasible_catches_single_customer_problems():
    make().check_feasible()
    with pytest.raises(InfeasibleInstanceError, match="demand 3 above the vehicle capacity 2"):
        make(demands=[0, 3, 1]).check_feasible()
    with pytest.raises(InfeasibleInstanceError, match="time window closes"):
        make(time_windows=[[0, 100], [0, 1], [0, 100]]).check_feasible()
    with pytest.raises(InfeasibleInstanceError, match="depot closes"):
        make(time_windows=[[0, 5], [0, 5], [0, 5]]).check_feasible()
    with pytest.raises(InfeasibleInstanceError, match="fleet has 1"):
        make(num_vehicles=1, capacity=1).check_feasible()
    with pytest.raises(InfeasibleInstanceError, match="route limit"):
        make(max_distance=5).check_feasible()


def test_solution_recomputes_cost_and_uses_file_ids():
    inst = make(node_ids=[10, 20, 30])
    sol = RoutingSolution(inst, [[2, 1], []])
    assert sol.cost == 3 + 4 + 2 and sol.num_routes == 1 and sol.is_feasible
    d = sol.to_dict()
    assert d["routes"][0]["visits"] == [30, 20] and d["cost"] == 9
    back = RoutingSolution.from_node_ids(inst, [[10, 30, 20, 10]])
    assert back.routes == ((2, 1),)
    assert list(sol.giant_tour()) == [2, 1]


def test_result_json_round_trip_and_no_infinity():
    r = Result(problem="cvrp", instance="t", instance_sha256="x", solver="s", params={}, seed=1,
               status="infeasible", objective=None, runtime_s=0.1)
    d = r.to_dict()
    assert list(d)[0] == "schema_version" and d["objective"] is None
    assert Result.from_dict(d) == r
    with pytest.raises(ValueError):
        Result(problem="cvrp", instance="t", instance_sha256="x", solver="s", params={}, seed=1,
               status="great", objective=1.0, runtime_s=0.1)
