"""Numba kernels of the fabric analyses (the only place with ``@njit``).

Kernels assume clean input: contiguous arrays of the documented dtypes, validated by the public
functions in :mod:`netopt.solvers.fabric.models` and :mod:`netopt.solvers.fabric.cct`.
Randomness comes from ``np.random.seed(seed)`` at kernel entry (Numba's own per-thread state), so
the same seed gives the same samples. Each kernel has a slow pure-Python twin in
``tests/fabric/fabric_naive.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _multinomial_into(n, P, opts, counts):
    """Uniform multinomial of ``n`` balls over ``P`` options into ``counts[:P]`` (reset here)."""
    for q in range(P):
        counts[q] = 0
    if n <= 2 * P:
        for _ in range(n):
            counts[np.random.randint(0, P)] += 1
    else:
        rem = n
        for q in range(P - 1):
            if rem == 0:
                break
            x = np.random.binomial(rem, 1.0 / (P - q))
            counts[q] = x
            rem -= x
        counts[P - 1] += rem


@njit(cache=True)
def ecmp_mc_leafspine(pa, pb, pn, pw, up_cap, down_cap, n_seeds, seed):
    """Max congestion of random ECMP hashing on a leaf-spine, for ``n_seeds`` samples.

    Parameters
    ----------
    pa, pb : int64[:]
        Source and destination leaf of each flow group (``pa != pb``).
    pn : int64[:]
        Flows in the group; each flow hashes uniformly onto one spine alive for ``(a, b)``.
    pw : float64[:]
        Bytes of each flow of the group.
    up_cap, down_cap : float64[L, S]
        Capacity (bytes/s) of leaf ``a`` -> spine ``s`` and spine ``s`` -> leaf ``b``; 0 = failed.
        Every group must have at least one spine alive on both sides.
    n_seeds, seed : int
        Number of samples; RNG seed.

    Returns
    -------
    float64[n_seeds]
        ``max(load / capacity)`` over leaf-spine links, per sample.
    """
    L, S = up_cap.shape
    np.random.seed(seed)
    out = np.empty(n_seeds)
    up = np.zeros((L, S))
    down = np.zeros((L, S))
    opts = np.empty(S, dtype=np.int64)
    counts = np.empty(S, dtype=np.int64)
    for r in range(n_seeds):
        up[:, :] = 0.0
        down[:, :] = 0.0
        for p in range(pa.size):
            a = pa[p]
            b = pb[p]
            P = 0
            for s in range(S):
                if up_cap[a, s] > 0 and down_cap[b, s] > 0:
                    opts[P] = s
                    P += 1
            _multinomial_into(pn[p], P, opts, counts)
            w = pw[p]
            for q in range(P):
                if counts[q]:
                    s = opts[q]
                    up[a, s] += counts[q] * w
                    down[b, s] += counts[q] * w
        m = 0.0
        for a in range(L):
            for s in range(S):
                if up_cap[a, s] > 0:
                    v = up[a, s] / up_cap[a, s]
                    if v > m:
                        m = v
                if down_cap[a, s] > 0:
                    v = down[a, s] / down_cap[a, s]
                    if v > m:
                        m = v
        out[r] = m
    return out


@njit(cache=True)
def ecmp_mc_fattree(pe, pf, pn, pw, h, up_cap, down_cap, up2_cap, down2_cap, n_seeds, seed):
    """Max congestion of random ECMP on a healthy k-ary fat-tree (``h = k/2``), per sample.

    A flow between edge switches of one pod hashes onto one of ``h`` aggregation switches; between
    pods onto one of ``h*h`` (aggregation ``i``, core ``j``) paths. Arrays as in
    :func:`ecmp_mc_leafspine`; ``up_cap``/``down_cap`` are ``(E, h)``, ``up2_cap``/``down2_cap``
    are ``(A, h)`` (aggregation ``g`` <-> core ``(g % h)*h + j``).
    """
    E = up_cap.shape[0]
    A = up2_cap.shape[0]
    np.random.seed(seed)
    out = np.empty(n_seeds)
    up = np.zeros((E, h))
    down = np.zeros((E, h))
    up2 = np.zeros((A, h))
    down2 = np.zeros((A, h))
    P2 = h * h
    opts = np.arange(P2)
    counts = np.empty(P2, dtype=np.int64)
    for r in range(n_seeds):
        up[:, :] = 0.0
        down[:, :] = 0.0
        up2[:, :] = 0.0
        down2[:, :] = 0.0
        for p in range(pe.size):
            e = pe[p]
            f = pf[p]
            w = pw[p]
            pod_e = e // h
            pod_f = f // h
            if pod_e == pod_f:
                _multinomial_into(pn[p], h, opts, counts)
                for i in range(h):
                    if counts[i]:
                        up[e, i] += counts[i] * w
                        down[f, i] += counts[i] * w
            else:
                _multinomial_into(pn[p], P2, opts, counts)
                for q in range(P2):
                    c = counts[q]
                    if c:
                        i = q // h
                        j = q - i * h
                        up[e, i] += c * w
                        up2[pod_e * h + i, j] += c * w
                        down2[pod_f * h + i, j] += c * w
                        down[f, i] += c * w
        m = 0.0
        for e in range(E):
            for i in range(h):
                v = up[e, i] / up_cap[e, i]
                if v > m:
                    m = v
                v = down[e, i] / down_cap[e, i]
                if v > m:
                    m = v
        for g in range(A):
            for j in range(h):
                v = up2[g, j] / up2_cap[g, j]
                if v > m:
                    m = v
                v = down2[g, j] / down2_cap[g, j]
                if v > m:
                    m = v
        out[r] = m
    return out


@njit(cache=True)
def maxmin_completion(indptr, links, coef, size, cap, rtol):
    """Completion time of flows sharing links under max-min fair rates (progressive filling).

    Flow ``f`` crosses links ``links[indptr[f]:indptr[f+1]]``; at rate ``x`` it puts
    ``coef * x`` on each (``coef < 1`` models a flow sprayed over several paths). Rates are the
    max-min fair allocation (water-filling: raise all unfrozen rates together; when a link
    saturates, freeze its flows). Time then advances to the next flow completion and rates are
    recomputed. Each water-filling costs ``O(nnz + levels * n_links)`` using a link -> flow index:
    the level at which link ``l`` saturates, ``(cap - frozen load) / unfrozen weight``, only
    changes when one of its flows freezes.

    Parameters
    ----------
    indptr : int64[F+1]; links : int64[nnz]; coef : float64[nnz]
    size : float64[F]
        Bytes per flow (> 0).
    cap : float64[n_links]
        Bytes per second (> 0 on every link a flow uses).
    rtol : float
        Relative tolerance for saturation and completion.

    Returns
    -------
    (float, int64)
        Time (s) when the last flow completes, and the number of rate recomputations.
    """
    F = size.size
    nL = cap.size
    nnz = links.size
    # link -> (flow, coef) index
    lptr = np.zeros(nL + 1, dtype=np.int64)
    for q in range(nnz):
        lptr[links[q] + 1] += 1
    for l in range(nL):
        lptr[l + 1] += lptr[l]
    fill = lptr[:-1].copy()
    lflow = np.empty(nnz, dtype=np.int64)
    for f in range(F):
        for q in range(indptr[f], indptr[f + 1]):
            l = links[q]
            lflow[fill[l]] = f
            fill[l] += 1
    remaining = size.copy()
    active = np.ones(F, dtype=np.bool_)
    n_active = F
    rate = np.zeros(F)
    frozen = np.zeros(F, dtype=np.bool_)
    w = np.zeros(nL)
    fixed = np.zeros(nL)
    cnt = np.zeros(nL, dtype=np.int64)
    t = 0.0
    rounds = 0
    while n_active > 0:
        rounds += 1
        for l in range(nL):
            w[l] = 0.0
            fixed[l] = 0.0
            cnt[l] = 0
        n_unfrozen = 0
        for f in range(F):
            frozen[f] = not active[f]
            rate[f] = 0.0
            if active[f]:
                n_unfrozen += 1
                for q in range(indptr[f], indptr[f + 1]):
                    w[links[q]] += coef[q]
                    cnt[links[q]] += 1
        while n_unfrozen > 0:
            best = np.inf
            for l in range(nL):
                if cnt[l] > 0:
                    lev = (cap[l] - fixed[l]) / w[l]
                    if lev < best:
                        best = lev
            if best == np.inf:
                break
            if best < 0.0:
                best = 0.0
            thr = best * (1.0 + rtol) + 1e-300
            for l in range(nL):
                if cnt[l] > 0 and (cap[l] - fixed[l]) / w[l] <= thr:
                    for p in range(lptr[l], lptr[l + 1]):
                        f = lflow[p]
                        if frozen[f]:
                            continue
                        frozen[f] = True
                        rate[f] = best
                        n_unfrozen -= 1
                        for q in range(indptr[f], indptr[f + 1]):
                            m = links[q]
                            w[m] -= coef[q]
                            fixed[m] += coef[q] * best
                            cnt[m] -= 1
                    cnt[l] = 0
        dt = np.inf
        for f in range(F):
            if active[f] and rate[f] > 0:
                d = remaining[f] / rate[f]
                if d < dt:
                    dt = d
        if dt == np.inf:
            return np.inf, rounds
        t += dt
        for f in range(F):
            if active[f]:
                remaining[f] -= rate[f] * dt
                if remaining[f] <= rtol * size[f]:
                    active[f] = False
                    n_active -= 1
    return t, rounds


@njit(cache=True)
def multinomial_max_coeffs(p, c0, c1, S, n, M):
    """``[x^n] p_c(x)^S`` for ``c = c0..c1`` where ``p_c`` keeps ``p[0..c]``, read off an
    ``M``-point DFT (``M`` must exceed the spread of the sum; see ``multinomial_max_cdf``).

    ``P_c(w^k) = sum_{j<=c} p_j w^{jk}`` (``w = exp(2 pi i / M)``) is updated in ``O(M)`` per ``c``;
    the coefficient is ``(1/M) sum_k P_c(w^k)^S w^{-kn}``, with the integer power by squaring.

    Returns
    -------
    float64[c1 - c0 + 1]
    """
    out = np.empty(c1 - c0 + 1)
    root = np.empty(M, dtype=np.complex128)
    for k in range(M):
        ang = 2.0 * np.pi * k / M
        root[k] = complex(np.cos(ang), np.sin(ang))
    v = np.zeros(M, dtype=np.complex128)
    for j in range(c0 + 1):
        jm = j % M
        for k in range(M):
            v[k] += p[j] * root[(jm * k) % M]
    nm = n % M
    back = np.empty(M, dtype=np.complex128)
    idx = 0
    for k in range(M):
        back[k] = root[(M - idx) % M]
        idx += nm
        if idx >= M:
            idx -= M
    for c in range(c0, c1 + 1):
        if c > c0:
            cm = c % M
            idx = 0
            pc = p[c]
            for k in range(M):
                v[k] += pc * root[idx]
                idx += cm
                if idx >= M:
                    idx -= M
        acc = 0.0
        for k in range(M):
            # v[k] ** S by squaring
            base = v[k]
            e = S
            r = complex(1.0, 0.0)
            while e > 0:
                if e & 1:
                    r *= base
                base *= base
                e >>= 1
            acc += (r * back[k]).real
        out[c - c0] = acc / M
    return out
