"""Snapping and many-to-many road matrices against slow, obviously correct references."""

from __future__ import annotations

import io

import networkx as nx
import numpy as np
import pytest
from roadmaps import DLAT, DLON, LAT0, LON0

from netopt.exceptions import InstanceFormatError
from netopt.roads import build_graph, read_pbf
from netopt.roads.addresses import parse_points
from netopt.roads.matrix import (
    Snapper,
    UnreachableError,
    augment,
    check_reachable,
    many_to_many,
    path_coordinates,
    path_edges,
    project,
    reverse_edges,
)


@pytest.fixture
def grid(grid_pbf):
    return build_graph(read_pbf(grid_pbf))[0]


def naive_snap(graph, lat, lon):
    """Every edge, exact point-to-segment distance in the same projection; ties: the lowest edge."""
    lat0 = float(np.mean(graph.node_lat))
    xy = project(graph.node_lat, graph.node_lon, lat0)
    out = []
    for p in project(lat, lon, lat0):
        best = None
        for e in range(graph.num_edges):
            a, b = xy[graph.tail[e]], xy[graph.head[e]]
            ab = b - a
            t = min(1.0, max(0.0, float(np.dot(p - a, ab) / np.dot(ab, ab))))
            d = float(np.linalg.norm(a + t * ab - p))
            if best is None or d < best[0] - 1e-9:
                best = (d, e, t)
        out.append(best)
    return out


def naive_matrix(graph, snap, weight):
    """Road cost between snapped points: leave along the snapped edge (or its reverse twin), the
    shortest path between road nodes (networkx), arrive along the target's edge; or directly along
    one shared edge in driving order; a point exactly on a node leaves / arrives there directly."""
    G = nx.DiGraph()
    for e in range(graph.num_edges):
        u, v, w = int(graph.tail[e]), int(graph.head[e]), float(weight[e])
        if not G.has_edge(u, v) or G[u][v]["w"] > w:
            G.add_edge(u, v, w=w)
    sp = dict(nx.all_pairs_dijkstra_path_length(G, weight="w"))
    rev = reverse_edges(graph, snap.edge)
    k = snap.edge.size
    on = [[(int(snap.edge[i]), float(snap.t[i]))] + ([(int(rev[i]), 1.0 - float(snap.t[i]))] if rev[i] >= 0 else [])
          for i in range(k)]
    # a point exactly on a node is that node: it leaves and arrives there at no cost
    at = [{int(graph.tail[e]) if t == 0.0 else int(graph.head[e]) for e, t in on[i] if t in (0.0, 1.0)} for i in range(k)]
    out = np.full((k, k), np.inf)
    for p in range(k):
        for q in range(k):
            if p == q:
                out[p, q] = 0.0
                continue
            for ep, tp in on[p]:
                for eq, tq in on[q]:
                    a, ca = int(graph.head[ep]), (1 - tp) * weight[ep]
                    b, cb = int(graph.tail[eq]), tq * weight[eq]
                    if b in sp.get(a, {}):
                        out[p, q] = min(out[p, q], ca + sp[a][b] + cb)
                    if ep == eq and tq >= tp:
                        out[p, q] = min(out[p, q], (tq - tp) * weight[ep])
            for a in at[p]:
                for eq, tq in on[q]:
                    b = int(graph.tail[eq])
                    if b in sp.get(a, {}):
                        out[p, q] = min(out[p, q], sp[a][b] + tq * weight[eq])
                for b in at[q]:
                    if b in sp.get(a, {}):
                        out[p, q] = min(out[p, q], sp[a][b])
            for b in at[q]:
                for ep, tp in on[p]:
                    a = int(graph.head[ep])
                    if b in sp.get(a, {}):
                        out[p, q] = min(out[p, q], (1 - tp) * weight[ep] + sp[a][b])
    return out


def _points(seed, k=12):
    rng = np.random.default_rng(seed)
    lat = LAT0 + rng.uniform(-0.3, 2.3, k) * DLAT
    lon = LON0 + rng.uniform(-0.3, 2.3, k) * DLON
    # two points on one edge (row 1, one-way east) and one exactly on a node
    lat[:3] = LAT0 + DLAT * np.array([1.0, 1.0, 2.0])
    lon[:3] = LON0 + DLON * np.array([0.25, 0.75, 1.0])
    return lat, lon


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_snap_matches_brute_force(grid, seed):
    lat, lon = _points(seed)
    snap = Snapper(grid).snap(lat, lon)
    for i, (d, e, t) in enumerate(naive_snap(grid, lat, lon)):
        assert snap.offset_m[i] == pytest.approx(d, abs=1e-6)
        if snap.edge[i] != e:  # an equally near segment (a two-way street's twin, a shared node)
            assert snap.offset_m[i] == pytest.approx(d, abs=1e-6)
        else:
            assert snap.t[i] == pytest.approx(t, abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("weight", ["distance", "duration"])
def test_matrix_engines_match_the_reference(grid, seed, weight):
    lat, lon = _points(seed)
    snap = Snapper(grid).snap(lat, lon)
    w = {"distance": grid.length_m, "duration": grid.duration_s}
    aug = augment(grid, snap, w)
    ref = naive_matrix(grid, snap, w[weight])
    for engine in ("numba", "tree", "scipy"):
        got = many_to_many(aug, weight, engine)
        np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-6, err_msg=engine)


