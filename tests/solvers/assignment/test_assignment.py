"""User equilibrium: kernels against slow references (networkx Dijkstra, a Python all-or-nothing,
scipy line search), analytic equilibria (two routes, Braess), flow conservation and gaps,
TNTP reader errors, and the shared best-known flows (skipped without ../shared/datasets)."""

import networkx as nx
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import minimize_scalar

from support import datasets_dir
from netopt.exceptions import InfeasibleInstanceError, InstanceFormatError, SolverParameterError
from netopt.io.tntp import load_network, read_flow, read_trips
from netopt.model import RoadNetwork
from netopt.solvers.assignment import METHODS, assign, beckmann, relative_gap
from netopt.solvers.assignment import _kernels as K
from netopt.validate import check_flows


def random_network(seed, n=12, zones=4, extra=30, ftn=1):
    """A strongly connected random network: a ring plus random chords, random BPR parameters."""
    rng = np.random.default_rng(seed)
    arcs = {(i, (i + 1) % n) for i in range(n)} | {((i + 1) % n, i) for i in range(n)}
    while len(arcs) < 2 * n + extra:
        a, b = rng.integers(0, n, 2)
        if a != b:
            arcs.add((int(a), int(b)))
    arcs = sorted(arcs)
    m = len(arcs)
    demand = rng.integers(0, 50, size=(zones, zones)).astype(float)
    return RoadNetwork(
        f"rand{seed}", n, zones, init=[a for a, _ in arcs], term=[b for _, b in arcs],
        capacity=rng.uniform(20, 80, m), fftt=rng.uniform(1, 10, m), b=rng.uniform(0.1, 1, m),
        power=rng.choice([1.0, 2.0, 4.0], m), toll=rng.uniform(0, 3, m), length=rng.uniform(0, 5, m),
        toll_factor=0.5, distance_factor=0.2, demand=demand, first_thru_node=ftn,
    )


def naive_shortest(net, origin, cost, is_open):
    """networkx Dijkstra on a graph where centroids other than the origin have no outgoing links."""
    g = nx.DiGraph()
    g.add_nodes_from(range(net.num_nodes))
    for a in range(net.num_links):
        i = int(net.init[a])
        if is_open[a] and (i == origin or i >= net.first_thru_node - 1):
            j = int(net.term[a])
            if not g.has_edge(i, j) or g[i][j]["w"] > cost[a]:
                g.add_edge(i, j, w=float(cost[a]), link=a)
    return g, nx.single_source_dijkstra(g, origin, weight="w")


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("ftn", [1, 3])
def test_dijkstra_matches_networkx(seed, ftn):
    net = random_network(seed, ftn=ftn)
    rng = np.random.default_rng(seed)
    cost = rng.uniform(0.5, 5, net.num_links)
    is_open = rng.random(net.num_links) > 0.15
    n = net.num_nodes
    dist, pred, order = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    hk, hn = np.empty(net.num_links + 1), np.empty(net.num_links + 1, np.int64)
    for origin in range(net.num_zones):
        K.shortest_path_tree(origin, net.offsets, net.term, cost, is_open, ftn - 1, dist, pred, order, hk, hn)
        _, (ref, _) = naive_shortest(net, origin, cost, is_open)
        for v in range(n):
            assert dist[v] == pytest.approx(ref.get(v, np.inf))


def naive_aon(net, cost):
    flow = np.zeros(net.num_links)
    sptt = 0.0
    for o in range(net.num_zones):
        g, (dist, paths) = naive_shortest(net, o, cost, np.ones(net.num_links, bool))
        for d in range(net.num_zones):
            q = net.demand[o, d]
            if q > 0:
                sptt += q * dist[d]
                for u, v in zip(paths[d], paths[d][1:]):
                    flow[g[u][v]["link"]] += q
    return flow, sptt


@pytest.mark.parametrize("seed", range(6))
def test_all_or_nothing_matches_python_reference(seed):
    net = random_network(seed, ftn=2)
    cost = np.random.default_rng(seed + 100).uniform(0.5, 5, net.num_links)  # ties have probability 0
    flow = np.empty(net.num_links)
    sptt = K.all_or_nothing(net.demand, net.offsets, net.init, net.term, cost, np.ones(net.num_links, bool), 1, flow)
    ref_flow, ref_sptt = naive_aon(net, cost)
    assert sptt == pytest.approx(ref_sptt)
    np.testing.assert_allclose(flow, ref_flow)


