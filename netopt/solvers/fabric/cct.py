"""Flow-level collective completion time (CCT) under max-min fair sharing.

Every step starts when the previous one has finished (a barrier); within a step all (sub)flows
start together and share links max-min fairly, with rates recomputed whenever a flow completes
(progressive filling, :func:`netopt.solvers.fabric._kernels.maxmin_completion`). Host NIC links
are included. A step's duration times its repeat count, summed over steps, is the CCT in seconds.

A step whose (sub)flows all have one size needs no simulation: it lasts exactly its routing's
largest link congestion (:func:`equal_flows_theorem`), so such steps are never run through the
kernel, and a model that knows its congestion needs no flow listed at all
(:func:`bottleneck_step_time`). Unequal flows (the skewed all-to-all, trees) use the kernel, or
the fair-share bounds where they meet.

Routing per model, leaf-spine:

``spray``      each flow occupies every live spine path with weight ``1/P`` (fluid spraying);
``ecmp``       each of ``qps`` queue pairs (``size/qps`` bytes) on one uniformly random live spine;
``singlepath`` the equitable-colouring assignment (one spine per flow);
``split``      ``k`` subflows of ``size/k`` bytes on the spines of the minimal-split assignment.

3-tier fat-tree, a path is (aggregation ``i``, core ``j``); with failed cables every model uses the
live paths only (spraying: ``1/P`` of the flow on each of its ``P`` live paths, link by link; ECMP:
a uniformly random live path; singlepath / split: the greedy routing of
:mod:`~netopt.solvers.fabric.failures`). Healthy:

``spray``      a flow puts ``1/h`` of its rate on each of the ``h = k/2`` uplinks of its edge switch
               (and downlinks of the destination's), and between pods ``1/h^2`` on each of the
               ``h^2`` aggregation-core links of the source and destination pods. All links of such
               a group carry the same load, so the group is one constraint with capacity
               ``h * min`` (``h^2 * min``) of its links: the max-min allocation is computed on
               these aggregated links, which is exact;
``ecmp``       each queue pair on a uniformly random ``i`` (within a pod) or ``(i, j)`` (between pods);
``singlepath`` / ``split``  the two-stage equitable colouring (edge -> aggregation, then per
               aggregation plane pod -> core) of :func:`~netopt.solvers.fabric.models.singlepath`
               and :func:`~netopt.solvers.fabric.models.min_split`.

On fat-trees the ``qps`` / ``k`` identical subflows of a flow that stays within its edge switch are
one class (weight ``qps`` / ``k`` on its links; exact, since max-min fairness gives identical
subflows identical rates), so a leaf-major ring's minimal split (k = 32 at 65,536 GPUs) builds
130,000 rows instead of 2.1 million. The model materialises the other (sub)flows, so it is meant
for up to a few hundred thousand rows per step (``max_flows``); larger problems return ``None``.
"""

from __future__ import annotations

import numpy as np

from ..._limits import check_dense
from . import _kernels
from .collectives import Collective
from .errors import FabricInputError, UnsupportedInstanceError
from .topology import TIER_DOWN, TIER_DOWN2, TIER_UP, TIER_UP2, Fabric

__all__ = ["step_completion_time", "completion_time", "completion_time_detail", "bottleneck_step_time", "flow_links",
           "fattree_flow_links", "equal_flows_time", "equal_flows_theorem", "fair_share_bounds", "host_bound",
           "threshold_upper_bound", "threshold_theorem"]


def flow_links(fabric: Fabric, hs, hd, spine, size, spray_mask=None):
    """CSR ``(indptr, links, coef)`` of (sub)flows from host ``hs`` to host ``hd``.

    ``spine[f]`` is the spine of an inter-leaf subflow (ignored for intra-leaf ones); when
    ``spray_mask`` (``F x S`` bool) is given, flow ``f`` is instead sprayed evenly over the spines
    marked in its row.
    """
    N, S, H = fabric.n_hosts, fabric.n_spines, fabric.hosts_per_leaf
    hs = np.asarray(hs, np.int64)
    hd = np.asarray(hd, np.int64)
    la, lb = hs // H, hd // H
    inter = la != lb
    F = hs.size
    if spray_mask is None:
        per = np.where(inter, 4, 2)
    else:
        P = spray_mask.sum(axis=1)
        if np.any(inter & (P == 0)):
            raise FabricInputError("failed", "a flow has no live spine")
        per = np.where(inter, 2 + 2 * P, 2)
    indptr = np.concatenate([[0], np.cumsum(per)]).astype(np.int64)
    links = np.empty(indptr[-1], dtype=np.int64)
    coef = np.ones(indptr[-1])
    links[indptr[:-1]] = hs
    links[indptr[:-1] + 1] = N + hd
    fi = np.flatnonzero(inter)
    if spray_mask is None:
        sp = np.asarray(spine, np.int64)[fi]
        links[indptr[fi] + 2] = fabric.off_up + la[fi] * S + sp
        links[indptr[fi] + 3] = fabric.off_down + lb[fi] * S + sp
    else:
        rows, cols = np.nonzero(spray_mask[fi])
        f = fi[rows]
        order_in_flow = np.arange(rows.size) - np.searchsorted(rows, rows, side="left")
        Pf = P[f]
        base = indptr[f] + 2
        links[base + order_in_flow] = fabric.off_up + la[f] * S + cols
        links[base + Pf + order_in_flow] = fabric.off_down + lb[f] * S + cols
        coef[base + order_in_flow] = 1.0 / Pf
        coef[base + Pf + order_in_flow] = 1.0 / Pf
    return indptr, links, coef, np.asarray(size, np.float64)


