"""Issue 19, part 3: the skewed (mixture-of-experts) all-to-all and rail-optimised clusters.

Aggregated == enumerated on small fabrics (the implicit skewed all-to-all against its flows listed
one by one; rail-optimised fabrics against flows counted over node-id paths with same-server pairs
left to NVLink), the class-greedy kernel against its pure-Python twin, the per-flow routing it
records against its own loads, the weighted ECMP sampler against the per-flow one, and the CLI.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from naive_fabric import as_vector, spray_by_node_paths
from naive_fabric import class_greedy as class_greedy_naive

from netopt.exceptions import InstanceFormatError, UnsupportedInstanceError
from netopt.solvers.fabric import (
    FabricInputError,
    all_to_all,
    analyze,
    build,
    ecmp_monte_carlo,
    fat_tree,
    leaf_spine,
    make_collective,
    min_split,
    placement,
    singlepath,
    spray,
    step_traffic,
)
from netopt.solvers.fabric.collectives import (
    Collective,
    expert_rank_weights,
    read_histogram,
    skew_weights,
    zipf_loads,
)
from netopt.solvers.fabric.models import spray_loads
from netopt.solvers.fabric.skew import (
    class_assign,
    class_paths,
    network_flows,
    skew_groups,
)
from netopt.solvers.fabric.topology import TIER_DOWN, TIER_DOWN2, TIER_UP, TIER_UP2


def enumerated(c):
    """The implicit (skewed) all-to-all ``c`` with its flows listed one by one."""
    s, d, z = c.step_flows(0)
    return Collective(c.name + "-enumerated", c.n_ranks, c.placement, s, d, z, np.zeros(s.size, np.int64),
                      c.step_repeat)


# ----------------------------------------------------------------------------- skew inputs
def test_zipf_and_expert_weights():
    p = zipf_loads(4, 1.0)
    assert p.sum() == pytest.approx(1.0) and p[0] / p[3] == pytest.approx(4.0)
    assert np.allclose(zipf_loads(5, 0.0), 0.2)
    w = expert_rank_weights(zipf_loads(8, 1.0), 4)  # 2 experts per rank
    assert w.mean() == pytest.approx(1.0) and w[0] == pytest.approx(4 * (p8 := zipf_loads(8, 1.0))[:2].sum())
    assert p8.size == 8
    w = expert_rank_weights([3.0, 1.0], 6)  # 3 replicas per expert, rank r holds expert r mod 2
    assert w.tolist() == pytest.approx([1.5, 0.5, 1.5, 0.5, 1.5, 0.5])
    with pytest.raises(FabricInputError, match="divide"):
        expert_rank_weights(np.ones(3), 4)
    with pytest.raises(FabricInputError):
        zipf_loads(4, -1)
    w, what = skew_weights("0.5", 6, experts=3)
    assert "Zipf exponent 0.5 over 3 experts" == what and w.size == 6
    # uniform weights are the plain all-to-all
    u = all_to_all(6, 6e6, weights=np.full(6, 2.0))
    assert u.pair_weight is None and u.name == "all-to-all" and u.pair_bytes == pytest.approx(2e6)


def test_read_histogram(tmp_path):
    f = tmp_path / "h.txt"
    f.write_text("# tokens per expert\n10, 5\n0 5\n")
    assert read_histogram(f).tolist() == [10, 5, 0, 5]
    (tmp_path / "j.json").write_text("[1, 2.5]")
    assert read_histogram(tmp_path / "j.json").tolist() == [1, 2.5]
    for bad in ("1 -2", "x", "", "0 0", "[1, true]"):
        (tmp_path / "b.txt").write_text(bad)
        with pytest.raises(InstanceFormatError):
            read_histogram(tmp_path / "b.txt")
    w, what = skew_weights(str(f), 4)
    assert w.tolist() == pytest.approx([2.0, 1.0, 0.0, 1.0]) and "4 experts" in what
    with pytest.raises(InstanceFormatError):
        skew_weights(str(tmp_path / "missing.txt"), 4)


def test_skewed_all_to_all_flows_and_bytes():
    c = all_to_all(4, 4e6, weights=[2.0, 1.0, 1.0, 0.0])
    s, d, z = c.step_flows(0)
    assert c.n_flows == s.size == 9 and not np.any(d == 3)  # nothing to a rank of weight 0
    assert z[d == 0] == pytest.approx(2e6) and c.total_bytes() == pytest.approx(z.sum())
    p = make_collective("all-to-all-pairwise", 4, 4e6, weights=[2.0, 1.0, 1.0, 0.0])
    assert p.total_bytes() == pytest.approx(c.total_bytes()) and p.n_steps == 3
    with pytest.raises(FabricInputError, match="skew"):
        make_collective("ring", 4, 4e6, weights=[1, 2, 3, 4])


# ----------------------------------------------------------------------------- aggregated == enumerated
SKEW_FABRICS = [
    ("ls-6x4x2", lambda: leaf_spine(6, 4, 2, host_gbps=100)),
    ("ft4", lambda: fat_tree(4, host_gbps=100)),
    ("ft6", lambda: fat_tree(6, host_gbps=100)),
    ("ls-8x4x3-rails4", lambda: leaf_spine(8, 4, 3, host_gbps=100, rails=4)),
    ("ft4-rails2", lambda: fat_tree(4, host_gbps=100, rails=2)),
    ("ft8-rails4-oversub", lambda: fat_tree(8, host_gbps=100, oversubscription=2, core_oversubscription=1.5, rails=4)),
]


@pytest.mark.parametrize("name,mk", SKEW_FABRICS, ids=[f[0] for f in SKEW_FABRICS])
@pytest.mark.parametrize("place", ["leaf-major", "random"])
def test_skewed_aggregated_equals_enumerated(name, mk, place):
    """The implicit skewed all-to-all (closed form per leaf, groups per destination rank) and its flows
    listed one by one: the same leaf-pair counts and bytes, host totals, equal-size groups, spraying's
    link loads summed flow by flow over node paths, ECMP weight-class totals per link group, and the
    same class-greedy unsplit / split routing and completion times."""
    fab = mk()
    n = fab.n_hosts - 1
    w, _ = skew_weights("1.1", n)
    w[2] = 0.0  # an expert with no token
    c = all_to_all(n, 3e6, hosts=placement(place, n, fab.n_hosts, seed=3), weights=w)
    e = enumerated(c)
    assert c.n_flows == e.n_flows and c.total_bytes() == pytest.approx(e.total_bytes(), rel=1e-12)
    a, b = step_traffic(fab, c, 0), step_traffic(fab, e, 0)
    np.testing.assert_array_equal(a.count, b.count)
    np.testing.assert_allclose(a.nbytes, b.nbytes, rtol=1e-12)
    np.testing.assert_allclose(a.host_out, b.host_out, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(a.host_in, b.host_in, rtol=1e-12, atol=1e-6)
    assert a.size is None and a.groups_complete
    ga, gb = Counter(), Counter()
    for x, y, n_, z in zip(a.ga, a.gb, a.gn, a.gw):
        ga[(int(x), int(y), round(float(z), 3))] += int(n_)
    for x, y, n_, z in zip(b.ga, b.gb, b.gn, b.gw):
        gb[(int(x), int(y), round(float(z), 3))] += int(n_)
    assert ga == gb
    hs, hd, z = e.placement[e.src], e.placement[e.dst], e.size
    want = spray_by_node_paths(fab, hs, hd, z)
    np.testing.assert_allclose(as_vector(fab, spray_loads(fab, a)), want * (fab.tier >= 2), rtol=1e-12, atol=1e-6)
    # ECMP weight classes: flows per link group and their bytes, counted flow by flow
    hs_n, hd_n, z_n = network_flows(fab, e, 0)
    H = fab.hosts_per_leaf
    la, lb = hs_n // H, hd_n // H
    keys = [(la, lb)]
    if fab.kind == "fat-tree":
        keys.append((la // fab.half, lb // fab.half))
    tiers = skew_groups(fab, c)
    for (src_key, dst_key), up_t, dn_t in zip(keys, tiers[0::2], tiers[1::2]):
        x = src_key != dst_key
        G = up_t.n_groups
        np.testing.assert_array_equal(up_t.balls, np.bincount(src_key[x], minlength=G))
        np.testing.assert_array_equal(dn_t.balls, np.bincount(dst_key[x], minlength=G))
        np.testing.assert_allclose(up_t.total, np.bincount(src_key[x], weights=z_n[x], minlength=G), rtol=1e-12)
        np.testing.assert_allclose(dn_t.sumsq, np.bincount(dst_key[x], weights=z_n[x] ** 2, minlength=G), rtol=1e-12)
    # class-greedy: the same routing from both (to rounding: the implicit mode sums the regular
    # leaves' shares lazily)
    for k in (1, 2):
        la_, _ = class_assign(fab, c, 0, k)
        lb_, _ = class_assign(fab, e, 0, k)
        np.testing.assert_allclose(as_vector(fab, la_), as_vector(fab, lb_), rtol=1e-9, atol=1e-3)
    sa, sb = singlepath(fab, c, method="class-greedy"), singlepath(fab, e, method="class-greedy")
    assert sa.max_congestion == pytest.approx(sb.max_congestion, rel=1e-9)
    ma, mb = min_split(fab, c), min_split(fab, e)
    assert ma.info["k"] == mb.info["k"] and ma.info["method"] == "class-greedy"
    assert ma.max_congestion == pytest.approx(spray(fab, c).max_congestion, rel=1e-9)
    if fab.kind == "leaf-spine":  # analyze would run the MILP (<= 5000 flows) on both: 10 s each
        return
    small = fab.n_hosts <= 32  # the completion times of the larger ones are long (or over the budget)
    ra = analyze(fab, c, seeds=5, cct=small)["models"]
    rb = analyze(fab, e, seeds=5, cct=small)["models"]
    for m in ("spray", "singlepath", "split"):
        assert ra[m]["max_congestion"] == pytest.approx(rb[m]["max_congestion"], rel=1e-9), m
        if small:
            assert ra[m]["cct"] == pytest.approx(rb[m]["cct"], rel=1e-9), m


def _explicit_classes(fab, coll, t, k=1):
    """The classes the kernel sees, built flow by flow (destination host and size, then source leaf)."""
    hs, hd, z = network_flows(fab, coll, t)
    H = fab.hosts_per_leaf
    cnt = Counter()
    for u, v, w in zip(hs.tolist(), hd.tolist(), z.tolist()):
        if u // H != v // H:
            cnt[(-w, v, u // H)] += 1
    classes = []
    for (negw, v, a), n_ in sorted(cnt.items()):
        if not classes or classes[-1][3] != (negw, v):
            classes.append((v // H, -negw, [], (negw, v)))
        classes[-1][2].append((a, n_))
    return [(b, w, ent) for b, w, ent, _ in classes]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("fat", [False, True])
def test_class_greedy_kernel_vs_twin(seed, fat):
    """The kernel (per-row offsets, lazy shares) against plain Python (every load kept in full), on
    random unequal flows and on a skewed all-to-all with a partial random placement."""
    rng = np.random.default_rng(seed)
    fab = fat_tree(4, host_gbps=100, link_gbps=60) if fat else leaf_spine(5, 3, 3, host_gbps=100)
    n = fab.n_hosts - 3
    hosts = placement("random", n, fab.n_hosts, seed=seed)
    m = 40
    src = rng.integers(0, n, m)
    dst = (src + rng.integers(1, n, m)) % n
    size = rng.choice([1e6, 2e6, 3.5e6], m)
    coll = Collective("mixed", n, hosts, src, dst, size, np.zeros(m, np.int64), np.array([1]))
    w, _ = skew_weights("0.8", n)
    skew = all_to_all(n, 2e6, hosts=hosts, weights=w)
    cu, cd = fab.block(TIER_UP).tolist(), fab.block(TIER_DOWN).tolist()
    cu2 = fab.block(TIER_UP2).tolist() if fat else []
    cd2 = fab.block(TIER_DOWN2).tolist() if fat else []
    for cl in (coll, skew):
        for k in (1, 3):
            got, _ = class_assign(fab, cl, 0, k)
            up, down, up2, down2 = class_greedy_naive(_explicit_classes(fab, cl, 0), fab.n_spines, fab.half, fat,
                                                      cu, cd, cu2, cd2, units=k)
            np.testing.assert_allclose(got.up, up, rtol=1e-9, atol=1e-3)
            np.testing.assert_allclose(got.down, down, rtol=1e-9, atol=1e-3)
            if fat:
                np.testing.assert_allclose(got.up2, up2, rtol=1e-9, atol=1e-3)
                np.testing.assert_allclose(got.down2, down2, rtol=1e-9, atol=1e-3)


@pytest.mark.parametrize("mk", [lambda: leaf_spine(6, 4, 3, host_gbps=100), lambda: fat_tree(4, host_gbps=100),
                                lambda: fat_tree(6, host_gbps=100, rails=3)])
@pytest.mark.parametrize("k", [1, 2])
def test_class_paths_reproduce_the_kernel_loads(mk, k):
    """The per-subflow paths recorded for the completion time put exactly the kernel's loads on every
    link (summed subflow by subflow)."""
    fab = mk()
    n = fab.n_hosts - 2
    w, _ = skew_weights("1.3", n)
    c = all_to_all(n, 2e6, hosts=placement("random", n, fab.n_hosts, seed=1), weights=w)
    loads, assign = class_assign(fab, c, 0, k, record=True)
    hs, hd, z = network_flows(fab, c, 0)
    hs2, hd2, z2 = np.repeat(hs, k), np.repeat(hd, k), np.repeat(z, k)
    i, j = class_paths(assign, fab, hs2, hd2, z2)
    H, h = fab.hosts_per_leaf, fab.half
    la, lb = hs2 // H, hd2 // H
    x = la != lb
    S = fab.n_spines
    up = np.zeros((fab.n_leaves, S))
    down = np.zeros((fab.n_leaves, S))
    np.add.at(up, (la[x], i[x]), z2[x] / k)
    np.add.at(down, (lb[x], i[x]), z2[x] / k)
    np.testing.assert_allclose(up, loads.up, rtol=1e-9, atol=1e-3)
    np.testing.assert_allclose(down, loads.down, rtol=1e-9, atol=1e-3)
    if fab.kind == "fat-tree":
        p = x & (la // h != lb // h)
        up2 = np.zeros_like(loads.up2)
        down2 = np.zeros_like(loads.down2)
        np.add.at(up2, ((la[p] // h) * h + i[p], j[p]), z2[p] / k)
        np.add.at(down2, ((lb[p] // h) * h + i[p], j[p]), z2[p] / k)
        np.testing.assert_allclose(up2, loads.up2, rtol=1e-9, atol=1e-3)
        np.testing.assert_allclose(down2, loads.down2, rtol=1e-9, atol=1e-3)


# ----------------------------------------------------------------------------- ECMP per weight class
@pytest.mark.parametrize("mk,s", [(lambda: leaf_spine(8, 4, 4), "0.5"), (lambda: fat_tree(4), "1.0"),
                                  (lambda: fat_tree(8, rails=2), "0.8")])
def test_skewed_ecmp_aggregated_vs_per_flow(mk, s):
    """Sampling per link group and weight class (tiers independent, groups that cannot reach the
    lower bound pruned) against every flow hashed on its own: means within 1.5 %."""
    fab = mk()
    n = fab.n_hosts
    w, _ = skew_weights(s, n)
    c = all_to_all(n, 3e6, hosts=placement("random", n, n, seed=3), weights=w)
    agg = ecmp_monte_carlo(fab, c, n_seeds=1000, seed=1, aggregate=True)
    per = ecmp_monte_carlo(fab, c, n_seeds=1000, seed=1, aggregate=False)
    assert agg.info["sampling"] == "aggregated" and per.info["sampling"] == "per-flow"
    assert agg.info["mean"] == pytest.approx(per.info["mean"], rel=0.015)
    cl = agg.info["classes"]
    assert cl["pruned_tail"] < 1e-12 and cl["weights"] == "exact"
    assert np.all(agg.info["samples"] >= cl["lower_bound"] * (1 - 1e-12))
    assert cl["lower_bound"] == pytest.approx(spray(fab, c).max_congestion, rel=1e-9)


def test_skewed_ecmp_rounding_and_refusal(monkeypatch):
    """Past the work limit the weights are rounded to a relative grid (said in the result); past it
    even so, the ECMP entry of analyze says why and the other models still run."""
    from netopt.solvers.fabric import skew

    fab = fat_tree(6)
    n = fab.n_hosts
    w, _ = skew_weights("0.05", n)
    c = all_to_all(n, 3e6, weights=w)
    exact = ecmp_monte_carlo(fab, c, n_seeds=400, seed=2, aggregate=True)
    assert exact.info["classes"]["weights"] == "exact"
    monkeypatch.setattr(skew, "SKEW_MC_WORK", 2e6)
    rounded = ecmp_monte_carlo(fab, c, n_seeds=400, seed=2, aggregate=True)
    assert rounded.info["classes"]["weights"].startswith("rounded")
    assert rounded.info["mean"] == pytest.approx(exact.info["mean"], rel=0.01)
    monkeypatch.setattr(skew, "SKEW_MC_WORK", 10.0)
    with pytest.raises(UnsupportedInstanceError, match="binomial draws"):
        ecmp_monte_carlo(fab, c, n_seeds=400, seed=2, aggregate=True)
    from netopt.solvers.fabric import analysis, models

    monkeypatch.setattr(models, "AGGREGATE_WORK", 0.0)  # auto samples aggregated
    monkeypatch.setattr(analysis, "AGGREGATE_WORK", 0.0)
    res = analyze(fab, c, seeds=400, cct=False, aggregate="auto", ecmp="auto")
    assert "error" in res["models"]["ecmp"] and "max_congestion" in res["models"]["singlepath"]


def test_skewed_all_to_all_at_8192_gpus_is_never_listed():
    """k = 32 fat-tree (8,192 GPUs): the (leaf, destination) groups are not listed (4.2 M > limit),
    ECMP runs aggregated (the per-flow sampler refuses), the hot edge switch's downlinks are the only
    group sampled, and the full leaf-major placement routes unsplit at spraying's congestion."""
    fab, c = build(topology="fat-tree", k=32, collective="all-to-all", skew="1.0")
    st = step_traffic(fab, c, 0)
    assert not st.groups_complete and st.ga.size == 0
    with pytest.raises(UnsupportedInstanceError, match="aggregate"):
        ecmp_monte_carlo(fab, c, n_seeds=5, aggregate=False)
    res = analyze(fab, c, seeds=50, cct=False)
    m = res["models"]
    assert res["method"] == "aggregated" and m["ecmp"]["sampling"] == "aggregated"
    assert m["ecmp"]["classes"]["sampled_groups"] <= 4 and m["ecmp"]["ratio"] > 1.0
    assert m["singlepath"]["method"] == "class-greedy" and m["singlepath"]["ratio"] == pytest.approx(1.0, rel=1e-9)
    assert m["split"]["k"] == 1
    assert res["skew"]["max_rank_share"] == pytest.approx(1 / np.sum(1 / np.arange(1, 8193)), rel=1e-9)