@pytest.mark.parametrize("seed", range(4))
def test_cost_derivative_beckmann_line_search_against_numerics(seed):
    net = random_network(seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 100, net.num_links)
    c0 = net.fixed_cost
    args = (net.fftt, net.b, net.capacity, net.power)
    t, dt = np.empty_like(x), np.empty_like(x)
    K.link_cost(x, *args, c0, t)
    K.link_derivative(x, *args, dt)
    for a in range(net.num_links):
        f = lambda v: net.fftt[a] * (1 + net.b[a] * (v / net.capacity[a]) ** net.power[a]) + c0[a]  # noqa: E731
        assert t[a] == pytest.approx(f(x[a]))
        assert dt[a] == pytest.approx((f(x[a] + 1e-5) - f(x[a] - 1e-5)) / 2e-5, rel=1e-5)
        assert K.beckmann(x[a:a + 1], *[p[a:a + 1] for p in args], c0[a:a + 1]) == pytest.approx(quad(f, 0, x[a])[0])
    d = rng.uniform(-50, 100, net.num_links)
    d = np.maximum(x + d, 0) - x
    alpha = K.line_search(x, d, *args, c0, 60)
    ref = minimize_scalar(lambda s: K.beckmann(x + s * d, *args, c0), bounds=(0, 1), method="bounded",
                          options={"xatol": 1e-10})
    assert K.beckmann(x + alpha * d, *args, c0) <= ref.fun + 1e-6 * abs(ref.fun)


def two_routes():
    """Two parallel links 1->2: t1 = 10 + x, t2 = 20 + x/2 (power 1); 60 trips.
    Equilibrium: 10 + x1 = 20 + (60 - x1)/2  =>  x1 = 80/3, x2 = 100/3, cost 110/3."""
    return RoadNetwork("two", 2, 2, init=[0, 0], term=[1, 1], capacity=[10, 40], fftt=[10, 20],
                       b=[1, 1], power=[1, 1], demand=np.array([[0, 60.0], [0, 0]]))


@pytest.mark.parametrize("method", METHODS)
def test_two_route_analytic_equilibrium(method):
    res = assign(two_routes(), method, gap=1e-9, max_iterations=20000)
    assert res.converged
    np.testing.assert_allclose(res.flow, [80 / 3, 100 / 3], rtol=1e-6)
    np.testing.assert_allclose(res.cost, [110 / 3] * 2, rtol=1e-6)


def braess():
    """The TNTP Braess example: t13 = 10x, t14 = 50 + x, t32 = 50 + x, t34 = 10 + x, t42 = 10x (+1e-8),
    6 trips 1->2. Equilibrium: 2 on each of the three routes, all costing 92."""
    return RoadNetwork("braess", 4, 2, init=[0, 0, 2, 2, 3], term=[2, 3, 1, 3, 1], capacity=[1] * 5,
                       fftt=[1e-8, 50, 50, 10, 1e-8], b=[1e9, 0.02, 0.02, 0.1, 1e9], power=[1] * 5,
                       demand=np.array([[0, 6.0], [0, 0]]))


@pytest.mark.parametrize("method", METHODS)
def test_braess_paradox_equilibrium(method):
    net = braess()
    res = assign(net, method, gap=1e-8, max_iterations=50000)
    flows = dict(zip(zip(net.init + 1, net.term + 1), res.flow))
    expected = {(1, 3): 4, (1, 4): 2, (3, 2): 2, (3, 4): 2, (4, 2): 4}
    for link, v in expected.items():
        assert flows[link] == pytest.approx(v, abs=1e-3)
    assert res.sptt / net.total_demand == pytest.approx(92, abs=1e-3)
    # closing the middle link 3->4 lowers everyone's cost: the paradox
    closed = assign(net, method, gap=1e-8, is_open=~((net.init == 2) & (net.term == 3)))
    assert closed.sptt / net.total_demand == pytest.approx(83, abs=1e-3)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("method", METHODS)
def test_random_networks_converge_with_conservation(seed, method):
    net = random_network(seed, ftn=2)
    res = assign(net, method, gap=1e-5, max_iterations=20000)
    assert res.converged and res.relative_gap <= 1e-5
    assert check_flows(net, res.flow) == []
    gap, tstt, sptt = relative_gap(net, res.flow)
    assert gap == pytest.approx(res.relative_gap, rel=1e-3, abs=1e-12) and tstt == pytest.approx(res.tstt)


def test_methods_agree_and_warm_start_helps():
    net = random_network(11, n=20, zones=6, extra=40)
    ref = assign(net, "gp", gap=1e-10)
    for m in ("bfw", "fw"):
        other = assign(net, m, gap=1e-6, max_iterations=50000)
        assert other.beckmann == pytest.approx(ref.beckmann, rel=1e-5)
    bumped = net.with_demand(net.demand * 1.05)
    cold = assign(bumped, "gp", gap=1e-10)
    warm = assign(bumped, "gp", gap=1e-10, warm_start=ref)
    assert warm.beckmann == pytest.approx(cold.beckmann, rel=1e-9)
    assert warm.iterations <= cold.iterations


