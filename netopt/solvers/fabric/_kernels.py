"""Numba kernels of the fabric analyses (the only place with ``@njit``).

Kernels assume clean input: contiguous arrays of the documented dtypes, validated by the public
functions in :mod:`netopt.solvers.fabric.models` and :mod:`netopt.solvers.fabric.cct`.
Randomness comes from a xoshiro256** generator written here (:func:`rng_next`), one stream per
Monte Carlo sample derived from ``(seed, sample index)``, so the same seed gives the same samples
whether they are drawn serially or in parallel. Each kernel has a slow pure-Python twin in
``tests/solvers/fabric/naive_fabric.py``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


# ---------------------------------------------------------------------------- exact ECMP sampling
# Random numbers: xoshiro256** (Blackman & Vigna) seeded by splitmix64 from (seed, stream). Every
# Monte Carlo sample gets its own stream, so samples do not depend on the order (or thread) in which
# they are drawn. Pure-Python twin: ``tests/solvers/fabric/naive_fabric.py`` (``Xoshiro256``), bit for bit.
_U64 = np.uint64
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_STREAM = np.uint64(0xD1B54A32D192ED03)
_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)
#: :func:`ecmp_mc_parallel` splits its samples into this many blocks (threads take whole blocks)
MC_BLOCKS = 32
#: throws of at most this many balls use bit masks (:func:`_mask_round`), more the halving tree
MASK_MAX = 256


@njit(cache=True)
def rng_init(seed, stream, state):
    """Fill ``state`` (``uint64[4]``) for stream ``stream`` of ``seed`` (splitmix64 of
    ``seed ^ stream * C``)."""
    x = _U64(seed) ^ (_U64(stream) * _STREAM)
    for i in range(4):
        x += _GOLDEN
        z = x
        z = (z ^ (z >> _U64(30))) * _MIX1
        z = (z ^ (z >> _U64(27))) * _MIX2
        state[i] = z ^ (z >> _U64(31))


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << _U64(k)) | (x >> _U64(64 - k))


@njit(cache=True, inline="always")
def rng_next(s):
    """Next 64 random bits of the xoshiro256** state ``s`` (advanced in place)."""
    s0 = s[0]
    s1 = s[1]
    s2 = s[2]
    s3 = s[3]
    r = _rotl(s1 * _U64(5), 7) * _U64(9)
    t = s1 << _U64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    s[0] = s0
    s[1] = s1
    s[2] = s2
    s[3] = s3
    return r


@njit(cache=True, inline="always")
def _popcount(x):
    x = x - ((x >> _U64(1)) & _M1)
    x = (x & _M2) + ((x >> _U64(2)) & _M2)
    x = (x + (x >> _U64(4))) & _M4
    return np.int64((x * _H01) >> _U64(56))


@njit(cache=True, inline="always")
def _binomial_half(s, c):
    """Binomial(c, 1/2) exactly: the number of ones among ``c`` random bits (``c // 64`` whole
    words plus the top ``c % 64`` bits of one more word; written without data-dependent branches
    in the tail, which costs one spare word when ``c % 64 == 0``)."""
    x = 0
    for _ in range(c >> 6):
        x += _popcount(rng_next(s))
    rb = c & 63
    r = rng_next(s) >> _U64((64 - rb) & 63)
    if rb == 0:
        r = _U64(0)
    return x + _popcount(r)


@njit(cache=True, inline="always")
def _bounded(s, P, bits):
    """Uniform integer in ``[0, P)`` (``2**bits >= P``): top ``bits`` bits, rejected while ``>= P``."""
    if bits == 0:
        return 0
    while True:
        v = np.int64(rng_next(s) >> _U64(64 - bits))
        if v < P:
            return v


@njit(cache=True, inline="always")
def _mask_round(s, n, bits, Q, tmp, masks):
    """``tmp[:Q]`` = counts of ``n`` balls thrown uniformly into ``Q = 2**bits`` bins, 64 balls at a
    time: ball ``i`` of a chunk is bit ``i`` of a mask; each level draws one word ``w`` and sends
    the balls whose bit is set in ``w`` right (``m & w``), the others left (``m & ~w``); the bin
    counts are the popcounts of the ``Q`` leaf masks. ``bits`` words per 64 balls."""
    for q in range(Q):
        tmp[q] = 0
    rem = n
    while rem > 0:
        c = min(rem, 64)
        rem -= c
        masks[0] = _ALL >> _U64(64 - c)
        width = 1
        for _ in range(bits):
            w = rng_next(s)
            for j in range(width - 1, -1, -1):
                m = masks[j]
                masks[2 * j + 1] = m & w
                masks[2 * j] = m & ~w
            width *= 2
        for q in range(Q):
            tmp[q] += _popcount(masks[q])


@njit(cache=True, inline="always")
def _tree_round(s, n, Q, tmp):
    """``tmp[:Q]`` = counts of ``n`` balls thrown uniformly into ``Q`` (a power of two) bins by
    halving: a node holding ``c`` balls sends Binomial(c, 1/2) of them right."""
    tmp[0] = n
    for q in range(1, Q):
        tmp[q] = 0
    w = Q
    while w > 1:
        h = w >> 1
        for j in range(0, Q, w):
            c = tmp[j]
            x = _binomial_half(s, c)
            tmp[j] = c - x
            tmp[j + h] = x
        w = h


@njit(cache=True, inline="always")
def uniform_multinomial(s, n, P, counts, tmp, masks):
    """``counts[:P]`` = bin counts of ``n`` balls thrown uniformly and independently into ``P`` bins.

    Exact: with ``Q = 2**bits >= P`` virtual bins, every ball gets ``bits`` fair random bits
    (its virtual bin), by bit masks for up to :data:`MASK_MAX` balls (:func:`_mask_round`) and by
    halving with popcount binomials for more (:func:`_tree_round`); balls landing in virtual bins
    ``>= P`` are thrown again (rejection), so each ball ends in a uniform real bin. Fewer balls
    than ``Q`` are thrown one by one. ``tmp`` and ``masks`` need ``Q`` entries.
    """
    if P == 1:
        counts[0] = n
        return
    bits = 0
    Q = 1
    while Q < P:
        Q *= 2
        bits += 1
    if P == Q:  # no rejection: one round straight into counts
        if n < Q:
            for q in range(P):
                counts[q] = 0
            for _ in range(n):
                counts[_bounded(s, P, bits)] += 1
        elif n <= MASK_MAX:
            _mask_round(s, n, bits, Q, counts, masks)
        else:
            _tree_round(s, n, Q, counts)
        return
    for q in range(P):
        counts[q] = 0
    rem = n
    while rem > 0:
        if rem < Q:
            for _ in range(rem):
                counts[_bounded(s, P, bits)] += 1
            return
        if rem <= MASK_MAX:
            _mask_round(s, rem, bits, Q, tmp, masks)
        else:
            _tree_round(s, rem, Q, tmp)
        rem = 0
        for q in range(P):
            counts[q] += tmp[q]
        for q in range(P, Q):
            rem += tmp[q]


@njit(cache=True)
def uniform_multinomial_draws(n, P, seed, n_draws):
    """``n_draws`` samples of :func:`uniform_multinomial` (sample ``r`` on stream ``r``), for tests."""
    out = np.zeros((n_draws, P), dtype=np.int64)
    s = np.empty(4, dtype=np.uint64)
    Q = 1
    while Q < P:
        Q *= 2
    tmp = np.empty(Q, dtype=np.int64)
    masks = np.empty(Q, dtype=np.uint64)
    counts = np.empty(P, dtype=np.int64)
    for r in range(n_draws):
        rng_init(seed, r, s)
        uniform_multinomial(s, n, P, counts, tmp, masks)
        out[r] = counts
    return out


# ---------------------------------------------------------------------------- ECMP Monte Carlo
@njit(cache=True, inline="always")
def _live_paths(e, f, h, fat, up_cap, down_cap, up2_cap, down2_cap, pi, pj):
    """Live paths of a flow from leaf / edge ``e`` to ``f`` (``e != f``) into ``pi`` (spine or
    aggregation plane) and ``pj`` (core index, 0 within a pod); returns their number."""
    P = 0
    S = up_cap.shape[1]
    if not fat:
        for s in range(S):
            if up_cap[e, s] > 0 and down_cap[f, s] > 0:
                pi[P] = s
                pj[P] = 0
                P += 1
        return P
    pe = e // h
    pf = f // h
    for i in range(h):
        if up_cap[e, i] <= 0 or down_cap[f, i] <= 0:
            continue
        if pe == pf:
            pi[P] = i
            pj[P] = 0
            P += 1
            continue
        ge = pe * h + i
        gf = pf * h + i
        for j in range(h):
            if up2_cap[ge, j] > 0 and down2_cap[gf, j] > 0:
                pi[P] = i
                pj[P] = j
                P += 1
    return P


@njit(cache=True, inline="always")
def _tier_max(load, cap, m):
    """``max(m, load / cap)`` over the live links (``cap > 0``) of one tier block."""
    for a in range(load.shape[0]):
        for s in range(load.shape[1]):
            if cap[a, s] > 0:
                v = load[a, s] / cap[a, s]
                if v > m:
                    m = v
    return m


@njit(cache=True)
def _uniform_caps(up_cap, down_cap, up2_cap, down2_cap):
    """``float64[4]``: per tier block, its one capacity when every link of the block has it (and it
    is positive), else 0."""
    out = np.zeros(4)
    for t, cap in enumerate((up_cap, down_cap, up2_cap, down2_cap)):
        c = cap[0, 0]
        ok = c > 0
        for a in range(cap.shape[0]):
            for s in range(cap.shape[1]):
                if cap[a, s] != c:
                    ok = False
        if ok:
            out[t] = c
    return out


@njit(cache=True, inline="always")
def _block_max(load, cap, u, m):
    """``max(m, load / cap)`` over one tier block's live links; with ``u > 0`` (every capacity is
    ``u``) as ``max(load) / u``, the same value (division by ``u`` is monotone) without a division
    per link."""
    if u <= 0:
        return _tier_max(load, cap, m)
    x = 0.0
    for a in range(load.shape[0]):
        for s in range(load.shape[1]):
            if load[a, s] > x:
                x = load[a, s]
    v = x / u
    return v if v > m else m


@njit(cache=True)
def _mirrors(pa, pb, h, fat, failed, ucap, n_leaves):
    """``bool[2]``: whether the downlink tier (``[0]``), and the core -> aggregation tier (``[1]``),
    carry the same loads as the uplink (aggregation -> core) tier in every sample, up to renaming
    the switches, so that :func:`_ecmp_sample` need not fill or scan them: every leaf (edge
    switch) sends to one leaf only, which receives from it only (likewise pods for the core tiers:
    e.g. the pairwise steps of recursive doubling), on a healthy fabric whose two tiers have one
    capacity. The maximum is then the same value."""
    out = np.zeros(2, dtype=np.bool_)
    if failed:
        return out
    out[0] = ucap[0] > 0 and ucap[0] == ucap[1]
    out[1] = fat and ucap[2] > 0 and ucap[2] == ucap[3]
    to = np.full(n_leaves, -1, dtype=np.int64)
    frm = np.full(n_leaves, -1, dtype=np.int64)
    pto = np.full(n_leaves, -1, dtype=np.int64)
    pfrm = np.full(n_leaves, -1, dtype=np.int64)
    for p in range(pa.size):
        a = pa[p]
        b = pb[p]
        if (to[a] >= 0 and to[a] != b) or (frm[b] >= 0 and frm[b] != a):
            out[0] = False
        to[a] = b
        frm[b] = a
        if fat and a // h != b // h:
            qa = a // h
            qb = b // h
            if (pto[qa] >= 0 and pto[qa] != qb) or (pfrm[qb] >= 0 and pfrm[qb] != qa):
                out[1] = False
            pto[qa] = qb
            pfrm[qb] = qa
    return out


@njit(cache=True, inline="always")
def _add_path(q, x, a, b, h, inv_h, ah, bh, failed, inter, pi, pj, up, down, up2, down2, md, md2):
    """Add ``x`` bytes from leaf (edge) ``a`` to ``b`` on path ``q`` of :func:`_ecmp_sample` (a
    mirrored tier, see :func:`_mirrors`, is left alone). ``ah`` / ``bh``: the first aggregation
    switch of the source / destination pod; ``q // h`` is taken by a multiplication with
    ``inv_h = 1 / h`` and corrected to the exact quotient (an integer division per ball cost more than
    the rest of the throw)."""
    if failed:
        i = pi[q]
        j = pj[q]
    elif inter:
        i = np.int64(q * inv_h)
        if i * h > q:
            i -= 1
        elif (i + 1) * h <= q:
            i += 1
        j = q - i * h
    else:
        i = q
        j = 0
    up[a, i] += x
    if not md:
        down[b, i] += x
    if inter:
        up2[ah + i, j] += x
        if not md2:
            down2[bh + i, j] += x


@njit(cache=True)
def _all_live(cap, per):
    """Per block of ``per`` consecutive rows of ``cap``: whether every link is live (capacity > 0)."""
    out = np.ones(max(cap.shape[0] // per, 1), dtype=np.bool_)
    for r in range(cap.shape[0]):
        for c in range(cap.shape[1]):
            if cap[r, c] <= 0:
                out[r // per] = False
    return out


@njit(cache=True)
def _ecmp_sample(pa, pb, pn, pw, h, fat, failed, up_cap, down_cap, up2_cap, down2_cap, s, up, down, up2, down2,
                 counts, tmp, masks, pi, pj, ucap, mirror):
    """One ECMP sample into the scratch loads (``up2``/``down2`` unused on a leaf-spine); returns its
    max congestion over live links. A group's balls fall uniformly on its paths: the ``S`` spines of
    a leaf-spine, the ``h`` aggregation planes within a pod, the ``h*h`` (plane, core) pairs between
    pods (path ``q`` is plane ``q // h``, core ``q % h``); with ``failed`` on the live paths only, in
    :func:`_live_paths` order."""
    S = up_cap.shape[1]
    md = mirror[0]  # scalars: the loop below then keeps them in registers
    md2 = mirror[1]
    up[:, :] = 0.0
    if not md:
        down[:, :] = 0.0
    if fat:
        up2[:, :] = 0.0
        if not md2:
            down2[:, :] = 0.0
    inv_h = 1.0 / h
    pow2 = h > 0 and (h & (h - 1)) == 0
    hb = 0
    while (1 << hb) < h:
        hb += 1
    hm = h - 1
    fu = fd = fu2 = fd2 = np.ones(1, dtype=np.bool_)  # read only with failed cables
    if failed:  # switches / pods with every link live: their groups draw as on a healthy fabric
        fu = _all_live(up_cap, 1)
        fd = _all_live(down_cap, 1)
        if fat:
            fu2 = _all_live(up2_cap, h)
            fd2 = _all_live(down2_cap, h)
    for p in range(pa.size):
        a = pa[p]
        b = pb[p]
        w = pw[p]
        ah = (a // h) * h
        bh = (b // h) * h
        inter = fat and ah != bh
        # a group whose paths are all live lists them in plane-major order: path v is plane v // h,
        # core v % h, as on a healthy fabric, so it skips the listing (the same draws and loads)
        gfailed = failed and not (fu[a] and fd[b] and (not inter or (fu2[a // h] and fd2[b // h])))
        if gfailed:
            P = _live_paths(a, b, h, fat, up_cap, down_cap, up2_cap, down2_cap, pi, pj)
        elif inter:
            P = h * h
        else:
            P = S
        n = pn[p]
        bits = 0
        Q = 1
        while Q < P:
            Q *= 2
            bits += 1
        if n < Q and P == Q and inter and pow2 and not gfailed:
            # the same draws as below without a rejection test or a division: path v is plane v >> hb, core v & (h-1)
            sh = _U64(64 - bits)
            for _ in range(n):
                v = np.int64(rng_next(s) >> sh)
                i = v >> hb
                j = v & hm
                up[a, i] += w
                if not md:
                    down[b, i] += w
                up2[ah + i, j] += w
                if not md2:
                    down2[bh + i, j] += w
            continue
        if n < Q and gfailed:  # the same draws as _bounded, the path read off the live-path list
            if P == 0:  # no live path (the callers refuse such a group before sampling)
                continue
            sh = _U64(64 - bits)
            for _ in range(n):
                v = P
                if bits == 0:
                    v = 0
                while v >= P:
                    v = np.int64(rng_next(s) >> sh)
                i = pi[v]
                j = pj[v]
                up[a, i] += w
                if not md:
                    down[b, i] += w
                if inter:
                    up2[ah + i, j] += w
                    if not md2:
                        down2[bh + i, j] += w
            continue
        if n < Q:  # few balls: thrown one by one as uniform_multinomial would (same draws), no P-sized count pass
            for _ in range(n):
                _add_path(_bounded(s, P, bits), w, a, b, h, inv_h, ah, bh, gfailed, inter, pi, pj, up, down, up2, down2,
                          md, md2)
            continue
        uniform_multinomial(s, n, P, counts, tmp, masks)
        if not gfailed and not inter:  # path q is plane (spine) q
            for q in range(P):
                c = counts[q]
                if c:
                    up[a, q] += c * w
                    if not md:
                        down[b, q] += c * w
            continue
        for q in range(P):
            if counts[q]:
                _add_path(q, counts[q] * w, a, b, h, inv_h, ah, bh, gfailed, inter, pi, pj, up, down, up2, down2, md,
                          md2)
    m = _block_max(up, up_cap, ucap[0], 0.0)
    if not md:
        m = _block_max(down, down_cap, ucap[1], m)
    if fat:
        m = _block_max(up2, up2_cap, ucap[2], m)
        if not md2:
            m = _block_max(down2, down2_cap, ucap[3], m)
    return m


@njit(cache=True)
def _ecmp_scratch(up_cap, up2_cap, h, fat):
    """Scratch arrays of one :func:`_ecmp_sample`: loads shaped as the capacity blocks, the
    multinomial's counts / bins / masks and the live-path buffers, and the RNG state."""
    P = h * h if fat else up_cap.shape[1]
    return (np.zeros(up_cap.shape), np.zeros(up_cap.shape), np.zeros(up2_cap.shape), np.zeros(up2_cap.shape),
            np.empty(P, dtype=np.int64), np.empty(2 * P, dtype=np.int64), np.empty(2 * P, dtype=np.uint64),
            np.empty(P, dtype=np.int64), np.empty(P, dtype=np.int64), np.empty(4, dtype=np.uint64))


@njit(cache=True)
def ecmp_mc(pa, pb, pn, pw, h, fat, failed, up_cap, down_cap, up2_cap, down2_cap, n_seeds, seed):
    """Max congestion of random ECMP hashing, for ``n_seeds`` samples.

    Every flow hashes independently and uniformly onto one live path of its leaf (edge) pair: a
    spine of a leaf-spine; on a k-ary fat-tree (``fat``, ``h = k/2``) an aggregation plane within a
    pod, a (plane, core) pair between pods. The path counts of a flow group are drawn at once by
    :func:`uniform_multinomial` (exact). Sample ``r`` uses random stream ``r`` of ``seed``.

    Parameters
    ----------
    pa, pb : int64[:]
        Source and destination leaf / edge switch of each flow group (``pa != pb``).
    pn : int64[:]
        Flows in the group.
    pw : float64[:]
        Bytes of each flow of the group.
    h, fat, failed
        ``k/2`` of a fat-tree (any value on a leaf-spine); whether the fabric is a fat-tree (with no
        group between pods a fat-tree's step may pass ``False``: its paths within a pod are those of a
        leaf-spine, and the core tiers are then neither cleared nor scanned); whether some link is
        down (then every group's live paths are listed per sample, and every group needs one).
    up_cap, down_cap : float64[L, S]
        Capacity (bytes/s) of leaf ``a`` -> spine (plane) ``s`` and back to leaf ``b``; 0 = failed.
    up2_cap, down2_cap : float64[A, h]
        Fat-tree: aggregation ``g`` <-> core ``(g % h)*h + j`` (a ``(1, 1)`` dummy on a leaf-spine).
    n_seeds, seed : int
        Number of samples; RNG seed (``>= 0``).

    Returns
    -------
    float64[n_seeds]
        ``max(load / capacity)`` over the switch links, per sample.
    """
    out = np.empty(n_seeds)
    up, down, up2, down2, counts, tmp, masks, pi, pj, s = _ecmp_scratch(up_cap, up2_cap, h, fat)
    ucap = _uniform_caps(up_cap, down_cap, up2_cap, down2_cap)
    mirror = _mirrors(pa, pb, h, fat, failed, ucap, up_cap.shape[0])
    for r in range(n_seeds):
        rng_init(seed, r, s)
        out[r] = _ecmp_sample(pa, pb, pn, pw, h, fat, failed, up_cap, down_cap, up2_cap, down2_cap, s, up, down,
                              up2, down2, counts, tmp, masks, pi, pj, ucap, mirror)
    return out


@njit(cache=True, parallel=True)
def ecmp_mc_parallel(pa, pb, pn, pw, h, fat, failed, up_cap, down_cap, up2_cap, down2_cap, n_seeds, seed):
    """:func:`ecmp_mc` with the samples spread over Numba's threads (``prange``); the same output,
    since sample ``r`` always uses stream ``r``."""
    out = np.empty(n_seeds)
    ucap = _uniform_caps(up_cap, down_cap, up2_cap, down2_cap)
    mirror = _mirrors(pa, pb, h, fat, failed, ucap, up_cap.shape[0])
    # one scratch per block of samples, not per sample (a k = 64 fat-tree's load blocks are 2 MiB:
    # fresh per sample they cost more page faults than the sample itself)
    n_blocks = min(n_seeds, MC_BLOCKS)
    for blk in prange(n_blocks):
        up, down, up2, down2, counts, tmp, masks, pi, pj, s = _ecmp_scratch(up_cap, up2_cap, h, fat)
        for r in range(blk * n_seeds // n_blocks, (blk + 1) * n_seeds // n_blocks):
            rng_init(seed, np.int64(r), s)
            out[r] = _ecmp_sample(pa, pb, pn, pw, h, fat, failed, up_cap, down_cap, up2_cap, down2_cap, s, up, down,
                                  up2, down2, counts, tmp, masks, pi, pj, ucap, mirror)
    return out

@njit(cache=True, inline="always")
def _sift_down(key, ids, n, i):
    """Restore the min-heap order of ``key[:n]`` (with ``ids`` alongside) below position ``i``."""
    while True:
        c = 2 * i + 1
        if c >= n:
            return
        if c + 1 < n and key[c + 1] < key[c]:
            c += 1
        if key[c] >= key[i]:
            return
        key[i], key[c] = key[c], key[i]
        ids[i], ids[c] = ids[c], ids[i]
        i = c


@njit(cache=True, inline="always")
def _find(parent, x):
    """Root of ``x`` in the union-find forest ``parent`` (with path compression)."""
    r = x
    while parent[r] != r:
        r = parent[r]
    while parent[x] != r:
        nxt = parent[x]
        parent[x] = r
        x = nxt
    return r


@njit(cache=True)
def _csr_group(keys, n):
    """``(ptr, order)``: the indices ``i`` with ``keys[i] == g`` at ``order[ptr[g]:ptr[g+1]]``, ascending
    (a counting sort of ``keys`` in ``[0, n)``)."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    for i in range(keys.size):
        ptr[keys[i] + 1] += 1
    for g in range(n):
        ptr[g + 1] += ptr[g]
    fill = ptr[:-1].copy()
    order = np.empty(keys.size, dtype=np.int64)
    for i in range(keys.size):
        order[fill[keys[i]]] = i
        fill[keys[i]] += 1
    return ptr, order


@njit(cache=True)
def flow_components(indptr, links, n_links):
    """Connected components of the flow-link graph: ``(start, order)`` with the flows of component
    ``c`` at ``order[start[c]:start[c+1]]`` (ascending flow id; a flow without links is a component of
    its own). Max-min fair rates, and so completion times, of different components are independent."""
    F = indptr.size - 1
    parent = np.arange(n_links)
    for f in range(F):
        q0 = indptr[f]
        if q0 == indptr[f + 1]:
            continue
        r0 = _find(parent, links[q0])
        for q in range(q0 + 1, indptr[f + 1]):
            r = _find(parent, links[q])
            if r != r0:
                parent[r] = r0
    label = np.full(n_links, -1, dtype=np.int64)
    comp = np.empty(F, dtype=np.int64)
    nc = 0
    for f in range(F):
        if indptr[f] == indptr[f + 1]:
            comp[f] = nc
            nc += 1
            continue
        r = _find(parent, links[indptr[f]])
        if label[r] < 0:
            label[r] = nc
            nc += 1
        comp[f] = label[r]
    start, order = _csr_group(comp, nc)
    return start, order


@njit(cache=True)
def _progressive_filling(act, n_active, indptr, links, coef, size, cap, rtol, max_work, work, lptr, lflow,
                         remaining, active, rate, frozen, w, fixed, cnt, hkey, hid):
    """Completion time of the flows ``act[:n_active]`` (closed under sharing a link: one or more
    components), as :func:`maxmin_completion`; ``act`` and the state arrays are scratch. Returns
    ``(t, rounds, work)``: ``t`` is ``nan`` once the total ``work`` passes ``max_work``."""
    t = 0.0
    rounds = 0
    while n_active > 0:
        rounds += 1
        # reset and rebuild the unfrozen weight of the links that active flows use
        nz = 0
        for x in range(n_active):
            f = act[x]
            for q in range(indptr[f], indptr[f + 1]):
                l = links[q]
                w[l] = 0.0
                fixed[l] = 0.0
                cnt[l] = 0
            nz += indptr[f + 1] - indptr[f]
        work += nz
        if max_work > 0 and work > max_work:
            return np.nan, rounds, work
        n_unfrozen = n_active
        # saturation levels in a lazy binary min-heap (hkey, hid): a link's level only rises when
        # flows on it freeze (at a rate <= its level), so an out-of-date entry is re-keyed when it
        # reaches the top; links without unfrozen flows are dropped there
        hn = 0
        for x in range(n_active):
            f = act[x]
            frozen[f] = False
            rate[f] = 0.0
            for q in range(indptr[f], indptr[f + 1]):
                l = links[q]
                if cnt[l] == 0:
                    hid[hn] = l
                    hn += 1
                w[l] += coef[q]
                cnt[l] += 1
        for i in range(hn):
            l = hid[i]
            hkey[i] = (cap[l] - fixed[l]) / w[l]
        for i in range(hn // 2 - 1, -1, -1):
            _sift_down(hkey, hid, hn, i)
        while n_unfrozen > 0:
            best = np.inf
            while hn > 0:
                l = hid[0]
                if cnt[l] == 0:
                    hn -= 1
                    hkey[0] = hkey[hn]
                    hid[0] = hid[hn]
                    _sift_down(hkey, hid, hn, 0)
                    continue
                cur = (cap[l] - fixed[l]) / w[l]
                if cur != hkey[0]:
                    hkey[0] = cur
                    _sift_down(hkey, hid, hn, 0)
                    continue
                best = cur
                break
            if best == np.inf:
                break
            if best < 0.0:
                best = 0.0
            thr = best * (1.0 + rtol) + 1e-300
            while hn > 0:
                l = hid[0]
                if cnt[l] > 0:
                    cur = (cap[l] - fixed[l]) / w[l]
                    if cur > thr:
                        if cur != hkey[0]:
                            hkey[0] = cur
                            _sift_down(hkey, hid, hn, 0)
                            continue
                        break
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
                hn -= 1
                hkey[0] = hkey[hn]
                hid[0] = hid[hn]
                _sift_down(hkey, hid, hn, 0)
        dt = np.inf
        for x in range(n_active):
            f = act[x]
            if rate[f] > 0:
                d = remaining[f] / rate[f]
                if d < dt:
                    dt = d
        if dt == np.inf:
            return np.inf, rounds, work
        if max_work > 0 and (rounds & (rounds - 1)) == 0 and work + 0.5 * n_active * nz > max_work:
            # flows finishing at distinct times need a recomputation each: estimate the rounds left
            # from the current rates (at recomputations 1, 2, 4, 8, ...) and give up at once when
            # they would exceed the budget
            fin = np.empty(n_active)
            for x in range(n_active):
                f = act[x]
                fin[x] = remaining[f] / rate[f] if rate[f] > 0 else np.inf
            fin.sort()
            distinct = 1
            for i in range(1, n_active):
                if fin[i] > fin[i - 1] * (1.0 + 1e-6):
                    distinct += 1
            if work + 0.5 * distinct * nz > max_work:
                return np.nan, rounds, work
        t += dt
        c = 0
        for x in range(n_active):
            f = act[x]
            remaining[f] -= rate[f] * dt
            if remaining[f] <= rtol * size[f]:
                active[f] = False
                frozen[f] = True  # finished flows stay frozen: the link -> flow scans skip them
            else:
                act[c] = f
                c += 1
        n_active = c
    return t, rounds, work


@njit(cache=True)
def maxmin_completion(indptr, links, coef, size, cap, rtol, max_work):
    """Completion time of flows sharing links under max-min fair rates (progressive filling).

    Flow ``f`` crosses links ``links[indptr[f]:indptr[f+1]]``; at rate ``x`` it puts
    ``coef * x`` on each (``coef < 1`` models a flow sprayed over several paths). Rates are the
    max-min fair allocation (water-filling: raise all unfrozen rates together; when a link
    saturates, freeze its flows). Time then advances to the next flow completion and rates are
    recomputed. Each water-filling costs ``O((nnz + n_links) log n_links)`` using a link -> flow
    index and a lazy binary heap of saturation levels: the level at which link ``l`` saturates,
    ``(cap - frozen load) / unfrozen weight``, only changes (and then only rises) when one of its
    flows freezes, so an entry is re-keyed when it reaches the top.

    The flows are first split into the connected components of the flow-link graph
    (:func:`flow_components`): a completion changes the rates of its own component only, so each
    component is filled on its own and recomputed at its own completions (the answer is the
    latest component's). A step whose flows pair up leaf to leaf (recursive doubling on a
    fat-tree: 2,048 components of 32 flows) then costs the sum of its components' recomputations
    instead of every distinct completion time times every flow.

    Parameters
    ----------
    indptr : int64[F+1]; links : int64[nnz]; coef : float64[nnz]
    size : float64[F]
        Bytes per flow (> 0).
    cap : float64[n_links]
        Bytes per second (> 0 on every link a flow uses).
    rtol : float
        Relative tolerance for saturation and completion.
    max_work : float
        Give up (time ``nan``) once the rate recomputations have touched more than this many
        (flow, link) entries and links in total (0: no limit). Unequal flows with unequal rates
        finish one by one, so a component can need as many recomputations as flows.

    Returns
    -------
    (float, int64)
        Time (s) when the last flow completes, and the number of rate recomputations (summed over
        the components).
    """
    F = size.size
    nnz = links.size
    # the links some flow uses, renumbered 0..nL-1 (a fabric has more links than a sparse step uses)
    lmap = np.full(cap.size, -1, dtype=np.int64)
    links = links.copy()
    ucap = np.empty(nnz)
    nL = 0
    for q in range(nnz):
        l = links[q]
        if lmap[l] < 0:
            lmap[l] = nL
            ucap[nL] = cap[l]
            nL += 1
        links[q] = lmap[l]
    cap = ucap[:nL]
    # link -> flow index: the flows on link l are lflow[lptr[l]:lptr[l+1]]
    lptr, entries = _csr_group(links, nL)
    flow_of = np.empty(nnz, dtype=np.int64)
    for f in range(F):
        for q in range(indptr[f], indptr[f + 1]):
            flow_of[q] = f
    lflow = flow_of[entries]
    start, order = flow_components(indptr, links, nL)
    remaining = size.copy()
    active = np.ones(F, dtype=np.bool_)
    act = np.empty(F, dtype=np.int64)
    rate = np.zeros(F)
    frozen = np.zeros(F, dtype=np.bool_)
    w = np.zeros(nL)
    fixed = np.zeros(nL)
    cnt = np.zeros(nL, dtype=np.int64)
    hkey = np.empty(nL)
    hid = np.empty(nL, dtype=np.int64)
    t = 0.0
    rounds = 0
    work = 0.0
    for c in range(start.size - 1):
        n_active = start[c + 1] - start[c]
        if n_active == 1:  # a flow alone: its rate is its tightest link's capacity / coefficient
            f = order[start[c]]
            best = np.inf
            for q in range(indptr[f], indptr[f + 1]):
                v = cap[links[q]] / coef[q]
                if v < best:
                    best = v
            rounds += 1
            work += indptr[f + 1] - indptr[f]
            if max_work > 0 and work > max_work:
                return np.nan, rounds
            if best == np.inf or best <= 0:
                return np.inf, rounds
            if size[f] / best > t:
                t = size[f] / best
            continue
        for x in range(n_active):
            act[x] = order[start[c] + x]
        tc, rc, work = _progressive_filling(act, n_active, indptr, links, coef, size, cap, rtol, max_work, work,
                                            lptr, lflow, remaining, active, rate, frozen, w, fixed, cnt, hkey, hid)
        rounds += rc
        if np.isnan(tc) or tc == np.inf:
            return tc, rounds
        if tc > t:
            t = tc
    return t, rounds


@njit(cache=True)
def multinomial_max_coeffs(v0, p, c0, c1, S, n, M, ks):
    """``[x^n] p_c(x)^S`` for ``c = c0..c1`` where ``p_c`` keeps ``p[0..c]``, read off an
    ``M``-point DFT (``M`` must exceed the spread of the sum; see ``multinomial_max_cdf``) at the
    points ``ks`` only (the caller drops the points whose term is below ``e^-100`` for every ``c``).

    ``v0[i] = P_c0(w^ks[i]) = sum_{j<=c0} p_j w^{j ks[i]}`` (``w = exp(2 pi i / M)``; the caller
    takes it from one FFT) is updated in ``O(len(ks))`` per ``c``; the coefficient is
    ``(1/M) sum_k Re(P_c(w^k)^S w^{-kn})`` (integer power by squaring; ``ks`` must be closed under
    ``k -> M - k``). Angles are reduced exactly: ``(c k) mod M`` in integers.

    Returns
    -------
    float64[c1 - c0 + 1]
    """
    K = ks.size
    out = np.empty(c1 - c0 + 1)
    v = v0.copy()
    back = np.empty(K, dtype=np.complex128)
    two_pi_m = 2.0 * np.pi / M
    for i in range(K):
        ang = -two_pi_m * ((ks[i] * n) % M)
        back[i] = complex(np.cos(ang), np.sin(ang))
    for c in range(c0, c1 + 1):
        if c > c0:
            pc = p[c]
            for i in range(K):
                ang = two_pi_m * ((c * ks[i]) % M)
                v[i] += pc * complex(np.cos(ang), np.sin(ang))
        acc = 0.0
        for i in range(K):
            base = v[i]
            e = S
            r = complex(1.0, 0.0)
            while e > 0:
                if e & 1:
                    r *= base
                base *= base
                e >>= 1
            acc += (r * back[i]).real
        out[c - c0] = acc / M
    return out


# ---------------------------------------------------------------------------- equitable colouring
@njit(cache=True)
def bounded_choice_greedy(ia, ib, order, lo_pair, lo_row, hi_row, lo_col, hi_col):
    """Greedy 0/1 choice ``y`` per pair ``(ia[p], ib[p])`` for one colour of the equitable colouring:
    pairs with ``lo_pair[p] = 1`` first, then the others in ``order``, each taken while its row
    count stays ``<= hi_row`` and its column count ``<= hi_col``. Returns ``(y, ok)``: ``ok`` when
    every row and column count also reaches its lower bound (else the caller solves the round
    exactly by max-flow)."""
    n = ia.size
    L = lo_row.size
    y = np.zeros(n, dtype=np.int64)
    rc = np.zeros(L, dtype=np.int64)
    cc = np.zeros(L, dtype=np.int64)
    for p in range(n):
        if lo_pair[p] > 0:
            y[p] = 1
            rc[ia[p]] += 1
            cc[ib[p]] += 1
    for q in range(n):
        p = order[q]
        a = ia[p]
        b = ib[p]
        if y[p] == 0 and rc[a] < hi_row[a] and cc[b] < hi_col[b]:
            y[p] = 1
            rc[a] += 1
            cc[b] += 1
    ok = True
    for v in range(L):
        if rc[v] < lo_row[v] or rc[v] > hi_row[v] or cc[v] < lo_col[v] or cc[v] > hi_col[v]:
            ok = False
            break
    return y, ok


# ---------------------------------------------------------------------------- class-greedy unsplit routing
@njit(cache=True)
def _grow(a, n):
    """``a`` (2-D int64) with at least ``n`` rows (doubling)."""
    if n <= a.shape[0]:
        return a
    b = np.empty((max(n, 2 * a.shape[0]), a.shape[1]), dtype=np.int64)
    b[: a.shape[0]] = a
    return b


#: relative tolerance under which two keys of :func:`_pick` count as equal (sums of the same flows
#: in a different order differ in the last bits; ties then go by the next key, then the index)
PICK_TOL = 1e-9


@njit(cache=True, inline="always")
def _before(k1, k2, s, k1b, k2b, sb):
    """``(k1, k2, s)`` comes before ``(k1b, k2b, sb)``: lexicographic, keys equal within :data:`PICK_TOL`."""
    t1 = PICK_TOL * abs(k1b)
    if k1 < k1b - t1:
        return True
    if k1 > k1b + t1:
        return False
    t2 = PICK_TOL * abs(k2b)
    if k2 < k2b - t2:
        return True
    if k2 > k2b + t2:
        return False
    return s < sb


@njit(cache=True, inline="always")
def _pick(r, S, row_u, off_u, row_d, off_d, cap_u, cap_d, w, chosen):
    """Mark in ``chosen`` the ``r`` colours (of ``S``) that come first when the colours are ordered by
    ``max((row_u + off_u + w)/cap_u, (row_d + off_d + w)/cap_d)``, then by the sum of both terms,
    then by index (:func:`_before`): ``r`` passes taking the first, or for ``r > S/2`` all colours
    less ``S - r`` passes dropping the last."""
    take = r <= S - r
    for s in range(S):
        chosen[s] = 0 if take else 1
    for _ in range(r if take else S - r):
        best = -1
        k1b = 0.0
        k2b = 0.0
        for s in range(S):
            if chosen[s] != (0 if take else 1):
                continue
            x = (row_u[s] + off_u + w) / cap_u[s]
            y = (row_d[s] + off_d + w) / cap_d[s]
            k1 = x if x > y else y
            k2 = x + y
            if best < 0 or (take and _before(k1, k2, s, k1b, k2b, best)) or \
                    (not take and _before(k1b, k2b, best, k1, k2, s)):
                best = s
                k1b = k1
                k2b = k2
        chosen[best] = 1 if take else 0


@njit(cache=True)
def _stage1_rem(a, b, cnt, w, S, h, fat, pb, up, down, off_a, downb, cu, cd, m, mtouch, chosen, record, d, rec1,
                n1):
    """The ``cnt % S`` remainder flows of ``w`` bytes from leaf ``a`` to leaf ``b`` (stage 1 of
    :func:`class_greedy`), one each on the colours first by :func:`_pick`; ``off_a`` / ``downb[b]``
    are the parts of the two rows added to every colour so far. Returns ``(rec1, n1)``."""
    r = cnt % S
    if r == 0:
        return rec1, n1
    inter = fat and (a // h != pb)
    _pick(r, S, up[a], off_a, down[b], downb[b], cu[a], cd[b], w, chosen)
    for s in range(S):
        if chosen[s]:
            up[a, s] += w
            down[b, s] += w
            if inter:
                m[a // h, s] += 1
                mtouch[a // h] = True
            if record:
                rec1 = _grow(rec1, n1 + 1)
                rec1[n1, 0] = d
                rec1[n1, 1] = a
                rec1[n1, 2] = s
                n1 += 1
    return rec1, n1


@njit(cache=True)
def class_greedy(D, dest_leaf, dest_w, ptr, ent_a, ent_c, implicit, n_leaf, pptr, pleaf, units,
                 S, h, fat, cu, cd, cu2, cd2, record):
    """Unsplit (or ``units``-split) routing of flows grouped in destination classes, largest first.

    Destination class ``d`` (in the given order: decreasing flow size) receives ``cnt`` equal flows of
    ``dest_w[d]`` bytes from each source leaf ``a``: explicit (``implicit = False``) as the entries
    ``ptr[d]..ptr[d+1]`` of ``(ent_a, ent_c)`` (ascending ``a``); implicit (the skewed all-to-all) as
    ``n_leaf[a]`` from every leaf ``a != dest_leaf[d]`` less one per same-server partner (leaves
    ``pleaf[pptr[d]..]``, ascending). Each count is multiplied by ``units`` (subflows of
    ``dest_w / units`` bytes).

    Stage 1 (leaf -> spine, or edge -> aggregation plane ``i`` on a fat-tree, ``S`` colours): every
    colour gets ``cnt // S`` flows of every entry of the class; then, entry by entry in ascending
    ``a``, the ``cnt % S`` others go one each to the colours where the larger of the two resulting
    link congestions (uplink of ``a``, downlink of ``dest_leaf``) is smallest (then the sum of both,
    then the lower colour; keys equal within ``PICK_TOL``). Fat-tree stage 2, per destination: the
    flows from pod ``p`` on plane ``i`` to another pod are spread over the ``h`` cores of the plane
    the same way (aggregation -> core link of ``(p, i)`` and core -> aggregation link of the
    destination pod's ``i``), pods and planes in ascending order.

    Loads added to every colour of a row are kept as one number per row (per pod for the core
    tiers). Implicit mode visits, per destination, only the leaves with a remainder (``n_leaf *
    units`` not a multiple of ``S``) and the destination's partner leaves; the others' uplink share
    is ``base * (sum of the weights so far)``, kept lazily (equal to the explicit mode's sums up to
    rounding).

    Returns ``(up, down, up2, down2, rec1, n1, rec2, n2)``: link loads in bytes and, with
    ``record``, the colours of the remainder flows: ``rec1[:n1]`` rows ``(d, a, colour)``,
    ``rec2[:n2]`` rows ``(d, pod, plane, core)``.
    """
    L = cu.shape[0]
    A = cu2.shape[0]
    up = np.zeros((L, S))
    down = np.zeros((L, S))
    upb_x = np.zeros(L)
    downb = np.zeros(L)
    up2 = np.zeros((A, h))
    down2 = np.zeros((A, h))
    up2b = np.zeros(A)
    down2b = np.zeros(A)
    k = A // h if fat else 1
    up2p = np.zeros(k)
    down2p = np.zeros(k)
    m = np.zeros((k, S), dtype=np.int64)
    mb = np.zeros(k, dtype=np.int64)
    mtouch = np.zeros(k, dtype=np.bool_)
    chosen = np.zeros(S, dtype=np.int64)
    chosen2 = np.zeros(h, dtype=np.int64)
    rec1 = np.empty((64, 3), dtype=np.int64)
    rec2 = np.empty((64, 4), dtype=np.int64)
    n1 = 0
    n2 = 0
    # implicit mode: regular leaves (no remainder) handled lazily
    base0 = np.zeros(L, dtype=np.int64)
    irr = np.zeros(L, dtype=np.bool_)
    excl = np.zeros(L)
    npart = np.zeros(L, dtype=np.int64)
    mark = np.zeros(L, dtype=np.bool_)
    R = np.empty(L, dtype=np.int64)
    nR = 0
    reg_total = 0
    reg_pod = np.zeros(k, dtype=np.int64)
    lst_a = np.empty(L, dtype=np.int64)
    lst_c = np.empty(L, dtype=np.int64)
    lst_off = np.empty(L)
    if implicit:
        for a in range(L):
            c0 = n_leaf[a] * units
            base0[a] = c0 // S
            if c0 - base0[a] * S:
                irr[a] = True
                R[nR] = a
                nR += 1
            else:
                reg_total += base0[a]
                if fat:
                    reg_pod[a // h] += base0[a]
    Wp = 0.0
    for d in range(D):
        b = dest_leaf[d]
        w = dest_w[d] / units
        pb = b // h if fat else 0
        nl = 0
        if implicit:
            for q in range(pptr[d], pptr[d + 1]):
                npart[pleaf[q]] += 1
            # regular leaves: every colour gets base0 flows (lazily on the uplink side)
            reg = reg_total
            if not irr[b]:
                reg -= base0[b]
            for q in range(pptr[d], pptr[d + 1]):
                a = pleaf[q]
                if not irr[a] and not mark[a] and a != b:
                    mark[a] = True
                    reg -= base0[a]
            downb[b] += reg * w
            if fat:
                for p in range(k):
                    mb[p] += reg_pod[p]
                if not irr[b]:
                    mb[pb] -= base0[b]
                for q in range(pptr[d], pptr[d + 1]):
                    a = pleaf[q]
                    if mark[a]:
                        mb[a // h] -= base0[a]
                mb[pb] = 0  # flows within the destination's pod never reach a core
            # the leaves with a remainder and the partner leaves, ascending (R merged with the
            # sorted partners); their uplink row offset before this class
            qr = 0
            qp = pptr[d]
            while qr < nR or qp < pptr[d + 1]:
                if qp < pptr[d + 1] and (qr >= nR or pleaf[qp] < R[qr]):
                    a = pleaf[qp]
                    qp += 1
                    if not mark[a]:
                        continue
                    mark[a] = False
                    off = base0[a] * (Wp - excl[a])
                    excl[a] += w
                else:
                    a = R[qr]
                    qr += 1
                    off = 0.0
                    if a == b:
                        continue
                cnt = (n_leaf[a] - npart[a]) * units
                if cnt <= 0:
                    continue
                lst_a[nl] = a
                lst_c[nl] = cnt
                lst_off[nl] = off
                nl += 1
            for q in range(pptr[d], pptr[d + 1]):
                npart[pleaf[q]] = 0
            if not irr[b]:
                excl[b] += w
            Wp += w
        else:
            for q in range(ptr[d], ptr[d + 1]):
                lst_a[nl] = ent_a[q]
                lst_c[nl] = ent_c[q] * units
                lst_off[nl] = 0.0
                nl += 1
        # every entry's base part first, then the remainders entry by entry
        for q in range(nl):
            a = lst_a[q]
            base = lst_c[q] // S
            if base:
                upb_x[a] += base * w
                downb[b] += base * w
                if fat and a // h != pb:
                    mb[a // h] += base
        for q in range(nl):
            a = lst_a[q]
            rec1, n1 = _stage1_rem(a, b, lst_c[q], w, S, h, fat, pb, up, down, lst_off[q] + upb_x[a], downb, cu, cd,
                                   m, mtouch, chosen, record, d, rec1, n1)
        if fat:
            for p in range(k):
                if p == pb or (mb[p] == 0 and not mtouch[p]):
                    mb[p] = 0
                    continue
                if not mtouch[p] and mb[p] % h == 0:  # the same count on every plane: pod offsets
                    base = mb[p] // h
                    up2p[p] += base * w
                    down2p[pb] += base * w
                    mb[p] = 0
                    continue
                for i in range(S):
                    c2 = m[p, i] + mb[p]
                    if c2 == 0:
                        continue
                    m[p, i] = 0
                    gu = p * h + i
                    gd = pb * h + i
                    base = c2 // h
                    r = c2 - base * h
                    if base:
                        up2b[gu] += base * w
                        down2b[gd] += base * w
                    if r:
                        _pick(r, h, up2[gu], up2b[gu] + up2p[p], down2[gd], down2b[gd] + down2p[pb], cu2[gu], cd2[gd],
                              w, chosen2)
                        for c in range(h):
                            if chosen2[c]:
                                up2[gu, c] += w
                                down2[gd, c] += w
                                if record:
                                    rec2 = _grow(rec2, n2 + 1)
                                    rec2[n2, 0] = d
                                    rec2[n2, 1] = p
                                    rec2[n2, 2] = i
                                    rec2[n2, 3] = c
                                    n2 += 1
                mb[p] = 0
                mtouch[p] = False
    for a in range(L):
        off = upb_x[a]
        if implicit and not irr[a]:
            off += base0[a] * (Wp - excl[a])
        for s in range(S):
            up[a, s] += off
            down[a, s] += downb[a]
    for g in range(A):
        p = g // h
        for c in range(h):
            up2[g, c] += up2b[g] + up2p[p]
            down2[g, c] += down2b[g] + down2p[p]
    return up, down, up2, down2, rec1, n1, rec2, n2


# ---------------------------------------------------------------------------- failed links
@njit(cache=True)
def greedy_paths(ga, gb, gn, gw, units, h, fat, up_cap, down_cap, up2_cap, down2_cap, record):
    """Greedy unsplit routing over live paths (any failed links): flow groups in the given order
    (decreasing size), each of the ``gn * units`` subflows of ``gw / units`` bytes onto the live path
    whose busiest link after adding it has the smallest congestion (ties: the first path in
    :func:`_live_paths` order). Between pods a plane whose two edge links already reach the best
    value so far is passed over without reading its cores (no path of it could be chosen). Returns ``(up, down, up2, down2, pi, pj)``: loads in bytes and with
    ``record`` the path of every subflow (group by group, in order)."""
    L, S = up_cap.shape
    A = up2_cap.shape[0]
    up = np.zeros((L, S))
    down = np.zeros((L, S))
    up2 = np.zeros((A, h))
    down2 = np.zeros((A, h))
    tot = 0
    if record:
        for g in range(ga.size):
            tot += gn[g] * units
    rec_i = np.zeros(tot, dtype=np.int64)
    rec_j = np.zeros(tot, dtype=np.int64)
    npaths = h * h if fat else S
    pi = np.empty(npaths, dtype=np.int64)
    pj = np.empty(npaths, dtype=np.int64)
    c = 0
    for g in range(ga.size):
        e = ga[g]
        f = gb[g]
        w = gw[g] / units
        P = _live_paths(e, f, h, fat, up_cap, down_cap, up2_cap, down2_cap, pi, pj)
        inter = fat and (e // h != f // h)
        ge = (e // h) * h if fat else 0
        gf = (f // h) * h if fat else 0
        for _ in range(gn[g] * units):
            best = -1
            bv = np.inf
            q = 0
            while q < P:
                i = pi[q]
                v0 = (up[e, i] + w) / up_cap[e, i]
                x = (down[f, i] + w) / down_cap[f, i]
                if x > v0:
                    v0 = x
                if not inter:
                    if v0 < bv * (1.0 - 1e-12):
                        bv = v0
                        best = q
                    q += 1
                    continue
                # the paths of plane i (consecutive in _live_paths order) are no better than its edge
                # links: once those cannot beat the best, skip the plane (the same choice, fewer paths)
                while q < P and pi[q] == i:
                    if not (v0 < bv * (1.0 - 1e-12)):
                        q += 1
                        continue
                    j = pj[q]
                    v = v0
                    x = (up2[ge + i, j] + w) / up2_cap[ge + i, j]
                    if x > v:
                        v = x
                    x = (down2[gf + i, j] + w) / down2_cap[gf + i, j]
                    if x > v:
                        v = x
                    if v < bv * (1.0 - 1e-12):
                        bv = v
                        best = q
                    q += 1
            i = pi[best]
            up[e, i] += w
            down[f, i] += w
            if inter:
                j = pj[best]
                up2[ge + i, j] += w
                down2[gf + i, j] += w
            if record:
                rec_i[c] = i
                rec_j[c] = pj[best]
                c += 1
    return up, down, up2, down2, rec_i, rec_j
