"""Chain contraction: the road graph without its shape points, for faster matrices.

Most OSM nodes only bend a street (83 % of the Helsinki graph's nodes): a node is a *chain
interior* when it has exactly two neighbours and traffic only passes through it (one-way: one
edge in from one neighbour, one edge out to the other; two-way: both edges with both). Each
maximal chain of edges between two kept nodes becomes one edge whose weight is the sum of its
edges' weights. Every road edge lies on exactly one chain, at a known prefix of each weight, so
a point snapped to a road edge is placed on its chain exactly (same shortest paths, fewer nodes).
Drawing (``export``) still uses the full graph.

Examples
--------
>>> g = RoadGraph.from_edges(lat=[60.0, 60.0, 60.0], lon=[24.0, 24.001, 24.002],
...                          tail=[0, 1, 1, 2], head=[1, 2, 0, 1], speed_kmh=[36.0] * 4)
>>> c = contract(g, {"distance": g.length_m})
>>> c.num_nodes, c.tail.tolist(), c.head.tolist()
(2, [0, 1], [1, 0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .graph import RoadGraph
from .matrix import Augmented, Snap, reverse_edges


@dataclass(frozen=True)
class Contracted:
    """Kept nodes (``keep[j]``: road node of contracted node ``j``) and chain edges in CSR order;
    per road edge: its chain (``chain_of``) and the weight of the chain before it (``prefix[name]``)."""

    keep: np.ndarray
    new_index: np.ndarray  # road node -> contracted node, -1 for chain interiors
    offsets: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    weights: dict
    chain_of: np.ndarray
    rank: np.ndarray  # position of a road edge in its chain (0 = first)
    prefix: dict

    @property
    def num_nodes(self) -> int:
        return int(self.keep.size)


def interior_nodes(graph: RoadGraph) -> np.ndarray:
    """Boolean mask of chain interiors (see the module docstring)."""
    n = graph.num_nodes
    indeg = np.bincount(graph.head, minlength=n)
    outdeg = graph.offsets[1:] - graph.offsets[:-1]
    inside = np.zeros(n, bool)
    cand = np.flatnonzero(((indeg == 1) & (outdeg == 1)) | ((indeg == 2) & (outdeg == 2)))
    in_order = np.argsort(graph.head, kind="stable")
    in_first = np.searchsorted(graph.head[in_order], np.arange(n))
    for v in cand.tolist():
        outs = sorted(graph.head[graph.offsets[v]:graph.offsets[v + 1]].tolist())
        ins = sorted(graph.tail[in_order[in_first[v]:in_first[v] + indeg[v]]].tolist())
        if v in outs or v in ins:
            continue
        if len(outs) == 1:
            inside[v] = ins[0] != outs[0]
        else:
            inside[v] = outs[0] != outs[1] and ins == outs
    return inside


def contract(graph: RoadGraph, weights: dict[str, np.ndarray]) -> Contracted:
    """Contract the chains of ``graph`` (see the module docstring); ``weights`` per road edge."""
    n, m = graph.num_nodes, graph.num_edges
    inside = interior_nodes(graph)
    chain_of = np.full(m, -1, np.int64)
    rank = np.zeros(m, np.int64)
    prefix = {k: np.zeros(m) for k in weights}
    tails, heads, wsum = [], [], {k: [] for k in weights}

    def walk(e0: int) -> None:
        c = len(tails)
        e, r, prev = e0, 0, int(graph.tail[e0])
        acc = {k: 0.0 for k in weights}
        while True:
            chain_of[e], rank[e] = c, r
            for k, w in weights.items():
                prefix[k][e] = acc[k]
                acc[k] += float(w[e])
            v = int(graph.head[e])
            if not inside[v] or v == int(graph.tail[e0]):
                break
            lo, hi = graph.offsets[v], graph.offsets[v + 1]
            nxt = [x for x in range(lo, hi) if int(graph.head[x]) != prev]
            prev, e, r = v, nxt[0], r + 1
        tails.append(int(graph.tail[e0]))
        heads.append(v)
        for k in weights:
            wsum[k].append(acc[k])

    for u in np.flatnonzero(~inside).tolist():
        for e in range(graph.offsets[u], graph.offsets[u + 1]):
            walk(e)
    # a ring of interiors only (no kept node on it): keep one of its nodes
    while np.any(chain_of < 0):
        e = int(np.flatnonzero(chain_of < 0)[0])
        inside[graph.tail[e]] = False
        u = int(graph.tail[e])
        for x in range(graph.offsets[u], graph.offsets[u + 1]):
            if chain_of[x] < 0:
                walk(x)
    keep = np.flatnonzero(~inside)
    new_index = np.full(n, -1, np.int64)
    new_index[keep] = np.arange(keep.size)
    tail, head = new_index[np.array(tails, np.int64)], new_index[np.array(heads, np.int64)]
    order = np.lexsort((head, tail))  # chains in CSR order; chain_of renumbered to match
    pos = np.empty(order.size, np.int64)
    pos[order] = np.arange(order.size)
    offsets = np.zeros(keep.size + 1, np.int64)
    np.add.at(offsets, tail + 1, 1)
    return Contracted(keep, new_index, np.cumsum(offsets), tail[order], head[order],
                      {k: np.array(v)[order] for k, v in wsum.items()}, pos[chain_of], rank, prefix)


def augment_contracted(graph: RoadGraph, cg: Contracted, snap: Snap, weights: dict[str, np.ndarray]) -> Augmented:
    """The augmented graph of :func:`netopt.roads.matrix.augment` built on the chains: point ``i`` is
    node ``i``, contracted node ``j`` is ``k + j``; each weight split at the point's exact place on its chain."""
    k = snap.edge.size
    rev = reverse_edges(graph, snap.edge)
    T, H, W = [], [], {name: [] for name in weights}  # the point edges, as scalars
    wl = {name: (np.asarray(weights[name], np.float64), cg.prefix[name], cg.weights[name]) for name in weights}
    ctail, chead = cg.tail.tolist(), cg.head.tolist()
    # (point, chain, rank, t, cost from the chain's start) for each side of the street a point is on
    places = []
    for i in range(k):
        for e, t in ((int(snap.edge[i]), float(snap.t[i])), (int(rev[i]), 1.0 - float(snap.t[i]))):
            if e < 0:
                continue
            c = int(cg.chain_of[e])
            at = {name: float(pre[e]) + t * float(w[e]) for name, (w, pre, _) in wl.items()}
            places.append((i, c, int(cg.rank[e]), t, at))
            T += [ctail[c] + k, i]
            H += [i, chead[c] + k]
            for name, (_, _, total) in wl.items():
                W[name] += [at[name], float(total[c]) - at[name]]
        # a point exactly on a kept node is that node
        for node in ((graph.tail[snap.edge[i]],) if snap.t[i] == 0.0 else ()) + \
                    ((graph.head[snap.edge[i]],) if snap.t[i] == 1.0 else ()):
            j = int(cg.new_index[node])
            if j >= 0:
                T += [i, j + k]
                H += [j + k, i]
                for name in weights:
                    W[name] += [0.0, 0.0]
    by_chain: dict[int, list] = {}
    for p in places:
        by_chain.setdefault(p[1], []).append(p)
    for lst in by_chain.values():
        for a in lst:
            for b in lst:
                if a[0] != b[0] and (a[2], a[3]) <= (b[2], b[3]):
                    T.append(a[0])
                    H.append(b[0])
                    for name in weights:
                        W[name].append(max(0.0, b[4][name] - a[4][name]))
    tails, heads = [cg.tail + k, np.array(T, np.int64)], [cg.head + k, np.array(H, np.int64)]
    w = {name: [cg.weights[name], np.array(W[name], np.float64)] for name in weights}
    tail, head = np.concatenate(tails).astype(np.int64), np.concatenate(heads).astype(np.int64)
    order = np.lexsort((head, tail))
    offsets = np.zeros(k + cg.num_nodes + 1, np.int64)
    np.add.at(offsets, tail + 1, 1)
    none = np.full(tail.size, -1, np.int64)
    return Augmented(k, np.cumsum(offsets), tail[order], head[order],
                     {name: np.concatenate(v)[order] for name, v in w.items()}, none, np.zeros(tail.size),
                     np.zeros(tail.size))
