"""The decomposition of large instances (issue 15): sub-instances against the whole instance, and
the decomposed ILS end to end on instances that hold points, not a dense matrix (validated)."""

from __future__ import annotations

import numpy as np
import pytest

from netopt.datasets.generate import generate_cvrp
from netopt.exceptions import UnsupportedInstanceError
from netopt.model import RoutingInstance
from netopt.model.distances import PointDistances
from netopt.solvers import get_solver
from netopt.solvers.vrp import decompose as D
from netopt.validate import check_routes

#: small sub-problems so that a few hundred clients make many of them (no whole-instance phase)
SMALL = dict(decompose="on", sub_size=60, sub_iterations=40, whole=0)


def points_instance(n=240, seed=4, **kw) -> RoutingInstance:
    """A generated X-style CVRP whose distances are computed from its points (no dense matrix)."""
    g = generate_cvrp(n, seed=seed, **kw)
    return RoutingInstance(g.name, PointDistances(g.coordinates, "nint"), g.demands, capacity=g.capacity,
                           node_ids=g.node_ids)


def test_sub_instance_is_the_instance_restricted():
    inst = points_instance(50)
    clients = np.array([3, 7, 11, 40])
    sub = D.sub_instance(inst, clients)
    nodes = np.r_[0, clients]
    assert sub.dense and np.array_equal(sub.distance, np.asarray(inst.distance)[np.ix_(nodes, nodes)])
    assert np.array_equal(sub.demands, inst.demands[nodes]) and sub.capacity == inst.capacity
    # a route of the sub-instance costs what the same route of the instance costs
    assert check_routes(sub, [[1, 2], [4, 3]]).cost == check_routes(inst, [[3, 7], [40, 11]]).cost


def test_decomposed_search_is_valid_improves_and_is_reproducible():
    inst = points_instance()
    solver = get_solver("ils")
    a = solver.solve(inst, time_limit=60, seed=5, max_iterations=500, **SMALL)
    assert a.status == "feasible" and a.iterations >= 500 and a.solution["feasible"], a.message
    routes = [[inst.index_of(v) for v in r["visits"]] for r in a.solution["routes"]]
    assert check_routes(inst, routes, reported_cost=a.objective).feasible
    info = a.extra["decomposition"]
    assert info["subproblems"] > 4 and info["improved"] >= 1  # 4 start sectors, then improvements
    costs = [c for _, c in a.history]
    assert costs == sorted(costs, reverse=True) and costs[-1] < costs[0]
    b = solver.solve(inst, time_limit=60, seed=5, max_iterations=500, **SMALL)
    assert b.objective == a.objective and b.solution["routes"] == a.solution["routes"]
    # the whole search on the dense instance does not beat it by much: the decomposition is a real search
    whole = solver.solve(generate_cvrp(240, seed=4), time_limit=60, seed=5, max_iterations=500, decompose="off")
    assert a.objective <= 1.02 * whole.objective


def test_whole_instance_phase_after_the_decomposition(monkeypatch):
    """With few routes, the last ``whole`` share of the iterations searches the whole instance from the
    merged solution: valid and reproducible; without few routes, no such phase."""
    inst = points_instance()
    solver = get_solver("ils")
    kw = dict(SMALL, whole=0.5)
    a = solver.solve(inst, time_limit=60, seed=5, max_iterations=600, **kw)
    info = a.extra["decomposition"]
    assert "whole_from_s" in info and "iterations_per_s" in a.extra and a.solution["feasible"], a.message
    routes = [[inst.index_of(v) for v in r["visits"]] for r in a.solution["routes"]]
    assert check_routes(inst, routes, reported_cost=a.objective).feasible
    assert 300 <= a.iterations <= 600 + 40 and info["subproblems"] * 40 >= 300  # half each, a sub-problem's slack
    costs = [c for _, c in a.history]
    assert costs == sorted(costs, reverse=True)
    b = solver.solve(inst, time_limit=60, seed=5, max_iterations=600, **kw)
    assert b.objective == a.objective and b.solution["routes"] == a.solution["routes"]
    # too many routes for it: the decomposition to the end
    monkeypatch.setattr(D, "WHOLE_MAX_ROUTES", 1)
    c = solver.solve(inst, time_limit=60, seed=5, max_iterations=600, **kw)
    assert "whole_from_s" not in c.extra["decomposition"] and "iterations_per_s" not in c.extra


