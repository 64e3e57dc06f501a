"""Unequal flow sizes by destination class: the skewed (mixture-of-experts) all-to-all, aggregated.

A skewed all-to-all sends ``pair_bytes * w_j`` from every rank to rank ``j``: all flows into one
destination have one size, so the traffic is a set of *destination classes* (equal flows from every
source leaf into one rank). Two models work on these classes without listing the ``n(n-1)`` flows:

:func:`class_assign`
    Unsplit (or ``k``-split) routing by the class-greedy construction (kernel
    :func:`~netopt.solvers.fabric._kernels.class_greedy`): destinations in decreasing flow size,
    each class's ``cnt`` flows from a source leaf put ``cnt // S`` on every spine (aggregation
    plane) and the remainder one each on the spines where the larger of the two link congestions
    stays smallest; on a fat-tree the inter-pod flows of each plane then go over the cores the same
    way. A heuristic (unsplit routing with unequal sizes is NP-hard); spraying is its lower bound.
    The same classes, in the same order, come from explicit flows (grouped by destination host,
    size and source leaf), so the enumerated and the implicit all-to-all give identical routings.
:func:`ecmp_mc_skewed`
    ECMP Monte Carlo per link class *and weight class*: the flows hashing over one group of links
    (a leaf's / edge's uplinks or downlinks, a pod's aggregation-core links) fall into classes of
    equal size; each class is one uniform multinomial, the group's loads their weighted sum. Groups
    that cannot exceed the deterministic lower bound of the maximum (a Bernstein bound below
    ``1e-12``, summed over the dropped groups: reported) are not sampled; when the work is still
    large the weights are rounded to a relative grid of ``2^-8`` (every sampled load then lies
    within +-0.4 % of the exact one, reported). Tiers are sampled independently (as the uniform
    aggregated sampler).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import _kernels
from .collectives import Collective
from .errors import FabricInputError, UnsupportedInstanceError
from .results import StepLoads
from .topology import TIER_DOWN, TIER_DOWN2, TIER_UP, TIER_UP2, Fabric
from .traffic import same_server_pairs

__all__ = ["ClassAssignment", "class_assign", "class_paths", "ecmp_mc_skewed", "skew_groups", "SKEW_MC_WORK",
           "is_implicit_skew", "network_flows"]

#: largest number of binomial draws (seeds x classes x links of the sampled groups) of the skewed
#: ECMP sampler before the weights are rounded, and after which it refuses (about 5-10 s)
SKEW_MC_WORK = 1.5e8
#: relative grid of the rounded weights
ROUND_EPS = 2.0 ** -8
#: a dropped group exceeds the lower bound of the maximum with probability below this (in total)
PRUNE_TAIL = 1e-12


def is_implicit_skew(coll: Collective, t: int) -> bool:
    """Step ``t`` is the implicit skewed all-to-all and nothing else."""
    return t == 0 and coll.pair_weight is not None and not np.any(coll.step == 0)


def network_flows(fabric: Fabric, coll: Collective, t: int):
    """``(hs, hd, size)`` host arrays of step ``t``'s flows that use the network (NVLink pairs of a
    rail-optimised fabric dropped)."""
    s, d, z = coll.step_flows(t)
    hs, hd = coll.placement[s], coll.placement[d]
    if fabric.rails > 1:
        net = fabric.server_of(hs) != fabric.server_of(hd)
        hs, hd, z = hs[net], hd[net], z[net]
    return hs, hd, z


# ---------------------------------------------------------------------------- class-greedy routing
@dataclass
class ClassAssignment:
    """Routing of one step by :func:`class_assign`: destination classes ``(dest_host, dest_size)``
    in processing order, remainder colours ``rec1`` rows ``(d, source leaf, colour)`` and on a
    fat-tree ``rec2`` rows ``(d, pod, plane, core)``; ``units`` subflows per flow."""

    dest_host: np.ndarray
    dest_size: np.ndarray
    rec1: np.ndarray
    rec2: np.ndarray
    n_colours: int
    units: int
    fat: bool


def _classes(fabric: Fabric, coll: Collective, t: int):
    """Kernel input for step ``t``: ``(D, dest_leaf, dest_w, ptr, ent_a, ent_c, implicit, n_leaf,
    pptr, pleaf, dest_host)``."""
    H, L = fabric.hosts_per_leaf, fabric.n_leaves
    e = np.zeros(0, dtype=np.int64)
    if is_implicit_skew(coll, t):
        w = coll.pair_bytes * coll.pair_weight
        hp = coll.placement
        rj = np.flatnonzero(coll.pair_weight > 0)
        order = rj[np.lexsort((hp[rj], -w[rj]))]
        n_leaf = np.bincount(hp // H, minlength=L).astype(np.int64)
        I, J = same_server_pairs(fabric, hp)
        pos = np.full(coll.n_ranks, -1, dtype=np.int64)
        pos[order] = np.arange(order.size)
        keep = pos[J] >= 0
        pd, pl = pos[J][keep], (hp[I] // H)[keep]
        o = np.lexsort((pl, pd))  # partner leaves ascending within each destination
        pptr = np.concatenate([[0], np.cumsum(np.bincount(pd, minlength=order.size))]).astype(np.int64)
        return (order.size, hp[order] // H, w[order], e, e, e, True, n_leaf, pptr, pl[o].astype(np.int64),
                hp[order])
    hs, hd, z = network_flows(fabric, coll, t)
    la, lb = hs // H, hd // H
    inter = la != lb
    la, hd, z = la[inter], hd[inter], z[inter]
    if la.size == 0:
        return (0, e, np.zeros(0), np.zeros(1, np.int64), e, e, False, e, np.zeros(1, np.int64), e, e)
    order = np.lexsort((la, hd, -z))
    la, hd, z = la[order], hd[order], z[order]
    new_d = np.concatenate([[True], (hd[1:] != hd[:-1]) | (z[1:] != z[:-1])])
    new_e = new_d | np.concatenate([[True], la[1:] != la[:-1]])
    starts = np.flatnonzero(new_e)
    ent_c = np.diff(np.concatenate([starts, [la.size]])).astype(np.int64)
    ent_a = la[starts]
    d_of_entry = np.cumsum(new_d)[starts] - 1
    D = int(new_d.sum())
    ptr = np.concatenate([[0], np.cumsum(np.bincount(d_of_entry, minlength=D))]).astype(np.int64)
    ds = np.flatnonzero(new_d)
    return (D, hd[ds] // H, z[ds], ptr, ent_a, ent_c, False, e, np.zeros(1, np.int64), e, hd[ds])


def _require_healthy(fabric: Fabric):
    if not fabric.healthy:
        raise UnsupportedInstanceError("the class-greedy routing needs a healthy fabric (no failed links)")


def class_assign(fabric: Fabric, coll: Collective, t: int, k: int = 1, record: bool = False):
    """Loads (bytes, :class:`StepLoads`) of the class-greedy routing of step ``t`` with every flow cut
    into ``k`` equal subflows, and with ``record`` the :class:`ClassAssignment` (for the completion
    time); see the module docstring."""
    _require_healthy(fabric)
    D, dest_leaf, dest_w, ptr, ent_a, ent_c, implicit, n_leaf, pptr, pleaf, dest_host = _classes(fabric, coll, t)
    fat = fabric.kind == "fat-tree"
    S, h = fabric.n_spines, fabric.half
    cu, cd, cu2, cd2 = fabric.kernel_caps()
    up, down, up2, down2, rec1, n1, rec2, n2 = _kernels.class_greedy(
        int(D), np.ascontiguousarray(dest_leaf, dtype=np.int64), np.ascontiguousarray(dest_w, dtype=np.float64),
        ptr, np.ascontiguousarray(ent_a, dtype=np.int64), ent_c, bool(implicit), n_leaf, pptr, pleaf, int(k),
        int(S), int(h if fat else 1), fat, cu, cd, cu2, cd2, bool(record))
    loads = StepLoads(up, down, up2 if fat else None, down2 if fat else None)
    if not record:
        return loads, None
    return loads, ClassAssignment(np.asarray(dest_host, np.int64), np.asarray(dest_w, np.float64),
                                  rec1[:n1].copy(), rec2[:n2].copy(), int(S), int(k), fat)


def _rank_in_group(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows already sorted by ``keys`` (2-D, lexicographic): position of each row within its
    group of equal keys, and the group's size."""
    n = keys.shape[0]
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    new = np.concatenate([[True], np.any(keys[1:] != keys[:-1], axis=1)])
    gid = np.cumsum(new) - 1
    starts = np.flatnonzero(new)
    sizes = np.diff(np.concatenate([starts, [n]]))
    return np.arange(n) - starts[gid], sizes[gid]


