"""Issue 19, stop 16: the sparse leaf-pair steps and colouring (no dense L x L matrix for explicit
flows), and the ECMP sampler's shortcuts (mirrored tiers, uniform tier capacities) against a plain
twin, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from naive_fabric import ecmp_sample_twin

from netopt.solvers.fabric import (
    _kernels,
    analyze,
    build,
    equitable_assign,
    fat_tree,
    leaf_spine,
    make_collective,
    placement,
    step_traffic,
)


def _dense_count(fab, coll, t):
    """The step's inter-leaf flow counts, flow by flow."""
    H, L = fab.hosts_per_leaf, fab.n_leaves
    count = np.zeros((L, L), dtype=np.int64)
    for s, d in zip(coll.src[coll.step == t].tolist(), coll.dst[coll.step == t].tolist()):
        a, b = int(coll.placement[s]) // H, int(coll.placement[d]) // H
        if a != b:
            count[a, b] += 1
    return count


@pytest.mark.parametrize("name,kind", [("recursive-doubling", "random"), ("tree", "leaf-major"),
                                       ("halving-doubling", "round-robin"), ("ring", "random")])
def test_sparse_step_equals_flow_by_flow(name, kind):
    """A step of explicit flows keeps no dense matrix; its counts, nonzero pairs, degrees and pod
    counts equal the flow-by-flow matrix's."""
    fab = fat_tree(8, host_gbps=100)
    coll = make_collective(name, fab.n_hosts, 1e6, hosts=placement(kind, fab.n_hosts, fab.n_hosts, 3,
                                                                   hosts_per_leaf=fab.hosts_per_leaf))
    for t in range(coll.n_steps):
        st = step_traffic(fab, coll, t)
        assert st.count_matrix is None
        ref = _dense_count(fab, coll, t)
        np.testing.assert_array_equal(st.count, ref)
        a, b = np.nonzero(ref)
        for got, want in zip(st.pairs(), (a, b, ref[a, b])):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(st.out_degree, ref.sum(axis=1))
        np.testing.assert_array_equal(st.in_degree, ref.sum(axis=0))
        np.testing.assert_array_equal(st.pod_count(4), ref.reshape(8, 4, 8, 4).sum(axis=(1, 3)))