# ----------------------------------------------------------------------------- rail-optimised clusters
@pytest.mark.parametrize("mk", [lambda: leaf_spine(8, 4, 3, rails=4), lambda: fat_tree(8, rails=4),
                                lambda: fat_tree(4, rails=2)])
def test_rail_wiring(mk):
    """GPU g of every server sits on rail leaf g of its scalable unit (read off the link arrays);
    gpu_host / host_gpu are inverse; a server's GPUs are on distinct leaves of one unit."""
    fab = mk()
    G, H, N = fab.rails, fab.hosts_per_leaf, fab.n_hosts
    gpus = np.arange(N)
    hosts = fab.gpu_host(gpus)
    assert sorted(hosts.tolist()) == gpus.tolist() and np.array_equal(fab.host_gpu(hosts), gpus)
    leaf_of_host = dict(zip(fab.link_src[:N].tolist(), (fab.link_dst[:N] - N).tolist()))
    for g in gpus.tolist():
        server, rail = divmod(g, G)
        leaf = leaf_of_host[int(hosts[g])]
        assert leaf % G == rail and leaf // G == server // H
        assert fab.server_of(hosts[g]) == server
    with pytest.raises(FabricInputError, match="rails"):
        leaf_spine(6, 2, 2, rails=4)


EVERY = ["ring", "tree", "recursive-doubling", "halving-doubling", "all-to-all", "all-to-all-pairwise",
         "reduce-scatter", "all-gather"]


