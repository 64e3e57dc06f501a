"""tsp-heatmap: heatmaps, every search kernel against its twin in naive_tsp.py, the solver, the
random-uniform set reader and the CLI."""

import json
import zipfile

import numpy as np
import pytest
from typer.testing import CliRunner

import naive_tsp as N
from support import datasets_dir
from netopt.cli import app
from netopt.exceptions import InstanceFormatError, SolverParameterError, UnsupportedInstanceError
from netopt.io import load_instance
from netopt.io.tsp_sets import count_tsp_set, parse_tsp_line, read_tsp_set, tsp_set_coordinates
from netopt.model import RoutingInstance, RoutingSolution
from netopt.solvers import get_solver
from netopt.solvers.nco import _kernels as K
from netopt.solvers.nco.heatmap import (
    Heatmap, check_heatmap, heatmap_from_dense, knn_candidates, knn_heatmap, softdist_heatmap,
)
from netopt.solvers.nco.tsp import distance_source, read_only, warm_up
from netopt.validate import check_routes

MODES = [K.MATRIX, K.EUCLID, K.NINT, K.CEIL]


@pytest.fixture(scope="module", autouse=True)
def compiled():
    warm_up()


#: the unused distance source: the kernels get read-only arrays only, as from the solver (one compilation)
NO_XY, NO_DM = read_only(np.zeros((1, 2))), read_only(np.zeros((1, 1)))


def points(n, seed, scale=100.0):
    return read_only(np.random.default_rng(seed).random((n, 2)) * scale)


def tsp_instance(xy, rounding="none", with_coords=True):
    D = np.array(N.matrix(xy.tolist(), {"none": 1, "nint": 2, "ceil": 3}[rounding]))
    n = len(xy)
    return RoutingInstance(f"t{n}", D, np.zeros(n, int), 1, num_vehicles=1, rounding=rounding,
                           coordinates=xy if with_coords else None, problem="tsp")


def arrays(xy, mode):
    """Kernel inputs for ``mode``: (xy, dm) with the unused one a dummy."""
    if mode == K.MATRIX:
        return NO_XY, read_only(np.array(N.matrix(xy.tolist(), 1)))
    return xy, NO_DM


def tour_state(tour):
    tour = np.array(tour, np.int64)
    pos = np.empty_like(tour)
    pos[tour] = np.arange(len(tour))
    return tour, pos, np.zeros((256, 2), np.int64), np.array([0, 1, 0], np.int64)


# ----------------------------------------------------------------------------- heatmaps


@pytest.mark.parametrize("n,k", [(2, 3), (9, 4), (60, 10), (300, 8)])
def test_knn_candidates_match_brute_force(n, k):
    xy = points(n, n)
    D = N.matrix(xy.tolist(), 1)
    want = N.knn(D, k)
    for cand, d in (knn_candidates(xy, k), knn_candidates(dist=np.array(D), k=k)):
        assert cand.dtype == np.int64 and cand.tolist() == want
        assert np.allclose(d, [[D[i][j] for j in row] for i, row in enumerate(want)])


def test_softdist_matches_its_formula_and_knn_is_uniform():
    xy = points(40, 1)
    D = N.matrix(xy.tolist(), 1)
    hm = softdist_heatmap(xy, 6, temperature=0.3)
    nn = N.knn(D, 6)
    scale = 2 * np.mean([D[i][nn[i][0]] for i in range(40)])
    for i in range(40):
        e = np.exp([-D[i][j] / (0.3 * scale) for j in nn[i]])
        assert hm.cand[i].tolist() == nn[i] and np.allclose(hm.weight[i], e / e.sum())
    assert np.all(np.diff(hm.weight, axis=1) <= 0)
    assert np.allclose(softdist_heatmap(dist=np.array(D), k=6, temperature=0.3).weight, hm.weight)
    assert np.allclose(knn_heatmap(xy, 6).weight, 1 / 6)
    tiny = softdist_heatmap(xy, 6, temperature=1e-9)  # no underflow to 0/0
    assert np.all(np.isfinite(tiny.weight)) and np.allclose(tiny.weight[:, 0], 1.0)