def inter_leaf_flows(fabric: Fabric, hs, hd, z):
    """Subflow arrays as integer arrays, their leaves ``la``, ``lb``, zeroed outputs ``i_out``,
    ``j_out`` (path per subflow; flows within one leaf keep ``(0, 0)``) and the indices ``inter`` of
    the subflows between leaves: what :func:`class_paths` and
    :func:`~netopt.solvers.fabric.failures.assignment_paths` start from."""
    H = fabric.hosts_per_leaf
    hs, hd, z = (np.asarray(x) for x in (hs, hd, z))
    la, lb = hs // H, hd // H
    return hs, hd, z, la, lb, np.zeros(hs.size, dtype=np.int64), np.zeros(hs.size, dtype=np.int64), \
        np.flatnonzero(la != lb)


def _ranked_colours(keys: np.ndarray, n_colours: int, rec_keys: np.ndarray, rec_col: np.ndarray) -> np.ndarray:
    """Colour of every row of ``keys`` (sorted, 2-D: one group per key) under a routing that puts
    ``cnt // n_colours`` of a group's ``cnt`` flows on every colour (the ``t``-th on colour ``t %
    n_colours``) and the rest on the group's remainder colours recorded as ``(rec_keys, rec_col)``."""
    t, cnt = _rank_in_group(keys)
    base = cnt // n_colours
    col = np.empty(keys.shape[0], dtype=np.int64)
    in_base = t < base * n_colours
    col[in_base] = t[in_base] % n_colours
    ex = ~in_base
    col[ex] = _extra_colour(rec_keys, rec_col, keys[ex], t[ex] - base[ex] * n_colours)
    return col


