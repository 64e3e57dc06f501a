"""Registry errors, parameters, and one invariant check run over every registered solver."""

import itertools
import json

import numpy as np
import pytest

from netopt.datasets import generate_cvrp
from netopt.exceptions import InfeasibleInstanceError, SolverParameterError, UnknownSolverError
from netopt.model import RoutingInstance, RoutingSolution
from netopt.solvers import Param, Solver, available_solvers, get_solver, register
from netopt.validate import check_routes

SOLVERS = sorted(available_solvers())


def test_unknown_solver_lists_valid_names():
    with pytest.raises(UnknownSolverError) as e:
        get_solver("gurobi")
    assert "unknown solver 'gurobi'" in str(e.value) and "ortools" in str(e.value)


def test_duplicate_registration_is_refused():
    class Other(Solver):
        name = "ortools"

    with pytest.raises(ValueError, match="already registered"):
        register(Other)


def test_parameters_are_checked(line_cvrp):
    s = get_solver("ortools")
    with pytest.raises(SolverParameterError, match="unknown parameter 'speed'"):
        s.solve(line_cvrp, time_limit=1, speed=3)
    with pytest.raises(SolverParameterError, match="not one of"):
        s.solve(line_cvrp, time_limit=1, metaheuristic="MAGIC")
    with pytest.raises(SolverParameterError, match="expected an integer"):
        s.resolve_params({"vehicles": "many"})
    assert Param(bool, False, "").convert("s", "flag", "yes") is True


@pytest.mark.parametrize("solver,given,message", [
    ("ortools", {"vehicles": -1}, r"vehicles: -1 is out of range \(valid: integer >= 1 or 0\)"),
    ("hgs", {"population_size": 0}, r"population_size: 0 is out of range \(valid: integer >= 2\)"),
    ("hgs", {"population_size": "-5"}, "population_size: -5 is out of range"),
    ("hgs", {"target_feasible": 5}, r"target_feasible: 5.0 is out of range \(valid: 0 <= number <= 1\)"),
    ("hgs", {"repair_probability": "nan"}, "not a finite number"),
    ("hgs", {"granular": 2.5}, "expected an integer"),
    ("hgs", {"nb_elite": 30}, "nb_elite must be at most population_size"),
    ("hgs", {"swap_star": "maybe"}, "expected true/false"),
    ("hgs", {"init": "nco"}, "unknown parameter 'init'"),
    ("nco", {"augment": 9}, r"augment: 9 is out of range \(valid: 1 <= integer <= 8\)"),
    ("tsp-heatmap", {"temperature": 0}, r"temperature: 0.0 is out of range \(valid: number > 0\)"),
    ("tsp-heatmap", {"heatmap": "magic"}, "valid: knn, softdist, policy, or a Heatmap"),
])
def test_parameter_ranges_are_checked_before_any_work(line_cvrp, solver, given, message):
    """Out-of-range values fail in resolve_params and in solve, before a kernel is compiled or a model loaded."""
    s = get_solver(solver)
    with pytest.raises(SolverParameterError, match=message):
        s.resolve_params(given)
    with pytest.raises(SolverParameterError, match=message):
        s.solve(line_cvrp, time_limit=1, **given)


@pytest.mark.parametrize("name", sorted(available_solvers()))
def test_every_parameter_declares_its_range(name):
    """Every solver's numbers have a range and the defaults pass their own checks (resolve() of no input)."""
    space = available_solvers()[name].params
    assert space.owner == f"solver {name}"
    for key, p in space.items():
        if p.type in (int, float):
            assert p.low is not None or p.high is not None or p.choices, f"{name}.{key} has no range"
    assert dict(space.resolve()) == {k: p.default for k, p in space.items()}


def test_params_are_frozen_and_reported_as_json(line_cvrp):
    p = get_solver("hgs").resolve_params({"population_size": "30"})
    assert p.population_size == 30 and p["nb_elite"] == 4
    with pytest.raises(AttributeError, match="frozen"):
        p.population_size = 3
    res = get_solver("hgs").solve(line_cvrp, time_limit=5, max_iterations=5, population_size=30)
    assert res.params["population_size"] == 30 and json.loads(res.to_json())["params"]["nb_elite"] == 4


@pytest.mark.parametrize("kw,message", [
    ({"time_limit": 0}, "time limit must be positive"),
    ({"time_limit": float("inf")}, "finite seconds"),
    ({"seed": -1}, "seed must be an integer"),
    ({"max_iterations": 0}, "max iterations must be an integer >= 1"),
])
def test_limits_and_seed_are_checked(line_cvrp, kw, message):
    with pytest.raises(SolverParameterError, match=message):
        get_solver("hgs").solve(line_cvrp, **{"time_limit": 1, **kw})