def test_heatmap_validation_names_the_field():
    xy = points(5, 0)
    with pytest.raises(SolverParameterError, match="exactly one of points"):
        knn_candidates(xy, 2, dist=np.zeros((5, 5)))
    with pytest.raises(SolverParameterError, match="points: expected shape"):
        knn_candidates(np.zeros((5, 4)), 2)
    with pytest.raises(SolverParameterError, match="k: must be a positive integer"):
        knn_candidates(xy, 0)
    with pytest.raises(SolverParameterError, match="dist: must be finite"):
        knn_candidates(dist=-np.ones((3, 3)), k=1)
    with pytest.raises(SolverParameterError, match="temperature"):
        softdist_heatmap(xy, 2, temperature=0)
    with pytest.raises(SolverParameterError, match="outside 0..4"):
        check_heatmap((np.full((5, 2), 7), np.ones((5, 2))), 5)
    with pytest.raises(SolverParameterError, match="row 1 lists a candidate twice"):
        check_heatmap(([[1, 2], [0, 0], [0, 1], [0, 1], [0, 1]], np.ones((5, 2))), 5)
    with pytest.raises(SolverParameterError, match="weight shape"):
        check_heatmap((np.ones((5, 2), int), np.ones((5, 3))), 5)
    with pytest.raises(SolverParameterError, match="non-negative"):
        check_heatmap(([[1], [0], [0], [0], [0]], -np.ones((5, 1))), 5)
    hm = check_heatmap(([[1, 2], [2, 0], [0, 1], [0, 1], [0, 1]], [[0.1, 0.9]] * 5), 5)
    assert hm.cand[0].tolist() == [2, 1] and hm.weight[0].tolist() == [0.9, 0.1]  # re-sorted by weight


def test_heatmap_from_dense_keeps_the_top_k():
    s = np.random.default_rng(3).random((7, 7))
    hm = heatmap_from_dense(s, 3)
    for i in range(7):
        order = sorted((j for j in range(7) if j != i), key=lambda j: -s[i, j])[:3]
        assert hm.cand[i].tolist() == order
    check_heatmap(hm, 7)


# ----------------------------------------------------------------------------- kernels vs twins


@pytest.mark.parametrize("mode", MODES)
def test_distances_and_tour_length(mode):
    xy = points(12, 2)
    x, dm = arrays(xy, mode)
    D = N.matrix(xy.tolist(), 1) if mode == K.MATRIX else N.matrix(xy.tolist(), mode)
    for i in range(12):
        for j in range(12):
            assert K.dist(i, j, x, dm, mode) == pytest.approx(D[i][j], rel=1e-12)
    tour = list(np.random.default_rng(0).permutation(12))
    assert K.tour_length(np.array(tour), x, dm, mode) == pytest.approx(N.tour_length(tour, D), rel=1e-12)


def test_matrix_checks_and_random_numbers():
    xy = points(30, 4)
    D = np.array(N.matrix(xy.tolist(), 2))
    assert K.matches_matrix(D, xy, K.NINT, 1e-9) and not K.matches_matrix(D, xy, K.EUCLID, 1e-9)
    assert K.is_symmetric(D)
    D[3, 7] += 1
    assert not K.is_symmetric(D) and not K.matches_matrix(D, xy, K.NINT, 1e-9)
    rng = np.array([12345], np.uint64)
    assert [int(K.rand_u64(rng)) for _ in range(5)] == N.splitmix(12345, 5)
    vals = [K.rand_int(rng, 7) for _ in range(500)]
    assert min(vals) == 0 and max(vals) == 6
    assert all(0 <= K.rand_unit(rng) < 1 for _ in range(100))


@pytest.mark.parametrize("n,k,mode", [(2, 1, K.EUCLID), (7, 2, K.MATRIX), (40, 4, K.NINT), (200, 6, K.EUCLID),
                                      (120, 1, K.EUCLID)])
def test_greedy_tour_matches_twin(n, k, mode):
    xy = points(n, n + k)
    x, dm = arrays(xy, mode)
    D = N.matrix(xy.tolist(), 1 if mode == K.MATRIX else mode)
    cand = np.array(N.knn(D, k), np.int64)
    tour = K.greedy_tour(cand, x, dm, mode).tolist()
    assert sorted(tour) == list(range(n))
    assert tour == N.greedy_tour(cand.tolist(), D)


