"""Numba kernels for user-equilibrium assignment. Inputs are assumed clean (validated in ue.py).

Conventions: links in CSR order (``offsets``, ``init``, ``term``); ``no_thru`` = number of
leading nodes (centroids) that a path may start or end at but not pass through; ``is_open``
masks links out of the graph (closed design candidates); BPR costs with a fixed term ``c0``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.inf


# ----------------------------------------------------------------------------- link costs
@njit(cache=True)
def link_cost(x, fftt, b, cap, power, c0, out):
    for a in range(x.size):
        if b[a] == 0.0:
            out[a] = fftt[a] + c0[a]
        else:
            out[a] = fftt[a] * (1.0 + b[a] * (x[a] / cap[a]) ** power[a]) + c0[a]


@njit(cache=True)
def _cost1(a, xa, fftt, b, cap, power, c0):
    if b[a] == 0.0:
        return fftt[a] + c0[a]
    return fftt[a] * (1.0 + b[a] * (xa / cap[a]) ** power[a]) + c0[a]


@njit(cache=True)
def _deriv1(a, xa, fftt, b, cap, power):
    if b[a] == 0.0 or power[a] == 0.0:
        return 0.0
    return fftt[a] * b[a] * power[a] / cap[a] * (xa / cap[a]) ** (power[a] - 1.0)


@njit(cache=True)
def link_derivative(x, fftt, b, cap, power, out):
    for a in range(x.size):
        out[a] = _deriv1(a, x[a], fftt, b, cap, power)


@njit(cache=True)
def beckmann(x, fftt, b, cap, power, c0):
    """Sum over links of the integral of the link cost from 0 to x."""
    total = 0.0
    for a in range(x.size):
        if b[a] == 0.0:
            total += (fftt[a] + c0[a]) * x[a]
        else:
            total += fftt[a] * (x[a] + b[a] * cap[a] / (power[a] + 1.0) * (x[a] / cap[a]) ** (power[a] + 1.0)) + c0[a] * x[a]
    return total


# ----------------------------------------------------------------------------- shortest paths
@njit(cache=True)
def _heap_push(hk, hn, size, key, node):
    i = size
    hk[i] = key
    hn[i] = node
    while i > 0:
        p = (i - 1) >> 1
        if hk[p] <= hk[i]:
            break
        hk[p], hk[i] = hk[i], hk[p]
        hn[p], hn[i] = hn[i], hn[p]
        i = p
    return size + 1


@njit(cache=True)
def _heap_pop(hk, hn, size):
    key, node = hk[0], hn[0]
    size -= 1
    hk[0] = hk[size]
    hn[0] = hn[size]
    i = 0
    while True:
        l = 2 * i + 1
        if l >= size:
            break
        c = l
        if l + 1 < size and hk[l + 1] < hk[l]:
            c = l + 1
        if hk[i] <= hk[c]:
            break
        hk[c], hk[i] = hk[i], hk[c]
        hn[c], hn[i] = hn[i], hn[c]
        i = c
    return key, node, size


@njit(cache=True)
def shortest_path_tree(origin, offsets, term, cost, is_open, no_thru, dist, pred, order, hk, hn):
    """Binary-heap Dijkstra from ``origin``; fills dist, pred (link index, -1 at the root) and the
    settle ``order``; returns the number of settled nodes. ``hk``/``hn`` are heap buffers of size
    ``num_links + 1``."""
    n = offsets.size - 1
    for i in range(n):
        dist[i] = INF
        pred[i] = -1
    dist[origin] = 0.0
    size = _heap_push(hk, hn, 0, 0.0, origin)
    count = 0
    settled = np.zeros(n, np.bool_)
    while size > 0:
        d, u, size = _heap_pop(hk, hn, size)
        if settled[u]:
            continue
        settled[u] = True
        order[count] = u
        count += 1
        if u < no_thru and u != origin:
            continue  # centroids are not through nodes
        for e in range(offsets[u], offsets[u + 1]):
            if not is_open[e]:
                continue
            v = term[e]
            nd = d + cost[e]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = e
                size = _heap_push(hk, hn, size, nd, v)
    return count


@njit(cache=True)
def all_or_nothing(demand, offsets, init, term, cost, is_open, no_thru, flow):
    """Load every OD demand on its shortest path. Returns SPTT = sum of demand x shortest path cost
    (``inf`` when some demand cannot reach its destination)."""
    n = offsets.size - 1
    m = term.size
    z = demand.shape[0]
    dist = np.empty(n)
    pred = np.empty(n, np.int64)
    order = np.empty(n, np.int64)
    acc = np.zeros(n)
    hk = np.empty(m + 1)
    hn = np.empty(m + 1, np.int64)
    for a in range(m):
        flow[a] = 0.0
    sptt = 0.0
    for o in range(z):
        total = 0.0
        for d in range(z):
            total += demand[o, d]
        if total == 0.0:
            continue
        cnt = shortest_path_tree(o, offsets, term, cost, is_open, no_thru, dist, pred, order, hk, hn)
        for i in range(n):
            acc[i] = 0.0
        for d in range(z):
            q = demand[o, d]
            if q > 0.0:
                if dist[d] == INF:
                    return INF
                acc[d] += q
                sptt += q * dist[d]
        for k in range(cnt - 1, 0, -1):
            u = order[k]
            if acc[u] > 0.0:
                e = pred[u]
                flow[e] += acc[u]
                acc[init[e]] += acc[u]
    return sptt


# ----------------------------------------------------------------------------- line search
@njit(cache=True)
def line_search(x, d, fftt, b, cap, power, c0, iters):
    """Step in [0, 1] minimising the Beckmann function along x + a d (bisection on its derivative)."""
    lo, hi = 0.0, 1.0
    g1 = 0.0
    for a in range(x.size):
        if d[a] != 0.0:
            g1 += _cost1(a, max(x[a] + d[a], 0.0), fftt, b, cap, power, c0) * d[a]
    if g1 <= 0.0:
        return 1.0
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        g = 0.0
        for a in range(x.size):
            if d[a] != 0.0:
                g += _cost1(a, max(x[a] + mid * d[a], 0.0), fftt, b, cap, power, c0) * d[a]
        if g > 0.0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


# ----------------------------------------------------------------------------- path-based (gradient projection)
@njit(cache=True)
def _grow1(a, size):
    out = np.empty(max(size, 2 * a.size), a.dtype)
    out[: a.size] = a
    return out


@njit(cache=True)
def gp_iteration(
    od_o, od_d, od_q, od_first, od_paths, od_np,
    p_off, p_len, p_flow, npool, links, used, free, nfree,
    x, t, offsets, init, term, is_open, no_thru, fftt, b, cap, power, c0, inner,
):
    """One sweep of path-based gradient projection (Jayakrishnan et al. 1994) over all origins.

    For each origin: a shortest-path tree at current costs; the shortest path to each destination
    joins that OD's path set; then flow moves from every costlier path to it by a Newton step
    ``min(f_p, (c_p - c_s) / sum of cost derivatives on the links they do not share)``, updating
    link flows and costs at once. ``inner`` extra passes re-balance the existing paths of that
    origin without new trees. Paths left without flow are dropped (their ids go to ``free``).
    ``od_first[o]:od_first[o+1]`` are origin o's OD pairs; path ids ``0..npool-1`` are allocated.
    Arrays that run out of room are returned re-allocated.
    """
    n = offsets.size - 1
    m = term.size
    dist = np.empty(n)
    pred = np.empty(n, np.int64)
    order = np.empty(n, np.int64)
    hk = np.empty(m + 1)
    hn = np.empty(m + 1, np.int64)
    mark = np.zeros(m, np.int64)
    tmp = np.empty(n, np.int64)
    norig = od_first.size - 1
    for o in range(norig):
        k0, k1 = od_first[o], od_first[o + 1]
        if k0 == k1:
            continue
        shortest_path_tree(o, offsets, term, t, is_open, no_thru, dist, pred, order, hk, hn)
        for k in range(k0, k1):
            # the current shortest path to od_d[k], as links from origin to destination
            cnt = 0
            v = od_d[k]
            while v != o:
                e = pred[v]
                tmp[cnt] = e
                cnt += 1
                v = init[e]
            found = -1
            for j in range(od_np[k]):
                p = od_paths[k, j]
                if p_len[p] != cnt:
                    continue
                same = True
                for i in range(cnt):
                    if links[p_off[p] + i] != tmp[cnt - 1 - i]:
                        same = False
                        break
                if same:
                    found = j
                    break
            if found < 0:
                # new path into the pool
                if used + cnt > links.size:
                    links = _grow1(links, used + cnt)
                if nfree > 0:  # reuse the slot of a dropped path
                    nfree -= 1
                    p = free[nfree]
                else:
                    p = npool
                    npool += 1
                    if p == p_off.size:
                        p_off = _grow1(p_off, p + 1)
                        p_len = _grow1(p_len, p_off.size)
                        p_flow = _grow1(p_flow, p_off.size)
                p_off[p] = used
                p_len[p] = cnt
                p_flow[p] = 0.0
                for i in range(cnt):
                    links[used + i] = tmp[cnt - 1 - i]
                used += cnt
                if od_np[k] == od_paths.shape[1]:
                    bigger = np.empty((od_paths.shape[0], 2 * od_paths.shape[1]), np.int64)
                    bigger[:, : od_paths.shape[1]] = od_paths
                    od_paths = bigger
                od_paths[k, od_np[k]] = p
                od_np[k] += 1
        for sweep in range(inner + 1):
            for k in range(k0, k1):
                npaths = od_np[k]
                if npaths < 2:
                    continue
                # basic path: the cheapest at current costs
                best, bestc = -1, INF
                for j in range(npaths):
                    p = od_paths[k, j]
                    c = 0.0
                    for i in range(p_off[p], p_off[p] + p_len[p]):
                        c += t[links[i]]
                    if c < bestc:
                        best, bestc = j, c
                s = od_paths[k, best]
                for i in range(p_off[s], p_off[s] + p_len[s]):
                    mark[links[i]] = 1
                for j in range(npaths):
                    if j == best:
                        continue
                    p = od_paths[k, j]
                    if p_flow[p] <= 0.0:
                        continue
                    cp, cs, h = 0.0, 0.0, 0.0
                    for i in range(p_off[p], p_off[p] + p_len[p]):
                        a = links[i]
                        cp += t[a]
                        if mark[a] == 1:
                            mark[a] = 2  # shared
                        else:
                            h += _deriv1(a, x[a], fftt, b, cap, power)
                    for i in range(p_off[s], p_off[s] + p_len[s]):
                        a = links[i]
                        cs += t[a]
                        if mark[a] == 1:
                            h += _deriv1(a, x[a], fftt, b, cap, power)
                    diff = cp - cs
                    if diff > 0.0:
                        shift = p_flow[p] if h <= 0.0 else min(p_flow[p], diff / h)
                        if shift > 0.0:
                            p_flow[p] -= shift
                            p_flow[s] += shift
                            for i in range(p_off[p], p_off[p] + p_len[p]):
                                a = links[i]
                                if mark[a] == 1:
                                    continue
                                if mark[a] != 2:
                                    x[a] = max(x[a] - shift, 0.0)
                                    t[a] = _cost1(a, x[a], fftt, b, cap, power, c0)
                            for i in range(p_off[s], p_off[s] + p_len[s]):
                                a = links[i]
                                if mark[a] == 1:
                                    x[a] += shift
                                    t[a] = _cost1(a, x[a], fftt, b, cap, power, c0)
                    # reset the shared marks of p
                    for i in range(p_off[p], p_off[p] + p_len[p]):
                        if mark[links[i]] == 2:
                            mark[links[i]] = 1
                for i in range(p_off[s], p_off[s] + p_len[s]):
                    mark[links[i]] = 0
                # drop paths without flow (keep at least one)
                j = 0
                while j < od_np[k] and od_np[k] > 1:
                    p = od_paths[k, j]
                    if p != s and p_flow[p] <= 1e-12 * od_q[k]:
                        crumb = p_flow[p]
                        if crumb > 0.0:  # move the crumb to the basic path, keeping link flows consistent
                            p_flow[s] += crumb
                            for i in range(p_off[p], p_off[p] + p_len[p]):
                                x[links[i]] -= crumb
                            for i in range(p_off[s], p_off[s] + p_len[s]):
                                x[links[i]] += crumb
                        p_len[p] = -1
                        if nfree == free.size:
                            free = _grow1(free, nfree + 1)
                        free[nfree] = p
                        nfree += 1
                        od_np[k] -= 1
                        od_paths[k, j] = od_paths[k, od_np[k]]
                    else:
                        j += 1
    return od_paths, p_off, p_len, p_flow, npool, links, used, free, nfree


@njit(cache=True)
def path_link_flows(od_paths, od_np, p_off, p_len, p_flow, links, m):
    """Link flows implied by the path flows (to check the incremental bookkeeping)."""
    x = np.zeros(m)
    for k in range(od_np.size):
        for j in range(od_np[k]):
            p = od_paths[k, j]
            for i in range(p_off[p], p_off[p] + p_len[p]):
                x[links[i]] += p_flow[p]
    return x


@njit(cache=True)
def _warm_keeps(p, p_off, p_len, p_flow, links, is_open):
    """Whether warm-start path ``p`` carries flow and avoids every closed link."""
    if p_flow[p] <= 0.0:
        return False
    for i in range(p_off[p], p_off[p] + p_len[p]):
        if not is_open[links[i]]:
            return False
    return True


@njit(cache=True)
def warm_paths(od_q, w_od_paths, w_od_np, w_p_off, w_p_len, w_p_flow, w_links, is_open):
    """The warm start's paths that carry flow and avoid closed links, per OD pair in their order,
    each OD's flows rescaled to its demand ``od_q``; compacted into fresh arrays
    ``(od_paths, od_np, p_off, p_len, p_flow, links, used)`` (path ids in OD order, ``od_paths``
    at least 4 wide with room to double, ``links`` with ``used`` filled). An OD pair left without
    a path has ``od_np == 0`` (the caller adds a shortest path)."""
    nk = od_q.size
    keep_np = np.zeros(nk, np.int64)
    total = np.zeros(nk)
    npaths = 0
    nlinks = 0
    widest = 0
    for k in range(nk):
        for j in range(w_od_np[k]):
            p = w_od_paths[k, j]
            if _warm_keeps(p, w_p_off, w_p_len, w_p_flow, w_links, is_open):
                keep_np[k] += 1
                total[k] += w_p_flow[p]
                nlinks += w_p_len[p]
        npaths += keep_np[k]
        widest = max(widest, keep_np[k])
    od_paths = np.full((nk, max(4, 2 * widest)), -1, np.int64)
    p_off = np.empty(npaths, np.int64)
    p_len = np.empty(npaths, np.int64)
    p_flow = np.empty(npaths)
    links = np.empty(nlinks, np.int64)
    q = 0
    used = 0
    for k in range(nk):
        if keep_np[k] == 0:
            continue
        n_k = 0
        for j in range(w_od_np[k]):
            p = w_od_paths[k, j]
            if not _warm_keeps(p, w_p_off, w_p_len, w_p_flow, w_links, is_open):
                continue
            od_paths[k, n_k] = q
            n_k += 1
            p_off[q] = used
            p_len[q] = w_p_len[p]
            p_flow[q] = w_p_flow[p] * od_q[k] / total[k]
            for i in range(w_p_len[p]):
                links[used + i] = w_links[w_p_off[p] + i]
            used += w_p_len[p]
            q += 1
    return od_paths, keep_np, p_off, p_len, p_flow, links, used
