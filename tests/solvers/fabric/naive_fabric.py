"""Slow, obviously-correct pure-Python twins of the fabric kernels and constructions."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np


def maxmin_completion(paths, coefs, sizes, cap, rtol=1e-9):
    """Progressive filling, one flow set at a time, with plain Python lists.

    ``paths[f]`` is the list of link ids of flow ``f`` and ``coefs[f]`` their weights.
    """
    remaining = list(sizes)
    active = set(range(len(sizes)))
    t = 0.0
    while active:
        rate = {}
        unfrozen = set(active)
        while unfrozen:
            # the rate at which each link saturates given frozen rates and the unfrozen weight
            best = math.inf
            for l in range(len(cap)):
                w = sum(c for f in unfrozen for (m, c) in zip(paths[f], coefs[f]) if m == l)
                if w <= 0:
                    continue
                fixed = sum(rate[f] * c for f in rate for (m, c) in zip(paths[f], coefs[f]) if m == l)
                best = min(best, (cap[l] - fixed) / w)
            sat = []
            for l in range(len(cap)):
                w = sum(c for f in unfrozen for (m, c) in zip(paths[f], coefs[f]) if m == l)
                if w <= 0:
                    continue
                fixed = sum(rate[f] * c for f in rate for (m, c) in zip(paths[f], coefs[f]) if m == l)
                if (cap[l] - fixed) / w <= best * (1 + rtol) + 1e-300:
                    sat.append(l)
            for f in list(unfrozen):
                if any(m in sat for m in paths[f]):
                    rate[f] = best
                    unfrozen.discard(f)
        dt = min(remaining[f] / rate[f] for f in active)
        t += dt
        for f in list(active):
            remaining[f] -= rate[f] * dt
            if remaining[f] <= rtol * sizes[f]:
                active.discard(f)
    return t


def ecmp_leafspine_sample(pa, pb, pn, pw, up_cap, down_cap, rng: random.Random):
    """One ECMP sample: every flow picks a live spine with ``rng.randrange``; returns max congestion."""
    L, S = len(up_cap), len(up_cap[0])
    up = [[0.0] * S for _ in range(L)]
    dn = [[0.0] * S for _ in range(L)]
    for a, b, n, w in zip(pa, pb, pn, pw):
        live = [s for s in range(S) if up_cap[a][s] > 0 and down_cap[b][s] > 0]
        for _ in range(n):
            s = live[rng.randrange(len(live))]
            up[a][s] += w
            dn[b][s] += w
    m = 0.0
    for a in range(L):
        for s in range(S):
            if up_cap[a][s] > 0:
                m = max(m, up[a][s] / up_cap[a][s])
            if down_cap[a][s] > 0:
                m = max(m, dn[a][s] / down_cap[a][s])
    return m


def ecmp_fattree_sample(pe, pf, pn, pw, h, cap, rng: random.Random):
    """One ECMP sample on a healthy fat-tree with uniform switch capacity ``cap``."""
    loads: dict = {}
    for e, f, n, w in zip(pe, pf, pn, pw):
        for _ in range(n):
            i = rng.randrange(h)
            loads[("up", e, i)] = loads.get(("up", e, i), 0.0) + w
            loads[("down", f, i)] = loads.get(("down", f, i), 0.0) + w
            if e // h != f // h:
                j = rng.randrange(h)
                loads[("up2", (e // h) * h + i, j)] = loads.get(("up2", (e // h) * h + i, j), 0.0) + w
                loads[("down2", (f // h) * h + i, j)] = loads.get(("down2", (f // h) * h + i, j), 0.0) + w
    return max(loads.values()) / cap


def multinomial_max_cdf_bruteforce(n, S, c):
    """P(max bin count <= c) for n balls in S equally likely bins, by enumerating all S**n outcomes."""
    good = 0
    for outcome in itertools.product(range(S), repeat=n):
        counts = [0] * S
        for s in outcome:
            counts[s] += 1
        good += max(counts) <= c
    return good / S**n


# ----------------------------------------------------------------------------- exact ECMP sampler twin
_MASK = (1 << 64) - 1


class Xoshiro256:
    """xoshiro256** seeded by splitmix64 from ``seed ^ stream * C``, in plain Python integers
    (the twin of ``_kernels.rng_init`` / ``_kernels.rng_next``)."""

    def __init__(self, seed: int, stream: int):
        x = (seed ^ (stream * 0xD1B54A32D192ED03)) & _MASK
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & _MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
            self.s.append(z ^ (z >> 31))

    def next(self) -> int:
        s0, s1, s2, s3 = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & _MASK  # noqa: E731
        r = (rotl((s1 * 5) & _MASK, 7) * 9) & _MASK
        t = (s1 << 17) & _MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return r


def uniform_multinomial(rng: Xoshiro256, n: int, P: int, mask_max: int = 256):
    """The same algorithm as ``_kernels.uniform_multinomial``, written plainly: every ball gets
    ``bits`` random bits (its virtual bin among ``Q = 2**bits``); up to ``mask_max`` balls as bit
    positions of one word per level and 64 balls, more by halving (Binomial(c, 1/2) = ones among c
    random bits); balls in virtual bins >= P are thrown again; fewer balls than Q one by one."""
    counts = [0] * P
    if P == 1:
        return [n]
    bits = (P - 1).bit_length()
    Q = 1 << bits
    rem = n
    while rem > 0:
        if rem < Q:
            for _ in range(rem):
                while True:
                    v = rng.next() >> (64 - bits)
                    if v < P:
                        break
                counts[v] += 1
            return counts
        tmp = [0] * Q
        if rem <= mask_max:
            left = rem
            while left > 0:
                c = min(left, 64)
                left -= c
                bins = [0] * c  # virtual bin of each ball of the chunk, built bit by bit
                for _ in range(bits):
                    w = rng.next()
                    bins = [2 * b + ((w >> i) & 1) for i, b in enumerate(bins)]
                for b in bins:
                    tmp[b] += 1
        else:
            tmp[0] = rem
            w = Q
            while w > 1:
                h = w // 2
                for j in range(0, Q, w):
                    c = tmp[j]
                    ones = 0
                    for _ in range(c // 64):
                        ones += bin(rng.next()).count("1")
                    word = rng.next()
                    if c % 64:
                        ones += bin(word >> (64 - c % 64)).count("1")
                    tmp[j], tmp[j + h] = c - ones, ones
                w = h
        for q in range(P):
            counts[q] += tmp[q]
        rem = sum(tmp[P:])
    return counts


def multinomial_pmf(counts, P):
    """Probability of the bin counts ``counts`` when sum(counts) balls fall uniformly into P bins."""
    n = sum(counts)
    coef = math.factorial(n)
    for c in counts:
        coef //= math.factorial(c)
    return coef / P**n


def compositions(n, P):
    """Every vector of P non-negative integers summing to n."""
    if P == 1:
        yield (n,)
        return
    for first in range(n + 1):
        for rest in compositions(n - first, P - 1):
            yield (first, *rest)


# ----------------------------------------------------------------------------- exact multinomial maximum twin
def multinomial_max_coeffs(p, c0, c1, S, n):
    """``[x^n] (p_0 + p_1 x + .. + p_c x^c)^S`` for ``c = c0..c1`` by repeated polynomial
    multiplication (no DFT): the twin of ``_kernels.multinomial_max_coeffs``."""
    out = []
    for c in range(c0, c1 + 1):
        poly = [1.0]
        base = list(p[: c + 1])
        for _ in range(S):
            prod = [0.0] * min(len(poly) + len(base) - 1, n + 1)
            for i, a in enumerate(poly):
                for j, b in enumerate(base):
                    if i + j <= n:
                        prod[i + j] += a * b
            poly = prod
        out.append(poly[n] if n < len(poly) else 0.0)
    return out


# ----------------------------------------------------------------------------- equitable colouring twin
def bounded_choice_greedy(ia, ib, order, lo_pair, lo_row, hi_row, lo_col, hi_col):
    """Forced pairs first, then the others in ``order`` while row/column counts stay within their
    upper bounds; ``ok`` when every lower bound is met too (twin of ``_kernels.bounded_choice_greedy``)."""
    y = [1 if f else 0 for f in lo_pair]
    rows = [0] * len(lo_row)
    cols = [0] * len(lo_col)
    for p, taken in enumerate(y):
        if taken:
            rows[ia[p]] += 1
            cols[ib[p]] += 1
    for p in order:
        if not y[p] and rows[ia[p]] < hi_row[ia[p]] and cols[ib[p]] < hi_col[ib[p]]:
            y[p] = 1
            rows[ia[p]] += 1
            cols[ib[p]] += 1
    ok = all(lo <= r <= hi for lo, r, hi in zip(lo_row, rows, hi_row)) and \
        all(lo <= c <= hi for lo, c, hi in zip(lo_col, cols, hi_col))
    return y, ok


# ----------------------------------------------------------------------------- class-greedy twin
def class_greedy(classes, S, h, fat, cu, cd, cu2, cd2, units=1):
    """Plain-Python twin of ``_kernels.class_greedy`` (explicit mode): ``classes`` is a list of
    ``(dest_leaf, w, [(a, cnt), ...])`` in processing order. Every link load is kept in full (no
    per-row offsets). Returns ``(up, down, up2, down2)`` as nested lists (``up2``/``down2`` empty
    without ``fat``)."""
    L = len(cu)
    up = [[0.0] * S for _ in range(L)]
    down = [[0.0] * S for _ in range(L)]
    A = len(cu2) if fat else 0
    up2 = [[0.0] * h for _ in range(A)]
    down2 = [[0.0] * h for _ in range(A)]

    tol = 1e-9

    def before(p, q):  # (k1, k2, s) tuples, keys equal within tol
        for a, b in zip(p[:2], q[:2]):
            if a < b - tol * abs(b):
                return True
            if a > b + tol * abs(b):
                return False
        return p[2] < q[2]

    def pick(r, n, row_u, row_d, cap_u, cap_d, w):
        """The r first colours: r passes taking the first, or (r > n/2) n - r passes dropping the last."""
        def key(s):
            x = (row_u[s] + w) / cap_u[s]
            y = (row_d[s] + w) / cap_d[s]
            return (max(x, y), x + y, s)

        take = r <= n - r
        left = list(range(n))
        out = []
        for _ in range(r if take else n - r):
            best = None
            for s in left:
                if best is None or (before(key(s), key(best)) if take else before(key(best), key(s))):
                    best = s
            left.remove(best)
            out.append(best)
        return out if take else left

    for b, w0, entries in classes:
        w = w0 / units
        pb = b // h if fat else 0
        k = A // h if fat else 0
        m = [[0] * S for _ in range(k)]
        for a, c in entries:  # every entry's base part first
            base = c * units // S
            for s in range(S):
                up[a][s] += base * w
                down[b][s] += base * w
                if fat and a // h != pb:
                    m[a // h][s] += base
        for a, c in entries:  # then the remainders, entry by entry
            r = c * units % S
            inter = fat and a // h != pb
            for s in pick(r, S, up[a], down[b], cu[a], cd[b], w):
                up[a][s] += w
                down[b][s] += w
                if inter:
                    m[a // h][s] += 1
        for p in range(k):
            for i in range(S):
                c2 = m[p][i]
                if c2 == 0:
                    continue
                gu, gd = p * h + i, pb * h + i
                base, r = divmod(c2, h)
                for c in range(h):
                    up2[gu][c] += base * w
                    down2[gd][c] += base * w
                for c in pick(r, h, up2[gu], down2[gd], cu2[gu], cd2[gd], w):
                    up2[gu][c] += w
                    down2[gd][c] += w
    return up, down, up2, down2


# ----------------------------------------------------------------------------- failed cables twins
def live_paths(fab, e, f):
    """Live paths of a flow from edge / leaf e to f, read off the link arrays by node ids: a list of
    lists of link ids (host links excluded)."""
    lk = {(int(u), int(v)): i for i, (u, v) in enumerate(zip(fab.link_src, fab.link_dst))}
    cap = fab.capacity
    N = fab.n_hosts
    up = lambda u, v: (u, v) in lk and cap[lk[(u, v)]] > 0  # noqa: E731
    out = []
    if fab.kind == "leaf-spine":
        L = fab.n_leaves
        for s in range(fab.n_spines):
            sp = N + L + s
            if up(N + e, sp) and up(sp, N + f):
                out.append([lk[(N + e, sp)], lk[(sp, N + f)]])
        return out
    h, E = fab.half, fab.n_leaves
    A = fab.k * h
    pe, pf = e // h, f // h
    for i in range(h):
        ga, gb = N + E + pe * h + i, N + E + pf * h + i
        if not (up(N + e, ga) and up(gb, N + f)):
            continue
        if pe == pf:
            out.append([lk[(N + e, ga)], lk[(ga, N + f)]])
            continue
        for j in range(h):
            core = N + E + A + i * h + j
            if up(ga, core) and up(core, gb):
                out.append([lk[(N + e, ga)], lk[(ga, core)], lk[(core, gb)], lk[(gb, N + f)]])
    return out


def spray_failed(fab, hs, hd, z):
    """Switch-link loads when every flow is split evenly over its live paths (flow by flow)."""
    H = fab.hosts_per_leaf
    load = [0.0] * fab.n_links
    for u, v, w in zip(hs, hd, z):
        e, f = u // H, v // H
        if e == f:
            continue
        paths = live_paths(fab, e, f)
        for p in paths:
            for link in p:
                load[link] += w / len(paths)
    return load


def greedy_paths(fab, groups, units=1):
    """Twin of ``_kernels.greedy_paths``: ``groups`` = ``[(e, f, n, w)]`` in order; each of the
    ``n * units`` subflows onto the live path whose busiest link after adding it is least congested
    (first such path). Returns the link loads (switch links) as a list."""
    load = [0.0] * fab.n_links
    cap = fab.capacity
    for e, f, n, w0 in groups:
        w = w0 / units
        paths = live_paths(fab, e, f)
        for _ in range(n * units):
            best, bv = None, float("inf")
            for p in paths:
                v = max((load[link] + w) / cap[link] for link in p)
                if v < bv * (1 - 1e-12):
                    best, bv = p, v
            for link in best:
                load[link] += w
    return load


# ---------------------------------------------------------------------------- link loads flow by flow
def spray_by_node_paths(fab, hs, hd, z):
    """Switch-link loads of ideal spraying summed flow by flow over node-id paths (the fabric's link
    arrays, not the library's layout arithmetic); flows between two GPUs of one server skipped
    (NVLink), recognised from the link arrays: hosts wired to leaves of one scalable unit in the
    same slot."""
    lk = {(int(u), int(v)): i for i, (u, v) in enumerate(zip(fab.link_src, fab.link_dst))}
    host_leaf = {int(u): int(v) for u, v in zip(fab.link_src[: fab.n_hosts], fab.link_dst[: fab.n_hosts])}
    N, H, G = fab.n_hosts, fab.hosts_per_leaf, fab.rails
    load = np.zeros(fab.n_links)
    for u, v, w in zip(hs.tolist(), hd.tolist(), z.tolist()):
        a, b = host_leaf[u] - N, host_leaf[v] - N
        if G > 1 and a // G == b // G and u % H == v % H:  # same scalable unit, same slot: one server
            continue
        load[lk[(u, N + a)]] += w
        load[lk[(N + b, v)]] += w
        if a == b:
            continue
        if fab.kind == "leaf-spine":
            S, L = fab.n_spines, fab.n_leaves
            for s in range(S):
                load[lk[(N + a, N + L + s)]] += w / S
                load[lk[(N + L + s, N + b)]] += w / S
            continue
        h, E = fab.half, fab.n_leaves
        A = fab.k * h
        pa, pb = a // h, b // h
        for i in range(h):
            ga, gb = N + E + pa * h + i, N + E + pb * h + i
            load[lk[(N + a, ga)]] += w / h
            load[lk[(gb, N + b)]] += w / h
            if pa != pb:
                for j in range(h):
                    core = N + E + A + i * h + j
                    load[lk[(ga, core)]] += w / (h * h)
                    load[lk[(core, gb)]] += w / (h * h)
    return load


def as_vector(fab, ld):
    """A model's :class:`StepLoads` laid out as one value per link id (the fabric's ``tier`` array)."""
    from netopt.solvers.fabric.topology import TIER_DOWN, TIER_DOWN2, TIER_UP, TIER_UP2

    out = np.zeros(fab.n_links)
    pairs = [(ld.up, TIER_UP), (ld.down, TIER_DOWN)]
    if ld.up2 is not None:
        pairs += [(ld.up2, TIER_UP2), (ld.down2, TIER_DOWN2)]
    for arr, tier in pairs:
        out[fab.tier == tier] = np.asarray(arr, dtype=float).ravel()
    return out


def ecmp_sample_twin(pa, pb, pn, pw, h, fat, caps, seed, stream, failed=False):
    """One sample of ``_kernels.ecmp_mc``, written plainly: every tier's load is kept in full (no
    mirrored tier left out, no shortcut for uniform capacities) and the maximum of ``load / cap`` is
    taken over every loaded link. The draws follow the kernel's stream: a group of fewer balls than
    ``Q = 2**bits >= P`` throws them one by one (one load addition per ball), else one uniform
    multinomial (one addition of ``count * w`` per path, in path order). ``failed``: the paths are the
    live ones, planes ascending, then cores ascending (the kernel's order)."""
    rng = Xoshiro256(seed, stream)
    up_cap, down_cap, up2_cap, down2_cap = caps
    S = up_cap.shape[1]
    loads = {}

    def add(tier, key, x):
        loads[(tier, key)] = loads.get((tier, key), 0.0) + x

    for a, b, n, w in zip(pa.tolist(), pb.tolist(), pn.tolist(), pw.tolist()):
        inter = fat and a // h != b // h
        P = h * h if inter else S
        paths = [(q // h, q % h) if inter else (q, 0) for q in range(P)]
        if failed:
            paths = [(i, j) for i, j in paths if up_cap[a, i] > 0 and down_cap[b, i] > 0 and
                     (not inter or (up2_cap[(a // h) * h + i, j] > 0 and down2_cap[(b // h) * h + i, j] > 0))]
            P = len(paths)

        def put(q, x):
            i, j = paths[q]
            add(0, (a, i), x)
            add(1, (b, i), x)
            if inter:
                add(2, ((a // h) * h + i, j), x)
                add(3, ((b // h) * h + i, j), x)

        bits = (P - 1).bit_length()
        if n < (1 << bits):
            for _ in range(n):
                while True:
                    v = rng.next() >> (64 - bits)
                    if v < P:
                        break
                put(v, w)
        else:
            for q, c in enumerate(uniform_multinomial(rng, n, P)):
                if c:
                    put(q, c * w)
    cap = (up_cap, down_cap, up2_cap, down2_cap)
    return max([x / float(cap[t][key]) for (t, key), x in loads.items()], default=0.0)
