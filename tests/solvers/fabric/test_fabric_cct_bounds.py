"""Completion times without a max-min simulation: equal flows last their largest link congestion,
the skewed all-to-all's fair-share bounds, ECMP's mean over hashings past ``cct_max_flows``."""

from __future__ import annotations

import numpy as np
import pytest
from naive_fabric import maxmin_completion as maxmin_naive

from netopt.solvers.fabric import _kernels, completion_time, min_split, singlepath, spray
from netopt.solvers.fabric.analysis import analyze, build
from netopt.solvers.fabric.cct import equal_flows_time, host_bound, skew_cct_bounds, step_completion_time
from netopt.solvers.fabric.traffic import all_step_traffic


def _random_problem(rng, coefs):
    F, L = int(rng.integers(1, 40)), int(rng.integers(4, 16))
    per = rng.integers(1, 5, size=F)
    indptr = np.concatenate([[0], np.cumsum(per)]).astype(np.int64)
    links = np.concatenate([rng.choice(L, size=p, replace=False) for p in per]).astype(np.int64)
    coef = rng.choice([1.0, 0.5, 0.25, 1 / 3, 2.0], size=links.size) if coefs else np.ones(links.size)
    return indptr, links, coef, np.full(F, float(rng.uniform(1, 5))), rng.uniform(0.5, 3, size=L)


@pytest.mark.parametrize("coefs", [False, True], ids=["unit", "weighted"])
def test_equal_flows_last_their_largest_congestion(coefs):
    """Equal flows under max-min fairness finish exactly when the most congested link has drained,
    whatever the coefficients (cct.equal_flows_theorem): the kernel on 150 random problems, the
    plain Python twin on the first 10."""
    rng = np.random.default_rng(7 + coefs)
    for r in range(150):
        indptr, links, coef, size, cap = _random_problem(rng, coefs)
        want = equal_flows_time(indptr, links, coef, size, cap)
        t, _ = _kernels.maxmin_completion(indptr, links, coef, size, cap, 1e-9, 0)
        assert t == pytest.approx(want, rel=1e-9)
        if r < 10:
            paths = [links[indptr[f]:indptr[f + 1]].tolist() for f in range(size.size)]
            cf = [coef[indptr[f]:indptr[f + 1]].tolist() for f in range(size.size)]
            assert maxmin_naive(paths, cf, size.tolist(), cap.tolist()) == pytest.approx(want, rel=1e-9)


def _unequal_problems(seed, factors, n=150):
    """Random weighted problems with sizes scaled by ``factors``: the rows, the fair-share bounds
    and the max-min kernel's completion time."""
    from netopt.solvers.fabric.cct import fair_share_bounds

    rng = np.random.default_rng(seed)
    for _ in range(n):
        indptr, links, coef, size, cap = _random_problem(rng, True)
        size = size * rng.choice(factors, size=size.size)
        lo, hi = fair_share_bounds(indptr, links, coef, size, cap)
        t, _ = _kernels.maxmin_completion(indptr, links, coef, size, cap, 1e-9, 0)
        yield indptr, links, coef, size, cap, lo, hi, t


def test_fair_share_bounds_hold_unequal_flows():
    """With unequal sizes the kernel's completion time lies within cct.fair_share_bounds (150 random
    problems, weighted links); where the bounds meet, _solve returns them without the kernel."""
    met = 0
    for indptr, links, coef, size, cap, lo, hi, t in _unequal_problems(3, [1.0, 1.0, 2.0, 0.5]):
        assert lo * (1 - 1e-9) <= t <= hi * (1 + 1e-9)
        met += hi <= lo * (1 + 1e-12)
    assert met > 0


_SKEW = [
    dict(topology="fat-tree", k=4),
    dict(topology="fat-tree", k=4, rails=2),
    dict(topology="fat-tree", k=4, placement_kind="random", ranks=11),
    dict(topology="fat-tree", k=4, core_oversubscription=2.0, skew="0.5"),
    dict(topology="leaf-spine", leaves=4, spines=2, hosts_per_leaf=2, placement_kind="round-robin"),
    dict(topology="fat-tree", k=4, failed=("edge:0:1", "core:5:0")),
]


