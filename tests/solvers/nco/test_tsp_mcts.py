"""tsp-heatmap search=mcts: the MCTS kernels of Pan et al. against their twins in naive_tsp.py, the
search loop, and the solver parameter."""

import numpy as np
import pytest

import naive_tsp as N
from netopt.exceptions import SolverParameterError
from netopt.model import RoutingInstance
from netopt.solvers import get_solver
from netopt.solvers.nco import _kernels as K
from netopt.solvers.nco import _mcts_kernels as M
from netopt.solvers.nco.heatmap import knn_candidates, softdist_heatmap
from netopt.solvers.nco.tsp import _Mcts, read_only, warm_up

DM = read_only(np.zeros((1, 1)))  # read-only, as the solver's (one compilation of each kernel)


@pytest.fixture(scope="module", autouse=True)
def compiled():
    warm_up()


def setup(n, seed, k=6):
    xy = read_only(np.random.default_rng(seed).random((n, 2)) * 100)
    D = N.matrix(xy.tolist(), 2)
    hm = softdist_heatmap(xy, k)
    w = hm.weight / hm.weight.sum(1, keepdims=True)
    W = 100.0 * w
    # some learned weight, so that rows differ from the heatmap and some candidates fall below 1
    W += np.random.default_rng(seed + 1).random(W.shape) * 30 * (np.random.default_rng(seed + 2).random(W.shape) < 0.3)
    return xy, D, hm.cand, np.ascontiguousarray(W)


def state(tour):
    tour = np.array(tour, np.int64)
    pos = np.empty_like(tour)
    pos[tour] = np.arange(len(tour))
    return tour, pos, np.zeros((1 << 12, 2), np.int64), np.zeros(3, np.int64)


@pytest.mark.parametrize("seed,n,alpha,depth", [(0, 12, 1.0, 10), (1, 40, 0.0, 50), (2, 80, 2.0, 30), (3, 25, 1.0, 3)])
def test_sample_action_matches_the_twin(seed, n, alpha, depth):
    """Kernel and twin draw the same random numbers, make the same steps, count the same visits and
    end with the same tour (kept when improving, else undone exactly), action after action."""
    xy, D, hc, W = setup(n, seed)
    wsum = W.sum(1) + 5.0  # a dense row's mass outside the candidates
    order = np.random.default_rng(seed).permutation(n)
    tour, pos, jr, jn = state(order.tolist())
    Q = np.zeros(W.shape, np.int64)
    Qn = [[0] * W.shape[1] for _ in range(n)]
    rng = np.array([seed * 7 + 1], np.uint64)
    twin_rng = N.Rng(seed * 7 + 1)
    seq, pot = np.zeros(2 * depth + 4, np.int64), np.zeros(W.shape[1])
    kept = 0
    for total in range(60):
        before = tour.tolist()
        a1 = int(np.random.default_rng(total).integers(n))
        gain, steps = M.sample_action(a1, tour, pos, hc, W, Q, wsum, alpha, total, depth, rng, xy, DM, K.NINT, 1e-9,
                                      jr, jn, seq, pot)
        twin_tour, twin_gain, twin_seq = N.mcts_action(before, a1, hc.tolist(), W.tolist(), Qn, wsum.tolist(), alpha,
                                                       total, depth, twin_rng, D)
        assert gain == pytest.approx(twin_gain, abs=1e-6)
        assert seq[:2 * steps + 2].tolist() == twin_seq
        assert Q.tolist() == Qn and int(rng[0]) == twin_rng.state
        assert N.edges(tour.tolist()) == N.edges(twin_tour)
        assert (pos[tour] == np.arange(n)).all()
        if gain > 1e-9:
            kept += 1
            assert N.tour_length(tour.tolist(), D) == pytest.approx(N.tour_length(before, D) - gain, abs=1e-6)
        else:
            assert tour.tolist() == before  # undone exactly, array and all
    assert kept > 0


