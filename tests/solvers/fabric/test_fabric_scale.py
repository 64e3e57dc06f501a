"""Issue 19, part 2: exact ECMP on fat-trees from link-class ball counts, the pruned DFT of the
multinomial maximum, the greedy colour rounds of the equitable colouring (kernels against their
twins), and aggregated == enumerated on every topology and collective at small sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from naive_fabric import as_vector, spray_by_node_paths
from naive_fabric import bounded_choice_greedy as greedy_naive
from naive_fabric import multinomial_max_coeffs as coeffs_naive
from scipy.special import gammaln

from netopt.solvers.fabric import (
    _kernels,
    all_to_all,
    ecmp_exact,
    ecmp_monte_carlo,
    fat_tree,
    make_collective,
    multinomial_max_cdf,
    placement,
    spray,
)


def _poisson(t, cap):
    js = np.arange(cap + 1)
    return np.exp(js * math.log(t) - t - gammaln(js + 1))


@pytest.mark.parametrize("n,S,c0,c1", [(3, 2, 2, 3), (7, 3, 3, 7), (12, 4, 3, 9), (10, 5, 2, 6)])
def test_multinomial_max_coeffs_kernel_vs_twin(n, S, c0, c1):
    """Every DFT point (M above the degree: no aliasing) against repeated polynomial products."""
    p = _poisson(n / S, c1)
    M = 1 << (S * c1 + 1).bit_length()
    ks = np.arange(M, dtype=np.int64)
    v0 = np.fft.ifft(np.bincount(np.arange(c0 + 1) % M, weights=p[: c0 + 1], minlength=M)) * M
    got = _kernels.multinomial_max_coeffs(v0, p, c0, c1, S, n, M, ks)
    np.testing.assert_allclose(got, coeffs_naive(p, c0, c1, S, n), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("n,S,groups", [(20_000, 64, 1), (50_000, 8, 1), (200_000, 256, 40)])
def test_multinomial_max_cdf_pruned_equals_every_point(n, S, groups):
    """Dropping the DFT points whose bound is below e^-100 (and, for a tier of ``groups`` groups,
    the values of c where the tier CDF is below 1e-16) leaves the CDF unchanged to 1e-12."""
    c, F = multinomial_max_cdf(n, S, groups=groups, lower_tail=1e-16 if groups > 1 else 0.0)
    t = n / S
    p = _poisson(t, int(c[-1]))
    M = 1
    while M < min(S * int(c[-1]) + 1, max(256, int(16 * math.sqrt(n)) + 1)):
        M *= 2
    lo = int(c[0])
    v0 = np.fft.ifft(np.bincount(np.arange(lo + 1) % M, weights=p[: lo + 1], minlength=M)) * M
    full = _kernels.multinomial_max_coeffs(v0, p, lo, int(c[-1]), S, n, M, np.arange(M, dtype=np.int64))
    lognorm = n * math.log(n) - n - gammaln(n + 1)
    with np.errstate(divide="ignore"):
        Ffull = np.maximum.accumulate(np.clip(np.exp(np.log(np.maximum(full, 0)) - lognorm), 0, 1))
    np.testing.assert_allclose(F, Ffull, atol=1e-12)
    if groups > 1:
        assert F[0] ** groups < 1e-15 or c[0] == -(-n // S)


@pytest.mark.parametrize("seed", range(8))
def test_bounded_choice_greedy_kernel_vs_twin(seed):
    rng = np.random.default_rng(seed)
    L, n = 7, 20
    ia = rng.integers(0, L, n)
    ib = rng.integers(0, L, n)
    order = rng.permutation(n)
    lo_pair = (rng.random(n) < 0.15).astype(np.int64)
    hi_row, hi_col = rng.integers(0, 4, L), rng.integers(0, 4, L)
    lo_row = np.minimum(hi_row, rng.integers(0, 2, L))
    lo_col = np.minimum(hi_col, rng.integers(0, 2, L))
    y, ok = _kernels.bounded_choice_greedy(ia, ib, order, lo_pair, lo_row, hi_row, lo_col, hi_col)
    y2, ok2 = greedy_naive(ia.tolist(), ib.tolist(), order.tolist(), lo_pair.tolist(), lo_row.tolist(),
                           hi_row.tolist(), lo_col.tolist(), hi_col.tolist())
    assert y.tolist() == y2 and ok == ok2


# (k, collective, placement, ranks, relative tolerance of the mean): the tier-independence bias is
# upward and grows when few flows share tiers (measured in RESULTS.md, Stop 13)
FT_CASES = [(4, "all-to-all", "leaf-major", None, 0.01), (6, "all-to-all", "random", 40, 0.01),
            (6, "ring", "random", None, 0.02), (6, "tree", "leaf-major", None, 0.02),
            (4, "halving-doubling", "random", 16, 0.15)]


@pytest.mark.parametrize("k,coll,place,n,rel", FT_CASES)
def test_ecmp_exact_fattree_vs_monte_carlo(k, coll, place, n, rel):
    """Exact per tier, tiers combined as independent: never below the (exact, per flow) Monte
    Carlo mean by more than 4 standard errors, above it by at most ``rel``; CDFs within 0.04 for
    the all-to-all."""
    ft = fat_tree(k, host_gbps=100)
    n = n or ft.n_hosts
    c = make_collective(coll, n, 1e6, hosts=placement(place, n, ft.n_hosts, seed=1))
    ex = ecmp_exact(ft, c)
    mc = ecmp_monte_carlo(ft, c, n_seeds=3000, seed=5)
    s = mc.info["samples"]
    se = s.std() / math.sqrt(s.size)
    assert s.mean() - 4 * se <= ex.info["mean"] <= s.mean() * (1 + rel) + 4 * se
    if coll == "all-to-all":
        x, F = ex.info["cdf"]
        emp = np.array([(s <= v * (1 + 1e-9)).mean() for v in x])
        assert np.max(np.abs(emp - F)) < 0.04
    assert ex.info["mean"] >= spray(ft, c).max_congestion * (1 - 1e-12)


def test_ecmp_exact_fattree_deterministic_tiers_are_exact():
    """A leaf-major ring on a fat-tree puts one flow on each loaded group: every tier's maximum is
    one flow, the combination is exact and equals singlepath's worst case (one flow per link)."""
    ft = fat_tree(8, host_gbps=100)
    c = make_collective("ring", ft.n_hosts, 1e6)
    ex = ecmp_exact(ft, c)
    assert ex.info["tiers"] == "exact"
    assert ex.info["p50"] == ex.info["p99"] == pytest.approx(ex.info["mean"], rel=1e-12)