def _extra_colour(rec_keys: np.ndarray, rec_col: np.ndarray, keys: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The ``j``-th remainder colour (ascending) of the group ``keys`` (rows) in the records."""
    if keys.shape[0] == 0:
        return np.zeros(0, np.int64)
    allk = np.concatenate([rec_keys, keys])
    _, inv = np.unique(allk, axis=0, return_inverse=True)
    inv = inv.ravel()
    rk, fk = inv[: rec_keys.shape[0]], inv[rec_keys.shape[0]:]
    o = np.lexsort((rec_col, rk))
    rk, rc = rk[o], rec_col[o]
    pos = np.searchsorted(rk, fk, side="left") + j
    if pos.size and (pos.max() >= rk.size or np.any(rk[pos] != fk)):
        raise FabricInputError("assignment", "flows do not match the class assignment's counts")
    return rc[pos]


def class_paths(assign: ClassAssignment, fabric: Fabric, hs, hd, z):
    """Colour (spine / aggregation plane) and core index of every subflow ``(hs, hd)`` of original
    flow size ``z`` (``units`` consecutive copies per flow), following ``assign``. Flows within one
    leaf get 0, 0."""
    h = fabric.half
    hs, hd, z, la, lb, i_out, j_out, inter = inter_leaf_flows(fabric, hs, hd, z)
    if inter.size == 0:
        return i_out, j_out
    # destination class of every subflow
    sizes = np.unique(np.concatenate([assign.dest_size, z[inter]]))
    dkey = assign.dest_host * sizes.size + np.searchsorted(sizes, assign.dest_size)
    fkey = hd[inter] * sizes.size + np.searchsorted(sizes, z[inter])
    o = np.argsort(dkey)
    p = np.searchsorted(dkey[o], fkey)
    if np.any(p >= dkey.size) or np.any(dkey[o][np.minimum(p, dkey.size - 1)] != fkey):
        raise FabricInputError("assignment", "a flow has no destination class in the assignment")
    d = o[p]
    a = la[inter]
    order = np.lexsort((np.arange(inter.size), hs[inter], a, d))
    col = _ranked_colours(np.stack([d[order], a[order]], axis=1), assign.n_colours, assign.rec1[:, :2],
                          assign.rec1[:, 2])
    ci = np.empty(inter.size, dtype=np.int64)
    ci[order] = col
    i_out[inter] = ci
    if assign.fat:
        pods = (a // h) != (lb[inter] // h)
        sel = np.flatnonzero(pods)
        if sel.size:
            dd, pp, ii = d[sel], a[sel] // h, ci[sel]
            o2 = np.lexsort((np.arange(sel.size), hs[inter][sel], ii, pp, dd))
            core = _ranked_colours(np.stack([dd[o2], pp[o2], ii[o2]], axis=1), h, assign.rec2[:, :3],
                                   assign.rec2[:, 3])
            cj = np.empty(sel.size, dtype=np.int64)
            cj[o2] = core
            jj = np.zeros(inter.size, dtype=np.int64)
            jj[sel] = cj
            j_out[inter] = jj
    return i_out, j_out


# ---------------------------------------------------------------------------- completion-time bounds
def _host_fair_share(fabric: Fabric, coll: Collective):
    """The implicit skewed all-to-all's host-link term of the fair-share upper bound, ``max_l s_l W_l
    / cap_l`` over host links (``W_l``: network flows out of / into the rank, NVLink pairs of a
    rail-optimised fabric dropped; ``s_l``: the largest flow, or the receiver's own), the largest
    flow and the receivers: ``(upper, smax, recv)``."""
    n_out, n_in, recv = _host_counts(fabric, coll)
    sig = coll.pair_bytes * coll.pair_weight
    smax = float(sig.max())
    hp = coll.placement
    upper = max(float(np.max(smax * n_out / fabric.host_up_capacity[hp])),
                float(np.max(sig * n_in / fabric.host_down_capacity[hp])))
    return upper, smax, recv


def _host_counts(fabric: Fabric, coll: Collective):
    """Network flows out of and into every rank of the implicit skewed all-to-all (NVLink pairs of
    a rail-optimised fabric dropped), and the receivers: ``(n_out, n_in, recv)``."""
    recv = coll.pair_weight > 0
    I, J = same_server_pairs(fabric, coll.placement)
    n_out = int(recv.sum()) - recv - np.bincount(I, weights=recv[J], minlength=coll.n_ranks)
    n_in = np.where(recv, coll.n_ranks - 1 - np.bincount(J, minlength=coll.n_ranks), 0)
    return n_out, n_in, recv


def _class_greedy_counts(fabric: Fabric, coll: Collective, recv: np.ndarray, units: int) -> float:
    """Upper bound of ``max_l W_l / cap_l`` over switch links of the class-greedy routing
    (:func:`class_assign`) of the implicit skewed all-to-all, ``W_l`` its subflows on link ``l``: a
    class of ``cnt <= n_leaf[a] * units`` subflows puts at most ``ceil(cnt / S)`` on each colour, and
    on a fat-tree at most ``ceil(x / h)`` of the ``x <= sum over its pod's edges of those`` on each
    core. Closed form per leaf / pod, no flow or class listed."""
    H, L = fabric.hosts_per_leaf, fabric.n_leaves
    lp = coll.placement // H
    n_leaf = np.bincount(lp, minlength=L)
    r_leaf = np.bincount(lp[recv], minlength=L)
    R = int(recv.sum())
    S = fabric.n_spines if fabric.kind == "leaf-spine" else fabric.half
    c1 = -(-(n_leaf * units) // S)
    out = [((R - r_leaf) * c1, fabric.block(TIER_UP)), (r_leaf * (c1.sum() - c1), fabric.block(TIER_DOWN))]
    if fabric.kind == "fat-tree":
        h, k = fabric.half, fabric.k
        c2 = -(-c1.reshape(k, h).sum(axis=1) // h)
        r_pod = r_leaf.reshape(k, h).sum(axis=1)
        out += [(np.repeat((R - r_pod) * c2, h), fabric.block(TIER_UP2)),
                (np.repeat(r_pod * (c2.sum() - c2), h), fabric.block(TIER_DOWN2))]
    return max(float(np.max(w / cap.min(axis=1))) for w, cap in out)


# ---------------------------------------------------------------------------- ECMP per weight class
@dataclass
class SkewTier:
    """One ECMP tier of the skewed all-to-all: ``P`` links per group, ``cap`` (groups x P), and per
    group the flow count, bytes, sum of squared bytes and largest flow."""

    name: str
    up: bool  # groups keyed by the source's (True) or the destination's (False) leaf / pod
    key: np.ndarray  # group of every rank
    n_groups: int
    P: int
    cap: np.ndarray
    balls: np.ndarray
    total: np.ndarray
    sumsq: np.ndarray
    wmax: np.ndarray


def _tier(name, up, key, G, cap, w, recv, I, J):
    """Per-group totals of one tier (see :class:`SkewTier`) from the rank keys, weights (bytes per
    flow into each rank) and the same-server pairs ``(I, J)`` (NVLink: no flow)."""
    n = key.size
    n_g = np.bincount(key, minlength=G).astype(np.float64)
    rr = recv.astype(np.float64)
    stats = []
    for x in (rr, w, w * w):
        X_g = np.bincount(key, weights=x, minlength=G)
        if up:
            v = n_g * (x.sum() - X_g)
        else:
            v = X_g * (n - n_g)
        if I.size:
            cross = key[I] != key[J]
            v -= np.bincount(key[I][cross] if up else key[J][cross], weights=x[J][cross], minlength=G)
        stats.append(v)
    balls, total, sumsq = stats
    if up:
        wm = np.full(G, float(w.max()))
    else:
        wm = np.zeros(G)
        np.maximum.at(wm, key, w)
    P = cap.shape[1]
    return SkewTier(name, up, key, G, P, cap, np.rint(balls).astype(np.int64), total, sumsq, wm)


def skew_groups(fabric: Fabric, coll: Collective, qps: int = 1) -> list[SkewTier]:
    """The ECMP tiers of the implicit skewed all-to-all (flow counts, bytes per group), each flow cut
    into ``qps`` queue pairs."""
    if not fabric.healthy:
        raise UnsupportedInstanceError("the skewed all-to-all's ECMP sampler needs a healthy fabric")
    H = fabric.hosts_per_leaf
    hp = coll.placement
    w = coll.pair_bytes * coll.pair_weight / qps
    recv = (coll.pair_weight > 0) * float(qps)
    I, J = same_server_pairs(fabric, hp)
    leaf = hp // H
    L = fabric.n_leaves
    tiers = [_tier("up", True, leaf, L, fabric.block(TIER_UP), w, recv, I, J),
             _tier("down", False, leaf, L, fabric.block(TIER_DOWN), w, recv, I, J)]
    if fabric.kind == "fat-tree":
        h, k = fabric.half, fabric.k
        pod = leaf // h
        tiers += [_tier("up2", True, pod, k, fabric.block(TIER_UP2).reshape(k, h * h), w, recv, I, J),
                  _tier("down2", False, pod, k, fabric.block(TIER_DOWN2).reshape(k, h * h), w, recv, I, J)]
    return tiers


def _group_classes(tier: SkewTier, g: int, w: np.ndarray, recv: np.ndarray, I: np.ndarray, J: np.ndarray, n: int,
                   qps: int):
    """``(weights, counts)`` of the flows of group ``g`` by destination rank (before merging)."""
    key = tier.key
    if tier.up:
        dest = np.flatnonzero((key != g) & recv)
        n_g = int(np.sum(key == g))
        c = np.full(dest.size, n_g, dtype=np.int64)
        if I.size:  # sources in g on the destination's server
            sel = (key[I] == g) & (key[J] != g) & recv[J]
            if sel.any():
                pos = np.searchsorted(dest, J[sel])
                np.subtract.at(c, pos, 1)
    else:
        dest = np.flatnonzero((key == g) & recv)
        c = np.full(dest.size, n - int(np.sum(key == g)), dtype=np.int64)
        if I.size:
            sel = (key[J] == g) & (key[I] != g) & recv[J]
            if sel.any():
                pos = np.searchsorted(dest, J[sel])
                np.subtract.at(c, pos, 1)
    return w[dest], c * qps


def _merge(wv: np.ndarray, cv: np.ndarray, eps: float):
    keep = cv > 0
    wv, cv = wv[keep], cv[keep]
    if eps > 0:
        step = math.log1p(2 * eps)
        wv = np.exp(np.round(np.log(wv) / step) * step)
    u, inv = np.unique(wv, return_inverse=True)
    return u, np.bincount(inv.ravel(), weights=cv, minlength=u.size).astype(np.int64)


def ecmp_mc_skewed(fabric: Fabric, coll: Collective, n_seeds: int, seed: int, qps: int = 1) -> tuple[np.ndarray, dict]:
    """``(samples, info)``: max congestion of ``n_seeds`` ECMP samples of the implicit skewed
    all-to-all, per link class and weight class (module docstring); ``info`` says how many groups
    were sampled / dropped (``pruned``, with ``pruned_tail`` the summed probability bound that a
    dropped group mattered) and whether the weights were rounded (``weights``)."""
    tiers = skew_groups(fabric, coll, qps)
    n = coll.n_ranks
    w = coll.pair_bytes * coll.pair_weight / qps
    recv = coll.pair_weight > 0
    I, J = same_server_pairs(fabric, coll.placement)
    # deterministic lower bound of every sample's maximum: a group's busiest link carries at least
    # its bytes over its capacity
    M0 = 0.0
    for tr in tiers:
        csum = tr.cap.sum(axis=1)
        live = csum > 0
        if np.any(live):
            M0 = max(M0, float(np.max(tr.total[live] / csum[live])))
    n_groups = sum(tr.n_groups for tr in tiers)
    keep_lists = []
    tail = 0.0
    n_pruned = 0
    for tr in tiers:
        P = tr.P
        cmin = tr.cap.min(axis=1)
        mu = tr.total / P
        var = tr.sumsq * (1.0 / P) * (1.0 - 1.0 / P)
        tt = M0 * cmin - mu
        with np.errstate(divide="ignore", invalid="ignore"):
            expo = -(tt * tt) / (2.0 * (var + tr.wmax * tt / 3.0))
            bound = np.where(tt > 0, np.minimum(1.0, P * np.exp(expo)), 1.0)
        bound[tr.balls <= 0] = 0.0
        drop = bound < PRUNE_TAIL / max(n_groups, 1)
        drop &= tr.balls > 0
        tail += float(bound[drop].sum())
        n_pruned += int(drop.sum())
        keep_lists.append(np.flatnonzero((~drop) & (tr.balls > 0)))
    # rounding: decided from an upper estimate of the classes before any group is listed
    wr = w[recv]

    def n_classes(eps):
        if eps == 0:
            return np.unique(wr).size
        step = math.log1p(2 * eps)
        return np.unique(np.round(np.log(wr) / step)).size

    def estimate(C):
        work = 0.0
        for tr, keep in zip(tiers, keep_lists):
            if tr.up:
                work += keep.size * min(C, int(recv.sum())) * tr.P
            else:
                per = np.bincount(tr.key[recv], minlength=tr.n_groups)[keep]
                work += float(np.minimum(per, C).sum()) * tr.P
        return work * n_seeds

    eps = 0.0
    work = estimate(n_classes(0.0))
    if work > SKEW_MC_WORK:
        eps = ROUND_EPS
        work = estimate(n_classes(eps))
    if work > SKEW_MC_WORK:
        raise UnsupportedInstanceError(
            f"the skewed all-to-all's ECMP sampler would need about {work:.3g} binomial draws (> {SKEW_MC_WORK:.3g}) "
            f"even with rounded weights (the loads are too even for groups to be pruned); use fewer --seeds")
    groups = []
    for tr, keep in zip(tiers, keep_lists):
        for g in keep.tolist():
            wv, cv = _group_classes(tr, g, w, recv, I, J, n, qps)
            u, c = _merge(wv, cv, eps)
            groups.append((tr, g, u, c))
    rng = np.random.default_rng(seed)
    samples = np.full(n_seeds, M0)
    for tr, g, u, c in groups:
        P = tr.P
        pv = np.full(P, 1.0 / P)
        inv_cap = 1.0 / tr.cap[g]
        chunk = max(1, int(4_000_000 // max(u.size * P, 1)))
        for r0 in range(0, n_seeds, chunk):
            r1 = min(n_seeds, r0 + chunk)
            cnt = rng.multinomial(c, pv, size=(r1 - r0, u.size))
            loads = np.einsum("rcp,c->rp", cnt, u)
            samples[r0:r1] = np.maximum(samples[r0:r1], (loads * inv_cap).max(axis=1))
    info = {"sampled_groups": len(groups), "pruned": n_pruned, "pruned_tail": tail,
            "weights": "exact" if eps == 0 else f"rounded to a relative grid of {eps:.3g} (each load within "
                                                 f"+-{100 * eps:.2f} %)",
            "lower_bound": M0}
    return samples, info