def test_back_propagate_adds_to_every_added_edge_both_ways():
    xy, D, hc, W = setup(30, 4)
    wsum = W.sum(1)
    W0, s0 = W.copy(), wsum.copy()
    seq = np.array([0, hc[0, 0], hc[hc[0, 0], 1], 7, 0, 0], np.int64)  # a1, b1, c1, p1: edges (b1,c1), (p1,a1)
    M.back_propagate(seq, 1, 2.5, hc, W, wsum)
    want, want_sum = W0.copy(), s0.copy()
    for u, v in ((seq[1], seq[2]), (seq[3], seq[0])):
        for x, y in ((u, v), (v, u)):
            t = np.flatnonzero(hc[x] == y)
            if len(t):
                want[x, t[0]] += 2.5
            want_sum[x] += 2.5
    assert W.tolist() == want.tolist() and wsum.tolist() == want_sum.tolist()


@pytest.mark.parametrize("seed,n", [(0, 9), (1, 60), (2, 150)])
def test_heat_construct_matches_the_twin(seed, n):
    xy, D, hc, W = setup(n, seed)
    W[:, -1] = -50.0  # last candidates about as likely as a non-candidate: both branches are drawn
    rng = np.array([seed + 11], np.uint64)
    tour = np.zeros(n, np.int64)
    M.heat_construct(hc, W, rng, tour, np.zeros(n, np.bool_), np.zeros(n, np.int64), np.zeros(n, np.int64))
    twin_rng = N.Rng(seed + 11)
    assert tour.tolist() == N.heat_construct(hc.tolist(), W.tolist(), twin_rng)
    assert int(rng[0]) == twin_rng.state and sorted(tour.tolist()) == list(range(n))


def mcts_search(n=120, seed=3, h=0.5, **kw):
    xy = read_only(np.random.default_rng(seed).random((n, 2)) * 100)
    nbr, _ = knn_candidates(xy, 8)
    hm = softdist_heatmap(xy, 8)
    tour = K.greedy_tour(nbr, xy, DM, K.NINT)
    return xy, _Mcts(tour, nbr, hm, xy, DM, K.NINT, seed, h=h, **kw)


def test_mcts_loop_equals_actions_restarts_and_local_search():
    """M.mcts == a Python loop over sample_action / back_propagate / heat_construct + local_search
    (the same random stream); its cost is the tour's length and the best tour never gets worse."""
    xy, a = mcts_search(depth=3)
    xy, b = mcts_search(depth=3)
    a.run(0)
    b.run(0)
    D = N.matrix(xy.tolist(), 2)
    n = a.n
    best_seen = a.best[0]
    for _ in range(6):
        a.run(150)
        assert a.cost == pytest.approx(N.tour_length(a.tour.tolist(), D), abs=1e-6)
        assert a.best[0] <= best_seen + 1e-12
        assert a.best[0] == pytest.approx(N.tour_length(a.best_tour.tolist(), D), abs=1e-6)
        best_seen = a.best[0]
    # the same 900 actions, one by one from Python
    for _ in range(900):
        if b.st[0] >= b.h_samples:
            M.heat_construct(b.hc, b.W, b.rng, b.tour, b.sel, b.unsel, b.upos)
            b.pos[b.tour] = np.arange(n)
            b.qs[:] = 0
            b.inq[:] = False
            K.push_all(b.tour, b.queue, b.inq, b.qs)
            b.jn[:2] = 0
            K.local_search(b.tour, b.pos, b.nbr, xy, DM, K.NINT, b.eps, 3, b.queue, b.inq, b.qs, b.jr, b.jn, 1 << 62,
                           b.depth, b.k3)
            b.cost = N.tour_length(b.tour.tolist(), D)
            b.st[0] = 0
            b.st[2] += 1
            if b.cost < b.best[0] - b.eps:
                b.best[0], b.best_tour[:] = b.cost, b.tour
        a1 = K.rand_int(b.rng, n)
        gain, steps = M.sample_action(a1, b.tour, b.pos, b.hc, b.W, b.Q, b.wsum, b.alpha, b.st[1], b.max_depth, b.rng,
                                      xy, DM, K.NINT, b.eps, b.jr, b.jn, b.seq, b.pot)
        b.st[1] += 1
        if gain > b.eps:
            M.back_propagate(b.seq, steps, b.beta * (np.exp(gain / b.cost) - 1.0), b.hc, b.W, b.wsum)
            b.cost -= gain
            b.st[0] = 0
            if b.cost < b.best[0] - b.eps:
                b.best[0], b.best_tour[:] = b.cost, b.tour
        else:
            b.st[0] += 1
    assert a.st.tolist() == b.st.tolist() and a.st[2] > 0  # restarts happened
    assert a.tour.tolist() == b.tour.tolist() and a.best_tour.tolist() == b.best_tour.tolist()
    assert np.allclose(a.W, b.W) and (a.Q == b.Q).all() and np.any(a.W != 100.0 * a.hw)