@pytest.mark.parametrize("coll", EVERY)
@pytest.mark.parametrize("mk", [lambda: leaf_spine(8, 4, 2, host_gbps=100, rails=4), lambda: fat_tree(4, rails=2)],
                         ids=["ls-rails4", "ft4-rails2"])
def test_rails_aggregated_equals_enumerated(coll, mk):
    """Every collective on rail-optimised fabrics (contiguous ranks: consecutive ranks share a server):
    spraying's link loads from the leaf-pair matrices equal those summed flow by flow over node
    paths with same-server pairs on NVLink, and the host totals count network flows only."""
    fab = mk()
    n = 16
    c = make_collective(coll, n, 3e6, hosts=fab.gpu_host(np.arange(n)))
    for t in range(c.n_steps):
        st = step_traffic(fab, c, t)
        s, d, z = c.step_flows(t)
        hs, hd = c.placement[s], c.placement[d]
        want = spray_by_node_paths(fab, hs, hd, z)
        np.testing.assert_allclose(as_vector(fab, spray_loads(fab, st)), want * (fab.tier >= 2), rtol=1e-12,
                                   atol=1e-6)
        np.testing.assert_allclose(st.host_out, want[: fab.n_hosts], rtol=1e-12, atol=1e-6)
        np.testing.assert_allclose(st.host_in, want[fab.n_hosts: 2 * fab.n_hosts], rtol=1e-12, atol=1e-6)
    if coll == "all-to-all":
        e = enumerated(c)
        np.testing.assert_array_equal(step_traffic(fab, c, 0).count, step_traffic(fab, e, 0).count)
        for model in (spray, singlepath, min_split):
            assert model(fab, c).max_congestion == pytest.approx(model(fab, e).max_congestion, rel=1e-12)