@pytest.mark.parametrize("seed", range(6))
def test_move_kernels_match_list_surgery(seed):
    n = 11
    rng = np.random.default_rng(seed)
    for _ in range(30):
        start = list(rng.permutation(n))
        i, j = sorted(rng.choice(n, 2, replace=False))
        # reverse_path: the same cycle as reversing positions i..j in a list
        tour, pos, jr, jn = tour_state(start)
        K.reverse_path(tour, pos, i, j, jr, jn)
        assert N.edges(tour.tolist()) == N.edges(start[:i] + start[i:j + 1][::-1] + start[j + 1:])
        assert np.array_equal(pos[tour], np.arange(n))
        K.undo(tour, pos, jr, jn)  # exact inverse
        assert tour.tolist() == start
        # move2 with either orientation
        a, c = start[i], start[j]
        if len({a, c, start[(i + 1) % n], start[(j + 1) % n]}) == 4:
            b, d = start[(i + 1) % n], start[(j + 1) % n]
            for args in ((a, b, c, d), (b, a, d, c)):
                tour, pos, jr, jn = tour_state(start)
                K.move2(tour, pos, *args, jr, jn)
                assert N.edges(tour.tolist()) == N.two_opt(start, *args)
        # or_move: segment of 1..3 at position i, inserted at an edge outside it
        L = int(rng.integers(1, 4))
        seg = [start[(i + t) % n] for t in range(L)]
        p, nx = start[i - 1], start[(i + L) % n]
        outside = [t for t in range(n) if start[t] not in seg and start[(t + 1) % n] not in seg
                   and start[(t + 1) % n] != p]
        t = int(rng.choice(outside))
        u, v = start[t], start[(t + 1) % n]
        for keep in (True, False):
            tour, pos, jr, jn = tour_state(start)
            K.or_move(tour, pos, p, seg[0], seg[-1], nx, u, v, keep, jr, jn)
            assert N.edges(tour.tolist()) == N.or_move(start, seg[0], seg[-1], u, v, keep)
            K.undo(tour, pos, jr, jn)
            assert tour.tolist() == start


@pytest.mark.parametrize("seed,min_seg,p_heat", [(0, 1, 1.0), (1, 1, 1.0), (2, 4, 1.0), (3, 4, 0.5), (4, 8, 0.0),
                                                 (5, 2, 0.5)])
def test_kick_is_a_segment_swap_and_undo_restores(seed, min_seg, p_heat):
    n = 25
    xy = points(n, seed)
    hm = softdist_heatmap(xy, 5)
    rng = np.array([seed + 1], np.uint64)
    out = np.zeros(8, np.int64)
    window = 5
    for _ in range(60):
        start = list(np.random.default_rng(seed + _).permutation(n))
        tour, pos, jr, jn = tour_state(start)
        K.kick(tour, pos, hm.cand, hm.weight.copy(), rng, window, jr, jn, out, min_seg, p_heat, 0.0)
        a, b, x, c, y, z, tc, ty = out.tolist()
        assert b == start[(start.index(a) + 1) % n] and x == start[start.index(c) - 1]
        assert z == start[(start.index(y) + 1) % n]
        assert N.edges(tour.tolist()) == N.segment_swap(start, a, b, x, c, y, z)
        assert min(N.swap_segments(start, a, c, y)) >= min_seg  # no Or-opt-sized segment
        cs, ys = N.kick_choices(start, a, c, hm.cand[a].tolist(), hm.cand[b].tolist(), min_seg)
        if cs:  # c from the heatmap whenever the row offers an allowed city
            assert tc >= 0 and hm.cand[a, tc] == c and c in cs
        else:
            assert tc < 0
        if ty >= 0:
            assert p_heat > 0 and y in ys and hm.cand[b, ty] == y
        else:  # y from the window: heatmap skipped (p_heat) or no allowed city in b's row
            assert p_heat < 1 or not ys
            assert N.swap_segments(start, a, c, y)[1] <= min_seg - 1 + window
        K.undo(tour, pos, jr, jn)
        assert tour.tolist() == start


