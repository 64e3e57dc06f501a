"""Network design: problems, budget repair, GA / enumeration / greedy against brute force,
reproducibility, parallel fitness, the CLI, and the shared instances (skipped when absent)."""

import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from support import BRAESS_DNDP, BRAESS_TRIPS, datasets_dir, grid_arcs
from netopt.cli import app
from netopt.exceptions import SolverParameterError
from netopt.model import RoadNetwork
from netopt.solvers.assignment import assign
from netopt.solvers.design import DesignProblem, ExactFitness, lane_addition, load_cndp, load_dndp, solve_design
from netopt.solvers.design.fitness import PooledFitness


def grid_problem(seed=0, n_cand=6, budget_share=0.4):
    """A 3x3 grid (both directions) with 4 zones at the corners plus candidate diagonal shortcuts."""
    rng = np.random.default_rng(seed)
    arcs, idx = grid_arcs()
    base = len(arcs)
    diag = [(idx[(i, j)], idx[(i + 1, j + 1)]) for i in range(2) for j in range(2)]
    diag += [(b, a) for a, b in diag]
    arcs += diag[:n_cand]
    m = len(arcs)
    net = RoadNetwork("grid", 9, 4, init=[a for a, _ in arcs], term=[b for _, b in arcs],
                      capacity=rng.uniform(20, 40, m), fftt=np.r_[rng.uniform(2, 4, base), rng.uniform(2.5, 4, m - base)],
                      b=np.full(m, 0.5), power=np.full(m, 4.0),
                      demand=rng.integers(20, 60, size=(4, 4)).astype(float))
    cand = np.argsort(net.link_ids)[base:]
    costs = rng.integers(1, 10, size=n_cand).astype(float)
    return DesignProblem("grid", "dndp", net, cand, costs, budget=budget_share * costs.sum())


def brute_force(problem):
    best, arg = np.inf, None
    for bits in itertools.product([0.0, 1.0], repeat=problem.size):
        d = np.array(bits)
        if not problem.feasible(d):
            continue
        net, is_open = problem.network_for(d)
        obj = problem.objective(assign(net, gap=1e-9, is_open=is_open).tstt, d)
        if obj < best:
            best, arg = obj, d
    return best, arg


@pytest.fixture(scope="module")
def grid():
    p = grid_problem()
    return p, brute_force(p)


def test_enumeration_finds_brute_force_optimum(grid):
    p, (best, arg) = grid
    res = solve_design(p, "enumerate", time_limit=60)
    assert res.status == "optimal" and res.objective == pytest.approx(best, rel=1e-6)
    assert res.solution["vector"] == arg.tolist()
    assert res.solution["investment"] <= p.budget


@pytest.mark.parametrize("seed", [0, 1])
def test_ga_finds_the_optimum_and_respects_the_budget(grid, seed):
    p, (best, arg) = grid
    res = solve_design(p, "ga", time_limit=30, seed=seed, population=12, generations=15)
    assert res.objective == pytest.approx(best, rel=1e-6)
    for r in res.solution["rescored"]:
        assert p.feasible(np.array(r["vector"]))
    assert res.history == sorted(res.history, key=lambda h: -h[1])  # best objective only improves


def test_greedy_is_feasible_and_no_worse_than_nothing(grid):
    p, (best, _) = grid
    res = solve_design(p, "greedy", time_limit=30)
    assert p.feasible(np.array(res.solution["vector"]))
    empty = ExactFitness(p, 1e-9).evaluate(p.empty()[None, :])[0]
    assert best * (1 - 1e-6) <= res.objective <= empty * (1 + 1e-6)  # rescoring gap 1e-6


def test_same_seed_same_result(grid):
    p, _ = grid
    a = solve_design(p, "ga", time_limit=60, seed=3, population=10, generations=5)
    b = solve_design(p, "ga", time_limit=60, seed=3, population=10, generations=5)
    assert a.solution["vector"] == b.solution["vector"]
    assert [h[1] for h in a.history] == [h[1] for h in b.history]


@pytest.mark.parametrize("seed", range(5))
def test_repair_keeps_designs_within_budget(grid, seed):
    p, _ = grid
    rng = np.random.default_rng(seed)
    for _ in range(50):
        d = p.repair(rng.integers(0, 2, p.size).astype(float), rng)
        assert p.feasible(d)


