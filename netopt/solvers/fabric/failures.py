"""Failed cables at any tier of a fat-tree: spraying, ECMP, greedy unsplit routing and their paths.

A flow between edge switches ``e != f`` uses the *live* shortest paths: within a pod the planes ``i``
with both edge-aggregation cables up; between pods the ``(i, j)`` (aggregation plane, core) with all
four cables up. Both load-balancing models keep their definition over the live paths:

* ideal spraying splits every flow evenly over its live paths (:func:`fattree_spray_loads`, exact,
  computed per source pod on leaf-pair byte matrices, nothing per flow);
* ECMP hashes every flow uniformly onto one live path (Monte Carlo,
  :func:`~netopt.solvers.fabric._kernels.ecmp_mc` with ``failed``, per flow group).

With failures there is no equitable colouring; the unsplit model is the greedy routing
(:func:`greedy_assign`, kernel :func:`~netopt.solvers.fabric._kernels.greedy_paths`: flows in
decreasing size, each onto the live path whose busiest link stays least congested; a heuristic with
spraying as its lower bound), also used on leaf-spines with failures for the minimal split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _kernels
from .errors import FabricInputError, UnsupportedInstanceError
from .results import StepLoads
from .topology import TIER_DOWN, TIER_DOWN2, TIER_UP, TIER_UP2, Fabric
from .traffic import StepTraffic

__all__ = ["fattree_spray_loads", "greedy_assign", "PathAssignment", "assignment_paths", "live_path_table",
           "GREEDY_WORK", "failed_class_groups", "ecmp_mc_failed_aggregated"]

#: the greedy routing refuses above this many (subflow x live path) evaluations (about 10 s)
GREEDY_WORK = 3e8


def _live(fabric: Fabric):
    h, k = fabric.half, fabric.k
    U = fabric.block(TIER_UP) > 0
    D = fabric.block(TIER_DOWN) > 0
    U2 = (fabric.block(TIER_UP2) > 0).reshape(k, h, h)
    D2 = (fabric.block(TIER_DOWN2) > 0).reshape(k, h, h)
    return U, D, U2, D2


def fattree_spray_loads(fabric: Fabric, B: np.ndarray) -> StepLoads:
    """Link loads (bytes) when the leaf-pair bytes ``B`` are sprayed evenly over the live paths of a
    fat-tree with failed cables (module docstring); refused (``FabricInputError``) when a loaded
    edge pair has no live path."""
    h, k = fabric.half, fabric.k
    L = fabric.n_leaves
    U, D, U2, D2 = (x.astype(np.float64) for x in _live(fabric))
    C = np.einsum("pij,qij->pqi", U2, D2)  # live cores per (source pod, destination pod, plane)
    up = np.zeros((L, h))
    down = np.zeros((L, h))
    up2 = np.zeros((k, h, h))
    down2 = np.zeros((k, h, h))
    pod_of = np.arange(L) // h
    for pe in range(k):
        rows = np.arange(pe * h, (pe + 1) * h)
        cols = np.flatnonzero(B[rows].any(axis=0))  # loaded destinations only
        if cols.size == 0:
            continue
        Bb = B[rows][:, cols]  # (h, F)
        pod_f = pod_of[cols]
        X = U[rows][:, None, :] * D[cols][None, :, :]  # (h, F, h): planes with both edge cables up
        same = pod_f == pe
        Cw = X * np.where(same[None, :, None], 1.0, C[pe][pod_f][None, :, :])
        P = Cw.sum(axis=2)
        dead = (P == 0) & (Bb > 0)
        if np.any(dead):
            e, f = np.argwhere(dead)[0]
            raise FabricInputError("failed", f"edge switches {rows[e]} and {cols[f]} have no live path")
        W = np.divide(Bb, P, out=np.zeros_like(Bb), where=P > 0)
        Y = W[:, :, None] * Cw
        up[rows] += Y.sum(axis=1)
        down[cols] += Y.sum(axis=0)
        if np.any(~same):
            Z = (W[:, :, None] * X)[:, ~same, :]  # inter-pod bytes per path, before the core choice
            T = np.zeros((k, h))
            np.add.at(T, pod_f[~same], Z.sum(axis=0))  # (destination pod, plane)
            per_core = T[:, :, None] * (U2[pe][None, :, :] * D2)  # (destination pod, plane, core)
            up2[pe] += per_core.sum(axis=0)
            down2 += per_core
    return StepLoads(up, down, up2.reshape(k * h, h), down2.reshape(k * h, h))


# ---------------------------------------------------------------------------- greedy routing
@dataclass
class PathAssignment:
    """Greedy routing of one step: flow groups ``(ga, gb, gw)`` in processing order with ``gn``
    flows each, and the path ``(pi, pj)`` of every subflow (``units`` per flow), group by group."""

    ga: np.ndarray
    gb: np.ndarray
    gn: np.ndarray
    gw: np.ndarray
    pi: np.ndarray
    pj: np.ndarray
    units: int


def greedy_assign(fabric: Fabric, st: StepTraffic, k: int = 1, record: bool = False):
    """Loads (bytes) of the greedy routing of step ``st`` with every flow cut into ``k`` subflows,
    and with ``record`` its :class:`PathAssignment` (module docstring)."""
    if not st.groups_complete:
        raise UnsupportedInstanceError("the greedy routing needs the step's flow groups (too many to list)")
    fat = fabric.kind == "fat-tree"
    h = fabric.half
    order = np.lexsort((st.gb, st.ga, -st.gw))
    ga, gb, gn, gw = (np.ascontiguousarray(x[order]) for x in (st.ga, st.gb, st.gn, st.gw))
    paths = np.where((ga // h) != (gb // h), h * h, h) if fat else np.full(ga.size, fabric.n_spines)
    work = float(np.dot(gn.astype(np.float64) * k, paths))
    if work > GREEDY_WORK:
        raise UnsupportedInstanceError(f"the greedy routing would evaluate {work:.3g} (subflow, path) pairs "
                                       f"(> {GREEDY_WORK:.3g}); too large for a fabric with failed cables")
    cu, cd, cu2, cd2 = fabric.kernel_caps()
    # every group needs a live path
    U, D = cu > 0, cd > 0
    if fat:
        _, _, U2, D2 = _live(fabric)
        C = np.einsum("pij,qij->pqi", U2, D2)
        same = (ga // h) == (gb // h)
        pl = U[ga] & D[gb] & np.where(same[:, None], True, C[ga // h, gb // h] > 0)
    else:
        pl = U[ga] & D[gb]
    if not np.all(pl.any(axis=1)):
        g = int(np.flatnonzero(~pl.any(axis=1))[0])
        raise FabricInputError("failed", f"leaves / edge switches {ga[g]} and {gb[g]} have no live path")
    up, down, up2, down2, pi, pj = _kernels.greedy_paths(ga, gb, gn, np.ascontiguousarray(gw, dtype=np.float64),
                                                        int(k), int(h if fat else 1), fat, cu, cd, cu2, cd2,
                                                        bool(record))
    loads = StepLoads(up, down, up2 if fat else None, down2 if fat else None)
    return loads, (PathAssignment(ga, gb, gn, gw, pi, pj, int(k)) if record else None)


def assignment_paths(pa: PathAssignment, fabric: Fabric, hs, hd, z):
    """Path ``(i, j)`` of every subflow ``(hs, hd)`` of original size ``z`` (``units`` consecutive
    copies per flow) under ``pa``; flows within one leaf get ``(0, 0)``."""
    from .skew import _rank_in_group, inter_leaf_flows

    hs, hd, z, la, lb, i_out, j_out, inter = inter_leaf_flows(fabric, hs, hd, z)
    if inter.size == 0:
        return i_out, j_out
    sizes = np.unique(np.concatenate([pa.gw, z[inter]]))
    gkey = np.stack([pa.ga, pa.gb, np.searchsorted(sizes, pa.gw)], axis=1)
    fkey = np.stack([la[inter], lb[inter], np.searchsorted(sizes, z[inter])], axis=1)
    allk = np.concatenate([gkey, fkey])
    _, inv = np.unique(allk, axis=0, return_inverse=True)
    inv = inv.ravel()
    gid, fid = inv[: gkey.shape[0]], inv[gkey.shape[0]:]
    start = np.concatenate([[0], np.cumsum(pa.gn * pa.units)])[:-1]
    pos_of = np.full(inv.max() + 1, -1, dtype=np.int64)
    pos_of[gid] = start
    order = np.lexsort((np.arange(inter.size), hs[inter], fid))
    t, _ = _rank_in_group(fid[order][:, None])
    base = pos_of[fid[order]]
    if np.any(base < 0):
        raise FabricInputError("assignment", "a flow has no group in the greedy assignment")
    i_sel = pa.pi[base + t]
    j_sel = pa.pj[base + t]
    ii = np.empty(inter.size, dtype=np.int64)
    jj = np.empty(inter.size, dtype=np.int64)
    ii[order] = i_sel
    jj[order] = j_sel
    i_out[inter] = ii
    j_out[inter] = jj
    return i_out, j_out


def live_path_table(fabric: Fabric, e: np.ndarray, f: np.ndarray):
    """For edge pairs ``(e, f)``: CSR ``(ptr, pi, pj)`` of their live paths (in the kernels' order)."""
    fat = fabric.kind == "fat-tree"
    h = fabric.half
    cu, cd, cu2, cd2 = fabric.kernel_caps()
    npaths = h * h if fat else fabric.n_spines
    pi = np.empty(npaths, dtype=np.int64)
    pj = np.empty(npaths, dtype=np.int64)
    ptr = [0]
    out_i, out_j = [], []
    for a, b in zip(np.asarray(e).tolist(), np.asarray(f).tolist()):
        P = _kernels._live_paths(a, b, h if fat else 1, fat, cu, cd, cu2, cd2, pi, pj)
        out_i.append(pi[:P].copy())
        out_j.append(pj[:P].copy())
        ptr.append(ptr[-1] + P)
    cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0, np.int64))
    return np.asarray(ptr, dtype=np.int64), cat(out_i), cat(out_j)