def test_rails_ring_oracle():
    """Contiguous ring on 4-rail servers: 3 of every 4 ring hops stay on NVLink; the network carries
    one flow per server (GPU 3 -> next server's GPU 0), a rail-3 leaf to a rail-0 leaf. Leaf-spine
    8 leaves (2 units of 4 rails) x 4 spines x 4 servers: each rail-3 leaf sends 4 flows over 4
    spines, so unsplit = spray and k* = 1; network bytes = 1/4 of the ring's."""
    fab, c = build(leaves=8, spines=4, hosts_per_leaf=4, rails=4, collective="ring")
    st = step_traffic(fab, c, 0)
    assert st.host_out.sum() == pytest.approx(c.size.sum() / 4)
    assert set(np.flatnonzero(st.out_degree).tolist()) == {3, 7}
    assert st.count[3, 0] == 3 and st.count[3, 4] == 1 and st.count[7, 0] == 1
    sp = spray(fab, c).max_congestion
    assert singlepath(fab, c).max_congestion == pytest.approx(sp, rel=1e-12)
    assert min_split(fab, c).info["k"] == 1
    plain, pc = build(leaves=8, spines=4, hosts_per_leaf=4, collective="ring")
    assert step_traffic(plain, pc, 0).host_out.sum() == pytest.approx(pc.size.sum())