def test_braess_link_is_not_built():
    """Candidate link 3->4 is Braess's: building it raises everyone's cost, so the optimum is empty."""
    net = RoadNetwork("braess", 4, 2, init=[0, 0, 2, 2, 3], term=[2, 3, 1, 3, 1], capacity=[1] * 5,
                      fftt=[1e-8, 50, 50, 10, 1e-8], b=[1e9, 0.02, 0.02, 0.1, 1e9], power=[1] * 5,
                      demand=np.array([[0, 6.0], [0, 0]]))
    cand = [net.link_index(3, 4)]
    p = DesignProblem("braess", "dndp", net, cand, [1.0], budget=1.0)
    res = solve_design(p, "enumerate", time_limit=10)
    assert res.solution["vector"] == [0.0] and res.objective == pytest.approx(6 * 83, rel=1e-6)


def test_cndp_and_lanes_change_capacity():
    p = grid_problem()
    lanes = lane_addition(p.network, budget=0.3, lanes=2)
    d = np.zeros(lanes.size)
    d[0] = 1
    net, is_open = lanes.network_for(d)
    assert is_open is None and net.capacity[0] == pytest.approx(1.5 * p.network.capacity[0])
    cndp = DesignProblem("c", "cndp", p.network, p.candidates, np.full(p.size, 2.0), upper=np.full(p.size, 10.0), theta=0.5)
    y = np.full(p.size, 3.0)
    tstt = assign(cndp.network_for(y)[0], gap=1e-9).tstt
    assert ExactFitness(cndp, 1e-9).evaluate(y[None, :])[0] == pytest.approx(tstt + 0.5 * 2.0 * 9 * p.size, rel=1e-6)
    res = solve_design(cndp, "ga", time_limit=20, seed=0, population=8, generations=4)
    assert cndp.feasible(np.array(res.solution["vector"]))
    with pytest.raises(SolverParameterError, match="binary"):
        solve_design(cndp, "enumerate", time_limit=5)


def test_pooled_fitness_matches_in_process(grid):
    p, _ = grid
    rng = np.random.default_rng(0)
    designs = np.array([p.random_design(rng) for _ in range(4)])
    local = ExactFitness(p, 1e-9).evaluate(designs)
    with PooledFitness(p, 1e-9, workers=2) as pooled:
        np.testing.assert_allclose(pooled.evaluate(designs), local, rtol=1e-6)


class Reversed:
    """A surrogate that ranks designs backwards (the best exact design last)."""

    name = "reversed"

    def __init__(self, problem):
        self.exact, self.evaluations = ExactFitness(problem, 1e-9), 0

    def evaluate(self, designs, parents=None):
        self.evaluations += len(designs)
        return -self.exact.evaluate(designs)


def test_rescoring_screens_a_surrogates_best_designs_with_exact_ue(grid):
    p, (best, arg) = grid
    seen = solve_design(p, "enumerate", time_limit=30, fitness=Reversed(p), rescore_top=1).extra["designs_seen"]
    # every design screened: exact UE finds the optimum the surrogate ranked last, re-scoring one
    res = solve_design(p, "enumerate", time_limit=30, fitness=Reversed(p), screen_top=seen, rescore_top=1)
    assert res.extra["screened"] == seen and len(res.solution["rescored"]) == 1
    assert res.objective == pytest.approx(best, rel=1e-6) and res.solution["vector"] == arg.tolist()
    # one screened: the surrogate's favourite, the worst design
    worst = solve_design(p, "enumerate", time_limit=30, fitness=Reversed(p), screen_top=1, rescore_top=1)
    assert worst.extra["screened"] == 1 and worst.objective > best * (1 + 1e-3)
    assert worst.solution["objective_search"] == pytest.approx(-worst.objective, rel=1e-5)
    with pytest.raises(SolverParameterError, match="rescore_top and screen_top must be at least 1"):
        solve_design(p, "ga", time_limit=1, screen_top=0)


def test_bad_parameters(grid):
    p, _ = grid
    with pytest.raises(SolverParameterError, match="unknown parameter 'speed'"):
        solve_design(p, "ga", time_limit=1, speed=3)
    with pytest.raises(SolverParameterError, match="unknown design method"):
        solve_design(p, "tabu", time_limit=1)
    with pytest.raises(SolverParameterError, match=r"ndp-greedy: unknown parameter 'population' \(valid: none\)"):
        solve_design(p, "greedy", time_limit=1, population=4)