def test_sparse_assignment_base_and_colours():
    """The sparse base of a colouring densifies to floor(R / S), and flow_colours (looked up in the
    sparse base) gives every pair its count on each colour."""
    R = np.random.default_rng(5).integers(0, 9, size=(7, 7)) * (1 - np.eye(7, dtype=np.int64))
    a = equitable_assign(R, 3)
    np.testing.assert_array_equal(a.base, R // 3)
    np.testing.assert_array_equal(a.counts(), R)
    la, lb = np.nonzero(R)
    la, lb = np.repeat(la, R[la, lb]), np.repeat(lb, R[la, lb])
    col = a.flow_colours(la, lb)
    per = np.zeros((7, 7, 3), dtype=np.int64)
    np.add.at(per, (la, lb, col), 1)
    np.testing.assert_array_equal(per.sum(axis=2), R)
    np.testing.assert_array_equal(per.sum(axis=1), a.per_colour_out())
    np.testing.assert_array_equal(per.sum(axis=0), a.per_colour_in())


def _pairwise(L, shift):
    a = np.arange(L, dtype=np.int64)
    return a, a ^ shift


@pytest.mark.parametrize("case", ["ft-intra-pod-pairs", "ft-inter-pod-pairs", "ft-all-pairs", "ft-uneven-caps",
                                  "ft8-all-pairs", "ft6-all-pairs", "ft8-failed", "ls-pairs", "ls-all-pairs"])
def test_ecmp_kernel_vs_plain_twin_bit_for_bit(case):
    """The kernel (mirrored tiers skipped, uniform tiers as max(load) / cap, the per-ball fast path
    between pods when h is a power of two) returns exactly the twin's samples, which fill and scan
    every tier: pairs of leaves (mirrored tiers), all pairs (none), one slower link in a tier (no
    uniform-capacity shortcut), h = 4 with fewer balls than paths, h = 3 (rejection, division)."""
    rng = np.random.default_rng(11)
    if case.startswith("ft8") or case.startswith("ft6"):
        fab = fat_tree(8 if case.startswith("ft8") else 6, host_gbps=100)
        if case == "ft8-failed":  # live paths listed per group: 15 or 16 of them, rejection between pods
            fab = fab.fail_cables([("edge", 3, 2), ("core", 10, 1), ("core", 17, 3)])
        h, fat, L = fab.half, True, fab.n_leaves
        pa, pb = (x.astype(np.int64) for x in np.nonzero(~np.eye(L, dtype=bool)))
    elif case.startswith("ft"):
        fab = fat_tree(4, host_gbps=100, core_oversubscription=2.0)
        h, fat = 2, True
        if case == "ft-uneven-caps":
            fab = fab.with_capacity(np.array([fab.off_up + 3, fab.off_down2 + 5]), 40.0)
        L = fab.n_leaves
        if case == "ft-intra-pod-pairs":
            pa, pb = _pairwise(L, 1)
            fat = False  # no group between pods: the caller passes a leaf-spine-like step
        elif case in ("ft-inter-pod-pairs", "ft-uneven-caps"):
            pa, pb = _pairwise(L, 2)
        else:
            pa, pb = (x.astype(np.int64) for x in np.nonzero(~np.eye(L, dtype=bool)))
    if case.startswith("ls"):
        fab = leaf_spine(6, 4, 2, host_gbps=100)
        h, fat, L = 1, False, 6
        pa, pb = _pairwise(L, 1) if case == "ls-pairs" else (x.astype(np.int64) for x in
                                                             np.nonzero(~np.eye(L, dtype=bool)))
    pa, pb = np.ascontiguousarray(pa), np.ascontiguousarray(pb)
    pn = rng.integers(1, 40, size=pa.size).astype(np.int64)
    pw = rng.uniform(0.5, 2.0, size=pa.size)
    caps = fab.kernel_caps()
    failed = not fab.healthy
    got = _kernels.ecmp_mc(pa, pb, pn, pw, h, fat, failed, *caps, 6, 21)
    want = [ecmp_sample_twin(pa, pb, pn, pw, h, fat, caps, 21, r, failed) for r in range(6)]
    assert got.tolist() == want
    np.testing.assert_array_equal(_kernels.ecmp_mc_parallel(pa, pb, pn, pw, h, fat, failed, *caps, 6, 21), got)
    mirror = _kernels._mirrors(pa, pb, h, fat, failed, _kernels._uniform_caps(*caps), L)
    assert bool(mirror[0]) == (case in ("ft-intra-pod-pairs", "ft-inter-pod-pairs", "ls-pairs"))


def test_cct_steps_within_leaves_shared_across_models():
    """A step whose flows stay in their leaves is solved once for every model: the CCTs with the
    shared durations equal those computed model by model."""
    from netopt.solvers.fabric import completion_time

    fab, coll = build(topology="fat-tree", k=4, collective="recursive-doubling")
    res = analyze(fab, coll, seeds=5)
    for model in ("spray", "ecmp"):
        assert res["models"][model]["cct"] == completion_time(fab, coll, model, max_flows=200_000)


_BOUND_CASES = [
    dict(topology="fat-tree", k=4, collective="all-to-all"),
    dict(topology="fat-tree", k=4, collective="all-to-all", ranks=10, placement_kind="random"),
    dict(topology="fat-tree", k=4, collective="recursive-doubling", placement_kind="round-robin"),
    dict(topology="fat-tree", k=4, collective="tree", rails=2),
    dict(topology="fat-tree", k=4, collective="ring", failed=("edge:0:1",)),
    dict(topology="fat-tree", k=4, collective="all-to-all", core_oversubscription=2.0),
    dict(topology="leaf-spine", leaves=4, spines=2, hosts_per_leaf=4, collective="halving-doubling",
         placement_kind="random"),
    dict(topology="leaf-spine", leaves=4, spines=2, hosts_per_leaf=4, collective="all-to-all", oversubscription=2.0),
    dict(topology="leaf-spine", leaves=4, spines=2, hosts_per_leaf=4, collective="all-to-all-pairwise"),
]


@pytest.mark.parametrize("case", _BOUND_CASES, ids=lambda c: "-".join(str(v) for v in c.values()))
def test_host_bound_cct_equals_max_min_kernel(case):
    """Where a step's flows have one size, the CCT found without listing a flow (``cct_method``
    host-bound, or link-bound where a switch link is busier: oversubscribed fabrics) equals the
    max-min kernel's over every listed flow."""
    from netopt.solvers.fabric import completion_time, min_split, singlepath

    fab, coll = build(**case)
    res = analyze(fab, coll, seeds=3)
    sgl = singlepath(fab, coll, keep=True)
    spl = min_split(fab, coll, keep=True)
    kw = dict(max_flows=10**6, kernel=True)
    ref = {"spray": completion_time(fab, coll, "spray", **kw),
           "singlepath": completion_time(fab, coll, "singlepath", assignments=sgl.assignment, **kw),
           "split": completion_time(fab, coll, "split", assignments=spl.assignment, k=spl.info["k"], **kw)}
    methods = set()
    for model, want in ref.items():
        e = res["models"][model]
        methods.add(e["cct_method"])
        assert e["cct"] == pytest.approx(want, rel=1e-9)
    if "oversubscription" in str(case) and case["collective"] == "all-to-all":
        assert "link-bound" in res["models"]["spray"]["cct_method"]
    if case["collective"] == "all-to-all" and "oversubscription" not in str(case):
        assert methods == {"host-bound"}


def test_cct_of_a_step_too_large_to_list():
    """Past cct_max_flows the implicit all-to-all's spraying / singlepath / split CCT is host-bound
    (no flow listed) and ECMP's the mean over hashings of max(host links, largest switch
    congestion) from the exact model's distribution; the skewed all-to-all's ECMP CCT is skipped
    with the reason, naming the step."""
    from netopt.solvers.fabric import ecmp_exact

    fab, coll = build(topology="fat-tree", k=8, collective="all-to-all")
    res = analyze(fab, coll, seeds=3, cct_max_flows=1000)
    host = 127 * (2**30 / 128) / 50e9  # 127 chunks per NIC
    for m in ("spray", "singlepath", "split"):
        assert res["models"][m]["cct_method"] == "host-bound"
        assert res["models"][m]["cct"] == pytest.approx(host, rel=1e-12)
    e = res["models"]["ecmp"]
    x, p = ecmp_exact(fab, coll).info["step_dist"][0]
    assert e["cct_method"] == "mean over hashings"
    assert e["cct"] == pytest.approx(np.dot(np.maximum(x, host), p) / p.sum(), rel=1e-12) and e["cct"] > host
    fab, coll = build(topology="fat-tree", k=4, collective="all-to-all", skew="1.0")
    e = analyze(fab, coll, seeds=3, cct_max_flows=100)["models"]["ecmp"]
    assert e["cct"] is None and e["cct_skipped"].startswith("step 0: 240 (sub)flows > cct_max_flows = 100")


@pytest.mark.parametrize("collective,fails", [
    ("recursive-doubling", ("edge:0:1", "core:5:0")),
    ("all-to-all", ("core:2:1", "core:7:0", "edge:6:0")),
    ("tree", ("edge:3:1",)),
])
def test_spray_cct_with_failures_merges_links_exactly(collective, fails):
    """Spraying's CCT with failed cables lists one link per class of links with identical (edge pair,
    coefficient) lists; it equals the plain max-min twin over every live path's links (read off the
    link arrays by node ids), step by step."""
    from naive_fabric import live_paths
    from naive_fabric import maxmin_completion as maxmin_naive

    from netopt.solvers.fabric.cct import _fattree_spray_failed, _solve
    from netopt.solvers.fabric.skew import network_flows

    fab, coll = build(topology="fat-tree", k=4, collective=collective, failed=fails, placement_kind="random")
    N, H = fab.n_hosts, fab.hosts_per_leaf
    merged = 0
    for t in range(coll.n_steps):
        hs, hd, z = network_flows(fab, coll, t)
        indptr, links, coef, size, cap = _fattree_spray_failed(fab, hs, hd, z)
        paths, coefs = [], []
        for u, v in zip(hs.tolist(), hd.tolist()):
            share = {}
            lp = live_paths(fab, u // H, v // H) if u // H != v // H else []
            for p in lp:
                for link in p:
                    share[link] = share.get(link, 0.0) + 1.0 / len(lp)
            paths.append([u, N + v, *share])
            coefs.append([1.0, 1.0, *share.values()])
        merged += sum(len(p) for p in paths) - links.size
        want = maxmin_naive(paths, coefs, z.tolist(), fab.capacity.tolist())
        assert _solve(fab, indptr, links, coef, size, cap) == pytest.approx(want, rel=1e-9)
        assert _solve(fab, indptr, links, coef, size, cap, kernel=True) == pytest.approx(want, rel=1e-9)
    if collective == "recursive-doubling":  # pairs of edge switches: a pair's core links form one class
        assert merged > 0


@pytest.mark.parametrize("fails,ranks", [(("edge:0:1", "core:5:0"), 11), (("core:2:1", "core:7:0", "edge:6:0"), 16),
                                         ((), 13)])
def test_failed_class_groups_expect_the_flow_by_flow_spray_loads(fails, ranks):
    """ECMP's expected link loads are spraying's: the class laws of failed_class_groups, summed as
    balls x probability, equal the flow-by-flow twin that splits every flow over its live paths."""
    from naive_fabric import as_vector, spray_failed

    from netopt.solvers.fabric.failures import failed_class_groups
    from netopt.solvers.fabric.models import StepLoads
    from netopt.solvers.fabric.traffic import all_step_traffic

    fab, coll = build(topology="fat-tree", k=4, collective="all-to-all", failed=fails, placement_kind="random",
                      ranks=ranks)
    st = all_step_traffic(fab, coll)[0]
    exp = []
    for tier, bins, groups in failed_class_groups(fab, st.count):
        rows = fab.block(tier).shape[0] if bins == fab.half else fab.k
        x = np.zeros((rows, bins))
        for p, r, n in groups:
            dead = fab.block(tier).reshape(rows, bins)[r] <= 0
            assert not np.any(np.broadcast_to(p, dead.shape)[dead])  # no ball on a failed link
            x[r] += n[:, None] * p[None, :]
        exp.append(x.reshape(fab.block(tier).shape))
    s, d, _ = coll.step_flows(0)
    want = spray_failed(fab, coll.placement[s].tolist(), coll.placement[d].tolist(), [1.0] * s.size)
    np.testing.assert_allclose(as_vector(fab, StepLoads(*exp)), want, rtol=1e-12, atol=1e-12)


def test_ecmp_aggregated_with_failures():
    """The all-to-all on a fat-tree with failed cables is sampled per link class: reproducible, never
    below spraying, chosen by --aggregate auto at scale, refused for the skewed all-to-all."""
    from netopt.solvers.fabric import all_to_all, ecmp_monte_carlo, spray
    from netopt.solvers.fabric.errors import UnsupportedInstanceError

    fab = fat_tree(4, host_gbps=100).fail_cables([("edge", 0, 1), ("core", 5, 0)])
    c = all_to_all(fab.n_hosts, 1e6)
    a = ecmp_monte_carlo(fab, c, n_seeds=30, seed=4, aggregate=True)
    assert a.info["sampling"] == "aggregated"
    np.testing.assert_array_equal(a.info["samples"], ecmp_monte_carlo(fab, c, n_seeds=30, seed=4,
                                                                      aggregate=True).info["samples"])
    assert a.info["samples"].min() >= spray(fab, c).max_congestion * (1 - 1e-12)
    per_flow = ecmp_monte_carlo(fab, c, n_seeds=400, seed=4)
    assert a.info["mean"] == pytest.approx(per_flow.info["mean"], rel=0.15)
    big, cb = build(topology="fat-tree", k=8, collective="all-to-all", failed=("core:3:2",))
    res = analyze(big, cb, seeds=20, cct=False, aggregate="always")
    assert res["method"] == "aggregated" and res["models"]["ecmp"]["sampling"] == "aggregated"
    skew = build(topology="fat-tree", k=4, collective="all-to-all", failed=("core:3:1",), skew="1.0")[1]
    with pytest.raises(UnsupportedInstanceError):
        ecmp_monte_carlo(fab, skew, n_seeds=3, aggregate=True)


def test_cli_says_how_each_cct_was_found():
    """The table notes a host-bound CCT and a skipped one (its reason is in the JSON)."""
    import json

    from typer.testing import CliRunner

    from netopt.cli.fabric import app

    args = ["analyze", "--topology", "fat-tree", "--k", "4", "--seeds", "5", "--cct-max-flows", "10", "--skew", "1"]
    r = CliRunner().invoke(app, args, env={"COLUMNS": "400"})
    assert r.exit_code == 0, r.output
    assert "CCT fair-share bound (no flow listed)" in r.output and "CCT skipped: step 0: 240 (sub)flows" in r.output
    res = json.loads(CliRunner().invoke(app, [*args, "--json"]).output)
    assert res["models"]["spray"]["cct_method"] == "fair-share bound"
    assert res["models"]["ecmp"]["cct"] is None and "cct_max_flows = 10" in res["models"]["ecmp"]["cct_skipped"]
    r = CliRunner().invoke(app, args[:-2], env={"COLUMNS": "400"})
    assert "CCT host-bound (no flow listed)" in r.output and "CCT mean over hashings" in r.output