def test_ecmp_exact_fattree_k64_all_to_all_from_class_counts():
    """65,536 GPUs: the exact distribution comes from 4 distinct group sizes (never from flows)."""
    ft = fat_tree(64)
    ex = ecmp_exact(ft, all_to_all(ft.n_hosts, float(1 << 30)))
    sp = spray(ft, all_to_all(ft.n_hosts, float(1 << 30))).max_congestion
    assert 1.0 < ex.info["mean"] / sp < 1.05 and ex.info["tiers"] == "independent"


@pytest.mark.parametrize("coll,place", [("ring", "leaf-major"), ("ring", "random"), ("tree", "leaf-major")])
def test_fattree_cct_classes_equal_every_subflow(coll, place):
    """The CCT of singlepath / minimal split with each within-edge flow's k subflows as one class of
    weight k equals the CCT with every subflow its own row (the max-min kernel on both)."""
    from netopt.solvers.fabric import completion_time, min_split, singlepath
    from netopt.solvers.fabric.cct import _fattree_paths, _solve, fattree_flow_links

    ft = fat_tree(4, host_gbps=100, link_gbps=25)
    c = make_collective(coll, 16, 1e6, hosts=placement(place, 16, 16, seed=3))
    for res in (singlepath(ft, c, keep=True), min_split(ft, c, keep=True)):
        k = res.info.get("k", 1)
        got = completion_time(ft, c, res.model, assignments=res.assignment, k=k, kernel=True)
        want = 0.0
        for t in range(c.n_steps):
            s, d, z = c.step_flows(t)
            hs, hd = np.repeat(c.placement[s], k), np.repeat(c.placement[d], k)
            i, j = _fattree_paths(res.assignment[t], hs, hd, ft.half)
            want += _solve(ft, *fattree_flow_links(ft, hs, hd, i, j, np.repeat(z / k, k)), kernel=True) * \
                int(c.step_repeat[t])
        assert got == pytest.approx(want, rel=1e-9), (res.model, k)


