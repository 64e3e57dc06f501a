"""Slow, obviously correct Python twins of the tsp-heatmap kernels (netopt.solvers.nco._kernels).

Tours are Python lists of cities; a tour is compared as a cycle through its set of undirected edges.
"""

from __future__ import annotations

import itertools
import math

MASK = (1 << 64) - 1


def dist(i, j, xy, dm, mode):
    if mode == 0:
        return float(dm[i][j])
    r = math.sqrt((xy[i][0] - xy[j][0]) ** 2 + (xy[i][1] - xy[j][1]) ** 2)
    return {1: r, 2: math.floor(r + 0.5), 3: math.ceil(r - 1e-12)}[mode]


def matrix(xy, mode):
    n = len(xy)
    return [[dist(i, j, xy, None, mode) for j in range(n)] for i in range(n)]


def tour_length(tour, D):
    return sum(D[a][b] for a, b in zip(tour, tour[1:] + tour[:1]))


def edges(tour):
    """The undirected edge set of a cyclic tour."""
    return {frozenset(e) for e in zip(tour, tour[1:] + tour[:1])}


def splitmix(state, count):
    """``count`` splitmix64 outputs from ``state`` (the kernel's ``rand_u64``)."""
    out = []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


def knn(D, k):
    """Each row's ``k`` nearest others by (distance, index)."""
    n = len(D)
    k = min(k, n - 1)
    return [sorted((j for j in range(n) if j != i), key=lambda j: (D[i][j], j))[:k] for i in range(n)]


def greedy_tour(cand, D):
    """Greedy edge over candidate edges (shortest first, ties by row-major order), fragments chained
    from the lowest free end to the nearest free end (a candidate if any, else any; ties by index)."""
    n, k = len(cand), len(cand[0])
    es = sorted(((D[i][cand[i][t]], i * k + t, i, cand[i][t]) for i in range(n) for t in range(k)))
    comp = list(range(n))
    adj = [[] for _ in range(n)]
    for _, _, i, j in es:
        if i == j or len(adj[i]) >= 2 or len(adj[j]) >= 2 or comp[i] == comp[j]:
            continue
        old, new = comp[i], comp[j]
        comp = [new if c == old else c for c in comp]
        adj[i].append(j)
        adj[j].append(i)
    free = [i for i in range(n) if len(adj[i]) < 2]
    tour, seen = [], set()
    cur = free[0]
    while True:
        prev, v = None, cur
        while True:
            seen.add(v)
            tour.append(v)
            nxt = [w for w in adj[v] if w != prev and w not in seen]
            if not nxt:
                break
            prev, v = v, nxt[-1]
        if len(tour) == n:
            return tour
        opts = [w for w in cand[v] if w not in seen and len(adj[w]) < 2]
        if opts:
            best = min(opts, key=lambda w: (D[v][w], list(cand[v]).index(w)))
        else:
            best = min((w for w in free if w not in seen), key=lambda w: (D[v][w], w))
        cur = best


def two_opt(tour, a, b, c, d):
    """Edges after replacing {a,b},{c,d} by {a,c},{b,d} (list surgery on the path b..c)."""
    i, j = tour.index(b), tour.index(c)
    if tour[(tour.index(a) + 1) % len(tour)] != b:  # the other direction
        i, j = tour.index(a), tour.index(d)
    t = tour[i:] + tour[:i]
    m = (j - i) % len(tour)
    return edges(t[:m + 1][::-1] + t[m + 1:])


def or_move(tour, f, l, u, v, keep):
    """Edges after moving the segment f..l between u and v (u-f..l-v if keep, else u-l..f-v)."""
    i = tour.index(f)
    t = tour[i:] + tour[:i]
    L = t.index(l) + 1
    seg, rest = t[:L], t[L:]
    j = rest.index(u)
    if rest[(j + 1) % len(rest)] != v:  # v comes before u: insert on v's side
        j = rest.index(v)
        seg, ins = (seg[::-1] if keep else seg), j
    else:
        seg, ins = (seg if keep else seg[::-1]), j
    return edges(rest[:ins + 1] + seg + rest[ins + 1:])