# ---------------------------------------------------------------------------- ECMP by link class
def _pooled(rows, keys, N):
    """Sum ``N`` over equal ``(row, key)`` and group the rows by key: ``{key: (rows, N)}``."""
    out: dict = {}
    for r, kk, n in zip(rows.tolist(), keys, N.tolist()):
        d = out.setdefault(kk, {})
        d[r] = d.get(r, 0) + n
    return {kk: (np.fromiter(d, np.int64, len(d)), np.fromiter(d.values(), np.int64, len(d))) for kk, d in out.items()}


def failed_class_groups(fabric: Fabric, count: np.ndarray):
    """ECMP ball groups of a fat-tree with failed cables, from the leaf-pair counts ``count`` (never
    per flow): ``[(tier, bins, groups)]`` for the edge uplinks (rows: edge switch, bins: plane),
    edge downlinks, aggregation -> core links (rows: pod, bins: ``plane * h + core``) and core ->
    aggregation links, each ``groups = [(p, rows, balls)]``: ``balls[r]`` flows of row ``rows[r]``
    each pick bin ``x`` with probability ``p[x]`` (one multinomial per row, rows independent).

    A flow from edge ``a`` to edge ``b`` picks one of its live paths uniformly, so its plane (core
    pair) is drawn with the share of its live paths through it. That share depends on ``a`` only by
    its pod and its live uplinks, and on ``b`` by its pod and live downlinks: the edge switches are
    grouped into such classes (one per pod while no cable of it failed), the flows pooled per class
    pair, and the rows' flows pooled again per distinct ``p`` (identical laws: one multinomial). A
    row's counts are then exactly those of its flows; different rows, and the four tiers, are
    sampled independently (as the healthy aggregated sampler: an approximation that ignores that a
    flow's edge and core links are on one path)."""
    h, k, E = fabric.half, fabric.k, fabric.n_leaves
    U, D, U2, D2 = _live(fabric)
    pod = np.arange(E) // h
    weights = 1 << np.arange(h, dtype=np.int64)
    sk, s_of = np.unique(pod * (1 << h) + U.astype(np.int64) @ weights, return_inverse=True)
    dk, d_of = np.unique(pod * (1 << h) + D.astype(np.int64) @ weights, return_inverse=True)
    s_of, d_of = s_of.ravel(), d_of.ravel()
    s_rep = np.zeros(sk.size, np.int64)
    s_rep[s_of[::-1]] = np.arange(E)[::-1]  # an edge switch of each class
    d_rep = np.zeros(dk.size, np.int64)
    d_rep[d_of[::-1]] = np.arange(E)[::-1]
    # live paths per (source class, destination class, plane) and per core pair
    same = pod[s_rep][:, None] == pod[d_rep][None, :]
    ud = U[s_rep][:, None, :] & D[d_rep][None, :, :]  # (S, D, h) planes with both edge cables up
    cores = np.einsum("pij,qij->pqi", U2.astype(np.int64), D2.astype(np.int64))[pod[s_rep]][:, pod[d_rep]]
    W = ud * np.where(same[:, :, None], 1, cores)  # live paths per plane
    # balls: flows from edge a to destination class c, and from source class c to edge b
    def by_class(M, of, n, axis):
        o = np.argsort(of, kind="stable")
        starts = np.searchsorted(of[o], np.arange(n))
        return np.add.reduceat(np.take(M, o, axis=axis), starts, axis=axis)

    Nad = by_class(count, d_of, dk.size, 1)
    Nsb = by_class(count, s_of, sk.size, 0)
    Nsd = by_class(Nad, s_of, sk.size, 0)
    if np.any((Nsd > 0) & (W.sum(axis=2) == 0)):
        s, d = np.argwhere((Nsd > 0) & (W.sum(axis=2) == 0))[0]
        raise FabricInputError("failed", f"edge switches {s_rep[s]} and {d_rep[d]} have no live path")
    P = np.maximum(W.sum(axis=2), 1)
    plane_p = W / P[:, :, None]

    def groups(rows, p, n):
        return [(np.frombuffer(kk, np.float64), r, m) for kk, (r, m) in _pooled(rows, [x.tobytes() for x in p], n).items()]

    a, c = np.nonzero(Nad)  # (edge a, destination class c)
    up = groups(a, plane_p[s_of[a], c], Nad[a, c])
    b, c = np.nonzero(Nsb.T)  # (edge b, source class c)
    down = groups(b, plane_p[c, d_of[b]], Nsb.T[b, c])
    # core tiers: flows between pods, uniform over the live (plane, core) pairs of their class pair
    s, d = np.nonzero((Nsd > 0) & ~same)
    masks = (ud[s, d][:, :, None] & U2[pod[s_rep[s]]] & D2[pod[d_rep[d]]]).reshape(s.size, h * h)
    pm = masks / masks.sum(axis=1, keepdims=True)
    up2 = groups(pod[s_rep[s]], pm, Nsd[s, d])
    down2 = groups(pod[d_rep[d]], pm, Nsd[s, d])
    return [(TIER_UP, h, up), (TIER_DOWN, h, down), (TIER_UP2, h * h, up2), (TIER_DOWN2, h * h, down2)]