def test_one_way_street_by_hand(grid):
    """A and B on the one-way row 1 (east), A at 1/4 and B at 3/4 of edge 4 -> 5: A to B is half the
    edge; B to A drives on to 5, then (column 1 is one-way south) 5 -> 2 -> 1 -> 4 and a quarter of 4 -> 5."""
    lat = np.array([LAT0 + DLAT, LAT0 + DLAT])
    lon = np.array([LON0 + 0.25 * DLON, LON0 + 0.75 * DLON])
    snap = Snapper(grid).snap(lat, lon)
    aug = augment(grid, snap, {"distance": grid.length_m})
    d = many_to_many(aug, "distance")
    ids = grid.node_id.tolist()
    L = {(ids[u], ids[v]): grid.length_m[e] for e, (u, v) in enumerate(zip(grid.tail, grid.head))}
    assert d[0, 1] == pytest.approx(0.5 * L[4, 5])
    assert d[1, 0] == pytest.approx(0.25 * L[4, 5] + L[5, 2] + L[2, 1] + L[1, 4] + 0.25 * L[4, 5])
    edges = path_edges(aug, "distance", 1, 0)
    coords = path_coordinates(grid, aug, edges)
    assert coords[0] == pytest.approx((LON0 + 0.75 * DLON, LAT0 + DLAT))
    assert coords[-1] == pytest.approx((LON0 + 0.25 * DLON, LAT0 + DLAT))
    assert (LON0 + DLON, LAT0) in [pytest.approx(c) for c in coords]  # passes node 2
    assert sum(aug.weights["distance"][e] for e in edges) == pytest.approx(d[1, 0])


def test_unreachable_names_the_points(grid_pbf):
    full = build_graph(read_pbf(grid_pbf), keep_all=True)[0]
    # a point on the one-way trap 3 -> 10 cannot get back
    lat = np.array([LAT0 + DLAT, LAT0 - 0.5 * DLAT])
    lon = np.array([LON0, LON0 + 2 * DLON])
    snap = Snapper(full).snap(lat, lon)
    d = many_to_many(augment(full, snap, {"distance": full.length_m}), "distance")
    assert np.isfinite(d[0, 1]) and not np.isfinite(d[1, 0])
    with pytest.raises(UnreachableError, match="from point trap to point depot"):
        check_reachable(d, ["depot", "trap"])


def test_points_with_a_byte_order_mark():
    pts = parse_points(io.StringIO("\ufeffid,lat,lon\n0,60,24\n1,60.1,24.1\n"), "p.csv")
    assert pts.ids.tolist() == [0, 1] and pts.labels == ["0", "1"]


@pytest.mark.parametrize("text,match", [
    ("id,lat,lon\n0,60,24\n1,,24\n", "p.csv:3: lat: missing value"),
    ("id,lat,lon\n0,60,24\n1,60,abc\n", "p.csv:3: lon: not a number: 'abc'"),
    ("id,lat,lon\n0,60,24\n1,95,24\n", "p.csv:3: lat: 95 is out of range"),
    ("id,lat,lon\n0,60,24\n0,60,24\n", "id 0 repeated"),
    ("id,lat\n0,60\n", "no 'lon' column"),
    ("id,lat,lon,demand\n0,60,24,3\n1,60,24,1\n", "depot .* demand 0"),
    ("id,lat,lon,demand\n0,60,24,0\n1,60,24,1.5\n", "must be an integer"),
    ("id,lat,lon\n0,60,24\n", "at least one customer"),
])
def test_bad_points(text, match):
    with pytest.raises(InstanceFormatError, match=match):
        parse_points(io.StringIO(text), "p.csv")