def segment_swap(tour, a, b, x, c, y, z):
    """Edges of ``a [b..x] [c..y] z -> a [c..y] [b..x] z``."""
    e = edges(tour)
    e -= {frozenset((a, b)), frozenset((x, c)), frozenset((y, z))}
    e |= {frozenset((a, c)), frozenset((y, b)), frozenset((x, z))}
    return e


def swap_segments(tour, a, c, y):
    """Lengths of the three segments ``[b..x]``, ``[c..y]``, ``[z..a]`` a segment swap cuts the cycle
    into (``b = succ(a)``, ``x = pred(c)``, ``z = succ(y)``)."""
    n = len(tour)
    ia = tour.index(a)
    oc = (tour.index(c) - ia) % n
    oy = (tour.index(y) - ia) % n
    return oc - 1, oy - oc + 1, n - oy


def kick_choices(tour, a, c, row_a, row_b, min_seg):
    """The cities of ``a``'s heatmap row a kick with segments of at least ``min_seg`` cities may
    take as ``c``, and those of ``b``'s row (``b = succ(a)``) it may take as ``y`` given ``c``."""
    n = len(tour)
    ia = tour.index(a)

    def off(v):
        return (tour.index(v) - ia) % n

    cs = [v for v in row_a if min_seg + 1 <= off(v) <= n - 2 * min_seg + 1]
    ys = [v for v in row_b if off(c) + min_seg - 1 <= off(v) <= n - min_seg]
    return cs, ys


def ils_accepts(new, cost, best, slack, eps=1e-9, overflow=False):
    """The ILS acceptance rule: ``"improve"`` (shorter than the current tour), ``"keep"`` (no
    longer, or within ``slack`` of the best so far, or the journal overflowed) or ``"undo"``."""
    if new < cost - eps:
        return "improve"
    if new <= cost + eps or new < best + slack or overflow:
        return "keep"
    return "undo"


def best_gain(tour, nbr, D, or_max=3, eps=1e-9):
    """Largest gain of any 2-opt or Or-opt move in the kernels' neighbourhood (0 if none).

    The neighbourhood (neighbour lists): 2-opt adds ``{a, c}`` for ``c`` in ``nbr[a]`` when it is
    shorter than the tour edge it replaces at ``a`` (by more than ``eps``); Or-opt moves a segment of
    1..``or_max`` cities next to a neighbour ``c`` of one of its ends when taking the segment out
    gains more than ``eps``. Every move is applied by list surgery and measured by recomputing.
    """
    n = len(tour)
    base = tour_length(tour, D)
    pos = {v: i for i, v in enumerate(tour)}
    succ = {v: tour[(i + 1) % n] for i, v in enumerate(tour)}
    pred = {v: tour[i - 1] for i, v in enumerate(tour)}
    best = 0.0

    def length_of(es):
        return sum(D[min(e)][max(e)] for e in es)

    for a in range(n):
        for c in nbr[a]:
            if c not in (succ[a], pred[a]):
                for (p, q, r, s), other in (((a, succ[a], c, succ[c]), succ[a]), ((pred[a], a, pred[c], c), pred[a])):
                    if len({p, q, r, s}) == 4 and D[a][other] - D[a][c] > eps:
                        best = max(best, base - length_of(two_opt(tour, p, q, r, s)))
    for L in range(1, or_max + 1):
        if n - L < 3:
            break
        for i in range(n):
            seg = [tour[(i + t) % n] for t in range(L)]
            f, l = seg[0], seg[-1]
            p, nx = pred[f], succ[l]
            if D[p][f] + D[l][nx] - D[p][nx] <= eps:
                continue
            for end in (f, l):
                for c in nbr[end]:
                    if c in seg:
                        continue
                    for u, v in ((c, succ[c]), (pred[c], c)):
                        if u in seg or v in seg or v == p:
                            continue
                        for keep in (True, False):
                            best = max(best, base - length_of(or_move(tour, f, l, u, v, keep)))
    return best


def brute_force(D):
    """Optimal tour length by enumerating the orders of cities 1..n-1 (n <= 9)."""
    n = len(D)
    return min(tour_length([0, *p], D) for p in itertools.permutations(range(1, n)))