@pytest.mark.parametrize("n,k,mode", [(6, 5, K.EUCLID), (9, 3, K.MATRIX), (40, 5, K.EUCLID), (80, 6, K.NINT),
                                      (120, 8, K.CEIL)])
def test_local_search_reaches_a_local_optimum_of_the_twin_neighbourhood(n, k, mode):
    xy = points(n, 10 + n)
    x, dm = arrays(xy, mode)
    D = N.matrix(xy.tolist(), 1 if mode == K.MATRIX else mode)
    nbr = np.array(N.knn(D, k), np.int64)
    start = list(np.random.default_rng(n).permutation(n))
    tour, pos, jr, jn = tour_state(start)
    jn[1] = 0
    queue, inq, qs = np.zeros(n, np.int64), np.zeros(n, np.bool_), np.zeros(2, np.int64)
    K.push_all(tour, queue, inq, qs)
    gain, moves = K.local_search(tour, pos, nbr, x, dm, mode, 1e-9, 3, queue, inq, qs, jr, jn, 10**9, 0, 5)
    t = tour.tolist()
    assert sorted(t) == list(range(n)) and qs[1] == 0 and moves > 0
    assert N.tour_length(start, D) - gain == pytest.approx(N.tour_length(t, D), abs=1e-6)
    # the queue only revisits the end cities of changed edges; sweeps over all cities until none moves
    # leave a local optimum of the whole neighbourhood
    for _ in range(20):
        K.push_all(tour, queue, inq, qs)
        if K.local_search(tour, pos, nbr, x, dm, mode, 1e-9, 3, queue, inq, qs, jr, jn, 10**9, 0, 5)[1] == 0:
            break
    assert N.best_gain(tour.tolist(), nbr.tolist(), D) <= 1e-9


@pytest.mark.parametrize("seed,n,k3", [(0, 12, 4), (1, 30, 5), (2, 45, 6), (3, 60, 5)])
def test_sequential_3opt_step_matches_the_twin(seed, n, k3):
    """best_step3 == the twin's enumeration over edge sets (gains, chosen cities, open move); apply3
    makes the move the twin makes; pattern3 never accepts a subcycle (the twin asserts tours)."""
    xy = points(n, 40 + seed)
    D = N.matrix(xy.tolist(), 1)
    nbr = np.array(N.knn(D, 6), np.int64)
    rng = np.random.default_rng(seed)
    found = 0
    for trial in range(40):
        start = list(rng.permutation(n))
        tour, pos, jr, jn = tour_state(start)
        t1 = int(rng.integers(n))
        t2 = start[(start.index(t1) + (1 if trial % 2 else -1)) % n]
        added = np.array([[start[1], start[2]], [0, 0]], np.int64)  # one tabu edge
        na = int(trial % 3 == 0)
        g0 = D[t1][t2] * (1.0 if trial % 4 else 1.3)  # a deeper level's partial gain
        got = K.best_step3(t1, t2, g0, tour, pos, nbr, xy, NO_DM, K.EUCLID, 1e-9, k3, added, na)
        want = N.seq_step(start, t1, t2, g0, nbr.tolist(), D, k3, added[:na].tolist())
        assert got[1:5] == want[1:5] and got[6:] == want[6:]
        assert got[0] == pytest.approx(want[0], abs=1e-9) and got[5] == pytest.approx(want[5], abs=1e-9)
        for mv in (got[1:5], got[6:]):
            if mv[0] >= 0:
                found += 1
                tour, pos, jr, jn = tour_state(start)
                K.apply3(t1, t2, *mv, tour, pos, jr, jn)
                assert N.edges(tour.tolist()) == N.edges(N.seq_apply(start, t1, t2, *mv))
                assert np.array_equal(pos[tour], np.arange(n))
                K.undo(tour, pos, jr, jn)
                assert tour.tolist() == start
    assert found > 20


