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


def cycle_of(es, n):
    """The cyclic city order of an edge set, or None when it is not one Hamiltonian cycle of ``n``."""
    adj = {v: [] for v in range(n)}
    for e in es:
        u, v = tuple(e)
        adj[u].append(v)
        adj[v].append(u)
    if any(len(a) != 2 for a in adj.values()):
        return None
    order, prev, v = [0], None, 0
    while True:
        nxt = adj[v][0] if adj[v][0] != prev else adj[v][1]
        if nxt == 0:
            break
        order.append(nxt)
        prev, v = v, nxt
    return order if len(order) == n else None


def seq_step(tour, t1, t2, g0, nbr, D, k3, added, eps=1e-9):
    """Twin of ``_kernels.best_step3``: every sequential 2-opt/3-opt move removing ``(t1, t2)`` first,
    in the kernel's order, measured on edge sets; a candidate counts when the result is one tour.

    Returns ``(gain, t3, t4, t5, t6, open_g, u3, u4, u5, u6)`` like the kernel (first strict maximum).
    """
    n = len(tour)
    i1 = tour.index(t1)
    fwd = tour[(i1 + 1) % n] == t2

    def step(v, back=False):
        i = tour.index(v)
        return tour[(i + (1 if fwd != back else -1)) % n]

    E = edges(tour)
    tabu = {frozenset(e) for e in added}
    best, bmove, bo, omove = eps, (-1, -1, -1, -1), eps, (-1, -1, -1, -1)

    def is_tour(removed, new):
        if len({frozenset(e) for e in removed}) != len(removed):
            return False
        rest = E - {frozenset(e) for e in removed}
        if any(frozenset(e) in rest for e in new):
            return False
        return cycle_of(rest | {frozenset(e) for e in new}, n) is not None

    for t3 in nbr[t2][:k3]:
        g1 = g0 - D[t2][t3]
        if g1 <= eps:
            break
        if t3 in (t1, step(t2)):
            continue
        for back4 in (False, True):
            t4 = step(t3, back4)
            if t4 == t1 or frozenset((t3, t4)) in tabu:
                continue
            g2 = g1 + D[t3][t4]
            if back4:
                assert is_tour([(t1, t2), (t3, t4)], [(t2, t3), (t4, t1)])
                if g2 - D[t4][t1] > best:
                    best, bmove = g2 - D[t4][t1], (t3, t4, -1, -1)
                if g2 > bo:
                    bo, omove = g2, (t3, t4, -1, -1)
            for t5 in nbr[t4][:k3]:
                g3 = g2 - D[t4][t5]
                if g3 <= eps:
                    break
                if t5 in (t1, step(t4), step(t4, True)):
                    continue
                for back6 in (False, True):
                    t6 = step(t5, back6)
                    if t6 == t1 or frozenset((t5, t6)) in tabu:
                        continue
                    if not is_tour([(t1, t2), (t3, t4), (t5, t6)], [(t2, t3), (t4, t5), (t6, t1)]):
                        continue
                    g4 = g3 + D[t5][t6]
                    if g4 - D[t6][t1] > best:
                        best, bmove = g4 - D[t6][t1], (t3, t4, t5, t6)
                    if g4 > bo:
                        bo, omove = g4, (t3, t4, t5, t6)
    if bmove[0] < 0:
        best = 0.0
    return (best, *bmove, bo, *omove)


def seq_apply(tour, t1, t2, t3, t4, t5, t6):
    """The tour (a city list) after the sequential move ``t1..t6`` (``t5 = -1``: the 2-opt ``t1..t4``)."""
    removed = [(t1, t2), (t3, t4)] + ([(t5, t6)] if t5 >= 0 else [])
    new = [(t2, t3)] + ([(t4, t5), (t6, t1)] if t5 >= 0 else [(t4, t1)])
    es = (edges(tour) - {frozenset(e) for e in removed}) | {frozenset(e) for e in new}
    out = cycle_of(es, len(tour))
    assert out is not None
    return out


def lk_move(tour, t1, nbr, D, k3, depth, eps=1e-9):
    """Twin of ``_kernels.lk_move``: ``(gain, tour after)`` (the same tour when no gain)."""
    n = len(tour)
    if n < 8:
        return 0.0, tour
    for side in (1, -1):
        cur = list(tour)
        t2 = cur[(cur.index(t1) + side) % n]
        g0, added = D[t1][t2], []
        for level in range(depth):
            gain, t3, t4, t5, t6, og, u3, u4, u5, u6 = seq_step(cur, t1, t2, g0, nbr, D, k3, added, eps)
            if t3 >= 0:
                return gain, seq_apply(cur, t1, t2, t3, t4, t5, t6)
            if level == depth - 1 or u3 < 0:
                break
            last = u4 if u5 < 0 else u6
            if og - D[last][nbr[last][0]] <= eps:
                break
            cur = seq_apply(cur, t1, t2, u3, u4, u5, u6)
            added += [(t2, u3)] + ([(u4, u5)] if u5 >= 0 else [])
            t2, g0 = last, og
    return 0.0, tour


# ----------------------------------------------------------------------------- MCTS of Pan et al. (twins of _mcts_kernels)


class Rng:
    """The kernels' splitmix64 stream (``rand_u64``, ``rand_int``, ``rand_unit``) on a Python int."""

    def __init__(self, state):
        self.state = int(state)

    def u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def int(self, n):
        return self.u64() % n

    def unit(self):
        return (self.u64() >> 11) / 9007199254740992.0