def test_solver_search_mcts_same_seed_same_tour_and_bad_values():
    xy = np.random.default_rng(5).random((70, 2)) * 100
    D = np.array(N.matrix(xy.tolist(), 1))
    inst = RoutingInstance("t70", D, np.zeros(70, int), 1, num_vehicles=1, coordinates=xy, problem="tsp")
    solver = get_solver("tsp-heatmap")
    runs = [solver.solve(inst, time_limit=30, seed=s, max_iterations=1000, search="mcts", mcts_h=0.3)
            for s in (1, 1, 2)]
    assert all(r.feasible for r in runs)
    assert runs[0].solution["routes"] == runs[1].solution["routes"]
    assert runs[0].extra["search"] == "mcts" and runs[0].extra["restarts"] > 0
    ils = solver.solve(inst, time_limit=30, seed=1, max_iterations=300)
    assert ils.extra["search"] == "ils" and "restarts" not in ils.extra
    for bad in ({"search": "sa"}, {"mcts_depth": 0}, {"mcts_h": 0}, {"mcts_alpha": -1}):
        with pytest.raises(SolverParameterError):
            solver.solve(inst, time_limit=1, **bad)


@pytest.mark.parametrize("seed,min_seg,window,p_local", [(0, 4, 5, 1.0), (1, 2, 3, 1.0), (2, 4, 40, 1.0),
                                                         (3, 4, 5, 0.5)])
def test_local_kick_is_a_segment_swap_within_the_window(seed, min_seg, window, p_local):
    """A segment-local kick (heatmap unused: tc = ty = -1) cuts [b..x] and [c..y] each at least min_seg and
    at most min_seg - 1 + window long; p_local = 0.5 mixes local and heatmap kicks; undo restores."""
    n = 40
    xy = np.random.default_rng(seed).random((n, 2)) * 100
    hm = softdist_heatmap(xy, 6)
    rng = np.array([seed + 3], np.uint64)
    out = np.zeros(8, np.int64)
    kinds = set()
    for r in range(80):
        start = np.random.default_rng(seed + r).permutation(n).tolist()
        tour, pos, jr, jn = state(start)
        jn[1] = 1
        K.kick(tour, pos, hm.cand, hm.weight.copy(), rng, window, jr, jn, out, min_seg, 1.0, p_local)
        a, b, x, c, y, z, tc, ty = out.tolist()
        assert N.edges(tour.tolist()) == N.segment_swap(start, a, b, x, c, y, z)
        seg = N.swap_segments(start, a, c, y)
        assert min(seg) >= min_seg
        local = tc < 0 and ty < 0 and seg[0] <= min_seg - 1 + window
        if p_local == 1.0:
            assert tc < 0 and ty < 0 and seg[0] <= min_seg - 1 + window and seg[1] <= min_seg - 1 + window
        kinds.add(local)
        K.undo(tour, pos, jr, jn)
        assert tour.tolist() == start
    assert kinds == ({True} if p_local == 1.0 else {True, False})


# ----------------------------------------------------------------------------- alpha-nearness heatmap

from netopt.solvers.nco import _alpha_kernels as A  # noqa: E402
from netopt.solvers.nco.heatmap import alpha_heatmap  # noqa: E402


def pool_edges(n, seed, p):
    xy = np.random.default_rng(seed).random((n, 2)) * 100
    cand, d = knn_candidates(xy, p)
    return xy, cand, d, np.repeat(np.arange(n, dtype=np.int64), p), cand.ravel().copy(), d.ravel().copy()