def test_sweep_over_cluster_size(tmp_path):
    """``--param k`` sweeps fat-tree sizes (every host a rank; ratios printed and plotted vs GPUs);
    a size sweep on the wrong topology, or an odd k, is refused before the first analysis."""
    from typer.testing import CliRunner

    from netopt.cli.fabric import app
    from netopt.exceptions import NetoptError
    from netopt.solvers.fabric import sweep

    rows = sweep("k", [2, 4], {"topology": "fat-tree", "collective": "all-to-all", "ranks": 3}, seeds=5, cct=False)
    assert [r["ranks"] for r in rows] == [2, 16]
    assert rows[1]["models"]["ecmp"]["ratio"] > 1.0 and rows[1]["models"]["singlepath"]["ratio"] == 1.0
    with pytest.raises(NetoptError):
        sweep("k", [4, 5], {"topology": "fat-tree"}, seeds=5)
    with pytest.raises(NetoptError):
        sweep("leaves", [2, 4], {"topology": "fat-tree"}, seeds=5)
    out = tmp_path / "size.png"
    r = CliRunner().invoke(app, ["sweep", "--param", "leaves", "--values", "2,4", "--spines", "2", "--hosts-per-leaf",
                                 "2", "--collective", "all-to-all", "--seeds", "5", "--no-cct", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "GPUs" in r.output and out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("coll", ["all-to-all", "recursive-doubling", "ring"])
def test_min_split_reuses_the_unsplit_colouring(coll):
    """Passing singlepath's result to min_split (as analyze does) changes nothing: same k, same
    per-step congestion, and the k = 1 assignments are singlepath's."""
    from netopt.solvers.fabric import min_split, singlepath

    ft = fat_tree(4, host_gbps=100)
    c = make_collective(coll, 16, 1e6, hosts=placement("random", 16, 16, seed=2))
    sp = singlepath(ft, c, keep=True)
    a, b = min_split(ft, c, keep=True), min_split(ft, c, keep=True, unsplit=sp)
    assert a.info["k"] == b.info["k"]
    np.testing.assert_allclose(a.step_congestion, b.step_congestion, rtol=1e-12)
    if b.info["k"] == 1:
        assert b.assignment is sp.assignment


def test_model_memory_refused_up_front(monkeypatch):
    """A size whose leaf-pair matrices would not fit is refused with the estimate before the fabric
    is built (k = 400: 80,000 edge switches); the estimate counts one matrix per distinct step."""
    import netopt._limits as limits
    from netopt.exceptions import ResourceLimitError
    from netopt.solvers.fabric import build
    from netopt.solvers.fabric.analysis import SETUP, check_model_memory

    built = []
    monkeypatch.setattr("netopt.solvers.fabric.analysis.fat_tree", lambda *a, **kw: built.append(a))
    with pytest.raises(ResourceLimitError, match=r"k: would need .* 80,000 x 80,000 leaf-pair matrix"):
        build(topology="fat-tree", k=400, collective="all-to-all")
    assert built == []
    monkeypatch.setattr(limits, "available_memory", lambda: 1 << 30)
    a2a = check_model_memory(SETUP.resolve({"topology": "fat-tree", "k": 64, "collective": "all-to-all"}))
    rd = check_model_memory(SETUP.resolve({"topology": "fat-tree", "k": 64, "collective": "recursive-doubling"}))
    assert a2a == 2048 * 2048 * 8 * 13 and rd == 2048 * 2048 * 8 * (16 + 12)
    with pytest.raises(ResourceLimitError, match=r"x 29: one per step"):
        check_model_memory(SETUP.resolve({"topology": "fat-tree", "k": 72, "collective": "recursive-doubling"}))


def test_auto_skips_the_aggregated_monte_carlo_next_to_the_exact_model():
    from netopt.solvers.fabric import analyze

    ft = fat_tree(4, host_gbps=100)
    c = all_to_all(16, 1e6)
    auto = analyze(ft, c, seeds=5, cct=False, aggregate="always")["models"]["ecmp"]
    assert auto["method"] == "exact" and "skipped" in auto["monte_carlo"]
    both = analyze(ft, c, seeds=5, cct=False, aggregate="always", ecmp="both")["models"]["ecmp"]
    assert both["monte_carlo"]["sampling"] == "aggregated" and both["mean"] == auto["mean"]
    per_flow = analyze(ft, c, seeds=5, cct=False)["models"]["ecmp"]  # auto keeps the exact-joint sampler
    assert per_flow["monte_carlo"]["sampling"] == "per-flow"


# ----------------------------------------------------------------------------- aggregated == enumerated, every collective
EVERY = ["ring", "tree", "recursive-doubling", "halving-doubling", "all-to-all", "all-to-all-pairwise",
         "reduce-scatter", "all-gather"]


@pytest.mark.parametrize("coll", EVERY)
@pytest.mark.parametrize("fab_name", ["ls-6x4x2", "ft4"])
@pytest.mark.parametrize("place", ["leaf-major", "random"])
def test_aggregated_equals_enumerated_every_collective(coll, fab_name, place):
    """Every collective, both topologies, both placements: spraying's link loads from the leaf-pair
    matrices equal those summed flow by flow (to 1e-12), and the ECMP link-class ball counts equal
    the flows counted one by one per uplink / downlink / pod group."""
    from netopt.solvers.fabric import leaf_spine, step_traffic
    from netopt.solvers.fabric.models import link_class_balls, spray_loads

    fab = leaf_spine(6, 4, 2, host_gbps=100) if fab_name == "ls-6x4x2" else fat_tree(4, host_gbps=100)
    n = 8 if coll in ("recursive-doubling", "halving-doubling") else 11
    c = make_collective(coll, n, 3e6, channels=1, hosts=placement(place, n, fab.n_hosts, seed=5))
    for t in range(c.n_steps):
        st = step_traffic(fab, c, t)
        s, d, z = c.step_flows(t)
        hs, hd = c.placement[s], c.placement[d]
        want = spray_by_node_paths(fab, hs, hd, z)
        np.testing.assert_allclose(as_vector(fab, spray_loads(fab, st)), want * (fab.tier >= 2),
                                   rtol=1e-12, atol=1e-6)
        np.testing.assert_allclose(st.host_out, want[: fab.n_hosts], rtol=1e-12, atol=1e-6)
        H = fab.hosts_per_leaf
        la, lb = hs // H, hd // H
        inter = la != lb
        want = [np.bincount(la[inter], minlength=fab.n_leaves), np.bincount(lb[inter], minlength=fab.n_leaves)]
        if fab.kind == "fat-tree":
            pa, pb = la // fab.half, lb // fab.half
            ip = pa != pb
            want += [np.bincount(pa[ip], minlength=fab.k), np.bincount(pb[ip], minlength=fab.k)]
        for (balls, _), w in zip(link_class_balls(fab, st), want, strict=True):
            np.testing.assert_array_equal(balls, w)


def test_split_cct_reused_when_k_is_one_equals_computed():
    """analyze reuses singlepath's CCT for a k = 1 split (same assignment object): it equals the CCT
    computed from the split's own assignment."""
    from netopt.solvers.fabric import analyze, completion_time, min_split

    ft = fat_tree(4, host_gbps=100, link_gbps=50)
    c = make_collective("recursive-doubling", 16, 1e6, hosts=placement("random", 16, 16, seed=4))
    res = analyze(ft, c, seeds=5)["models"]
    assert res["split"]["k"] == 1
    own = min_split(ft, c, keep=True)
    assert res["split"]["cct"] == pytest.approx(completion_time(ft, c, "split", assignments=own.assignment, k=1),
                                                rel=1e-12)


def test_round_robin_placement_ring_oracle(paper_ls):
    """Round-robin places consecutive ranks on different leaves, so every ring flow crosses the
    fabric: each leaf sends r = 8 flows over S = 16 spines; unsplit = ceil(8/16) = 1 flow per link
    vs 8/16 sprayed (2x) and the minimal split is S / gcd(r, S) = 2. Contiguous = leaf-major (16x)."""
    from netopt.solvers.fabric import build, min_split, singlepath

    base = {"leaves": 32, "spines": 16, "hosts_per_leaf": 8, "collective": "ring"}
    fab, rr = build(**base, placement_kind="round-robin")
    assert sorted(rr.placement.tolist()) == list(range(256)) and rr.placement[1] // 8 == 1
    sp = spray(fab, rr).max_congestion
    assert singlepath(fab, rr).max_congestion / sp == pytest.approx(2.0, rel=1e-12)
    assert min_split(fab, rr).info["k"] == 2
    _, contiguous = build(**base, placement_kind="contiguous")
    assert singlepath(fab, contiguous).max_congestion / spray(fab, contiguous).max_congestion == \
        pytest.approx(16.0, rel=1e-12)
    _, c = build(topology="fat-tree", k=4, collective="tree", placement_kind="round-robin")
    assert c.placement.tolist()[:3] == [0, 2, 4]