@pytest.mark.parametrize("seed,depth", [(0, 1), (1, 3), (2, 5)])
def test_lk_move_matches_the_twin_and_undoes_exactly(seed, depth):
    """lk_move == the twin's level-by-level search, from a random tour (depth 1) or a 2-opt/Or-opt
    local optimum (where the deeper levels matter); without gain the tour array is exactly the start."""
    n = 70
    xy = points(n, 50 + seed)
    D = N.matrix(xy.tolist(), 1)
    nbr = np.array(N.knn(D, 6), np.int64)
    x, dm = xy, NO_DM
    tour, pos, jr, jn = tour_state(np.random.default_rng(seed).permutation(n).tolist())
    jn[1] = 0
    queue, inq, qs = np.zeros(n, np.int64), np.zeros(n, np.bool_), np.zeros(2, np.int64)
    if depth > 1:
        K.push_all(tour, queue, inq, qs)
        K.local_search(tour, pos, nbr, x, dm, K.EUCLID, 1e-9, 3, queue, inq, qs, jr, jn, 10**9, 0, 5)
    moved = 0
    for t1 in range(n):
        start = tour.tolist()
        queue[:], inq[:], qs[:] = 0, False, 0
        for logged in (0, 1):
            tour, pos, jr, jn = tour_state(start)
            jn[1] = logged
            g = K.lk_move(t1, tour, pos, nbr, x, dm, K.EUCLID, 1e-9, 5, depth, queue, inq, qs, jr, jn)
            wg, wt = N.lk_move(start, t1, nbr.tolist(), D, 5, depth)
            assert g == pytest.approx(wg, abs=1e-9) and N.edges(tour.tolist()) == N.edges(wt)
            assert N.tour_length(start, D) - g == pytest.approx(N.tour_length(tour.tolist(), D), abs=1e-9)
            assert jn[1] == logged and (g > 0 or tour.tolist() == start)
            if logged:  # the journal holds the net change: undo restores the start
                K.undo(tour, pos, jr, jn)
                assert tour.tolist() == start
            else:
                assert jn[0] == 0
        moved += g > 0
        if g > 0:
            tour, pos, jr, jn = tour_state(wt)
    assert moved > 0


def ils_setup(n=150, seed=5):
    xy = points(n, seed)
    D = N.matrix(xy.tolist(), 2)
    nbr, _ = knn_candidates(xy, 8)
    hm = softdist_heatmap(xy, 8)
    tour = K.greedy_tour(nbr, xy, NO_DM, K.NINT)
    tour, pos, jr, jn = tour_state(tour.tolist())
    jr = np.zeros((1 << 12, 2), np.int64)
    queue, inq, qs = np.zeros(n, np.int64), np.zeros(n, np.bool_), np.zeros(2, np.int64)
    jn[1] = 0
    K.push_all(tour, queue, inq, qs)
    K.local_search(tour, pos, nbr, xy, NO_DM, K.NINT, 1e-9, 3, queue, inq, qs, jr, jn, 10**9, 0, 5)
    return xy, D, nbr, hm, tour, pos, jr, jn, queue, inq, qs


@pytest.mark.parametrize("slack,p_heat", [(0.0, 1.0), (0.0, 0.5), (20.0, 0.5)])
def test_ils_cost_is_the_tour_length_and_best_never_grows(slack, p_heat):
    xy, D, nbr, hm, tour, pos, jr, jn, queue, inq, qs = ils_setup()
    rng, out, w = np.array([3], np.uint64), np.zeros(8, np.int64), hm.weight.copy()
    cost = N.tour_length(tour.tolist(), D)
    best_tour, best = tour.copy(), np.array([cost])
    worse = 0
    for _ in range(5):
        old_best = best[0]
        new, _imp = K.ils(tour, pos, nbr, hm.cand, w, xy, NO_DM, K.NINT, rng, 300, cost, 1e-9, 3, 20,
                          0.5, queue, inq, qs, jr, jn, out, best_tour, best, slack, p_heat, 0, 5, 0.0)
        assert new == pytest.approx(N.tour_length(tour.tolist(), D), abs=1e-6)
        assert best[0] <= old_best and best[0] == pytest.approx(N.tour_length(best_tour.tolist(), D), abs=1e-6)
        assert new < best[0] + slack + 1e-9  # (the journal of 4,096 reversals never overflows here)
        if slack == 0:
            assert new <= cost + 1e-9 and new == best[0]
        worse += new > best[0]
        cost = new
    assert sorted(tour.tolist()) == list(range(n := len(tour))) and sorted(best_tour.tolist()) == list(range(n))
    assert np.any(w != hm.weight)  # weights learned
    if slack > 0:
        assert worse > 0  # it did keep worse tours