def naive_warm_paths(warm, od_q, is_open):
    """Per OD pair, the warm paths (link lists) that carry flow and avoid closed links, with
    their flows rescaled to ``od_q``: plain Python over the path state."""
    out = []
    for k in range(len(od_q)):
        kept = []
        for j in range(warm.od_np[k]):
            p = warm.od_paths[k, j]
            ln = warm.links[warm.p_off[p]: warm.p_off[p] + warm.p_len[p]].tolist()
            if warm.p_flow[p] > 0 and all(is_open[a] for a in ln):
                kept.append((ln, warm.p_flow[p]))
        total = sum(f for _, f in kept)
        out.append([(ln, f * od_q[k] / total) for ln, f in kept])
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_warm_paths_kernel_matches_python_reference(seed):
    """The warm-start path filter (kernel) against a Python walk over the same path state, with
    random links closed and the demand changed; OD pairs left without a path come back empty."""
    net = random_network(seed, n=14, zones=5, extra=30)
    warm = assign(net, "gp", gap=1e-8).paths
    rng = np.random.default_rng(seed)
    is_open = rng.random(net.num_links) > 0.15
    od_q = warm.od_q * rng.uniform(0.5, 1.5, len(warm.od_q))
    od_paths, od_np, p_off, p_len, p_flow, links, used = K.warm_paths(
        od_q, warm.od_paths, warm.od_np, warm.p_off, warm.p_len, warm.p_flow, warm.links, is_open)
    ref = naive_warm_paths(warm, od_q, is_open)
    assert any(not r for r in ref) and any(r for r in ref)  # some OD pairs lose every path, some keep some
    assert used == sum(len(ln) for r in ref for ln, _ in r)
    for k, r in enumerate(ref):
        assert od_np[k] == len(r)
        got = [(links[p_off[p]: p_off[p] + p_len[p]].tolist(), p_flow[p]) for p in od_paths[k, : od_np[k]]]
        assert [ln for ln, _ in got] == [ln for ln, _ in r]
        np.testing.assert_allclose([f for _, f in got], [f for _, f in r], rtol=1e-14)


def test_warm_start_with_closed_links_matches_cold_start():
    """A warm start whose paths partly use now-closed links: those OD pairs restart from a
    shortest path, and the equilibrium is the cold start's."""
    net = random_network(5, n=14, zones=5, extra=30)
    full = assign(net, "gp", gap=1e-9)
    is_open = np.ones(net.num_links, bool)
    is_open[np.argsort(-full.flow)[:3]] = False  # the three busiest links close
    cold = assign(net, "gp", gap=1e-10, is_open=is_open)
    warm = assign(net, "gp", gap=1e-10, is_open=is_open, warm_start=full)
    assert not warm.flow[~is_open].any()
    assert warm.beckmann == pytest.approx(cold.beckmann, rel=1e-9)


def test_centroids_are_not_through_nodes():
    """Zone 2 (node 2) sits on the only cheap route 1->2->3; with FIRST THRU NODE 3 it must be
    avoided and the expensive direct link carries the 1->3 trips."""
    net = RoadNetwork("ftn", 3, 3, init=[0, 1, 0], term=[1, 2, 2], capacity=[10] * 3, fftt=[1, 1, 100],
                      demand=np.array([[0, 0, 5.0], [0, 0, 0], [0, 0, 0]]), first_thru_node=3)
    res = assign(net, "gp", gap=1e-9)
    assert res.flow[net.link_index(1, 3)] == 5 and res.flow.sum() == 5
    via_centroid = np.zeros(3)
    via_centroid[[net.link_index(1, 2), net.link_index(2, 3)]] = 5
    bad = check_flows(net, via_centroid)
    assert any("through node" in v for v in bad)


def test_unreachable_demand_and_bad_method():
    net = two_routes()
    with pytest.raises(InfeasibleInstanceError, match="zone 1 to zone 2 has no path"):
        assign(net, is_open=np.array([False, False]))
    with pytest.raises(SolverParameterError, match="method: 'msa' is not one of the choices"):
        assign(net, "msa")
    for kw, message in (({"gap": 0}, r"gap: 0.0 is out of range \(valid: number > 0\)"),
                        ({"gap": float("nan")}, "not a finite number"),
                        ({"max_iterations": 0}, "max_iterations: 0 is out of range"),
                        ({"time_limit": -1}, "time_limit: -1.0 is out of range")):
        with pytest.raises(SolverParameterError, match=message):
            assign(net, **kw)