def mcts_potential(W, Q, wsum, i, t, alpha, total):
    """``W[i][t] / (row total / (n - 1)) + alpha * sqrt(ln(total + 1) / (Q[i][t] + 1))``."""
    n = len(wsum)
    return W[i][t] / (wsum[i] / (n - 1)) + alpha * math.sqrt(math.log(total + 1.0) / (Q[i][t] + 1.0))


def mcts_action(tour, a1, hc, W, Q, wsum, alpha, total, max_depth, rng, D, eps=1e-9):
    """One simulated action on a list tour, as a path from ``b1`` (``a1``'s successor in the list) to
    ``a1``: join the path's first city ``b`` to a promising candidate ``c`` (potential >= 1, not
    ``a1``, not the path's second city; drawn in proportion to the potential), reverse the part of the
    path before ``c`` (its new first city is ``c``'s predecessor ``p``), close with ``(p, a1)``; stop
    at the first closed tour shorter than the start, after ``max_depth`` steps or with no promising
    city. Returns ``(tour after, gain, seq)``; ``Q`` (lists) counts each drawn edge both ways."""
    n = len(tour)
    i = tour.index(a1)
    path = tour[i + 1:] + tour[:i]
    g = D[a1][path[0]]
    seq = [a1, path[0]]
    real = None
    for _ in range(max_depth):
        b = path[0]
        pot = []
        for t, c in enumerate(hc[b]):
            p = 0.0
            if c != a1 and c != path[1]:
                p = mcts_potential(W, Q, wsum, b, t, alpha, total)
                if p < 1.0:
                    p = 0.0
            pot.append(p)
        if sum(pot) <= 0:
            break
        r = rng.unit() * sum(pot)
        pick = None
        for t, p in enumerate(pot):
            if p > 0:
                pick = t
                r -= p
                if r < 0:
                    break
        c = hc[b][pick]
        Q[b][pick] += 1
        if b in hc[c]:
            Q[c][list(hc[c]).index(b)] += 1
        j = path.index(c)
        p = path[j - 1]
        g += D[c][p] - D[b][c]
        real = g - D[p][a1]
        path = path[:j][::-1] + path[j:]
        seq += [c, p]
        if real > eps:
            break
    if real is None:
        real = 0.0
    if real > eps:
        return [a1] + path, real, seq
    return list(tour), real, seq


def heat_construct(hc, W, rng):
    """The kernel's ``heat_construct``: from city 0, the next city among the unvisited ones with
    probability ``exp(W)`` (1 for a non-candidate); unvisited cities sit in a list from which a
    visited one is removed by moving the last entry into its place (the order the uniform draw of
    a non-candidate indexes)."""
    n = len(hc)
    unsel = list(range(n))
    cur, tour = 0, []
    while True:
        k = unsel.index(cur)
        unsel[k] = unsel[-1]
        unsel.pop()
        tour.append(cur)
        if not unsel:
            return tour
        cands = [(t, c) for t, c in enumerate(hc[cur]) if c in unsel]
        s = sum(math.exp(min(W[cur][t], 700.0)) for t, _ in cands)
        r = rng.unit() * (s + len(unsel) - len(cands))
        if r < s:
            for t, c in cands:
                nxt = c
                r -= math.exp(min(W[cur][t], 700.0))
                if r < 0:
                    break
        else:
            while True:
                nxt = unsel[rng.int(len(unsel))]
                if nxt not in hc[cur]:
                    break
        cur = nxt


# ----------------------------------------------------------------------------- alpha-nearness (twins of _alpha_kernels)


def mst(n, edges, cost):
    """Kruskal on a list of edges ``(u, v)``: shortest first (ties by list index), skipping edges that
    close a cycle (components as Python sets). Returns the chosen edge indices."""
    comp = {v: {v} for v in range(n)}
    chosen = []
    for e in sorted(range(len(edges)), key=lambda e: (cost[e], e)):
        u, v = edges[e]
        if comp[u] is comp[v]:
            continue
        merged = comp[u] | comp[v]
        for w in merged:
            comp[w] = merged
        chosen.append(e)
    return chosen


def subgradient(n, edges, d, iterations, t0):
    """``pi += t * (0.7 (deg - 2) + 0.3 previous)``, ``t = t0 * 0.97^it``, keeping the ``pi`` of the best
    ``MST(d + pi_u + pi_v) - 2 sum(pi)``; stops when every degree is 2. Returns ``(pi, w)``."""
    pi, best_pi, best_w, prev, t = [0.0] * n, [0.0] * n, -math.inf, [0.0] * n, t0
    for it in range(iterations):
        cost = [d[e] + pi[u] + pi[v] for e, (u, v) in enumerate(edges)]
        tree = mst(n, edges, cost)
        w = sum(cost[e] for e in tree) - 2 * sum(pi)
        if w > best_w:
            best_w, best_pi = w, list(pi)
        deg = [0] * n
        for e in tree:
            deg[edges[e][0]] += 1
            deg[edges[e][1]] += 1
        g = [x - 2.0 for x in deg]
        for v in range(n):
            pi[v] += t * (0.7 * g[v] + 0.3 * prev[v] if it > 0 else g[v])
        prev = g
        if all(x == 0 for x in g):
            break
        t *= 0.97
    return best_pi, best_w


def tree_path_max(n, tree_edges, cost, i, j):
    """Largest ``cost`` on the path from ``i`` to ``j`` in the tree (a search over the edge list)."""
    adj = {v: [] for v in range(n)}
    for (u, v), c in zip(tree_edges, cost):
        adj[u].append((v, c))
        adj[v].append((u, c))
    stack, seen = [(i, -math.inf)], {i}
    while stack:
        v, m = stack.pop()
        if v == j:
            return m
        for u, c in adj[v]:
            if u not in seen:
                seen.add(u)
                stack.append((u, max(m, c)))
    return -math.inf