@pytest.mark.parametrize("given,match", [
    ({"population": 0}, r"population: 0 is out of range \(valid: integer >= 2\)"),
    ({"population": "-3"}, r"population: -3 is out of range"),
    ({"elite": 1000}, r"elite must be smaller than population"),
    ({"elite": -1}, r"elite: -1 is out of range \(valid: integer >= 0\)"),
    ({"crossover": 1.5}, r"crossover: 1.5 is out of range \(valid: 0 <= number <= 1\)"),
    ({"mutation": "-0.2"}, r"mutation: -0.2 is out of range"),
    ({"generations": -1}, r"generations: -1 is out of range"),
    ({"population": "many"}, r"expected an integer"),
])
def test_ga_parameter_ranges_are_checked_before_any_fitness(grid, monkeypatch, given, match):
    p, _ = grid
    import netopt.solvers.design.search as S

    def no_fitness(*a, **k):
        raise AssertionError("a fitness was built before the parameters were checked")

    monkeypatch.setattr(S, "ExactFitness", no_fitness)
    with pytest.raises(SolverParameterError, match=match):
        solve_design(p, "ga", time_limit=1, workers=2, **given)


def test_design_state_is_a_search_state():
    from netopt.solvers.base import SearchState
    from netopt.solvers.design.search import DesignState

    seen = []
    s = DesignState(10.0, progress=seen.append)
    assert isinstance(s, SearchState) and s.best is None and s.best_obj == np.inf and not s.should_stop()
    s.offer(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([5.0, 3.0]))
    s.offer(np.array([[1.0, 1.0]]), np.array([4.0]))
    assert s.best.tolist() == [0.0, 1.0] and s.best_obj == s.best_cost == 3.0
    assert [h[1] for h in s.history] == [5.0, 3.0] and len(seen) == 2
    assert [d.tolist() for d in s.top(2)] == [[0.0, 1.0], [1.0, 1.0]]


# ----------------------------------------------------------------------------- CLI


def test_cli_ndp_solve(tmp_path):
    (tmp_path / "braess_dndp.txt").write_text(BRAESS_DNDP)
    (tmp_path / "braess_trips.tntp").write_text(BRAESS_TRIPS)
    runner = CliRunner()
    res = runner.invoke(app, ["ndp", "solve", str(tmp_path / "braess_dndp.txt"), "-m", "enumerate", "-b", "1", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["status"] == "optimal" and out["solution"]["design"] == [] and out["objective"] == pytest.approx(498, rel=1e-6)
    res = runner.invoke(app, ["ndp", "solve", str(tmp_path / "braess_dndp.txt"), "-b", "1", "-t", "2", "-p", "population=4"])
    assert res.exit_code == 0 and "objective (exact UE)" in res.stdout
    bad = runner.invoke(app, ["ndp", "solve", str(tmp_path / "braess_trips.tntp")])
    assert bad.exit_code != 0 and "give --kind" in bad.stderr and "Traceback" not in bad.output
    for p in ("population=0", "population=-3", "elite=1000"):
        bad = runner.invoke(app, ["ndp", "solve", str(tmp_path / "braess_dndp.txt"), "-b", "1", "-p", p])
        assert bad.exit_code == 2 and "valid:" in bad.stderr and "Traceback" not in bad.output, bad.output
        assert len(bad.stderr.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- shared instances
def test_rey_dndp_and_cndp_load():
    tntp = datasets_dir("tntp")
    trips = tntp / "SiouxFalls" / "SiouxFalls_trips.tntp"
    p = load_dndp(tntp / "SiouxFalls-DNDP-Rey2020" / "SF_DNDP_10_3.txt", trips, 0.25)
    assert p.size == 10 and p.budget == pytest.approx(0.25 * p.costs.sum())
    empty = ExactFitness(p, 1e-10).evaluate(p.empty()[None, :])[0]
    assert empty == pytest.approx(7480225.34, rel=1e-6)  # the base Sioux Falls TSTT (PROVENANCE.md)
    c = load_cndp(tntp / "SiouxFalls-CNDP" / "net2.txt", tntp / "SiouxFalls-CNDP" / "demand2.txt")
    assert c.size == 10 and ExactFitness(c, 1e-8).evaluate(c.empty()[None, :])[0] == pytest.approx(101.06, abs=0.01)