def test_check_flows_reports_violations():
    net = two_routes()
    assert check_flows(net, np.array([30.0, 30.0])) == []
    assert any("node 1" in v for v in check_flows(net, np.array([30.0, 20.0])))
    assert any("negative flow" in v for v in check_flows(net, np.array([70.0, -10.0])))
    assert any("closed" in v for v in check_flows(net, np.array([30.0, 30.0]), is_open=[True, False]))


# ----------------------------------------------------------------------------- TNTP files
NET = """<NUMBER OF ZONES> 2
<NUMBER OF NODES> 2
<FIRST THRU NODE> 1
<NUMBER OF LINKS> 2
<END OF METADATA>
~ init term cap len fftt b power speed toll type ;
1 2 10 1 10 1 1 0 0 1 ;
1 2 40 1 20 1 1 0 0 1 ;
"""
TRIPS = """<NUMBER OF ZONES> 2
<TOTAL OD FLOW> 60.0
<END OF METADATA>
Origin 1
    1 :      0.0;     2 :    60.0;
Origin 2
    1 :      0.0;
"""


def write_pair(tmp_path, net=NET, trips=TRIPS):
    (tmp_path / "T_net.tntp").write_text(net)
    (tmp_path / "T_trips.tntp").write_text(trips)
    return tmp_path


def test_tntp_folder_reads(tmp_path):
    net = load_network(write_pair(tmp_path))
    assert net.name == "T" and net.num_links == 2 and net.demand[0, 1] == 60
    res = assign(net, gap=1e-9)
    np.testing.assert_allclose(res.flow, [80 / 3, 100 / 3], rtol=1e-6)


@pytest.mark.parametrize(
    "net, trips, message",
    [
        (NET.replace("<NUMBER OF LINKS> 2", "<NUMBER OF LINKS> 3"), TRIPS, "says 3 but the file has 2"),
        (NET.replace("1 2 40", "1 2 forty"), TRIPS, "non-numeric value 'forty'"),
        (NET.replace("1 2 40 1 20 1 1 0 0 1 ;", "1 2 40 1 20 ;"), TRIPS, "expected 10 columns"),
        (NET.replace("<END OF METADATA>\n", ""), TRIPS, "metadata: expected '<KEY> value' lines"),
        (NET.replace("<END OF METADATA>\n~ init term cap len fftt b power speed toll type ;\n", ""), TRIPS, "metadata"),
        (NET.replace("1 2 40", "1 7 40"), TRIPS, "node 7 outside 1..2"),
        (NET.replace("1 2 40", "1 2 -40"), TRIPS, "negative value"),
        (NET, TRIPS.replace("60.0;", "sixty;"), "non-numeric demand 'sixty'"),
        (NET, TRIPS.replace("60.0;", "60.0; junk"), "expected 'dest : value;' entries"),
        (NET, TRIPS.replace("<TOTAL OD FLOW> 60.0", "<TOTAL OD FLOW> 70.0"), "says 70 but the entries sum to 60"),
        (NET, TRIPS.replace("Origin 2", "Origin 9"), "zone 9 outside 1..2"),
        (NET, TRIPS.replace("<NUMBER OF ZONES> 2", "<NUMBER OF ZONES> 3"), "3 zones but the network has 2"),
    ],
)
def test_tntp_errors_name_file_and_field(tmp_path, net, trips, message):
    with pytest.raises(InstanceFormatError) as e:
        load_network(write_pair(tmp_path, net, trips))
    assert message in str(e.value) and str(tmp_path) in str(e.value)


# ----------------------------------------------------------------------------- shared networks
@pytest.mark.parametrize("name", ["SiouxFalls", "Anaheim"])
def test_best_known_flows_are_reproduced(name):
    folder = datasets_dir("tntp") / name
    net = load_network(folder)
    best, _ = read_flow(folder / f"{name}_flow.tntp", net)
    res = assign(net, "gp", gap=1e-6)
    assert res.converged and check_flows(net, res.flow) == []
    best_beckmann = beckmann(net, best)  # the public function `netopt assign` reports with
    assert beckmann(net, res.flow) == pytest.approx(res.beckmann, rel=1e-12)
    assert abs(res.beckmann - best_beckmann) <= 1e-6 * best_beckmann
    np.testing.assert_allclose(res.flow, best, rtol=0, atol=1e-2 * best.max())


def test_sioux_falls_trips_total():
    folder = datasets_dir("tntp") / "SiouxFalls"
    assert read_trips(folder / "SiouxFalls_trips.tntp").sum() == pytest.approx(360600)
