"""Hybrid genetic search: kernels against their twins in naive_vrp.py, and the solver end to end (validated)."""

from __future__ import annotations

import numpy as np
import pytest

import naive_vrp as naive
from support import datasets_dir
from netopt.exceptions import NetoptWarning, SolutionFormatError
from netopt.io import load_instance
from netopt.model import RoutingInstance, RoutingSolution
from netopt.solvers import get_solver
from netopt.solvers.vrp import _kernels as K
from netopt.solvers.vrp import hgs
from netopt.validate import check_routes


# --------------------------------------------------------------------------- instances


def make_instance(seed, n=8, *, tw=False, asym=False, cap=10, max_duration=None, fleet=None, service=False):
    """Random small instance: Euclidean (optionally made asymmetric, with a separate duration
    matrix), integer demands, optional Solomon-style time windows that keep every customer
    reachable on its own."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, (n + 1, 2))
    d = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
    dur = None
    if asym:
        d = d + np.triu(rng.integers(0, 15, (n + 1, n + 1)), 1)
        np.fill_diagonal(d, 0)
        dur = np.rint(d * rng.uniform(0.8, 1.2, d.shape))
        np.fill_diagonal(dur, 0)
    dem = rng.integers(1, 6, n + 1)
    dem[0] = 0
    st = rng.integers(0, 10, n + 1).astype(float) if (service or tw) else None
    if st is not None:
        st[0] = 0
    tws = None
    if tw:
        T = d if dur is None else dur
        H = 600.0
        tws = np.zeros((n + 1, 2))
        tws[0] = (0, H)
        for i in range(1, n + 1):
            lo = T[0, i]
            hi_max = H - st[i] - T[i, 0]
            e = rng.uniform(lo, max(lo, hi_max - 60))
            tws[i] = (e, min(hi_max, e + rng.uniform(20, 120)))
    return RoutingInstance(
        f"rand{seed}", d, dem, cap, duration=dur, time_windows=tws, service_times=st,
        max_duration=max_duration, num_vehicles=fleet, coordinates=None if asym else xy,
    )


def routes_of(routes, rlen):
    return [list(routes[r, 1:rlen[r] + 1]) for r in range(routes.shape[0])]


def state_for(routes, rlen, data, prm):
    """Route bookkeeping arrays as the local search builds them."""
    Kr, W = routes.shape
    N = data.n + 1
    fwd, bwd = np.empty((Kr, W, K.N_SEG)), np.empty((Kr, W, K.N_SEG))
    node_route, node_pos = np.zeros(N, np.int64), np.zeros(N, np.int64)
    rcost, sec = np.zeros(Kr), np.zeros((Kr, 2), np.int64)
    for r in range(Kr):
        K.update_route(r, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, data.angle,
                       data.kd, prm)
    return fwd, bwd, node_route, node_pos, rcost


VARIANTS = {
    "cvrp": {},
    "tw": {"tw": True},
    "asym": {"asym": True, "service": True, "max_duration": 400.0},
    "asym_tw": {"asym": True, "tw": True},
}


# --------------------------------------------------------------------------- kernels vs naive


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(4))
def test_route_segments_match_naive(variant, seed):
    inst = make_instance(seed, n=9, **VARIANTS[variant])
    data = hgs._Data(inst, 5)
    prm = data.prm(7.0, 3.0)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        route = list(rng.permutation(np.arange(1, 10))[: rng.integers(1, 10)])
        s = K.seq_segment(np.array(route, np.int64), len(route), 0, data.kd)
        d, load, warp, dur = naive.route_stats(route, data)
        assert s[0] == pytest.approx(d) and s[1] == load and s[3] == pytest.approx(warp, abs=1e-9)
        if not inst.has_time_windows:
            assert s[2] == pytest.approx(dur)
        got = K.route_penalized(np.array(route, np.int64), len(route), 0, data.kd, prm)
        assert got == pytest.approx(naive.route_penalized(route, data, prm))
        # time feasibility agrees with the independent validator
        if inst.has_time_windows:
            rep = check_routes(inst, [route])
            late = any("time window" in v for v in rep.violations)
            assert late == (s[3] > 1e-9)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [1, 2, 3, 8])
def test_split_matches_enumeration(variant, seed, k):
    inst = make_instance(seed, n=7, cap=8, **VARIANTS[variant])
    data = hgs._Data(inst, 5)
    prm = data.prm(5.0, 2.0)
    tour = np.random.default_rng(seed).permutation(np.arange(1, 8)).astype(np.int64)
    routes, rlen, cost = K.split(tour, k, data.kd, prm, 1.5)
    assert cost == pytest.approx(naive.split(list(tour), k, data, prm, 1.5))
    got = routes_of(routes, rlen)
    assert [v for r in got for v in r] == list(tour)  # order kept
    assert sum(naive.route_penalized(r, data, prm) for r in got) == pytest.approx(cost)
    assert sum(1 for r in got if r) <= k


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(3))
def test_move_deltas_match_naive(variant, seed):
    inst = make_instance(seed, n=9, cap=12, **VARIANTS[variant])
    data = hgs._Data(inst, 5)
    prm = data.prm(4.0, 2.0)
    tour = np.random.default_rng(seed).permutation(np.arange(1, 10)).astype(np.int64)
    routes, rlen, _ = K.split(tour, 4, data.kd, prm, 1.5)
    if np.count_nonzero(rlen) == 1:  # make sure there are two routes to move between
        rlen[:] = 0
        routes[0, 1:6], rlen[0] = tour[:5], 5
        routes[1, 1:5], rlen[1] = tour[5:], 4
    fwd, bwd, node_route, node_pos, rcost = state_for(routes, rlen, data, prm)
    R = routes_of(routes, rlen)
    PA, PB = np.zeros((8, 4), np.int64), np.zeros((8, 4), np.int64)
    checked = 0
    for u in range(1, 10):
        for v in range(0, 10):
            if u == v:
                continue
            ru, pu = node_route[u], node_pos[u]
            targets = [(node_route[v], node_pos[v])] if v else [(r, 0) for r in range(len(R))]
            for rv, pv in targets:
                kinds = range(K.RELOCATE, K.TWO_OPT_STAR + 1) if v else (
                    K.RELOCATE, K.RELOCATE_PAIR, K.RELOCATE_PAIR_REVERSED, K.TWO_OPT_STAR_REVERSED, K.TWO_OPT_STAR)
                for kind in kinds:
                    same = ru == rv
                    if not same and kind == K.TWO_OPT or same and kind in (K.TWO_OPT_STAR_REVERSED, K.TWO_OPT_STAR):
                        continue
                    d, ma, mb = K.move_delta(kind, ru, pu, rv, pv, routes, rlen, fwd, bwd, rcost, data.kd, prm, PA, PB)
                    ref = naive.move_delta(kind, R, ru, pu - 1, rv, pv - 1, data, prm)
                    if ref is None:
                        assert d == np.inf, (kind, u, v)
                        continue
                    assert d == pytest.approx(ref, abs=1e-7), (kind, u, v)
                    # the pieces describe exactly the naive routes
                    new = naive.apply_move(kind, R, ru, pu - 1, rv, pv - 1)
                    buf = np.zeros(12, np.int64)
                    c = K.materialize(PA, ma, routes, rlen, buf)
                    assert list(buf[:c]) == new[ru]
                    if ru != rv:
                        c = K.materialize(PB, mb, routes, rlen, buf)
                        assert list(buf[:c]) == new[rv]
                    checked += 1
    assert checked > 100


@pytest.mark.parametrize("variant", ["cvrp", "tw", "asym"])
@pytest.mark.parametrize("seed", range(3))
def test_swap_star_exact_gain(variant, seed):
    inst = make_instance(seed, n=10, cap=15, **VARIANTS[variant])
    data = hgs._Data(inst, 5)
    prm = data.prm(4.0, 2.0)
    tour = np.random.default_rng(seed).permutation(np.arange(1, 11)).astype(np.int64)
    routes = np.zeros((2, 12), np.int64)
    rlen = np.array([5, 5])
    routes[0, 1:6], routes[1, 1:6] = tour[:5], tour[5:]
    fwd, bwd, node_route, node_pos, rcost = state_for(routes, rlen, data, prm)
    W = 12
    bufs = [np.zeros((W, 3)), np.zeros((W, 3), np.int64), np.zeros((W, 3)), np.zeros((W, 3), np.int64)]
    bufa, bufb = np.zeros(W, np.int64), np.zeros(W, np.int64)
    d, bu, bv, bua, bva = K.swap_star(0, 1, routes, rlen, fwd, rcost, data.kd, prm, *bufs, bufa, bufb)
    if bu < 0:
        return
    R = routes_of(routes, rlen)
    u, v = R[0][bu - 1], R[1][bv - 1]
    ca = K.swap_star_route(0, bu, v, bva, routes, rlen, bufa)
    cb = K.swap_star_route(1, bv, u, bua, routes, rlen, bufb)
    A, B = list(bufa[:ca]), list(bufb[:cb])
    assert sorted(A + B) == list(range(1, 11)) and v in A and u in B
    ref = sum(naive.route_penalized(r, data, prm) for r in (A, B)) - sum(naive.route_penalized(r, data, prm) for r in R)
    assert d == pytest.approx(ref, abs=1e-7)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("seed", range(3))
def test_local_search_keeps_customers_and_improves(variant, seed):
    inst = make_instance(seed, n=20, cap=15, **VARIANTS[variant])
    data = hgs._Data(inst, 8)
    prm = data.prm(4.0, 2.0)
    tour = np.random.default_rng(seed).permutation(np.arange(1, 21)).astype(np.int64)
    routes, rlen, c0 = K.split(tour, 8, data.kd, prm, 1.5)
    K.local_search(routes, rlen, data.kd, prm, data.neigh, data.ncnt, data.angle, seed, True, 1000)
    R = routes_of(routes, rlen)
    assert sorted(v for r in R for v in r) == list(range(1, 21))
    c1 = sum(naive.route_penalized(r, data, prm) for r in R)
    assert c1 <= c0 + 1e-9
    dist, le, tv, used = K.evaluate_routes(routes, rlen, data.kd, prm)
    assert dist + prm[K.P_LOAD_PENALTY] * le + prm[K.P_TIME_PENALTY] * tv == pytest.approx(c1)
    # no improving relocate of any customer to any position is left within the granular set... at
    # least none of the (cheap to enumerate) single relocations between routes to a neighbour
    fwd, bwd, node_route, node_pos, rcost = state_for(routes, rlen, data, prm)
    for u in range(1, 21):
        for v in data.neigh[u, :data.ncnt[u]]:
            d = naive.move_delta(K.RELOCATE, R, node_route[u], node_pos[u] - 1, node_route[v], node_pos[v] - 1,
                                 data, prm)
            assert d is None or d > -1e-6


@pytest.mark.parametrize("seed", range(5))
def test_ox_and_broken_pairs(seed):
    rng = np.random.default_rng(seed)
    n = 12
    p1 = (rng.permutation(n) + 1).astype(np.int64)
    p2 = (rng.permutation(n) + 1).astype(np.int64)
    child = K.ox_crossover(p1, p2, seed)
    assert sorted(child) == list(range(1, n + 1))
    assert np.array_equal(K.ox_crossover(p1, p2, seed), child)
    # two random route sets
    r1 = [list(p1[:5]), list(p1[5:])]
    r2 = [list(p2[:7]), list(p2[7:])]

    def arrays(R):
        routes = np.zeros((2, n + 2), np.int64)
        rlen = np.array([len(r) for r in R])
        for k, r in enumerate(R):
            routes[k, 1:len(r) + 1] = r
        return K.succ_pred(routes, rlen, n + 1)

    s1, q1 = arrays(r1)
    s2, q2 = arrays(r2)
    assert K.broken_pairs(s1, q1, s2, q2) == pytest.approx(naive.broken_pairs(r1, r2, n))
    assert K.broken_pairs(s1, q1, s1, q1) == 0.0


# --------------------------------------------------------------------------- solver end to end


def solve(inst, **kw):
    kw.setdefault("time_limit", 30)
    kw.setdefault("max_iterations", 60)
    kw.setdefault("population_size", 8)
    kw.setdefault("generation_size", 8)
    res = get_solver("hgs").solve(inst, **kw)
    assert res.status in ("feasible", "time_limit"), res.message
    routes = [[inst.index_of(v) for v in r["visits"]] for r in res.solution["routes"]]
    rep = check_routes(inst, routes, reported_cost=res.objective)
    assert rep.feasible, rep.violations
    return res, routes


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_solver_feasible_and_validated(variant):
    inst = make_instance(3, n=25, cap=20, **VARIANTS[variant])
    res, _ = solve(inst)
    assert res.extra["compile_s"] >= 0 and res.history


def test_same_seed_same_result():
    inst = make_instance(5, n=30, cap=20, tw=True)
    a, ra = solve(inst, seed=11, max_iterations=40)
    b, rb = solve(inst, seed=11, max_iterations=40)
    assert a.objective == b.objective and ra == rb
    assert [h[1] for h in a.history] == [h[1] for h in b.history]


def test_tsp_single_vehicle():
    rng = np.random.default_rng(0)
    n = 15
    xy = rng.uniform(0, 100, (n + 1, 2))
    d = np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1)))
    inst = RoutingInstance("tsp15", d, np.zeros(n + 1, int), 1, num_vehicles=1, coordinates=xy)
    assert inst.problem == "tsp"
    res, routes = solve(inst, max_iterations=40)
    assert len(routes) == 1
    # the search must beat the nearest-neighbour tour (the optimum is checked by brute force below)
    tour, left = [0], set(range(1, n + 1))
    while left:
        nxt = min(left, key=lambda j: (d[tour[-1], j], j))
        tour.append(nxt)
        left.remove(nxt)
    nn = sum(d[a, b] for a, b in zip(tour, tour[1:] + [0]))
    assert res.objective <= nn


def test_tiny_tsp_is_optimal():
    """7 cities: brute force over all tours."""
    import itertools

    rng = np.random.default_rng(4)
    n = 7
    d = rng.integers(1, 50, (n + 1, n + 1)).astype(float)  # asymmetric
    np.fill_diagonal(d, 0)
    inst = RoutingInstance("atsp7", d, np.zeros(n + 1, int), 1, num_vehicles=1)
    best = min(
        sum(d[a, b] for a, b in zip((0, *p), (*p, 0))) for p in itertools.permutations(range(1, n + 1))
    )
    res, _ = solve(inst, max_iterations=30)
    assert res.objective == best


def test_fixed_fleet_respected():
    inst = make_instance(2, n=20, cap=20, fleet=4)
    res, routes = solve(inst)
    assert len(routes) <= 4


def test_search_improves_a_poor_warm_start():
    """A warm start of one route per customer is the first incumbent; the search must then improve it."""
    inst = make_instance(6, n=20, cap=15)
    poor = RoutingSolution(inst, [[i] for i in range(1, 21)])
    res, _ = solve(inst, initial=poor, max_iterations=30, seed=3)
    assert res.history[0][1] == pytest.approx(poor.cost)
    assert res.objective < 0.8 * poor.cost


def test_warm_start_is_repaired_or_refused():
    """Repeated customers are dropped, missing ones inserted (with a warning); an id outside 1..n is refused."""
    inst = make_instance(6, n=20, cap=15)
    with pytest.warns(NetoptWarning, match="dropped 1 repeated visit.*inserted 2 missing customers"):
        res, routes = solve(inst, initial=[[list(range(1, 10)), [9, *range(10, 19)]]], max_iterations=5)
    assert sorted(v for r in routes for v in r) == list(range(1, 21))
    for bad in ([[0, 1, 2]], [[1, 2, 21]], [[1, 2.5]], [[True]]):
        with pytest.raises(SolutionFormatError, match="is not a customer index"):
            solve(inst, initial=[bad])


def test_one_solver_object_runs_two_searches_at_once():
    """Run state lives in a run object, not on the solver: two threads sharing one HGS get the
    results of two separate sequential runs."""
    import threading

    a, b = make_instance(7, n=25, cap=30), make_instance(8, n=30, cap=40)
    hgs_solver = get_solver("hgs")
    expected = [hgs_solver.solve(i, time_limit=60, seed=1, max_iterations=40).objective for i in (a, b)]
    got = [None, None]

    def run(k, inst):
        got[k] = hgs_solver.solve(inst, time_limit=60, seed=1, max_iterations=40).objective

    threads = [threading.Thread(target=run, args=(k, i)) for k, i in enumerate((a, b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == expected


def test_registered_with_params():
    s = get_solver("hgs")
    assert s.name == "hgs" and "population_size" in s.params and all(p.help for p in s.params.values())


# --------------------------------------------------------------------------- datasets (skipped without them)


@pytest.mark.datasets
def test_solomon_c101_short_run():
    inst = load_instance(datasets_dir("vrptw/solomon") / "C101.vrp")
    res, _ = solve(inst, max_iterations=30)
    assert res.objective <= 827.3 * 1.10


@pytest.mark.datasets
def test_x_instance_short_run():
    inst = load_instance(datasets_dir("cvrp") / "X-n101-k25.vrp")
    res, _ = solve(inst, max_iterations=30)
    assert res.objective <= 27591 * 1.10