def test_infeasible_instance_is_refused_before_solving(line_cvrp):
    inst = RoutingInstance("big", line_cvrp.distance, np.array([0, 2, 9, 2, 2]), 5)
    with pytest.raises(InfeasibleInstanceError, match="customer 3 has demand 9"):
        get_solver(SOLVERS[0]).solve(inst, time_limit=1)


def skip_unsupported(solver, inst):
    """Optional solvers (pyvrp) say why they cannot run; the invariant tests skip them then."""
    why = get_solver(solver).supports(inst)
    if why:
        pytest.skip(why)


def test_optional_solver_missing_is_a_clear_error(line_cvrp, monkeypatch):
    from netopt.exceptions import UnsupportedInstanceError
    from netopt.solvers.vrp import pyvrp as wrapper

    monkeypatch.setattr(wrapper, "_available", lambda: False)
    with pytest.raises(UnsupportedInstanceError, match="pip install pyvrp"):
        get_solver("pyvrp").solve(line_cvrp, time_limit=1)


def brute_force_optimum(inst: RoutingInstance) -> float:
    """Enumerate set partitions x orders for tiny instances (validator decides feasibility)."""
    customers = list(range(1, inst.num_nodes))
    best = float("inf")

    def partitions(items):
        if not items:
            yield []
            return
        first, rest = items[0], items[1:]
        for p in partitions(rest):
            for i in range(len(p)):
                yield p[:i] + [[first, *p[i]]] + p[i + 1:]
            yield [[first], *p]

    for part in partitions(customers):
        if inst.num_vehicles is not None and len(part) > inst.num_vehicles:
            continue
        cost = 0.0
        for group in part:
            options = [check_routes(inst, [list(o)]) for o in itertools.permutations(group)]
            # a single route leaves the other customers unvisited; only its own violations count
            feas = [r.cost for r in options if not [v for v in r.violations if "not visited" not in v]]
            if not feas:
                cost = float("inf")
                break
            cost += min(feas)
        best = min(best, cost)
    return best


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fixture", ["line_cvrp", "small_vrptw", "asym_instance", "tiny_tsp"])
def test_every_solver_returns_validated_optimal_routes_on_tiny_instances(solver, fixture, request):
    inst = request.getfixturevalue(fixture)
    skip_unsupported(solver, inst)
    res = get_solver(solver).solve(inst, time_limit=2, seed=1)
    assert res.feasible, res.message
    sol = RoutingSolution.from_node_ids(inst, [r["visits"] for r in res.solution["routes"]])
    rep = check_routes(inst, sol.routes, res.objective)
    assert rep.feasible, rep.violations
    assert res.objective == pytest.approx(brute_force_optimum(inst))
    assert res.runtime_s <= 2 + 1.0  # time limit respected within a small margin
    assert res.history and res.history[-1][1] == res.objective


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_solver_on_a_generated_cvrp(solver):
    inst = generate_cvrp(40, seed=5)
    skip_unsupported(solver, inst)
    res = get_solver(solver).solve(inst, time_limit=2, seed=0)
    assert res.feasible and res.status in ("time_limit", "feasible", "optimal")
    rep = check_routes(inst, RoutingSolution.from_node_ids(inst, [r["visits"] for r in res.solution["routes"]]).routes,
                       res.objective)
    assert rep.feasible, rep.violations
    assert res.instance_sha256 == inst.sha256 and res.params and res.environment["numpy"]


def test_ortools_fixed_fleet_too_small_for_time_windows_is_infeasible():
    """Capacity allows one vehicle, but both customers need service at time 10 far apart."""
    d = np.array([[0, 10, 10], [10, 0, 50], [10, 50, 0]], float)
    inst = RoutingInstance("clash", d, np.array([0, 1, 1]), 5, num_vehicles=1,
                           time_windows=np.array([[0, 200], [10, 10], [10, 10]]))
    res = get_solver("ortools").solve(inst, time_limit=1)
    assert res.status == "infeasible" and res.objective is None


def test_ortools_unlimited_fleet_grows_until_feasible():
    """Time windows force one route per customer although capacity allows one route."""
    n = 12
    d = np.full((n + 1, n + 1), 10.0)
    np.fill_diagonal(d, 0)
    tw = np.array([[0, 30]] + [[10, 10]] * n, float)
    inst = RoutingInstance("spread", d, np.r_[0, np.ones(n, int)], 100, time_windows=tw)
    res = get_solver("ortools").solve(inst, time_limit=3, vehicles=2)
    assert res.feasible and len(res.solution["routes"]) == n
    assert res.extra["vehicles_tried"][0] == 2


def test_warm_start_is_kept_when_nothing_better(line_cvrp):
    start = RoutingSolution(line_cvrp, [[1, 2], [3, 4]])
    res = get_solver("ortools").solve(line_cvrp, time_limit=1, initial=start)
    assert res.objective == 12 and res.history[0] == [pytest.approx(0, abs=0.5), 12.0]