def test_ils_matches_a_loop_over_kick_local_search_and_the_twin_acceptance():
    """ils == Python rounds of K.kick + K.local_search + N.ils_accepts (the same random stream)."""
    runs = []
    for twin in (False, True):
        xy, D, nbr, hm, tour, pos, jr, jn, queue, inq, qs = ils_setup(120, 9)
        dm = NO_DM
        rng, out, w = np.array([7], np.uint64), np.zeros(8, np.int64), hm.weight.copy()
        cost = K.tour_length(tour, xy, dm, K.NINT)
        best_tour, best = tour.copy(), np.array([cost])
        slack, eta, or_max, window = 15.0, 0.5, 3, 20
        if not twin:
            cost, _ = K.ils(tour, pos, nbr, hm.cand, w, xy, dm, K.NINT, rng, 400, cost, 1e-9, or_max, window, eta,
                            queue, inq, qs, jr, jn, out, best_tour, best, slack, 0.5, 0, 5, 0.0)
        else:
            n = len(tour)
            for _ in range(400):
                jn[:] = (0, 1, 0)
                K.kick(tour, pos, hm.cand, w, rng, window, jr, jn, out, min(or_max + 1, n // 3), 0.5, 0.0)
                a, b, x, c, y, z = out[:6].tolist()
                delta = D[a][c] + D[y][b] + D[x][z] - D[a][b] - D[x][c] - D[y][z]
                for t in range(6):
                    K._push(queue, inq, qs, out[t])
                gain, _m = K.local_search(tour, pos, nbr, xy, dm, K.NINT, 1e-9, or_max, queue, inq, qs, jr, jn,
                                          jr.shape[0] * 4, 0, 5)
                new = cost + delta - gain
                verdict = N.ils_accepts(new, cost, best[0], slack, overflow=jn[2] == 1)
                if verdict == "improve":
                    bonus = eta * min(1.0, (cost - new) * n / cost)
                    if out[6] >= 0:
                        w[a, out[6]] += bonus
                    if out[7] >= 0:
                        w[b, out[7]] += bonus
                if verdict == "undo":
                    K.undo(tour, pos, jr, jn)
                else:
                    cost = new
                jn[1] = 0
                if cost < best[0] - 1e-9:
                    best[0] = cost
                    best_tour[:] = tour
        runs.append((tour.tolist(), best_tour.tolist(), best[0], w.copy(), cost))
    (t1, b1, c1, w1, k1), (t2, b2, c2, w2, k2) = runs
    assert t1 == t2 and b1 == b2 and w1.tolist() == w2.tolist()
    assert c1 == pytest.approx(c2, abs=1e-6) and k1 == pytest.approx(k2, abs=1e-6)


# ----------------------------------------------------------------------------- the solver


def solve(inst, **kw):
    kw.setdefault("time_limit", 30)
    kw.setdefault("max_iterations", 3000)
    res = get_solver("tsp-heatmap").solve(inst, **kw)
    assert res.feasible, res.message
    sol = RoutingSolution.from_node_ids(inst, [r["visits"] for r in res.solution["routes"]])
    rep = check_routes(inst, sol.routes, res.objective)
    assert rep.feasible and len(sol.routes) == 1, rep.violations
    return res


@pytest.mark.parametrize("n,seed,rounding", [(4, 0, "none"), (5, 1, "nint"), (7, 2, "none"), (8, 3, "ceil"),
                                             (9, 4, "nint"), (9, 5, "none")])
def test_brute_force_optimum_on_tiny_instances(n, seed, rounding):
    inst = tsp_instance(points(n, seed), rounding)
    res = solve(inst, max_iterations=2000)
    assert res.objective == pytest.approx(N.brute_force(inst.distance.tolist()), abs=1e-9)


def test_matrix_only_instance_and_trivial_sizes():
    inst = tsp_instance(points(9, 8), "nint", with_coords=False)
    assert distance_source(inst)[0] == K.MATRIX
    res = solve(inst, max_iterations=2000)
    assert res.extra["distance"] == "matrix"
    assert res.objective == pytest.approx(N.brute_force(inst.distance.tolist()))
    for n in (2, 3):
        res = solve(tsp_instance(points(n, 1)))
        assert res.status == "optimal"


def test_tsplib_rounding_is_honoured():
    """nint distances computed on the fly: the reported cost is the integer cost of the instance."""
    inst = tsp_instance(points(120, 9, scale=1000), "nint")
    res = solve(inst, max_iterations=500)
    assert res.extra["distance"] == "nint" and float(res.objective).is_integer()
    fake = tsp_instance(points(120, 9, scale=1000), "nint")
    object.__setattr__(fake, "rounding", "none")  # a mislabelled convention is detected, not trusted
    assert distance_source(fake)[0] == K.NINT


def test_tsplib_file(tmp_path):
    d = datasets_dir("tsp/tsplib")
    inst = load_instance(d / "eil51.tsp")
    res = solve(inst, max_iterations=2000)  # optimal from 1,000 rounds on (20,000 took 5.9 s at load 3)
    assert res.extra["distance"] == "nint" and float(res.objective).is_integer()
    assert 426 <= res.objective <= 426 * 1.03  # OPT 426


def test_same_seed_same_result_and_heatmap_choices():
    inst = tsp_instance(points(200, 6))
    a = solve(inst, seed=4, max_iterations=1000)
    b = solve(inst, seed=4, max_iterations=1000)
    assert a.solution["routes"] == b.solution["routes"] and a.objective == b.objective
    assert a.iterations == 1000 and a.params["heatmap"] == "auto" and (a.extra["heatmap"], a.extra["k"]) == ("alpha", 6)
    sd = solve(inst, seed=4, max_iterations=500, heatmap="softdist", k=6)
    assert sd.params["heatmap"] == "softdist" and sd.params["k"] == 6
    assert a.params["depth"] == 3  # the LK-style move is on by default; depth=0 is the 2-opt/Or-opt search
    plain = [solve(inst, seed=4, max_iterations=500, depth=0, k3=4) for _ in range(2)]
    assert plain[0].solution["routes"] == plain[1].solution["routes"] and plain[0].params["depth"] == 0


def test_custom_heatmap_from_python():
    inst = tsp_instance(points(60, 7))
    cand, _ = knn_candidates(inst.coordinates, 5)
    res = solve(inst, max_iterations=500, heatmap=(cand, np.ones(cand.shape)))
    assert res.params["heatmap"] == "Heatmap"  # a typed object, recorded by its type in the Result JSON
    json.dumps(res.to_dict())
    same = solve(inst, max_iterations=500, heatmap=Heatmap(cand, np.ones(cand.shape)))
    assert same.solution["routes"] == res.solution["routes"]
    for bad in ("custom", "learned", 3):
        with pytest.raises(SolverParameterError, match="valid: knn, softdist, policy, or a Heatmap"):
            get_solver("tsp-heatmap").solve(inst, time_limit=1, heatmap=bad)
    with pytest.raises(SolverParameterError, match="outside 0..59"):
        get_solver("tsp-heatmap").solve(inst, time_limit=1, heatmap=(cand + 100, np.ones(cand.shape)))


def test_unsupported_instances_say_why(line_cvrp):
    s = get_solver("tsp-heatmap")
    assert "single-vehicle TSP" in s.supports(line_cvrp)
    D = np.array(N.matrix(points(6, 1).tolist(), 1))
    D[1, 2] += 1
    asym = RoutingInstance("a", D, np.zeros(6, int), 1, num_vehicles=1, problem="tsp")
    assert "asymmetric" in s.supports(asym)
    with pytest.raises(UnsupportedInstanceError, match="asymmetric"):
        s.solve(asym, time_limit=1)


def test_warm_start_is_used():
    inst = tsp_instance(points(50, 2))
    first = solve(inst, max_iterations=200)
    start = RoutingSolution.from_node_ids(inst, [r["visits"] for r in first.solution["routes"]])
    res = solve(inst, max_iterations=100, initial=start)
    assert res.extra["start"] == "initial" and res.objective <= first.objective + 1e-9


# ----------------------------------------------------------------------------- reader and CLI

LINE = "0.1 0.1 0.9 0.1 0.9 0.9 0.1 0.9 0.5 0.5 output 1 2 5 3 4 1"


@pytest.fixture
def set_file(tmp_path):
    p = tmp_path / "tsp5_test_concorde.txt"
    p.write_text(LINE + "\n" + LINE.replace("0.5 0.5", "0.5 0.2") + "\n")
    return p


def test_reader_picks_the_indexed_instance(set_file, tmp_path):
    a, b = load_instance(set_file), load_instance(f"{set_file}#1")
    assert a.num_nodes == 5 and a.problem == "tsp" and a.rounding == "none"
    assert a.coordinates[4].tolist() == [0.5, 0.5] and b.coordinates[4].tolist() == [0.5, 0.2]
    assert b.name == "tsp5_test_concorde#1" and a.sha256 != b.sha256
    assert a.distance[0, 1] == pytest.approx(0.8)
    z = tmp_path / "set.zip"
    with zipfile.ZipFile(z, "w") as f:
        f.write(set_file, "inner.txt")
    assert load_instance(f"{z}#1").coordinates.tolist() == b.coordinates.tolist()
    assert count_tsp_set(z) == 2 and len(tsp_set_coordinates(set_file)) == 2
    assert parse_tsp_line("0 0 1 1").shape == (2, 2)  # the tour part is optional


@pytest.mark.parametrize("text,suffix,match", [
    (LINE, "#2", r"instance index 2 out of range: the file has 1 instances \(0..0\)"),
    (LINE, "#x", "instance index 'x' after '#' is not a non-negative integer"),
    ("0.1 0.2 0.3 0.4 0.5 output 1 2 1", "#0", r"odd number of coordinates \(5\)"),
    ("0.1 0.2 0.3 abc output 1 2 1", "#0", "not a number: 'abc'"),
    ("0.1 0.2 output 1", "#0", "need at least 2 cities"),
    ("", "#0", "no instances"),
])
def test_reader_errors_are_one_line(tmp_path, text, suffix, match):
    p = tmp_path / "bad.txt"
    p.write_text(text + "\n")
    with pytest.raises(InstanceFormatError, match=match) as e:
        load_instance(f"{p}{suffix}")
    assert "\n" not in str(e.value) and str(p) in str(e.value)


def test_reader_missing_and_bad_zip(tmp_path):
    with pytest.raises(InstanceFormatError, match="no such file"):
        read_tsp_set(tmp_path / "none.txt")
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(InstanceFormatError, match="not a valid zip"):
        load_instance(bad)


def test_cli_solve_json(set_file):
    res = CliRunner().invoke(app, ["solve", f"{set_file}#1", "--solver", "tsp-heatmap", "-t", "5",
                                   "--max-iterations", "300", "--json", "-q"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    inst = load_instance(f"{set_file}#1")
    assert out["solver"] == "tsp-heatmap" and out["instance"] == "tsp5_test_concorde#1"
    assert out["objective"] == pytest.approx(N.brute_force(inst.distance.tolist()))
    bad = CliRunner().invoke(app, ["solve", f"{set_file}#9", "--solver", "tsp-heatmap", "-q"])
    assert bad.exit_code == 2 and "out of range" in bad.output


def test_random_uniform_sets_load():
    d = datasets_dir("tsp/random_uniform")
    inst = load_instance(d / "tsp500_test_concorde.txt#3")
    assert inst.num_nodes == 500 and inst.name == "tsp500_test_concorde#3"
    assert count_tsp_set(d / "tsp1000_test_concorde.txt") == 128
    res = solve(inst, max_iterations=2000)
    assert res.extra["distance"] == "euclidean" and res.objective < 18.0  # greedy + LS is within ~8 %
