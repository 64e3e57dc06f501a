"""Slow, obviously-correct pure-Python twins of the fabric kernels and constructions."""

from __future__ import annotations

import itertools
import math
import random


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