def fattree_flow_links(fabric: Fabric, hs, hd, agg=None, core=None, size=None, weight=None):
    """CSR ``(indptr, links, coef, size, cap)`` of fat-tree (sub)flows from host ``hs`` to ``hd``.

    With ``agg``/``core`` given, flow ``f`` follows the single path through aggregation index
    ``agg[f]`` (between edge switches) and core index ``core[f]`` (between pods); the links are
    the fabric's own ids and ``cap`` is ``fabric.capacity``. Without them the flows are sprayed:
    four aggregated links are appended to ``cap`` per edge switch / pod (see the module docstring):
    ``n_links + e`` (uplinks of edge ``e``), ``n_links + E + e`` (its downlinks),
    ``n_links + 2E + p`` (aggregation -> core links of pod ``p``), ``n_links + 2E + k + p`` (core ->
    aggregation links of pod ``p``). ``weight[f]`` (default 1) multiplies flow ``f``'s coefficient on
    every link: a class of ``weight`` identical flows.
    """
    N, h, k, E = fabric.n_hosts, fabric.half, fabric.k, fabric.n_leaves
    hs = np.asarray(hs, np.int64)
    hd = np.asarray(hd, np.int64)
    e, f = hs // h, hd // h
    pe, pf = e // h, f // h
    F = hs.size
    table = np.full((F, 6), -1, dtype=np.int64)
    table[:, 0] = hs
    table[:, 5] = N + hd
    ie = e != f
    ip = pe != pf
    cap = fabric.kernel_capacity()
    if agg is None:
        nL = fabric.n_links
        up, dn = fabric.block(TIER_UP), fabric.block(TIER_DOWN)
        up2 = fabric.block(TIER_UP2).reshape(k, h * h)
        dn2 = fabric.block(TIER_DOWN2).reshape(k, h * h)
        cap = np.concatenate([cap, h * up.min(axis=1), h * dn.min(axis=1), h * h * up2.min(axis=1),
                              h * h * dn2.min(axis=1)])
        table[ie, 1] = nL + e[ie]
        table[ie, 4] = nL + E + f[ie]
        table[ip, 2] = nL + 2 * E + pe[ip]
        table[ip, 3] = nL + 2 * E + k + pf[ip]
    else:
        i = np.asarray(agg, np.int64)
        j = np.asarray(core, np.int64)
        table[ie, 1] = fabric.off_up + e[ie] * h + i[ie]
        table[ie, 4] = fabric.off_down + f[ie] * h + i[ie]
        table[ip, 2] = fabric.off_up2 + (pe[ip] * h + i[ip]) * h + j[ip]
        table[ip, 3] = fabric.off_down2 + (pf[ip] * h + i[ip]) * h + j[ip]
    used = table >= 0
    indptr = np.concatenate([[0], np.cumsum(used.sum(axis=1))]).astype(np.int64)
    links = np.ascontiguousarray(table[used])
    z = np.ones(F) if size is None else np.asarray(size, np.float64)
    coef = np.ones(links.size) if weight is None else np.repeat(np.asarray(weight, np.float64), np.diff(indptr))
    return indptr, links, coef, z, cap


def _fattree_paths(assignment, hs, hd, h):
    """Aggregation and core index of every (sub)flow from the two-stage colouring ``(a1, stage2)``."""
    a1, stage2 = assignment
    e, f = hs // h, hd // h
    pe, pf = e // h, f // h
    ie = e != f
    i = np.zeros(hs.size, dtype=np.int64)
    j = np.zeros(hs.size, dtype=np.int64)
    i[ie] = a1.flow_colours(e[ie], f[ie])
    ip = pe != pf
    for c in range(h):
        sel = ip & (i == c)
        if sel.any():
            j[sel] = stage2[c].flow_colours(pe[sel], pf[sel])
    return i, j