def test_a_point_on_a_node_leaves_by_any_street(grid):
    """Points exactly on nodes 5 (centre), 6 and 2: from 5 both one-way streets leaving it are usable,
    whichever edge the snap picked."""
    lat = LAT0 + DLAT * np.array([1.0, 1.0, 0.0])
    lon = LON0 + DLON * np.array([1.0, 2.0, 1.0])
    snap = Snapper(grid).snap(lat, lon)
    assert set(snap.t.tolist()) <= {0.0, 1.0}
    d = many_to_many(augment(grid, snap, {"distance": grid.length_m}), "distance")
    ids = grid.node_id.tolist()
    L = {(ids[u], ids[v]): grid.length_m[e] for e, (u, v) in enumerate(zip(grid.tail, grid.head))}
    assert d[0, 1] == pytest.approx(L[5, 6]) and d[0, 2] == pytest.approx(L[5, 2])


def naive_targets(k, offsets, head, cost):
    """Textbook Dijkstra (heapq, no early stop) from each of the first k nodes, which are never passed through."""
    import heapq

    n = offsets.size - 1
    out = np.full((k, k), np.inf)
    for s in range(k):
        dist = [np.inf] * n
        dist[s] = 0.0
        heap = [(0.0, s)]
        done = set()
        while heap:
            d, u = heapq.heappop(heap)
            if u in done:
                continue
            done.add(u)
            if u < k and u != s:
                continue
            for e in range(offsets[u], offsets[u + 1]):
                if d + cost[e] < dist[head[e]]:
                    dist[head[e]] = d + cost[e]
                    heapq.heappush(heap, (dist[head[e]], int(head[e])))
        out[s] = dist[:k]
    return out


@pytest.mark.parametrize("seed", range(6))
def test_targets_dijkstra_kernel_matches_its_twin(seed):
    """Random sparse digraphs (some nodes unreachable, zero costs, parallel edges): the early-stopping
    kernel equals full Dijkstra runs."""
    from netopt.roads._kernels import targets_dijkstra

    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(5, 40)), int(rng.integers(1, 6))
    m = int(rng.integers(n, 4 * n))
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    cost = rng.choice([0.0, 1.0, 2.5, 7.0], size=m)
    order = np.lexsort((head, tail))
    tail, head, cost = tail[order], head[order].astype(np.int64), cost[order]
    offsets = np.zeros(n + 1, np.int64)
    np.add.at(offsets, tail + 1, 1)
    offsets = np.cumsum(offsets)
    out = np.empty((k, k))
    targets_dijkstra(k, offsets, head, cost, out)
    np.testing.assert_array_equal(out, naive_targets(k, offsets, head, cost))


@pytest.mark.parametrize("seed", range(4))
def test_contracted_chains_give_the_same_matrices(seed):
    """Bent streets (shape points), random one-ways, a dead end, a ring: the chain-contracted search
    graph has fewer nodes and the same distance and duration matrices as the full graph."""
    from roadmaps import shaped_grid

    from netopt.roads.contract import augment_contracted, contract, interior_nodes

    g = shaped_grid(5, seed).largest_component()[0]
    w = {"distance": g.length_m, "duration": g.duration_s}
    cg = contract(g, w)
    assert cg.num_nodes < g.num_nodes // 2 and np.all(cg.chain_of >= 0)
    assert cg.num_nodes == int((~interior_nodes(g)).sum())  # no ring without a junction here
    for c in range(cg.tail.size):  # each chain's weight is the sum of its road edges
        assert cg.weights["distance"][c] == pytest.approx(g.length_m[cg.chain_of == c].sum())
    rng = np.random.default_rng(seed)
    lat = rng.uniform(g.node_lat.min(), g.node_lat.max(), 15)
    lon = rng.uniform(g.node_lon.min(), g.node_lon.max(), 15)
    lat[:2], lon[:2] = g.node_lat[:2], g.node_lon[:2]  # two points exactly on nodes
    snap = Snapper(g).snap(lat, lon)
    full, small = augment(g, snap, w), augment_contracted(g, cg, snap, w)
    for weight in w:
        ref = many_to_many(full, weight, "tree")
        for engine in ("numba", "tree", "scipy"):
            np.testing.assert_allclose(many_to_many(small, weight, engine), ref, rtol=1e-9, atol=1e-6)


def test_a_ring_without_junctions_keeps_one_node():
    from netopt.roads.contract import contract
    from netopt.roads.graph import RoadGraph

    lat, lon = [60.0, 60.0, 60.001, 60.001], [24.0, 24.001, 24.001, 24.0]
    g = RoadGraph.from_edges(lat, lon, [0, 1, 2, 3, 1, 2, 3, 0], [1, 2, 3, 0, 0, 1, 2, 3], [30.0] * 8)
    cg = contract(g, {"distance": g.length_m})
    assert cg.num_nodes == 1 and np.all(cg.chain_of >= 0) and cg.tail.size == 2
    assert cg.weights["distance"] == pytest.approx([g.length_m.sum() / 2] * 2)
