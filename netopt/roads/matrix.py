"""Points on the road graph: snapping to the nearest edge, many-to-many shortest paths, path geometry.

A point is snapped to the nearest position on a road segment (a KD-tree over segment midpoints
in a local equirectangular projection finds the candidates, exact point-to-segment distances
decide). It then becomes a virtual node of an *augmented* graph: the road nodes plus one node per
point, with edges ``u -> p`` and ``p -> v`` that split the snapped edge ``u -> v`` at the snapped
fraction (and the same on the reverse edge of a two-way street), plus a direct edge between two
points on the same edge in driving order. Point nodes come first and are never passed through
(the ``no_thru`` convention of the assignment engine), so the shortest path between two points
is exactly the road distance between their snapped positions. A point exactly on a road node
(``t`` 0 or 1) is joined to that node both ways at no cost, so it may leave by any street.

Many-to-many shortest paths: one Dijkstra per point, with engine ``numba`` (default:
:func:`._kernels.targets_dijkstra`, the assignment engine's binary heap, stopping when every point
is settled), ``tree`` (the assignment engine's full shortest-path tree,
:func:`netopt.solvers.assignment._kernels.shortest_path_tree`) or ``scipy``
(``scipy.sparse.csgraph.dijkstra``, full trees); benchmarks/bench_roads.py measures them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exceptions import InstanceFormatError, NetoptError
from .graph import RoadGraph
from .osm import EARTH_RADIUS_M

ENGINES = ("numba", "tree", "scipy")
#: longest piece of a segment in the snapping KD-tree (metres)
PIECE_M = 50.0


class UnreachableError(NetoptError):
    """Some point cannot be reached from another one on the road graph."""

    exit_code = 2


def project(lat, lon, lat0: float):
    """Local equirectangular projection in metres (x east, y north) around latitude ``lat0``."""
    k = np.pi / 180.0 * EARTH_RADIUS_M
    return np.column_stack([np.asarray(lon, np.float64) * k * np.cos(np.radians(lat0)),
                            np.asarray(lat, np.float64) * k])


@dataclass(frozen=True)
class Snap:
    """Where each point lies on the graph: edge index, fraction along it (0 = tail, 1 = head), the
    snapped position and the distance from the point to it (metres)."""

    edge: np.ndarray
    t: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    offset_m: np.ndarray


class Snapper:
    """Nearest-edge queries on one graph (the KD-tree is built once)."""

    def __init__(self, graph: RoadGraph):
        from scipy.spatial import cKDTree

        if graph.num_edges == 0:
            raise NetoptError("the road graph has no edges")
        self.graph = graph
        self.lat0 = float(np.mean(graph.node_lat))
        xy = project(graph.node_lat, graph.node_lon, self.lat0)
        self.a, self.b = xy[graph.tail], xy[graph.head]
        # the tree holds the midpoints of pieces of at most PIECE_M metres of every segment, so that one
        # long segment (a motorway) does not widen every query
        length = np.linalg.norm(self.b - self.a, axis=1)
        pieces = np.maximum(1, np.ceil(length / PIECE_M)).astype(np.int64)
        self.piece_edge = np.repeat(np.arange(graph.num_edges), pieces)
        first = np.cumsum(pieces) - pieces
        f = (np.arange(self.piece_edge.size) - np.repeat(first, pieces) + 0.5) / np.repeat(pieces, pieces)
        ab = self.b - self.a
        self.half = 0.5 * float(np.max(length / pieces))
        self.nodes = cKDTree(xy)
        self.mid = cKDTree(self.a[self.piece_edge] + f[:, None] * ab[self.piece_edge])

    def snap(self, lat, lon) -> Snap:
        g = self.graph
        p = project(lat, lon, self.lat0)
        d0, _ = self.nodes.query(p)
        k = len(p)
        edge, t, off = np.empty(k, np.int64), np.empty(k), np.empty(k)
        for i in range(k):
            # the nearest segment is within d0 of p, so one of its pieces' midpoints within d0 + half a piece
            near = np.array(self.mid.query_ball_point(p[i], d0[i] + self.half + 1e-6), np.int64)
            cand = np.unique(self.piece_edge[near])
            a, ab = self.a[cand], self.b[cand] - self.a[cand]
            den = np.einsum("ij,ij->i", ab, ab)
            tt = np.clip(np.einsum("ij,ij->i", p[i] - a, ab) / np.where(den > 0, den, 1.0), 0.0, 1.0)
            dist = np.linalg.norm(a + tt[:, None] * ab - p[i], axis=1)
            j = int(np.lexsort((cand, dist))[0])  # ties: the lowest edge index (deterministic)
            edge[i], t[i], off[i] = cand[j], tt[j], dist[j]
        lat_s = g.node_lat[g.tail[edge]] + t * (g.node_lat[g.head[edge]] - g.node_lat[g.tail[edge]])
        lon_s = g.node_lon[g.tail[edge]] + t * (g.node_lon[g.head[edge]] - g.node_lon[g.tail[edge]])
        return Snap(edge, t, lat_s, lon_s, off)


def reverse_edges(graph: RoadGraph, edge: np.ndarray) -> np.ndarray:
    """For each edge ``u -> v`` the index of an edge ``v -> u`` (the two-way street's other
    direction; the shortest one when several), or -1 when the street is one-way."""
    out = np.full(edge.size, -1, np.int64)
    for i, e in enumerate(edge.tolist()):
        u, v = graph.tail[e], graph.head[e]
        lo, hi = graph.offsets[v], graph.offsets[v + 1]
        cand = lo + np.flatnonzero(graph.head[lo:hi] == u)
        if cand.size:
            out[i] = cand[np.argmin(graph.length_m[cand])]
    return out


@dataclass(frozen=True)
class Augmented:
    """The road graph plus one node per point (points first: node ``i`` is point ``i``, road node
    ``j`` is ``k + j``) in CSR order; ``weights[name]`` per edge, ``road_edge`` the road edge an
    augmented edge lies on (-1 between two points) and the fractions it covers (``t0`` to ``t1``)."""

    k: int
    offsets: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    weights: dict
    road_edge: np.ndarray
    t0: np.ndarray
    t1: np.ndarray


def augment(graph: RoadGraph, snap: Snap, weights: dict[str, np.ndarray]) -> Augmented:
    """The augmented graph of module docstring; ``weights`` maps a name to a per-road-edge weight."""
    k, n = snap.edge.size, graph.num_nodes
    rev = reverse_edges(graph, snap.edge)
    tails, heads, redge, t0, t1 = [graph.tail + k], [graph.head + k], [np.arange(graph.num_edges)], \
        [np.zeros(graph.num_edges)], [np.ones(graph.num_edges)]
    pts = np.arange(k)
    e, t = snap.edge, snap.t
    # along the snapped edge: u -> p covers [0, t], p -> v covers [t, 1]
    tails += [graph.tail[e] + k, pts]
    heads += [pts, graph.head[e] + k]
    redge += [e, e]
    t0 += [np.zeros(k), t]
    t1 += [t, np.ones(k)]
    # along the reverse edge v -> u (two-way street): v -> p covers [0, 1 - t], p -> u covers [1 - t, 1]
    has = rev >= 0
    r, tr, pr = rev[has], 1.0 - t[has], pts[has]
    tails += [graph.tail[r] + k, pr]
    heads += [pr, graph.head[r] + k]
    redge += [r, r]
    t0 += [np.zeros(r.size), tr]
    t1 += [tr, np.ones(r.size)]
    # a point exactly on a road node is that node: free edges both ways (it may leave by any street)
    for at, node in ((t == 0.0, graph.tail[e]), (t == 1.0, graph.head[e])):
        p_at, n_at = pts[at], node[at] + k
        tails += [p_at, n_at]
        heads += [n_at, p_at]
        redge += [e[at], e[at]]
        t0 += [t[at], t[at]]
        t1 += [t[at], t[at]]
    # two points on one edge (either direction of it): a direct edge in driving order
    pi, pj, pe, a0, a1 = [], [], [], [], []
    by_edge: dict[int, list[tuple[float, int]]] = {}
    for i in range(k):
        by_edge.setdefault(int(e[i]), []).append((float(t[i]), i))
        if rev[i] >= 0:
            by_edge.setdefault(int(rev[i]), []).append((1.0 - float(t[i]), i))
    for ed, lst in by_edge.items():
        for ta, a in lst:
            for tb, b in lst:
                if a != b and ta <= tb:
                    pi.append(a), pj.append(b), pe.append(ed), a0.append(ta), a1.append(tb)
    tails.append(np.array(pi, np.int64))
    heads.append(np.array(pj, np.int64))
    redge.append(np.array(pe, np.int64))
    t0.append(np.array(a0, np.float64))
    t1.append(np.array(a1, np.float64))
    tail, head = np.concatenate(tails), np.concatenate(heads)
    road_edge, f0, f1 = np.concatenate(redge), np.concatenate(t0), np.concatenate(t1)
    order = np.lexsort((head, tail))
    offsets = np.zeros(k + n + 1, np.int64)
    np.add.at(offsets, tail + 1, 1)
    w = {name: (np.asarray(wt, np.float64)[road_edge] * (f1 - f0))[order] for name, wt in weights.items()}
    return Augmented(k, np.cumsum(offsets), tail[order], head[order], w, road_edge[order], f0[order], f1[order])


def many_to_many(aug: Augmented, weight: str, engine: str = "numba") -> np.ndarray:
    """``(k, k)`` shortest-path costs between the points (``inf`` when unreachable)."""
    if engine not in ENGINES:
        raise NetoptError(f"unknown engine {engine!r}; valid: {', '.join(ENGINES)}")
    k, cost = aug.k, aug.weights[weight]
    if engine == "scipy":
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import dijkstra

        n = aug.offsets.size - 1
        # csgraph merges parallel edges by summing and drops explicit zeros: keep the cheapest, lift zeros
        key = aug.tail * n + aug.head
        order = np.lexsort((cost, key))
        first = np.ones(order.size, bool)
        first[1:] = key[order][1:] != key[order][:-1]
        keep = order[first]
        g = csr_matrix((np.maximum(cost[keep], 1e-12), (aug.tail[keep], aug.head[keep])), shape=(n, n))
        out = np.empty((k, k))
        block = max(1, int(2e8 // (8 * n)))  # at most ~200 MB of distances at a time
        for s in range(0, k, block):
            out[s:s + block] = dijkstra(g, directed=True, indices=np.arange(s, min(k, s + block)))[:, :k]
        # scipy may pass through a point node: the costs are the same (the split edges sum to the edge)
        np.fill_diagonal(out, 0.0)
        return out
    if engine == "numba":
        from ._kernels import targets_dijkstra

        out = np.empty((k, k))
        targets_dijkstra(k, aug.offsets, aug.head, cost, out)
        return out
    from ..solvers.assignment._kernels import shortest_path_tree

    n, m = aug.offsets.size - 1, aug.tail.size
    dist, pred, order = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    hk, hn = np.empty(m + 1), np.empty(m + 1, np.int64)
    is_open = np.ones(m, np.bool_)
    out = np.empty((k, k))
    for s in range(k):
        shortest_path_tree(s, aug.offsets, aug.head, cost, is_open, k, dist, pred, order, hk, hn)
        out[s] = dist[:k]
    return out


def check_reachable(mat: np.ndarray, labels) -> None:
    """Raise :class:`UnreachableError` naming the first pair of points with no path."""
    bad = np.argwhere(~np.isfinite(mat))
    if bad.size:
        i, j = bad[0]
        raise UnreachableError(f"no road path from point {labels[i]} to point {labels[j]} "
                               f"({len(bad)} unreachable pairs; a one-way trap or an island)")


def path_edges(aug: Augmented, weight: str, source: int, target: int) -> list[int]:
    """Augmented-edge indices of a shortest path from point ``source`` to point ``target``."""
    from ..solvers.assignment._kernels import shortest_path_tree

    n, m = aug.offsets.size - 1, aug.tail.size
    dist, pred, order = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    shortest_path_tree(source, aug.offsets, aug.head, aug.weights[weight], np.ones(m, np.bool_), aug.k, dist,
                       pred, order, np.empty(m + 1), np.empty(m + 1, np.int64))
    if not np.isfinite(dist[target]):
        raise UnreachableError(f"no road path from point {source} to point {target}")
    edges, v = [], target
    while v != source:
        e = int(pred[v])
        edges.append(e)
        v = int(aug.tail[e])
    return edges[::-1]


def path_coordinates(graph: RoadGraph, aug: Augmented, edges: list[int]) -> list[tuple[float, float]]:
    """``[(lon, lat), ...]`` along augmented edges (each covers a fraction of one road edge)."""
    coords: list[tuple[float, float]] = []
    for e in edges:
        r = int(aug.road_edge[e])
        u, v = graph.tail[r], graph.head[r]
        for f in (aug.t0[e], aug.t1[e]):
            pt = (float(graph.node_lon[u] + f * (graph.node_lon[v] - graph.node_lon[u])),
                  float(graph.node_lat[u] + f * (graph.node_lat[v] - graph.node_lat[u])))
            if not coords or coords[-1] != pt:
                coords.append(pt)
    return coords


def check_points_in_map(graph: RoadGraph, snap: Snap, rows, max_snap_m: float, where: str) -> None:
    """Refuse a point farther than ``max_snap_m`` from every road, naming its row."""
    far = np.flatnonzero(snap.offset_m > max_snap_m)
    if far.size:
        i = int(far[0])
        raise InstanceFormatError(where, None, f"point {rows[i]} is {snap.offset_m[i]:,.0f} m from the nearest road "
                                  f"(outside the map? the limit is --max-snap {max_snap_m:g} m)")