def _fattree_spray_failed(fabric, hs, hd, z):
    """CSR rows of flows sprayed evenly over their live paths on a fat-tree with failed cables: each
    path ``(i, j)`` carries ``1/P`` of the flow, so link ``(e, i)`` gets the share of the paths through
    plane ``i`` and a core link ``1/P`` per live path through it.

    Listed per flow that would be ``(k/2)^2`` core links per flow between pods (a 65,536-GPU step: 10^8
    entries). Links whose (edge pair, coefficient) lists are identical carry identical loads in every
    max-min state (the same flows, the same coefficients), so they are one constraint: each such class
    keeps one representative with the class's smallest capacity (the others can never saturate first),
    and every flow lists the few classes of its edge pair. Exact; the classes are found by a hash of
    the lists and then checked entry by entry. Returns ``(indptr, links, coef, size, cap)``."""
    from .failures import live_path_table

    h, N, E = fabric.half, fabric.n_hosts, fabric.n_leaves
    e, f = hs // h, hd // h
    key = e * E + f
    uk, inv = np.unique(key, return_inverse=True)
    inv = inv.ravel()
    ue, uf = uk // E, uk % E
    inter = np.flatnonzero(ue != uf)  # pair ids with fabric links
    ptr, pi, pj = live_path_table(fabric, ue[inter], uf[inter])
    P = np.diff(ptr)
    if np.any(P == 0):
        r = int(np.flatnonzero(P == 0)[0])
        raise FabricInputError("failed", f"edge switches {ue[inter][r]} and {uf[inter][r]} have no live path")
    path_pair = np.repeat(inter, P)  # pair id of every live path
    Pp = np.repeat(P, P).astype(np.float64)
    # edge tier: one entry per (pair, plane), coefficient = the plane's share of the pair's paths
    pk = path_pair * h + pi  # ascending: pairs in order, planes ascending within a pair
    brk = np.flatnonzero(np.diff(pk)) + 1
    starts = np.concatenate([[0], brk]).astype(np.int64)
    cnt = np.diff(np.concatenate([starts, [pk.size]]))
    pk = pk[starts] if pk.size else pk
    pq, plane = pk // h, pk % h
    share = cnt / np.repeat(P, np.bincount(np.searchsorted(inter, pq), minlength=inter.size))
    ent_pair = [pq, pq]
    ent_link = [fabric.off_up + ue[pq] * h + plane, fabric.off_down + uf[pq] * h + plane]
    ent_coef = [share, share]
    # core tiers: between pods, 1/P on each live path's two core links
    x = (ue[path_pair] // h) != (uf[path_pair] // h)
    q, i, j = path_pair[x], pi[x], pj[x]
    ent_pair += [q, q]
    ent_link += [fabric.off_up2 + ((ue[q] // h) * h + i) * h + j, fabric.off_down2 + ((uf[q] // h) * h + i) * h + j]
    ent_coef += [1.0 / Pp[x], 1.0 / Pp[x]]
    ep, el, ec = np.concatenate(ent_pair), np.concatenate(ent_link), np.concatenate(ent_coef)
    # classes of links with identical (pair, coefficient) lists; a counting sort by link keeps each
    # link's entries in pair order (every tier block above is in pair order)
    lptr, o = _kernels._csr_group(el, fabric.n_links)
    ep, el, ec = ep[o], el[o], ec[o]
    llen_all = np.diff(lptr)
    ul = np.flatnonzero(llen_all)
    lstart, llen = lptr[ul], llen_all[ul]
    rnd = np.random.default_rng(0x5EED).integers(1, 2**63, size=uk.size, dtype=np.int64).view(np.uint64)
    mix = rnd[ep] * (ec.view(np.uint64) | np.uint64(1))
    hsh = np.add.reduceat(mix, lstart) if ul.size else np.zeros(0, np.uint64)
    hsh = hsh ^ (llen.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))  # the list length too
    _, grp = np.unique(hsh, return_inverse=True)
    grp = grp.ravel()
    first = np.full(grp.max() + 1 if grp.size else 0, -1, dtype=np.int64)
    first[grp[::-1]] = np.arange(ul.size)[::-1]  # first link (in id order) of each candidate class
    rep = first[grp]
    # check every member against its representative entry by entry (a hash collision keeps its own class)
    off = np.arange(ep.size) - np.repeat(lstart, llen)
    src = np.repeat(lstart[rep], llen) + off
    same = (ep == ep[src]) & (ec == ec[src])
    ok = np.logical_and.reduceat(same, lstart) if ul.size else np.zeros(0, bool)
    rep = np.where(ok, rep, np.arange(ul.size))
    cap = fabric.kernel_capacity().copy()
    cmin = np.full(ul.size, np.inf)
    np.minimum.at(cmin, rep, cap[ul])
    keep_link = rep == np.arange(ul.size)
    cap[ul[keep_link]] = cmin[keep_link]
    kept = np.repeat(keep_link, llen)
    ep, el, ec = ep[kept], el[kept], ec[kept]
    pptr, o = _kernels._csr_group(ep, uk.size)
    ep, el, ec = ep[o], el[o], ec[o]
    n_ent = np.diff(pptr)
    pstart = pptr[:-1]
    per = n_ent[inv]
    indptr = np.concatenate([[0], np.cumsum(per + 2)]).astype(np.int64)
    links = np.empty(indptr[-1], dtype=np.int64)
    coef = np.ones(indptr[-1])
    links[indptr[:-1]] = hs
    links[indptr[:-1] + 1] = N + hd
    fl = np.repeat(np.arange(hs.size), per)
    k = np.arange(fl.size) - np.repeat(np.cumsum(per) - per, per)
    src = pstart[inv[fl]] + k
    links[indptr[fl] + 2 + k] = el[src]
    coef[indptr[fl] + 2 + k] = ec[src]
    return indptr, links, coef, np.asarray(z, np.float64), cap


def _fattree_step(fabric, hs, hd, z, model, seed, qps, assignment, k, kernel=False):
    h = fabric.half
    from .failures import PathAssignment, assignment_paths, live_path_table
    from .skew import ClassAssignment, class_paths
    if model == "spray":
        if not fabric.healthy:
            return _solve(fabric, *_fattree_spray_failed(fabric, hs, hd, z), kernel=kernel)
        return _solve(fabric, *fattree_flow_links(fabric, hs, hd, size=z), kernel=kernel)
    # flows within an edge switch use only their two host links: their qps / k identical subflows
    # are one class of weight qps / k (max-min gives identical subflows identical rates, so a
    # class with weight m on its links is m subflows); the others are repeated with their paths
    m = qps if model == "ecmp" else k
    intra = hs // h == hd // h
    hs2 = np.concatenate([hs[intra], np.repeat(hs[~intra], m)])
    hd2 = np.concatenate([hd[intra], np.repeat(hd[~intra], m)])
    z2 = np.concatenate([z[intra], np.repeat(z[~intra], m)]) / m
    weight = np.concatenate([np.full(int(intra.sum()), float(m)), np.ones(int((~intra).sum()) * m)])
    if model == "ecmp":
        rng = np.random.default_rng(seed)
        if fabric.healthy:
            i = rng.integers(0, h, size=hs2.size)
            j = rng.integers(0, h, size=hs2.size)
        else:  # one uniformly random live path per subflow
            e, f = hs2 // h, hd2 // h
            key = e * fabric.n_leaves + f
            uk, inv = np.unique(key, return_inverse=True)
            ptr, pi, pj = live_path_table(fabric, uk // fabric.n_leaves, uk % fabric.n_leaves)
            P = np.diff(ptr)[inv]
            x = e != f
            if np.any(x & (P == 0)):
                raise FabricInputError("failed", "a flow has no live path")
            pick = ptr[inv] + (rng.random(hs2.size) * np.maximum(P, 1)).astype(np.int64)
            i = np.where(x, pi[np.minimum(pick, pi.size - 1)] if pi.size else 0, 0)
            j = np.where(x, pj[np.minimum(pick, pj.size - 1)] if pj.size else 0, 0)
        return _solve(fabric, *fattree_flow_links(fabric, hs2, hd2, i, j, z2, weight), kernel=kernel)
    if model in ("singlepath", "split"):
        if assignment is None:
            if np.any(~intra):
                raise FabricInputError("assignment", f"model {model!r} needs the step's assignment")
            i = j = np.zeros(hs2.size, dtype=np.int64)  # no flow leaves its edge switch
        elif isinstance(assignment, ClassAssignment):
            zo = np.concatenate([z[intra], np.repeat(z[~intra], m)])
            i, j = class_paths(assignment, fabric, hs2, hd2, zo)
        elif isinstance(assignment, PathAssignment):
            zo = np.concatenate([z[intra], np.repeat(z[~intra], m)])
            i, j = assignment_paths(assignment, fabric, hs2, hd2, zo)
        else:
            i, j = _fattree_paths(assignment, hs2, hd2, h)
        return _solve(fabric, *fattree_flow_links(fabric, hs2, hd2, i, j, z2, weight), kernel=kernel)
    raise FabricInputError("model", f"unknown model {model!r}")


#: rate recomputations of one step's completion time may touch at most this many (flow, link)
#: entries in total (about 10-20 s; estimated after the first recomputation from the number of
#: distinct finishing times, so a hopeless step is given up at once); past it the CCT is reported as
#: skipped (``None``). Equal flows
#: finish together (a few recomputations); a skewed all-to-all's flows, or ECMP's unequal rates, can
#: finish one by one (32x16x8 uniform all-to-all with ECMP: 1,012 recomputations, 1.3e8 entries)
CCT_WORK = 3e8


def equal_flows_time(indptr, links, coef, size, cap) -> float:
    """Max-min completion time of (sub)flows that all have one size: the largest link congestion
    ``max_l load_l / cap_l`` (``load_l = sum of coef * size`` over the flows on ``l``). Exact, no
    rate recomputation (see :func:`equal_flows_theorem`)."""
    load = np.bincount(links, weights=coef * np.repeat(size, np.diff(indptr)), minlength=cap.size)
    used = load > 0
    return float(np.max(load[used] / cap[used])) if used.any() else 0.0


def fair_share_bounds(indptr, links, coef, size, cap) -> tuple[float, float]:
    """``(lower, upper)`` of the max-min completion time of the rows: the largest link congestion,
    and ``max_f size_f max_{l in f} W_l / cap_l`` (``W_l``: the coefficients on ``l``; see
    :func:`equal_flows_theorem`). Equal when every flow has one size."""
    per = np.diff(indptr)
    load = np.bincount(links, weights=coef * np.repeat(size, per), minlength=cap.size)
    W = np.bincount(links, weights=coef, minlength=cap.size)
    used = W > 0
    lo = float(np.max(load[used] / cap[used])) if used.any() else 0.0
    if links.size == 0:
        return lo, lo
    rows = np.flatnonzero(per > 0)
    floor = np.maximum.reduceat(W[links] / cap[links], indptr[rows])
    return lo, max(lo, float(np.max(size[rows] * floor)))


def threshold_upper_bound(indptr, links, coef, size, cap, theta: float) -> float:
    """Upper bound of the max-min completion time of the rows, tighter than
    :func:`fair_share_bounds`' when small flows make links busier than they stay (see
    :func:`threshold_theorem`): flows of at most ``theta`` bytes are done by ``t = max size_g K_g``
    over them (``K_g = max_{l in g} W_l / cap_l``); a larger flow ``f`` has by then at least
    ``min(size_f, t / K_f)`` bytes and runs afterwards at ``>= 1 / K1_f``, ``K1_f`` counting only
    the flows above ``theta``. ``theta = 0`` gives :func:`fair_share_bounds`' upper bound."""
    per = np.diff(indptr)
    if links.size == 0:
        return 0.0
    rows = np.flatnonzero(per > 0)
    W = np.bincount(links, weights=coef, minlength=cap.size)
    K = np.maximum.reduceat(W[links] / cap[links], indptr[rows])
    z = size[rows]
    small = z <= theta
    t = float(np.max(z[small] * K[small])) if small.any() else 0.0
    big = ~small
    if not big.any():
        return t
    above = np.repeat(size > theta, per)
    W1 = np.bincount(links[above], weights=coef[above], minlength=cap.size)
    K1 = np.maximum.reduceat(W1[links] / cap[links], indptr[rows])[big]
    zb, Kb = z[big], K[big]
    done = np.minimum(zb, t / Kb)
    fin = np.where(zb * Kb <= t, zb * Kb, t + (zb - done) * K1)
    return max(t, float(np.max(fin)))


def threshold_theorem():
    """Why :func:`threshold_upper_bound` holds (documentation only).

    In a max-min fair allocation a flow's rate is at least ``cap_l / W_l(now)`` on its bottleneck
    link ``l`` (saturated, the flow's rate the largest there), ``W_l(now)`` the coefficients of
    the flows still active on ``l``. So every flow ``g`` runs at ``>= 1 / K_g`` throughout and is
    done by ``size_g K_g`` (:func:`equal_flows_theorem`); every flow of at most ``theta`` bytes is
    done by ``t = max size_g K_g`` over them. A flow ``f`` above ``theta`` has received ``>=
    min(size_f, t / K_f)`` bytes by ``t``; after ``t`` only flows above ``theta`` are active, so
    ``W_l(now) <= W_l^{>theta}`` and ``f`` runs at ``>= 1 / K1_f``: it is done by ``t + (size_f -
    t / K_f) K1_f``.

    Repeated over levels ``0 = theta_0 < theta_1 < ... < theta_{m+1} = s_max`` with the coarser
    ``K^{>theta}`` (the largest count per capacity over all links of the flows above ``theta``):
    by ``t_i = sum_{j < i} (theta_{j+1} - theta_j) K^{>theta_j}`` every flow has received
    ``min(size, theta_i)`` bytes (between ``t_{i-1}`` and ``t_i`` only flows above ``theta_{i-1}``
    are active, each at ``>= 1 / K^{>theta_{i-1}}``), so ``T <= t_{m+1}``, an upper Riemann sum of
    ``int_0^{s_max} K^{>theta} d theta`` (the lower bound is ``max_l int_0^{s_max} W_l^{>theta} /
    cap_l d theta``, the busiest link's bytes). It is linear in the maxima, so its mean over
    hashings is the same sum of ``E[K^{>theta_j}]``
    (:func:`~netopt.solvers.fabric.cct.skew_ecmp_cct_bounds`).
    """


def equal_flows_theorem():
    """Why a step of equal (sub)flows needs no max-min simulation (documentation only).

    Let every flow ``f`` have size ``m`` and put ``coef[f, l] * rate_f`` on each of its links ``l``
    (``coef`` any positive weights: spraying's ``1/P``, a class of ``w`` identical subflows' ``w``).
    Write ``W_l = sum_f coef[f, l]`` over the flows on ``l`` and ``M = max_l m W_l / cap_l``, the
    largest link congestion.

    * Lower bound: link ``l`` must carry ``m W_l`` bytes at ``cap_l`` bytes/s, so no allocation
      finishes before ``M``.
    * Upper bound: in a max-min fair allocation (progressive filling) a flow is frozen when one of
      its links saturates at the fill level ``x``; the flows on that link have rates ``<= x``, so
      ``cap_l <= x W_l`` and the flow's rate is at least ``min_{l in f} cap_l / W_l``. Completions
      only remove flows (``W_l`` never grows), so this floor holds at every recomputation, and flow
      ``f`` is done by ``m max_{l in f} W_l / cap_l <= M``.

    Hence the step lasts exactly ``M``: the completion time of equal flows is their routing's
    largest congestion (host links included), whatever the coefficients. With unequal sizes the
    same two arguments give ``max_l load_l / cap_l <= T <= max_f size_f max_{l in f} W_l / cap_l``
    (:func:`fair_share_bounds`), equal when the heaviest flows cross the most congested links
    (e.g. the skewed all-to-all's hottest receiver). Checked against the max-min kernel in
    ``tests/solvers/fabric/test_fabric_cct_bounds.py``.
    """


def _solve(fabric, indptr, links, coef, size, cap=None, rtol=1e-9, kernel=False):
    """Max-min completion time of the rows: :func:`equal_flows_time` when every row has one size
    (unless ``kernel``), else the progressive-filling kernel."""
    if size.size == 0:
        return 0.0
    # writable: one kernel signature (the fabric's own capacities: one cached copy)
    cap = fabric.kernel_capacity() if cap is None else np.array(cap, dtype=np.float64)
    if np.any(cap[links] <= 0):
        raise FabricInputError("assignment", "a flow uses a failed link")
    if not kernel and size.min() == size.max():
        return equal_flows_time(indptr, links, coef, size, cap)
    if not kernel:  # unequal sizes: the fair-share bounds first (exact where they meet)
        lo, hi = fair_share_bounds(indptr, links, coef, size, cap)
        if hi <= lo * (1 + 1e-12):
            return lo
    t, _ = _kernels.maxmin_completion(indptr, links, coef, size, cap, rtol, CCT_WORK)
    return None if np.isnan(t) else float(t)


def _flows_materialised(fabric: Fabric, coll: Collective, t: int, mult: int) -> int:
    """(Sub)flow rows the model builds for step ``t``: ``mult`` per flow, but on a fat-tree one class
    per flow that stays within its edge switch (see ``_fattree_step``); the explicit flows between two
    GPUs of one server of a rail-optimised fabric (NVLink) are not counted."""
    sel = coll.step_index(t)
    hs, hd = coll.placement[coll.src[sel]], coll.placement[coll.dst[sel]]
    if fabric.rails > 1:
        net = fabric.server_of(hs) != fabric.server_of(hd)
        hs, hd = hs[net], hd[net]
    n = int(hs.size)
    pairs = coll.n_pairs if t == 0 else 0
    if fabric.kind != "fat-tree" or mult == 1:
        return (n + pairs) * mult
    H = fabric.hosts_per_leaf
    intra = int(np.sum(hs // H == hd // H))
    if pairs:
        r = np.bincount(coll.placement // H).astype(np.int64)
        intra_pairs = int(np.sum(r * (r - 1)))
        intra, n = intra + intra_pairs, n + pairs
    return intra + (n - intra) * mult


def step_completion_time(fabric: Fabric, coll: Collective, t: int, model: str, *, seed: int = 0, qps: int = 1,
                         assignment=None, k: int = 1, max_flows: int = 300_000,
                         shared: dict | None = None, kernel: bool = False) -> float | None:
    """Duration (s) of one run of step ``t`` under ``model`` (see the module docstring).

    ``assignment``: the step's assignment for ``singlepath`` (``k=1``) and ``split`` (its ``k``):
    an :class:`~netopt.solvers.fabric.models.Assignment` on a leaf-spine, the two-stage pair
    ``(edge stage, per-plane core stages)`` kept by ``singlepath``/``min_split`` on a fat-tree.
    Returns ``None`` above ``max_flows`` (sub)flows.

    ``kernel``: run the max-min kernel even when every (sub)flow has one size (by default such a
    step takes its largest link congestion, :func:`equal_flows_theorem`; the tests compare both).

    ``shared``: a dict kept across the models of one analysis. A step none of whose flows leaves its
    leaf (edge switch) uses host links only, so with one subflow per flow (``qps`` / ``k`` = 1) every
    model poses the same max-min problem: it is solved once and its duration kept there by step.

    Examples
    --------
    >>> from netopt.solvers.fabric import fat_tree, ring_allreduce
    >>> ft = fat_tree(4, host_gbps=8)                  # 1 GB/s hosts and links
    >>> step_completion_time(ft, ring_allreduce(16, 16e9), 0, "spray")   # 1 GB chunks at 1 GB/s
    1.0
    """
    n = _flows_materialised(fabric, coll, t, {"ecmp": qps, "split": k}.get(model, 1))
    if n > max_flows:
        return None
    # the (sub)flow arrays, their CSR rows (about six links each) and the max-min state
    check_dense("completion-time flow table", (n,), itemsize=160, copies=1, where="cct_max_flows")
    from .skew import network_flows

    hs, hd, z = network_flows(fabric, coll, t)  # NVLink pairs of a rail-optimised fabric dropped
    mult = {"ecmp": qps, "split": k}.get(model, 1)
    if shared is not None and mult == 1 and not np.any(hs // fabric.hosts_per_leaf != hd // fabric.hosts_per_leaf):
        if t not in shared:
            shared[t] = _step_time(fabric, hs, hd, z, model, seed, qps, assignment, k, kernel)
        return shared[t]
    return _step_time(fabric, hs, hd, z, model, seed, qps, assignment, k, kernel)


def _step_time(fabric, hs, hd, z, model, seed, qps, assignment, k, kernel=False):
    """:func:`step_completion_time` of the step's network flows ``(hs, hd, z)``."""
    from .failures import PathAssignment, assignment_paths
    from .skew import ClassAssignment, class_paths

    if fabric.kind == "fat-tree":
        return _fattree_step(fabric, hs, hd, z, model, seed, qps, assignment, k, kernel)
    H, S = fabric.hosts_per_leaf, fabric.n_spines
    la, lb = hs // H, hd // H
    up_live, dn_live = fabric.block(TIER_UP) > 0, fabric.block(TIER_DOWN) > 0
    if model == "spray":
        mask = up_live[la] & dn_live[lb]
        return _solve(fabric, *flow_links(fabric, hs, hd, None, z, spray_mask=mask), kernel=kernel)
    if model == "ecmp":
        rng = np.random.default_rng(seed)
        hs2, hd2 = np.repeat(hs, qps), np.repeat(hd, qps)
        mask = up_live[hs2 // H] & dn_live[hd2 // H]
        P = mask.sum(axis=1)
        pick = (rng.random(hs2.size) * np.maximum(P, 1)).astype(np.int64)
        # index of the pick-th live spine in each row
        csum = np.cumsum(mask, axis=1)
        spine = np.argmax(csum > pick[:, None], axis=1)
        return _solve(fabric, *flow_links(fabric, hs2, hd2, spine, np.repeat(z / qps, qps)), kernel=kernel)
    if model in ("singlepath", "split"):
        hs2, hd2 = np.repeat(hs, k), np.repeat(hd, k)
        la2, lb2 = hs2 // H, hd2 // H
        inter = la2 != lb2
        if assignment is None and inter.any():
            raise FabricInputError("assignment", f"model {model!r} needs the step's assignment")
        spine = np.zeros(hs2.size, dtype=np.int64)
        if assignment is None:
            pass  # every flow stays within its leaf
        elif isinstance(assignment, ClassAssignment):
            spine = class_paths(assignment, fabric, hs2, hd2, np.repeat(z, k))[0]
        elif isinstance(assignment, PathAssignment):
            spine = assignment_paths(assignment, fabric, hs2, hd2, np.repeat(z, k))[0]
        elif hasattr(assignment, "flow_colours"):
            spine[inter] = assignment.flow_colours(la2[inter], lb2[inter])
        else:  # per-flow spine choice from the MILP/greedy (inter-leaf flows in order)
            spine[inter] = np.asarray(assignment, np.int64)
        return _solve(fabric, *flow_links(fabric, hs2, hd2, spine, np.repeat(z / k, k)), kernel=kernel)
    raise FabricInputError("model", f"unknown model {model!r}")


def _network_sizes(fabric: Fabric, coll: Collective, t: int):
    """Distinct sizes of step ``t``'s network (sub)flows (NVLink pairs of a rail-optimised fabric
    dropped), or ``None`` for the implicit skewed all-to-all (one size per receiver)."""
    s, d, z = coll.step_flows(t, materialize_pairs=False)
    if fabric.rails > 1:
        hs, hd = coll.placement[s], coll.placement[d]
        z = z[fabric.server_of(hs) != fabric.server_of(hd)]
    sizes = np.unique(z)
    if t == 0 and coll.pair_bytes > 0:
        if coll.pair_weight is not None:
            return None
        sizes = np.union1d(sizes, [coll.pair_bytes])
    return sizes


def host_bound(fabric: Fabric, host_out: np.ndarray, host_in: np.ndarray) -> float:
    """Largest host-link congestion of a step (bytes per host / NIC capacity)."""
    N = fabric.n_hosts
    return float(max(np.max(host_out / fabric.capacity[:N]), np.max(host_in / fabric.capacity[N:2 * N])))


def bottleneck_step_time(fabric: Fabric, coll: Collective, t: int, host_out: np.ndarray, host_in: np.ndarray,
                         switch_congestion: float) -> float | None:
    """Duration of step ``t`` when all its network (sub)flows have one size, else ``None``; exact.

    Equal flows finish when their routing's most congested link has drained
    (:func:`equal_flows_theorem`), so the step lasts ``max(M, switch_congestion)``: ``M`` the
    largest host-link congestion (``host_out`` / ``host_in``: bytes per host,
    :class:`~netopt.solvers.fabric.traffic.StepTraffic`), ``switch_congestion`` the routing's
    largest switch-link congestion (a model's ``step_congestion[t]``). No flow is listed (the
    k = 64 all-to-all has 4.3 billion). A model that cuts each flow into ``k`` equal subflows keeps
    the sizes equal.
    """
    sizes = _network_sizes(fabric, coll, t)
    if sizes is None or sizes.size > 1:
        return None
    return max(host_bound(fabric, host_out, host_in), float(switch_congestion))


def completion_time(fabric: Fabric, coll: Collective, model: str, *, assignments=None, k: int = 1, **kw):
    """CCT (s): sum over steps of repeat count times :func:`step_completion_time` (``None`` when a
    step is too large)."""
    return completion_time_detail(fabric, coll, model, assignments=assignments, k=k, **kw)[0]


def _mean_over_hashings(M: float, dist) -> float:
    """``E[max(M, X)]`` for ``X`` given as ``(values, probabilities)``."""
    x, p = dist
    return float(np.dot(np.maximum(x, M), p) / p.sum())


def completion_time_detail(fabric: Fabric, coll: Collective, model: str, *, assignments=None, k: int = 1,
                           bound=None, hashings=None, no_bound: str = "no bound was tried", **kw):
    """:func:`completion_time` with how it was found: ``(cct, how, bounds)``.

    ``how`` is ``"max-min"`` (every step listed: the max-min kernel, or the largest congestion of
    the listed flows when they have one size), ``"host-bound"`` / ``"link-bound"`` (a step of equal
    flows whose largest congestion is on a host / switch link, found without listing a flow:
    :func:`bottleneck_step_time`), ``"fair-share bound"`` (the implicit skewed all-to-all, where the
    bounds of :func:`~netopt.solvers.fabric.cct.skew_cct_bounds` meet), ``"mean over hashings"``
    (ECMP, a step of equal flows too large to list: ``E[max(M, X)]`` over the distribution of the
    step's largest switch congestion ``X``, ``hashings``; the skewed all-to-all gets the bounds of
    :func:`~netopt.solvers.fabric.cct.skew_ecmp_cct_bounds` instead), joined by ``+``; when ``cct`` is ``None`` it is the
    reason, naming the step. ``bounds``: ``(lower, upper)`` seconds when every step has an exact
    value or bounds but some only bounds (else ``None``).

    ``bound = (steps, step_congestion[, routing])``: the steps'
    :class:`~netopt.solvers.fabric.traffic.StepTraffic`, the model's largest switch-link congestion
    per step and the routing method (``info["method"]``: the skewed bounds need ``class-greedy``); each step is first tried without
    listing a flow, the kernel only where that does not apply. ``hashings = (steps, dists)`` (ECMP):
    per step ``(values, probabilities)`` of the largest switch-link congestion of one hashing, or
    ``None``; used only for a step past ``max_flows``. Without either every step is listed;
    ``no_bound`` then says why in a skip reason."""
    from .skew import is_implicit_skew

    total, lo, hi = 0.0, 0.0, 0.0
    used = set()
    max_flows = kw.get("max_flows", 300_000)
    mult = {"ecmp": kw.get("qps", 1), "split": k}.get(model, 1)
    skip = None
    for t in range(coll.n_steps):
        v, b = None, None
        rep = int(coll.step_repeat[t])
        if bound is not None:
            st = bound[0][t]
            v = bottleneck_step_time(fabric, coll, t, st.host_out, st.host_in, float(bound[1][t]))
            if v is not None:
                used.add("host-bound" if v <= host_bound(fabric, st.host_out, st.host_in) else "link-bound")
            elif is_implicit_skew(coll, t):
                b = skew_cct_bounds(fabric, coll, st, model, k, float(bound[1][t]), bound[2] if len(bound) > 2 else None)
                if b is not None and b[1] <= b[0] * (1 + 1e-12):
                    v, b = b[0], None
                    used.add("fair-share bound")
        n = _flows_materialised(fabric, coll, t, mult)
        if v is None and n > max_flows and hashings is not None and hashings[1][t] is not None:
            st = hashings[0][t]
            sizes = _network_sizes(fabric, coll, t)
            if sizes is not None and sizes.size <= 1:
                v = _mean_over_hashings(host_bound(fabric, st.host_out, st.host_in), hashings[1][t])
                used.add("mean over hashings")
            elif is_implicit_skew(coll, t):
                b = skew_ecmp_cct_bounds(fabric, coll, st, kw.get("qps", 1), hashings[1][t])
        if v is None:
            if n > max_flows:
                if b is not None:
                    why = (f"its flows have unequal sizes and the bounds [{b[0]:.6g}, {b[1]:.6g}] s"
                           f"{' (means over hashings; upper by size levels)' if model == 'ecmp' else ''} "
                           f"do not meet")
                else:
                    why = "its flows have unequal sizes" if bound is not None else no_bound
                if skip is None:
                    skip = (f"step {t}: {n:,} (sub)flows > cct_max_flows = {max_flows:,} to list for the max-min "
                            f"kernel, and {why} (without listing: equal flows take their largest link congestion; "
                            f"unequal ones need the fair-share bounds to meet)")
                if b is None:
                    return None, skip, None
                lo, hi = lo + b[0] * rep, hi + b[1] * rep
                continue
            a = None if assignments is None else assignments[t]
            if a is None and model in ("singlepath", "split") and _flows_materialised(fabric, coll, t, 1) and \
                    bound is not None and bound[0][t].n_inter:
                return None, (f"step {t}: its routing was not kept (another step is over cct_max_flows = "
                              f"{max_flows:,}), and its flows have unequal sizes"), None
            v = step_completion_time(fabric, coll, t, model, assignment=a, k=k, **kw)
            if v is None:
                return None, (f"step {t}: the max-min rate recomputations would exceed {CCT_WORK:.3g} (flow, link) "
                              f"entries (flows finishing one by one)"), None
            used.add("max-min")
        total += v * rep
        lo, hi = lo + v * rep, hi + v * rep
    if skip is not None:
        return None, skip, (lo, hi)
    return total, " + ".join(sorted(used)) if used else "max-min", None


#: size levels of :func:`skew_ecmp_cct_bounds`' upper bound: just below the sizes of the largest
#: 4, 16 and 64 receivers (one exact ECMP model each)
LEVEL_RANKS = (4, 16, 64)


def skew_cct_bounds(fabric: Fabric, coll: Collective, st, model: str, k: int, switch_congestion: float,
                    routing: str | None = None):
    """``(lower, upper)`` seconds of the implicit skewed all-to-all step under ``model``'s routing
    (``spray``, also over failed cables; ``singlepath`` / ``split`` when ``routing`` is
    ``"class-greedy"``: :func:`~netopt.solvers.fabric.skew.class_assign`, ``k`` subflows), or ``None`` (ECMP, another routing:
    no bound built).

    Lower: the largest link congestion, ``max(host links, switch_congestion)``. Upper: in a max-min
    fair allocation every flow's rate is at least ``min_{l in f} cap_l / W_l`` (``W_l``: the
    (sub)flows on ``l``, each weighted by its coefficient; see
    :func:`~netopt.solvers.fabric.cct.equal_flows_theorem`), so the step ends by ``max_l
    s_l W_l / cap_l`` with ``s_l`` the largest flow on ``l`` (bounded by the largest flow). Host
    links: exact counts; switch links: spraying's flow counts per link, or the class-greedy bound
    of :func:`~netopt.solvers.fabric.skew._class_greedy_counts`. When the hottest receiver's downlink is the most congested
    link and no switch link holds more flows per capacity than it, the two meet: the step's
    duration is exact (4.3 billion unequal flows at k = 64, none listed)."""
    from dataclasses import replace

    from .models import congestion_of_loads, spray_loads
    from .skew import _class_greedy_counts, _host_fair_share

    if model not in ("spray", "singlepath", "split") or (model != "spray" and routing != "class-greedy"):
        return None
    units = k if model == "split" else 1
    upper, smax, recv = _host_fair_share(fabric, coll)
    if model == "spray":
        counts = spray_loads(fabric, replace(st, bytes_matrix=None, size=1.0))
        upper = max(upper, smax * congestion_of_loads(fabric, counts))
    else:
        upper = max(upper, smax / units * _class_greedy_counts(fabric, coll, recv, units))
    lower = max(host_bound(fabric, st.host_out, st.host_in), switch_congestion)
    return lower, max(upper, lower)


def skew_ecmp_cct_bounds(fabric: Fabric, coll: Collective, st, qps: int, dist):
    """``(lower, upper)`` seconds bounding ECMP's completion time of the implicit skewed all-to-all
    step, as means over hashings, or ``None`` (failed cables, tiers of several capacities).

    Per hashing, the step lasts at least its largest link congestion and at most ``max_l s_l W_l /
    cap_l`` (:func:`skew_cct_bounds`). Lower: the mean of ``max(host links, X)`` over ``dist``
    (values, probabilities of the largest switch congestion ``X``: the ECMP sampler's). Upper: the
    host links' exact term and the largest flow times the largest (sub)flow count per capacity on
    a switch link, whose distribution over hashings is the exact ECMP model's on the step's flow
    counts (unit sizes). Both read the tiers as independent, as the ECMP models do.

    The upper bound is then tightened by size levels (:func:`~netopt.solvers.fabric.cct.threshold_theorem`):
    per hashing ``T <= sum_i (theta_{i+1} - theta_i) K^{>theta_i}`` over levels ``0 = theta_0 <
    ... < theta_m < theta_{m+1} = s_max``, ``K^{>theta}`` the largest count per capacity, over all
    links, of the flows above ``theta`` (host links exactly, switch links by the exact ECMP model on
    those flows' counts): every flow at most ``theta_i`` is done by the ``i``-th partial sum, and
    every other has received ``theta_i`` by then. Linear in the maxima, so its mean over hashings
    is the same sum of ``E[K^{>theta_i}]``. Levels: the sizes just below the largest
    :data:`LEVEL_RANKS` receivers'. Small flows crowd some switch links past a host link's count
    only until they are done; the few largest receivers' flows then keep their host share."""
    from dataclasses import replace

    from .models import ecmp_exact
    from .skew import _host_counts, _host_fair_share
    from .traffic import step_traffic

    if not fabric.healthy:
        return None

    def mean_k(c, st_c):
        """``E[K]`` over hashings of ``c``'s flows (``None``: no exact ECMP model) and the ECMP model's
        switch-count distribution."""
        try:
            res = ecmp_exact(fabric, c, qps=qps, traffic=[replace(st_c, bytes_matrix=None, size=1.0)])
        except UnsupportedInstanceError:
            return None, None
        n_out, n_in, _ = _host_counts(fabric, c)
        hp = c.placement
        kh = max(float(np.max(n_out / fabric.host_up_capacity[hp])),
                 float(np.max(n_in / fabric.host_down_capacity[hp])))
        d = res.info["step_dist"][0]
        return _mean_over_hashings(kh, d), d

    U, smax, recv = _host_fair_share(fabric, coll)
    EK, (x, p) = mean_k(coll, st)
    if EK is None:
        return None
    lo = _mean_over_hashings(host_bound(fabric, st.host_out, st.host_in), dist)
    hi = _mean_over_hashings(U, (smax * x, p))
    sig = coll.pair_bytes * coll.pair_weight
    sizes = np.unique(sig[recv])[::-1]  # distinct, largest first
    levels, means = [0.0], [EK]
    for r in sorted({r for r in LEVEL_RANKS if r < sizes.size}, reverse=True):
        theta = float(sizes[r])  # flows above: those into the receivers of the r largest sizes
        c = replace(coll, pair_weight=np.where(sig > theta, coll.pair_weight, 0.0))
        e, _ = mean_k(c, step_traffic(fabric, c, 0))
        if e is None:
            break
        levels.append(theta)
        means.append(e)
    levels.append(smax)
    hi = min(hi, float(sum((levels[i + 1] - levels[i]) * means[i] for i in range(len(means)))))
    return lo, max(lo, hi)