@pytest.mark.parametrize("case", _SKEW, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_skew_fair_share_bounds_hold_the_max_min_cct(case):
    """The skewed all-to-all's bounds hold the max-min kernel's CCT over every listed flow for
    spraying (also over failed cables), singlepath and split (the class-greedy routing; the
    leaf-spine's MILP and the greedy routing over failed cables get no bound), and equal it where they meet (every model of the leaf-major k = 4 fat-tree and its
    2-rail version: the hottest receiver's downlink decides)."""
    fab, coll = build(collective="all-to-all", **{"skew": "1.0", **case})
    st = all_step_traffic(fab, coll)[0]
    method = ("class-greedy" if fab.healthy else "greedy") if fab.kind == "fat-tree" else "milp"
    sgl, spl = singlepath(fab, coll, keep=True), min_split(fab, coll, keep=True)
    assert sgl.info["method"] == method
    met = 0
    for model, res, k in (("spray", spray(fab, coll), 1), ("singlepath", sgl, 1), ("split", spl, spl.info["k"])):
        want = completion_time(fab, coll, model, assignments=res.assignment, k=k, max_flows=10**6, kernel=True)
        b = skew_cct_bounds(fab, coll, st, model, k, float(res.step_congestion[0]), res.info.get("method"))
        if b is None:
            assert model != "spray" and method != "class-greedy"
            continue
        lo, hi = b
        assert lo * (1 - 1e-9) <= want <= hi * (1 + 1e-9)
        if hi <= lo * (1 + 1e-12):
            met += 1
            assert want == pytest.approx(lo, rel=1e-9)
    if case.get("placement_kind") is None and "core_oversubscription" not in case and "failed" not in case:
        assert met == 3


def test_ecmp_mean_over_hashings():
    """Past cct_max_flows ECMP's CCT is the mean over hashings of max(host links, largest switch
    congestion): from the per-flow Monte Carlo samples (tiers jointly exact) it is their mean, and
    it agrees with the average of 200 one-hashing CCTs (listed flows) within sampling error."""
    fab, coll = build(topology="fat-tree", k=4, collective="all-to-all")
    res = analyze(fab, coll, seeds=400, ecmp="monte-carlo", aggregate="never", cct_max_flows=100)
    e = res["models"]["ecmp"]
    assert e["cct_method"] == "mean over hashings"
    st = all_step_traffic(fab, coll)[0]
    M = host_bound(fab, st.host_out, st.host_in)
    one = np.array([step_completion_time(fab, coll, 0, "ecmp", seed=s) for s in range(200)])
    assert one.min() >= M * (1 - 1e-12)
    assert abs(e["cct"] - one.mean()) < 4 * one.std() / np.sqrt(one.size) + 4 * one.std() / 20


def test_threshold_upper_bound_holds_unequal_flows():
    """cct.threshold_upper_bound holds the max-min kernel's completion time on 150 random problems
    with a few small and some large flows (weighted links), for every threshold; at theta = 0 it
    is fair_share_bounds' upper bound, and with many small flows it is below it somewhere."""
    from netopt.solvers.fabric.cct import threshold_upper_bound

    tighter = 0
    for indptr, links, coef, size, cap, lo, hi, t in _unequal_problems(11, [1.0, 0.01, 0.05, 2.0]):
        assert threshold_upper_bound(indptr, links, coef, size, cap, 0.0) == pytest.approx(hi, rel=1e-12)
        for theta in np.unique(size):
            b = threshold_upper_bound(indptr, links, coef, size, cap, float(theta))
            assert t <= b * (1 + 1e-9)
            tighter += b < hi * (1 - 1e-6)
        # the level sum of cct.threshold_theorem (skew_ecmp_cct_bounds per hashing), every size a level
        levels = np.concatenate([[0.0], np.unique(size)])
        assert t <= _level_sum(indptr, links, coef, size, cap, levels) * (1 + 1e-9)
        assert _level_sum(indptr, links, coef, size, cap, levels[:1].tolist() + [size.max()]) == \
            pytest.approx(size.max() * max(np.max(np.bincount(links, coef, cap.size) / cap), 0), rel=1e-12)
    assert tighter > 0


def _level_sum(indptr, links, coef, size, cap, levels):
    """sum_i (theta_{i+1} - theta_i) max_l W_l^{>theta_i} / cap_l, written out flow by flow."""
    total = 0.0
    for a, b in zip(levels[:-1], levels[1:]):
        W = [0.0] * cap.size
        for f in range(size.size):
            if size[f] > a:
                for q in range(indptr[f], indptr[f + 1]):
                    W[links[q]] += coef[q]
        total += (b - a) * max(W[l] / cap[l] for l in range(cap.size))
    return total


@pytest.mark.parametrize("case", [dict(topology="fat-tree", k=4), dict(topology="fat-tree", k=4, rails=2),
                                  dict(topology="fat-tree", k=4, skew="0.5", experts=8, placement_kind="random")],
                         ids=["k4", "k4-rails2", "k4-experts8-random"])
def test_skew_ecmp_bounds_hold_listed_hashings(case):
    """ECMP's CCT bounds of the skewed all-to-all (means over hashings, none listed; the upper one
    by size levels, cct.skew_ecmp_cct_bounds) hold the mean of 30 one-hashing max-min CCTs over
    every listed flow (within sampling error), and the level sum is below the plain fair-share
    upper bound (largest flow x largest count per capacity)."""
    from netopt.solvers.fabric import cct

    fab, coll = build(collective="all-to-all", **{"skew": "1.0", **case})
    e = analyze(fab, coll, cct_max_flows=1)["models"]["ecmp"]
    lo, hi = e["cct_bounds"]
    one = np.array([step_completion_time(fab, coll, 0, "ecmp", seed=s) for s in range(30)])
    err = 4 * one.std() / np.sqrt(one.size) + 1e-12 * hi
    assert lo - err <= one.mean() <= hi + err
    levels = cct.LEVEL_RANKS
    try:
        cct.LEVEL_RANKS = ()
        plain = analyze(fab, coll, cct_max_flows=1)["models"]["ecmp"]["cct_bounds"][1]
    finally:
        cct.LEVEL_RANKS = levels
    assert hi < plain