def test_rails_all_to_all_counts():
    """All-to-all on a 2-rail k = 4 fat-tree: leaves of one unit (the two rails) exchange
    H*H - H flows (the H servers' own GPU pairs use NVLink), other leaf pairs H*H."""
    fab, c = build(topology="fat-tree", k=4, rails=2, collective="all-to-all")
    st = step_traffic(fab, c, 0)
    H = fab.hosts_per_leaf
    assert st.count[0, 1] == H * H - H and st.count[1, 0] == H * H - H and st.count[0, 2] == H * H
    assert st.host_out == pytest.approx(np.full(fab.n_hosts, c.pair_bytes * (fab.n_hosts - 2)))
    res = analyze(fab, c, seeds=20)
    assert res["rails"] == 2 and "rail-optimised" in res["fabric"]
    assert res["models"]["singlepath"]["ratio"] == pytest.approx(1.0, rel=1e-9)
    assert res["models"]["spray"]["cct"] > 0


def test_fat_tree_per_tier_oversubscription():
    """Edge 2:1 and aggregation 2:1: the uplinks run at half the host speed and the core links at a
    quarter; a leaf-major all-to-all sprayed is core-bound (its congestion follows the core tier),
    and every model runs with per-tier capacities."""
    ft = fat_tree(4, host_gbps=100, oversubscription=2, core_oversubscription=2)
    base = fat_tree(4, host_gbps=100)
    c = all_to_all(16, 16e6)
    assert ft.tier_uniform and not ft.uniform
    # a pod of 4 hosts sends 4 x 12 flows of 1 MB over 4 core links of 25 Gbit/s (non-blocking: the edge
    # uplinks, 14 MB per 100 Gbit/s link, are the busiest)
    assert spray(ft, c).max_congestion == pytest.approx(12e6 / (25e9 / 8), rel=1e-12)
    assert spray(base, c).max_congestion == pytest.approx(14e6 / (100e9 / 8), rel=1e-12)
    res = analyze(ft, c, seeds=50)["models"]
    assert res["singlepath"]["method"] == "coloring" and res["ecmp"]["method"] == "exact"
    assert res["singlepath"]["ratio"] == pytest.approx(1.0, rel=1e-12)
    fab, _ = build(topology="fat-tree", k=4, oversubscription=2, core_oversubscription=3)
    assert "edge 2:1, aggregation 3:1" in fab.describe()
    with pytest.raises(FabricInputError):
        build(topology="leaf-spine", core_oversubscription=2)