@pytest.mark.parametrize("seed,n,p", [(0, 8, 3), (1, 30, 4), (2, 60, 5)])
def test_kruskal_and_subgradient_match_the_twins(seed, n, p):
    xy, cand, d, eu, ev, ed = pool_edges(n, seed, p)
    ed = np.round(ed, 0)  # ties: both break them by edge index
    edges = list(zip(eu.tolist(), ev.tolist()))
    tree, deg = np.zeros(len(eu), np.bool_), np.zeros(n, np.int64)
    total, used = A.kruskal(n, eu, ev, ed, tree, deg)
    chosen = N.mst(n, edges, ed.tolist())
    assert sorted(np.flatnonzero(tree).tolist()) == sorted(chosen) and used == len(chosen)
    assert total == pytest.approx(sum(ed[chosen]))
    pi, w = A.subgradient(n, eu, ev, ed, 12, 0.5)
    tpi, tw = N.subgradient(n, edges, ed.tolist(), 12, 0.5)
    assert pi.tolist() == pytest.approx(tpi, abs=1e-9) and w == pytest.approx(tw, abs=1e-9)
    assert w >= total - 1e-9  # at least the plain tree's bound (pi = 0 is the first point)


@pytest.mark.parametrize("seed,n,p", [(3, 12, 4), (4, 50, 6)])
def test_alpha_values_match_tree_path_maxima(seed, n, p):
    xy, cand, d, eu, ev, ed = pool_edges(n, seed, p)
    pi = np.random.default_rng(seed).random(n) * 3
    cost = ed + pi[eu] + pi[ev]
    tree = np.zeros(len(eu), np.bool_)
    A.kruskal(n, eu, ev, cost, tree, np.zeros(n, np.int64))
    parent, depth, pw = A.root_tree(n, eu, ev, cost, tree)
    alpha = A.alpha_values(cand, d, pi, parent, depth, pw)
    te = [(int(eu[e]), int(ev[e])) for e in np.flatnonzero(tree)]
    tc = cost[tree].tolist()
    for i in range(n):
        for t in range(p):
            j = int(cand[i, t])
            b = N.tree_path_max(n, te, tc, i, j)
            want = np.inf if b == -np.inf else max(0.0, d[i, t] + pi[i] + pi[j] - b)
            assert alpha[i, t] == pytest.approx(want, abs=1e-9)
            if (i, j) in te or (j, i) in te:
                assert alpha[i, t] == pytest.approx(0.0, abs=1e-9)


def test_alpha_heatmap_rows_and_a_disconnected_pool():
    xy = np.random.default_rng(7).random((80, 2)) * 10
    xy[40:] += 1000.0  # two far clusters: the 5-nearest pool does not connect them
    hm = alpha_heatmap(xy, 4, pool=5, iterations=20)
    assert hm.cand.shape == (80, 4) and np.allclose(hm.weight, 0.25)
    d = np.hypot(*(xy[:, None] - xy[hm.cand]).transpose(2, 0, 1))
    assert np.all(np.diff(d, axis=1) >= 0)  # nearest first
    assert all(len(set(r)) == 4 and i not in r for i, r in enumerate(hm.cand.tolist()))
    # with one iteration (pi = 0) the rows are the lowest d - beta_MST among the pool, ties by distance
    xy, cand, dd, eu, ev, ed = pool_edges(40, 8, 8)
    hm = alpha_heatmap(xy, 3, pool=8, iterations=1)
    chosen = N.mst(40, list(zip(eu.tolist(), ev.tolist())), ed.tolist())
    te, tc = [(int(eu[e]), int(ev[e])) for e in chosen], ed[chosen].tolist()
    for i in range(40):
        key = sorted(range(8), key=lambda t: (dd[i, t] - N.tree_path_max(40, te, tc, i, int(cand[i, t])), dd[i, t]))
        assert set(hm.cand[i].tolist()) == {int(cand[i, t]) for t in key[:3]}
    with pytest.raises(SolverParameterError):
        alpha_heatmap(xy, 3, iterations=0)


def test_solver_heatmap_alpha():
    xy = np.random.default_rng(9).random((60, 2)) * 100
    D = np.array(N.matrix(xy.tolist(), 1))
    inst = RoutingInstance("t60", D, np.zeros(60, int), 1, num_vehicles=1, coordinates=xy, problem="tsp")
    res = get_solver("tsp-heatmap").solve(inst, time_limit=30, seed=0, max_iterations=500, heatmap="alpha", k=6)
    assert res.feasible and res.objective > 0