def test_sub_grow_gives_stalled_subproblems_more_iterations():
    """``sub_grow``: when fewer than that share of a round's sub-problems improve, the next ones get twice the
    iterations; 0 keeps them as they are. Valid and reproducible either way."""
    inst = points_instance()
    solver = get_solver("ils")
    still = solver.solve(inst, time_limit=60, seed=5, max_iterations=2000, **SMALL)
    grow = solver.solve(inst, time_limit=60, seed=5, max_iterations=2000, **dict(SMALL, sub_grow=1.0))
    a, b = still.extra["decomposition"], grow.extra["decomposition"]
    assert a["sub_scale"] == 1 and b["sub_scale"] > 1
    assert b["subproblems"] < a["subproblems"]  # the same iterations in fewer, longer sub-problems
    for res in (still, grow):
        routes = [[inst.index_of(v) for v in r["visits"]] for r in res.solution["routes"]]
        assert check_routes(inst, routes, reported_cost=res.objective).feasible
    again = solver.solve(inst, time_limit=60, seed=5, max_iterations=2000, **dict(SMALL, sub_grow=1.0))
    c = again.extra["decomposition"]
    assert again.solution["routes"] == grow.solution["routes"]
    assert (c["subproblems"], c["improved"], c["sub_scale"]) == (b["subproblems"], b["improved"], b["sub_scale"])


def test_max_iterations_counts_the_subproblems_iterations_and_warm_start_is_kept():
    inst = points_instance(120, seed=6)
    solver = get_solver("ils")
    res = solver.solve(inst, time_limit=60, seed=1, max_iterations=100, **SMALL)
    assert res.iterations <= 100 + 40
    start = [[inst.index_of(v) for v in r["visits"]] for r in res.solution["routes"]]
    warm = solver.solve(inst, time_limit=60, seed=2, max_iterations=60, initial=[start], **SMALL)
    assert warm.objective <= res.objective and warm.extra["decomposition"]["start_s"] < 1.0


def test_what_it_decomposes():
    inst = points_instance(30)
    assert D.wanted(inst, "on") and not D.wanted(inst, "auto") and not D.wanted(inst, "off")
    limited = RoutingInstance("lim", inst.distance, inst.demands, capacity=inst.capacity, num_vehicles=20)
    assert not D.wanted(limited, "auto")
    with pytest.raises(UnsupportedInstanceError, match="unlimited fleet"):
        D.wanted(limited, "on")
    with pytest.raises(UnsupportedInstanceError, match="unlimited fleet"):
        get_solver("ils").solve(limited, time_limit=5, decompose="on")


def test_subproblems_on_two_worker_processes():
    """Disjoint groups of routes solved at once in two spawned processes (netopt.parallel), merged."""
    inst = points_instance(200, seed=8)
    res = get_solver("ils").solve(inst, time_limit=60, seed=3, max_iterations=300, workers=2, **SMALL)
    assert res.status == "feasible" and res.solution["feasible"], res.message
    info = res.extra["decomposition"]
    assert info["workers"] == 2 and info["subproblems"] >= 4 and res.iterations >= 300


def test_stopped_search_returns_the_merged_best_so_far():
    """What Ctrl-C does (it sets ``state.interrupted``; here a progress callback sets it after the
    start): the search stops after the sub-problem at hand and returns the best merged solution."""
    inst = points_instance(150, seed=9)

    def stop(state):
        if state.best_cost is not None:
            state.interrupted = True

    res = get_solver("ils").solve(inst, time_limit=60, seed=1, progress=stop, **SMALL)
    assert res.status == "interrupted" and res.solution["feasible"] and res.runtime_s < 30
    assert res.extra["decomposition"]["subproblems"] <= 3 + 1  # the three start sectors, at most one more