# ----------------------------------------------------------------------------- CLI
@pytest.fixture
def runner():
    from typer.testing import CliRunner

    return CliRunner()


def _app():
    from netopt.cli.fabric import app

    return app


def test_cli_skew_and_rails_json(runner, tmp_path):
    r = runner.invoke(_app(), ["analyze", "--topology", "fat-tree", "--k", "4", "--rails", "2", "--skew", "1.2",
                               "--experts", "8", "--json"])
    assert r.exit_code == 0, r.output
    res = json.loads(r.output)
    assert res["collective"] == "all-to-all-skewed" and res["rails"] == 2
    assert res["skew"]["what"] == "Zipf exponent 1.2 over 8 experts"
    assert res["models"]["singlepath"]["method"] == "class-greedy"
    assert res["models"]["split"]["method"] == "class-greedy" and res["models"]["spray"]["cct"] > 0
    h = tmp_path / "tokens.txt"
    h.write_text("\n".join(str(v) for v in [900, 50, 30, 20]))
    r = runner.invoke(_app(), ["analyze", "--leaves", "4", "--spines", "2", "--hosts-per-leaf", "2", "--skew", str(h)])
    assert r.exit_code == 0, r.output
    assert "skew: histogram tokens.txt (4 experts)" in " ".join(r.output.split())


@pytest.mark.parametrize("args,where", [
    (["--collective", "ring", "--skew", "1"], "skew"),
    (["--experts", "4"], "experts"),
    (["--skew", "/nonexistent/hist.txt"], "hist"),
    (["--skew", "1", "--experts", "3", "--ranks", "8"], "experts"),
    (["--rails", "3"], "rails"),
    (["--fail", "core:0:0"], "failed"),
])
def test_cli_skew_rails_bad_input(runner, args, where):
    r = runner.invoke(_app(), ["analyze", "--leaves", "4", "--spines", "2", "--hosts-per-leaf", "2", *args])
    assert r.exit_code == 2, r.output
    assert "error:" in r.output and where in r.output