def ecmp_mc_failed_aggregated(fabric: Fabric, steps, n_seeds: int, seed: int, qps: int) -> np.ndarray:
    """``(steps, n_seeds)`` max congestion of ECMP on a fat-tree with failed cables, sampled per link
    class (:func:`failed_class_groups`: one multinomial per row and law; rows and tiers independent).
    For the all-at-once all-to-all, whose billions of flows the per-flow sampler cannot list."""
    rng = np.random.default_rng(seed)
    k, h = fabric.k, fabric.half
    per_step = np.zeros((len(steps), n_seeds))
    for t, st in enumerate(steps):
        if st.n_inter == 0:
            continue
        w = st.size / qps
        for tier, bins, groups in failed_class_groups(fabric, st.count * qps):
            cap = fabric.block(tier)
            rows_total = cap.shape[0] if bins == h else k
            cap = cap.reshape(rows_total, bins)
            live = cap > 0
            u = float(cap[live].max()) if live.any() else 0.0
            uniform = bool(np.all(cap[live] == u))  # then max(count) * w / u: no division per link
            chunk = max(1, int(2_000_000 // (rows_total * bins)))
            for r0 in range(0, n_seeds, chunk):
                r1 = min(n_seeds, r0 + chunk)
                cnt = np.zeros((r1 - r0, rows_total, bins), dtype=np.int64)
                for p, rows, n in groups:
                    cnt[:, rows, :] += rng.multinomial(n, p, size=(r1 - r0, rows.size))
                if np.any(cnt[:, ~live] > 0):  # pragma: no cover - the laws put no ball on a failed link
                    raise RuntimeError("ECMP by link class loaded a failed link")
                if uniform:
                    m = cnt.reshape(r1 - r0, -1).max(axis=1) * w / u
                else:
                    m = np.where(live, cnt * w / np.where(live, cap, 1.0), 0.0).reshape(r1 - r0, -1).max(axis=1)
                per_step[t, r0:r1] = np.maximum(per_step[t, r0:r1], m)
    return per_step
