"""Numba kernels of the heatmap-guided TSP search (:func:`~netopt._jit.kernel`, no reference counting,
but :func:`greedy_tour` and :func:`lk_move`, which allocate; inputs are trusted).

Conventions (the caller in :mod:`netopt.solvers.nco.tsp` validates and prepares them):

* cities are ``0..n-1``; a tour is an int64 permutation ``tour`` with its inverse ``pos``
  (``pos[tour[i]] == i``); the tour is a cycle, positions are taken modulo ``n``;
* distances come from :func:`dist`: ``mode`` ``MATRIX`` reads ``dm[i, j]`` (float64, symmetric),
  the others compute from ``xy`` (float64 ``(n, 2)``) on the fly: ``EUCLID`` unrounded,
  ``NINT`` TSPLIB ``floor(d + 0.5)``, ``CEIL`` TSPLIB ``CEIL_2D``, ``ATT`` TSPLIB pseudo-Euclidean,
  ``GEO`` TSPLIB GEO from ``xy`` = (latitude, longitude) in radians (``tsp.kernel_coordinates`` of the
  file's DDD.MM coordinates); the unused array is a dummy. They equal the entries of the
  matrices :mod:`netopt.io.distances` builds (tests/solvers/nco: ``test_kernel_distances_*``);
* ``nbr`` (int64 ``(n, k)``) are the local-search neighbour lists (nearest first);
  ``hc``/``hw`` (int64/float64 ``(n, kh)``) the heatmap: candidate cities and weights;
* randomness is a splitmix64 generator whose state is ``rng`` (uint64 ``(1,)``), carried from
  call to call, so the same seed gives the same run however the work is sliced;
* every tour change is a reversal of a cyclic range of positions (the shorter side); while
  ``jn[1] == 1`` the reversed ranges are logged in ``jr`` (``jn[0]`` entries, ``jn[2] = 1`` on
  overflow) so that a rejected step can be undone exactly by replaying them backwards.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ... import _jit
from ..._jit import kernel
from ..._numba_cache import drop_stale

drop_stale(__file__, _jit.__file__)  # compiled with the options of _jit.kernel

MATRIX, EUCLID, NINT, CEIL, ATT, GEO = 0, 1, 2, 3, 4, 5
#: TSPLIB's GEO constants (its ``PI`` and earth radius)
GEO_PI, GEO_RADIUS = 3.141592, 6378.388

# int64 and bool values, not literals: a kernel called with a literal (``f(x, 0)``), or with a variable that
# starts as one, is compiled once more for that value (tests/test_numba_cache.py checks)
ZERO, ONE, FALSE = np.int64(0), np.int64(1), np.bool_(False)

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)

# --------------------------------------------------------------------------- distances, random numbers


@kernel
def dist(i, j, xy, dm, mode):
    """Distance between cities ``i`` and ``j`` under ``mode`` (see the module docstring)."""
    if mode == MATRIX:
        return dm[i, j]
    if mode == GEO:
        if i == j:
            return 0.0
        q1 = np.cos(xy[i, 1] - xy[j, 1])
        q2 = np.cos(xy[i, 0] - xy[j, 0])
        q3 = np.cos(xy[i, 0] + xy[j, 0])
        c = min(1.0, max(-1.0, 0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3)))
        return np.floor(GEO_RADIUS * np.arccos(c) + 1.0)
    dx = xy[i, 0] - xy[j, 0]
    dy = xy[i, 1] - xy[j, 1]
    if mode == ATT:
        r = np.sqrt((dx * dx + dy * dy) / 10.0)
        t = np.floor(r + 0.5)
        return t + 1.0 if t < r else t
    r = np.sqrt(dx * dx + dy * dy)
    if mode == EUCLID:
        return r
    if mode == NINT:
        return np.floor(r + 0.5)
    return np.ceil(r - 1e-12)


@kernel
def tour_length(tour, xy, dm, mode):
    """Length of the closed tour."""
    n = tour.shape[0]
    total = 0.0
    for i in range(n):
        j = i + 1 if i + 1 < n else 0
        total += dist(tour[i], tour[j], xy, dm, mode)
    return total


@kernel
def matches_matrix(dm, xy, mode, rtol):
    """True when ``dm`` equals the on-the-fly distances of ``mode`` (both triangles, within ``rtol``)."""
    n = dm.shape[0]
    for i in range(n):
        if dm[i, i] != 0.0:
            return False
        for j in range(i + 1, n):
            d = dist(i, j, xy, dm, mode)
            tol = rtol * max(1.0, abs(d))
            if abs(dm[i, j] - d) > tol or abs(dm[j, i] - d) > tol:
                return False
    return True


@kernel
def is_symmetric(dm):
    """True when ``dm[i, j] == dm[j, i]`` for all pairs (early exit)."""
    n = dm.shape[0]
    for i in range(n):
        for j in range(i + 1, n):
            if dm[i, j] != dm[j, i]:
                return False
    return True


@kernel
def rand_u64(rng):
    """Next splitmix64 output; advances ``rng[0]``."""
    z = rng[0] + _GOLDEN
    rng[0] = z
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@kernel
def rand_int(rng, n):
    """Uniform integer in ``0..n-1``."""
    return np.int64(rand_u64(rng) % np.uint64(n))


@kernel
def rand_unit(rng):
    """Uniform float in ``[0, 1)``."""
    return np.float64(rand_u64(rng) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


# --------------------------------------------------------------------------- construction


@njit(cache=True, _nrt=True)
def greedy_tour(cand, xy, dm, mode):
    """Greedy-edge tour over the candidate edges, fragments joined nearest-endpoint first.

    Candidate edges ``(i, cand[i, t])`` are taken shortest first (ties: lower ``i * k + t``)
    when both ends have degree < 2 and they close no cycle. The fragments (single cities
    included) are then chained: from the free end of the current fragment to the nearest free
    end of another one, looked up among the candidates first and by a scan of all free ends when
    none is a candidate; the chain starts at the lowest-numbered free end. Returns the tour.
    """
    n, k = cand.shape
    m = n * k
    length = np.empty(m, np.float64)
    for i in range(n):
        for t in range(k):
            length[i * k + t] = dist(i, cand[i, t], xy, dm, mode)
    order = np.argsort(length, kind="mergesort")
    parent = np.arange(n)
    deg = np.zeros(n, np.int64)
    adj = np.full((n, 2), -1, np.int64)
    for e in order:
        i = e // k
        j = cand[i, e - i * k]
        if i == j or deg[i] >= 2 or deg[j] >= 2:
            continue
        ri = i
        while parent[ri] != ri:
            parent[ri] = parent[parent[ri]]
            ri = parent[ri]
        rj = j
        while parent[rj] != rj:
            parent[rj] = parent[parent[rj]]
            rj = parent[rj]
        if ri == rj:
            continue
        parent[ri] = rj
        adj[i, deg[i]] = j
        deg[i] += 1
        adj[j, deg[j]] = i
        deg[j] += 1
    # free ends (degree < 2), kept in a list with lazy deletion
    ends = np.empty(n, np.int64)
    ne = 0
    for i in range(n):
        if deg[i] < 2:
            ends[ne] = i
            ne += 1
    visited = np.zeros(n, np.bool_)
    tour = np.empty(n, np.int64)
    cnt = 0
    cur = ends[0]
    while True:
        # walk the fragment from its free end ``cur``
        prev = -1
        v = cur
        while True:
            visited[v] = True
            tour[cnt] = v
            cnt += 1
            nxt = -1
            for s in range(deg[v]):
                w = adj[v, s]
                if w != prev and not visited[w]:
                    nxt = w
            if nxt < 0:
                break
            prev = v
            v = nxt
        if cnt == n:
            break
        best = -1
        bestd = np.inf
        for t in range(k):
            w = cand[v, t]
            if not visited[w] and deg[w] < 2:
                d = dist(v, w, xy, dm, mode)
                if d < bestd:
                    bestd = d
                    best = w
        if best < 0:
            s = 0
            while s < ne:
                w = ends[s]
                if visited[w]:
                    ne -= 1
                    ends[s] = ends[ne]
                    continue
                d = dist(v, w, xy, dm, mode)
                if d < bestd or (d == bestd and w < best):
                    bestd = d
                    best = w
                s += 1
        cur = best
    return tour


# --------------------------------------------------------------------------- tour changes


@kernel
def reverse_range(tour, pos, i, j):
    """Reverse the cities at cyclic positions ``i, i+1, ..., j`` (exactly that range)."""
    n = tour.shape[0]
    length = j - i
    if length < 0:
        length += n
    length += 1
    for _ in range(length // 2):
        a = tour[i]
        b = tour[j]
        tour[i] = b
        pos[b] = i
        tour[j] = a
        pos[a] = j
        i += 1
        if i == n:
            i = 0
        j -= 1
        if j < 0:
            j = n - 1


@kernel
def reverse_path(tour, pos, i, j, jr, jn):
    """Reverse positions ``i..j`` or, when shorter, the complement (the same cycle); log the range."""
    n = tour.shape[0]
    length = j - i
    if length < 0:
        length += n
    length += 1
    if 2 * length > n:
        if length >= n:
            return
        i, j = j + 1, i - 1
        if i == n:
            i = 0
        if j < 0:
            j = n - 1
    reverse_range(tour, pos, i, j)
    if jn[1] == 1:
        c = jn[0]
        if c < jr.shape[0]:
            jr[c, 0] = i
            jr[c, 1] = j
            jn[0] = c + 1
        else:
            jn[2] = 1


@kernel
def undo(tour, pos, jr, jn):
    """Replay the logged reversals backwards (restores the tour array exactly) and clear the log."""
    for t in range(jn[0] - 1, -1, -1):
        reverse_range(tour, pos, jr[t, 0], jr[t, 1])
    jn[0] = 0


@kernel
def move2(tour, pos, a, b, c, d, jr, jn):
    """2-opt: replace tour edges ``{a, b}`` and ``{c, d}`` by ``{a, c}`` and ``{b, d}``.

    Requires ``b`` to follow ``a`` and ``d`` to follow ``c`` in one and the same direction.
    """
    n = tour.shape[0]
    nx = pos[a] + 1
    if nx == n:
        nx = 0
    if tour[nx] == b:
        reverse_path(tour, pos, pos[b], pos[c], jr, jn)
    else:
        reverse_path(tour, pos, pos[a], pos[d], jr, jn)


@kernel
def or_move(tour, pos, p, f, l, nx, u, v, keep, jr, jn):
    """Move the segment ``f..l`` (``p`` before it, ``nx`` after it) between ``u`` and ``v = succ(u)``.

    ``keep``: ``u-f ... l-v`` (True) or ``u-l ... f-v`` (False). Done as 2 or 3 :func:`move2`.
    """
    move2(tour, pos, p, f, u, v, jr, jn)
    move2(tour, pos, p, u, nx, l, jr, jn)
    if keep and f != l:
        move2(tour, pos, u, l, f, v, jr, jn)


@kernel
def segment_swap(tour, pos, a, b, x, c, y, z, jr, jn):
    """Pure 3-opt ``a [b..x] [c..y] z -> a [c..y] [b..x] z`` (no segment reversed), as 3 :func:`move2`."""
    move2(tour, pos, a, b, y, z, jr, jn)
    move2(tour, pos, a, y, c, x, jr, jn)
    move2(tour, pos, y, x, b, z, jr, jn)


# --------------------------------------------------------------------------- local search


@kernel
def _push(queue, inq, qs, v):
    if not inq[v]:
        n = queue.shape[0]
        t = qs[0] + qs[1]
        if t >= n:
            t -= n
        queue[t] = v
        qs[1] += 1
        inq[v] = True


@kernel
def push_all(tour, queue, inq, qs):
    """Queue every city (in tour order)."""
    for i in range(tour.shape[0]):
        _push(queue, inq, qs, tour[i])


@kernel
def improve_city(a, tour, pos, nbr, xy, dm, mode, eps, or_max, queue, inq, qs, jr, jn):
    """Apply the best improving 2-opt or Or-opt move touching city ``a``; returns its gain (0 if none).

    2-opt: a new edge ``{a, c}`` for a neighbour ``c``, on either side of ``a``. Or-opt: a segment
    of 1..``or_max`` cities with ``a`` at one end moves between a neighbour ``c`` of one of its
    ends and a tour neighbour of ``c``, either way round. The end cities of the changed edges go
    back on the queue.
    """
    n = tour.shape[0]
    k = nbr.shape[1]
    best = eps
    kind = 0
    m0 = m1 = m2 = m3 = m4 = m5 = ZERO
    keep = FALSE
    ia = pos[a]
    sa = tour[ia + 1 if ia + 1 < n else 0]
    pa = tour[ia - 1 if ia > 0 else n - 1]
    d_next = dist(a, sa, xy, dm, mode)
    d_prev = dist(pa, a, xy, dm, mode)
    for t in range(k):
        c = nbr[a, t]
        dac = dist(a, c, xy, dm, mode)
        g1 = d_next - dac
        if g1 > eps and c != sa:
            ic = pos[c]
            sc = tour[ic + 1 if ic + 1 < n else 0]
            if sc != a:
                g = g1 + dist(c, sc, xy, dm, mode) - dist(sa, sc, xy, dm, mode)
                if g > best:
                    best, kind, m0, m1, m2, m3 = g, 1, a, sa, c, sc
        g1 = d_prev - dac
        if g1 > eps and c != pa:
            ic = pos[c]
            pc = tour[ic - 1 if ic > 0 else n - 1]
            if pc != a:
                g = g1 + dist(pc, c, xy, dm, mode) - dist(pa, pc, xy, dm, mode)
                if g > best:
                    best, kind, m0, m1, m2, m3 = g, 1, pa, a, pc, c
    # Or-opt: segments f..l (tour order) of length L with a == f (forward) or a == l (backward)
    for L in range(1, or_max + 1):
        if n - L < 3:
            break
        for side in range(2):
            if L == 1 and side == 1:
                break
            if side == 0:
                fi = ia
            else:
                fi = ia - (L - 1)
                if fi < 0:
                    fi += n
            li = fi + L - 1
            if li >= n:
                li -= n
            f = tour[fi]
            l = tour[li]
            p = tour[fi - 1 if fi > 0 else n - 1]
            nx = tour[li + 1 if li + 1 < n else 0]
            g1 = dist(p, f, xy, dm, mode) + dist(l, nx, xy, dm, mode) - dist(p, nx, xy, dm, mode)
            if g1 <= best:
                continue
            for e in range(2):
                end = f if e == 0 else l
                for t in range(k):
                    c = nbr[end, t]
                    off = pos[c] - fi
                    if off < 0:
                        off += n
                    if off < L:
                        continue
                    ic = pos[c]
                    for w in range(2):
                        if w == 0:
                            u = c
                            v = tour[ic + 1 if ic + 1 < n else 0]
                        else:
                            u = tour[ic - 1 if ic > 0 else n - 1]
                            v = c
                        if v == p:
                            continue
                        ou = pos[u] - fi
                        if ou < 0:
                            ou += n
                        ov = pos[v] - fi
                        if ov < 0:
                            ov += n
                        if ou < L or ov < L:
                            continue
                        duv = dist(u, v, xy, dm, mode)
                        g = g1 - (dist(u, f, xy, dm, mode) + dist(l, v, xy, dm, mode) - duv)
                        if g > best:
                            best, kind, keep = g, 2, True
                            m0, m1, m2, m3, m4, m5 = p, f, l, nx, u, v
                        g = g1 - (dist(u, l, xy, dm, mode) + dist(f, v, xy, dm, mode) - duv)
                        if g > best:
                            best, kind, keep = g, 2, False
                            m0, m1, m2, m3, m4, m5 = p, f, l, nx, u, v
    if kind == 0:
        return 0.0
    if kind == 1:
        move2(tour, pos, m0, m1, m2, m3, jr, jn)
        _push(queue, inq, qs, m0)
        _push(queue, inq, qs, m1)
        _push(queue, inq, qs, m2)
        _push(queue, inq, qs, m3)
    else:
        or_move(tour, pos, m0, m1, m2, m3, m4, m5, keep, jr, jn)
        _push(queue, inq, qs, m0)
        _push(queue, inq, qs, m1)
        _push(queue, inq, qs, m2)
        _push(queue, inq, qs, m3)
        _push(queue, inq, qs, m4)
        _push(queue, inq, qs, m5)
    return best


# --------------------------------------------------------------------------- sequential 3-opt and LK-style moves
#
# A move from ``t1`` is searched in the *frame* of its first removed edge ``(t1, t2)``: ``d = +1``
# when ``t2 = succ(t1)``, else -1; ``off(v)`` is ``v``'s position counted from ``t1`` in direction
# ``d`` (``off(t1) = 0``, ``off(t2) = 1``). Removed edges ``(t1,t2), (t3,t4), (t5,t6)``, added
# ``(t2,t3), (t4,t5), (t6,t1)``. Cutting the three removed edges leaves the segments
# ``B = [1..la]``, ``C = [la+1..lb]`` and ``A = [lb+1..n-1, 0]`` (``t1`` ends ``A``); the added
# edges reconnect them into ``A X Y`` (a tour) or into subcycles (no move).

#: reconnections ``A X Y`` of the three segments (``'`` = reversed); ``P2`` is the 2-opt closing
P_BrCr, P_CB, P_CBr, P_CrB, P_CrBr, P_BrC, P_BCr, P2 = 1, 2, 3, 4, 5, 6, 7, 8


@kernel
def _frame(v, pos, p1, d, n):
    """``v``'s offset from position ``p1`` in direction ``d``."""
    o = (pos[v] - p1) * d
    if o < 0:
        o += n
    return o


@kernel
def _step(v, tour, pos, d, n):
    """The city after ``v`` in direction ``d``."""
    i = pos[v] + d
    if i == n:
        i = 0
    elif i < 0:
        i = n - 1
    return tour[i]


@kernel
def _partner(x, e3, e4, e5, e6):
    """The endpoint joined to endpoint ``x`` by an added edge: ``0-e3`` (t2-t3), ``e4-e5``, ``e6-5`` (t6-t1)."""
    if x == 0:
        return e3
    if x == e3:
        return 0
    if x == e4:
        return e5
    if x == e5:
        return e4
    if x == 5:
        return e6
    return 5


@kernel
def pattern3(o3, o4, o5, o6):
    """Reconnection (``P_*``) of the sequential 3-opt move with the frame offsets ``o3..o6`` of
    ``t3..t6`` (``t1, t2`` at 0, 1), or 0 when the added edges close a subcycle or two removed
    edges coincide. Returns ``(code, la, lb)``, ``la < lb`` the lower offsets of the other two
    removed edges."""
    l2 = min(o3, o4)
    l3 = min(o5, o6)
    if l2 == 0 or l3 == 0 or l2 == l3:
        return 0, 0, 0
    la = min(l2, l3)
    lb = max(l2, l3)
    # endpoint ids: 2*j = start of segment j, 2*j+1 = its end (j: 0 = B, 1 = C, 2 = A); a city at
    # the lower offset of removed edge i ends the segment before it, the other one starts segment i
    i2 = 1 if l2 == la else 2
    i3 = 3 - i2
    e3 = 2 * ((i2 + 2) % 3) + 1 if o3 == l2 else 2 * i2
    e4 = 2 * ((i2 + 2) % 3) + 1 if o4 == l2 else 2 * i2
    e5 = 2 * ((i3 + 2) % 3) + 1 if o5 == l3 else 2 * i3
    e6 = 2 * ((i3 + 2) % 3) + 1 if o6 == l3 else 2 * i3
    cur = _partner(np.int64(5), e3, e4, e5, e6)
    code = 0
    for step in range(2):
        j = cur // 2
        if j == 2:
            return 0, 0, 0
        rev = cur % 2
        code = code * 4 + j * 2 + rev
        cur = _partner(2 * j + 1 - rev, e3, e4, e5, e6)
    if cur != 4:
        return 0, 0, 0
    # code = 4 * (2*j1 + r1) + (2*j2 + r2)
    if code == 4 * 1 + 3:
        return P_BrCr, la, lb
    if code == 4 * 2 + 0:
        return P_CB, la, lb
    if code == 4 * 2 + 1:
        return P_CBr, la, lb
    if code == 4 * 3 + 0:
        return P_CrB, la, lb
    if code == 4 * 3 + 1:
        return P_CrBr, la, lb
    if code == 4 * 1 + 2:
        return P_BrC, la, lb
    if code == 4 * 0 + 3:
        return P_BCr, la, lb
    return 0, 0, 0


@kernel
def apply3(t1, t2, t3, t4, t5, t6, tour, pos, jr, jn):
    """Make the sequential move ``t1..t6`` (``t5 = -1``: the 2-opt ``t1..t4``, ``t4 = pred(t3)`` in the frame)."""
    n = tour.shape[0]
    p1 = pos[t1]
    d = ONE if _step(t1, tour, pos, ONE, n) == t2 else -ONE
    if t5 < 0:
        move2(tour, pos, t1, t2, t4, t3, jr, jn)
        return
    code, la, lb = pattern3(_frame(t3, pos, p1, d, n), _frame(t4, pos, p1, d, n),
                            _frame(t5, pos, p1, d, n), _frame(t6, pos, p1, d, n))
    s0 = t1
    s1 = t2
    sj = tour[(p1 + d * la) % n]
    sj1 = tour[(p1 + d * (la + 1)) % n]
    sk = tour[(p1 + d * lb) % n]
    sk1 = tour[(p1 + d * (lb + 1)) % n]
    if code == P_BrCr:
        move2(tour, pos, s0, s1, sj, sj1, jr, jn)
        move2(tour, pos, s1, sj1, sk, sk1, jr, jn)
    elif code == P_CB:
        segment_swap(tour, pos, s0, s1, sj, sj1, sk, sk1, jr, jn)
    elif code == P_CBr:
        move2(tour, pos, s0, s1, sk, sk1, jr, jn)
        move2(tour, pos, s0, sk, sj1, sj, jr, jn)
    elif code == P_CrB:
        move2(tour, pos, s0, s1, sk, sk1, jr, jn)
        move2(tour, pos, sj1, sj, s1, sk1, jr, jn)
    elif code == P_CrBr:
        move2(tour, pos, s0, s1, sk, sk1, jr, jn)
    elif code == P_BrC:
        move2(tour, pos, s0, s1, sj, sj1, jr, jn)
    elif code == P_BCr:
        move2(tour, pos, sj, sj1, sk, sk1, jr, jn)


@kernel
def _tabu(u, v, added, na):
    for t in range(na):
        if (added[t, 0] == u and added[t, 1] == v) or (added[t, 0] == v and added[t, 1] == u):
            return True
    return False


@kernel
def best_step3(t1, t2, g0, tour, pos, nbr, xy, dm, mode, eps, k3, added, na):
    """Best sequential move (2-opt or 3-opt) that removes ``(t1, t2)`` first; ``g0`` is the gain so far
    counting ``(t1, t2)`` as removed (``d(t1, t2)`` for a fresh move).

    ``t3`` is among the first ``k3`` neighbours of ``t2`` with ``g0 - d(t2,t3) > eps``; ``t4`` is a tour
    neighbour of ``t3``; ``t5`` among the first ``k3`` neighbours of ``t4`` with a positive partial gain;
    ``t6`` a tour neighbour of ``t5``; edges in ``added[:na]`` are not removed; moves that leave a
    subcycle are skipped (:func:`pattern3`). Returns ``(gain, t3, t4, t5, t6, open_g, u3, u4, u5, u6)``:
    the best closed move (gain ``g0`` minus the added plus the other removed edges; ``t5 = -1`` for
    a 2-opt) and the best open one by partial gain ``open_g`` (before its closing edge to ``t1``)
    for a deeper search (``u3 = -1`` when none).
    """
    n = tour.shape[0]
    k = min(k3, nbr.shape[1])
    p1 = pos[t1]
    d = ONE if _step(t1, tour, pos, ONE, n) == t2 else -ONE
    best = eps
    b3 = b4 = b5 = b6 = -1
    bo = eps
    u3 = u4 = u5 = u6 = -1
    s2 = _step(t2, tour, pos, d, n)
    for i in range(k):
        t3 = nbr[t2, i]
        g1 = g0 - dist(t2, t3, xy, dm, mode)
        if g1 <= eps:
            break
        if t3 == t1 or t3 == s2:
            continue
        o3 = _frame(t3, pos, p1, d, n)
        for x4 in range(2):
            t4 = _step(t3, tour, pos, d if x4 == 0 else -d, n)
            if t4 == t1 or _tabu(t3, t4, added, na):
                continue
            o4 = o3 + 1 if x4 == 0 else o3 - 1
            g2 = g1 + dist(t3, t4, xy, dm, mode)
            if x4 == 1:  # the 2-opt closing (t4, t1) gives a tour
                g = g2 - dist(t4, t1, xy, dm, mode)
                if g > best:
                    best, b3, b4, b5, b6 = g, t3, t4, -1, -1
                if g2 > bo:
                    bo, u3, u4, u5, u6 = g2, t3, t4, -1, -1
            s4 = _step(t4, tour, pos, d, n)
            q4 = _step(t4, tour, pos, -d, n)
            for h in range(k):
                t5 = nbr[t4, h]
                g3 = g2 - dist(t4, t5, xy, dm, mode)
                if g3 <= eps:
                    break
                if t5 == t1 or t5 == s4 or t5 == q4:
                    continue
                o5 = _frame(t5, pos, p1, d, n)
                for x6 in range(2):
                    t6 = _step(t5, tour, pos, d if x6 == 0 else -d, n)
                    if t6 == t1 or _tabu(t5, t6, added, na):
                        continue
                    g4 = g3 + dist(t5, t6, xy, dm, mode)
                    g = g4 - dist(t6, t1, xy, dm, mode)
                    if g <= best and g4 <= bo:
                        continue
                    o6 = o5 + 1 if x6 == 0 else o5 - 1
                    code, _la, _lb = pattern3(o3, o4, o5, o6)
                    if code == 0:
                        continue
                    if g > best:
                        best, b3, b4, b5, b6 = g, t3, t4, t5, t6
                    if g4 > bo:
                        bo, u3, u4, u5, u6 = g4, t3, t4, t5, t6
    if b3 < 0:
        best = 0.0
    return best, b3, b4, b5, b6, bo, u3, u4, u5, u6


@kernel
def undo_to(tour, pos, jr, jn, mark):
    """Replay the logged reversals ``jr[mark:jn[0]]`` backwards and drop them from the log."""
    for t in range(jn[0] - 1, mark - 1, -1):
        reverse_range(tour, pos, jr[t, 0], jr[t, 1])
    jn[0] = mark


@njit(cache=True, _nrt=True)
def lk_move(t1, tour, pos, nbr, xy, dm, mode, eps, k3, depth, queue, inq, qs, jr, jn):
    """Variable-depth (Lin-Kernighan style) improvement from ``t1``; returns its gain (0: tour unchanged).

    For ``t2`` = each tour neighbour of ``t1``: :func:`best_step3` from ``(t1, t2)``; an improving
    closed move is made and ends the search; otherwise the best open move (largest partial gain) is
    made tentatively, its closing edge ``(t6, t1)`` becomes the next ``(t1, t2)`` and the search goes
    one level deeper (at most ``depth`` levels, edges added in earlier levels are not removed). A
    search without gain is undone exactly. ``depth = 1`` is the plain best sequential 3-opt move.
    The end cities of the changed edges go on the queue. Needs ``n >= 8``.
    """
    n = tour.shape[0]
    if n < 8:
        return 0.0
    if jr.shape[0] - jn[0] < 3 * depth + 3:
        depth = 1  # no room in the journal to undo tentative levels
    logged = jn[1]
    over = jn[2]
    if logged == 0:
        jn[0] = 0
    mark = jn[0]
    jn[1] = 1
    added = np.empty((3 * depth, 2), np.int64)
    touched = np.empty(6 * depth, np.int64)
    total = 0.0
    for side in range(2):
        t2 = _step(t1, tour, pos, ONE if side == 0 else -ONE, n)
        g0 = dist(t1, t2, xy, dm, mode)
        na = ZERO
        nt = 0
        for level in range(depth):
            gain, t3, t4, t5, t6, og, u3, u4, u5, u6 = best_step3(t1, t2, g0, tour, pos, nbr, xy, dm, mode,
                                                                  eps, k3, added, na)
            if t3 >= 0:
                apply3(t1, t2, t3, t4, t5, t6, tour, pos, jr, jn)
                touched[nt] = t2
                touched[nt + 1] = t3
                touched[nt + 2] = t4
                nt += 3
                if t5 >= 0:
                    touched[nt] = t5
                    touched[nt + 1] = t6
                    nt += 2
                total = gain
                break
            if level == depth - 1 or u3 < 0:
                break
            last = u4 if u5 < 0 else u6
            if og - dist(last, nbr[last, 0], xy, dm, mode) <= eps:
                break  # no next level can gain
            apply3(t1, t2, u3, u4, u5, u6, tour, pos, jr, jn)
            added[na, 0] = t2
            added[na, 1] = u3
            na += 1
            touched[nt] = t2
            touched[nt + 1] = u3
            touched[nt + 2] = u4
            nt += 3
            if u5 >= 0:
                added[na, 0] = u4
                added[na, 1] = u5
                na += 1
                touched[nt] = u5
                touched[nt + 1] = u6
                nt += 2
            t2 = last
            g0 = og
        if total > 0.0:
            _push(queue, inq, qs, t1)
            for t in range(nt):
                _push(queue, inq, qs, touched[t])
            break
        undo_to(tour, pos, jr, jn, mark)
    if logged == 0:
        jn[0] = 0
        jn[2] = over
    jn[1] = logged
    return total


@kernel
def local_search(tour, pos, nbr, xy, dm, mode, eps, or_max, queue, inq, qs, jr, jn, max_moves, depth, k3):
    """2-opt + Or-opt from the queued cities until the queue is empty or ``max_moves`` moves were made.

    With ``depth >= 1`` a city without an improving 2-opt/Or-opt move also tries :func:`lk_move`
    (sequential 3-opt over its first ``k3`` neighbours, ``depth`` levels deep). Returns
    ``(gain, moves)``; the queue (``queue``, ``inq``, ``qs = [head, count]``) persists, so a call
    that stopped at ``max_moves`` can be continued.
    """
    n = tour.shape[0]
    gain = 0.0
    moves = 0
    while qs[1] > 0 and moves < max_moves:
        a = queue[qs[0]]
        qs[0] += 1
        if qs[0] == n:
            qs[0] = 0
        qs[1] -= 1
        inq[a] = False
        g = improve_city(a, tour, pos, nbr, xy, dm, mode, eps, or_max, queue, inq, qs, jr, jn)
        if g == 0.0 and depth > 0:
            g = lk_move(a, tour, pos, nbr, xy, dm, mode, eps, k3, depth, queue, inq, qs, jr, jn)
        if g > 0.0:
            gain += g
            moves += 1
            _push(queue, inq, qs, a)
    return gain, moves


# --------------------------------------------------------------------------- perturbation


@kernel
def kick(tour, pos, hc, hw, rng, window, jr, jn, out, min_seg, p_heat, p_local):
    """Heatmap-guided segment swap ``a [b..x] [c..y] z -> a [c..y] [b..x] z``.

    ``a`` is uniform; ``c`` is drawn from ``a``'s heatmap row (weights ``hw``) among the cities
    that leave ``[b..x]`` at least ``min_seg`` cities and room for two more such segments
    (``[c..y]`` and ``[z..a]``); ``y`` from ``b``'s row among the cities that keep ``[c..y]`` and
    ``[z..a]`` at least ``min_seg`` long (with probability ``p_heat``, an extra random number when
    below 1) or, otherwise or when none is there, uniformly within ``window`` positions from the
    first allowed one. ``min_seg = 1`` allows every segment swap; a swap with a segment of at most
    ``or_max`` cities is an Or-opt move, which the local search undoes at once, so :func:`ils` asks
    for ``or_max + 1`` (needs ``n >= 3 * min_seg``). The defaults (1, 1.0) are the kick before
    issue 20. Writes
    ``a, b, x, c, y, z, t_c, t_y`` to ``out`` (``t_*``: heatmap column used, -1 if none) and
    returns False when no move was possible. With probability ``p_local`` (an extra random number
    when above 0) the kick is segment-local instead: ``c`` and ``y`` both uniform within ``window``
    positions (a double bridge on about ``2 * window`` consecutive cities).
    """
    n = tour.shape[0]
    kh = hc.shape[1]
    m = min_seg
    lo_c = m + 1              # offsets from a: [b..x] = 1..oc-1, [c..y] = oc..oy, [z..a] = oy+1..n
    hi_c = n - 2 * m + 1
    a = rand_int(rng, n)
    ia = pos[a]
    b = tour[ia + 1 if ia + 1 < n else 0]
    local = p_local > 0.0 and rand_unit(rng) < p_local
    total = 0.0
    for t in range(0 if local else kh):
        oc = pos[hc[a, t]] - ia
        if oc < 0:
            oc += n
        if lo_c <= oc <= hi_c:
            total += hw[a, t]
    tc = -1
    if total > 0.0:
        r = rand_unit(rng) * total
        for t in range(kh):
            oc = pos[hc[a, t]] - ia
            if oc < 0:
                oc += n
            if lo_c <= oc <= hi_c:
                tc = t
                r -= hw[a, t]
                if r < 0.0:
                    break
    if tc >= 0:
        c = hc[a, tc]
    elif local:
        c = tour[(ia + lo_c + rand_int(rng, min(window, hi_c - lo_c + 1))) % n]
    else:
        c = tour[(ia + lo_c + rand_int(rng, hi_c - lo_c + 1)) % n]
    oc = pos[c] - ia
    if oc < 0:
        oc += n
    lo_y = oc + m - 1
    hi_y = n - m
    ky = kh
    if local or (p_heat < 1.0 and rand_unit(rng) >= p_heat):
        ky = 0  # y from the window: heatmap rows alone give only ~n * k * k kicks, soon all tried
    total = 0.0
    for t in range(ky):
        y = hc[b, t]
        oy = pos[y] - ia
        if oy < 0:
            oy += n
        if lo_y <= oy <= hi_y:
            total += hw[b, t]
    ty = -1
    if total > 0.0:
        r = rand_unit(rng) * total
        for t in range(kh):
            y = hc[b, t]
            oy = pos[y] - ia
            if oy < 0:
                oy += n
            if lo_y <= oy <= hi_y:
                ty = t
                r -= hw[b, t]
                if r < 0.0:
                    break
    if ty >= 0:
        y = hc[b, ty]
        oy = pos[y] - ia
        if oy < 0:
            oy += n
    else:
        oy = lo_y + rand_int(rng, min(window, hi_y - lo_y + 1))
        y = tour[(ia + oy) % n]
    x = tour[(ia + oc - 1) % n]
    z = tour[(ia + oy + 1) % n]
    segment_swap(tour, pos, a, b, x, c, y, z, jr, jn)
    out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7] = a, b, x, c, y, z, tc, ty
    return True


@kernel
def ils(tour, pos, nbr, hc, hw, xy, dm, mode, rng, iterations, cost, eps, or_max, window, eta,
        queue, inq, qs, jr, jn, out, best_tour, best, slack, p_heat, depth, k3, p_local):
    """``iterations`` rounds of: heatmap-guided kick, local search from its end cities, keep or undo.

    Acceptance (record-to-record travel): a round is kept when the new tour is no longer than the
    current one, or shorter than the best tour so far plus ``slack`` (an absolute length; 0 = keep
    only rounds that do not lengthen the tour), else undone exactly. Kicks have no segment of
    ``or_max`` cities or fewer and draw ``y`` from the heatmap with probability ``p_heat`` (see
    :func:`kick`). The best tour so far is kept
    in ``best_tour`` with its length in ``best[0]`` (the caller initialises both). An improving
    round adds ``eta * min(1, gain / mean edge)`` to the heatmap weights of the edges the kick
    sampled, so later kicks favour them. ``depth``/``k3``: the local search's LK-style moves (see
    :func:`local_search`); ``p_local``: share of segment-local kicks (see :func:`kick`). ``cost`` is the current tour length; returns
    ``(cost, improving rounds)``.
    """
    n = tour.shape[0]
    improved = 0
    big = jr.shape[0] * 4
    min_seg = min(or_max + 1, n // 3)  # no Or-opt-sized segment: the local search would undo it
    for _ in range(iterations):
        jn[0] = 0
        jn[1] = 1
        jn[2] = 0
        kick(tour, pos, hc, hw, rng, window, jr, jn, out, min_seg, p_heat, p_local)
        a, b, x, c, y, z = out[0], out[1], out[2], out[3], out[4], out[5]
        delta = (dist(a, c, xy, dm, mode) + dist(y, b, xy, dm, mode) + dist(x, z, xy, dm, mode)
                 - dist(a, b, xy, dm, mode) - dist(x, c, xy, dm, mode) - dist(y, z, xy, dm, mode))
        for t in range(6):
            _push(queue, inq, qs, out[t])
        gain, _m = local_search(tour, pos, nbr, xy, dm, mode, eps, or_max, queue, inq, qs, jr, jn, big, depth, k3)
        new = cost + delta - gain
        if new < cost - eps:
            if eta > 0.0:
                bonus = eta * min(1.0, (cost - new) * n / cost)
                if out[6] >= 0:
                    hw[a, out[6]] += bonus
                if out[7] >= 0:
                    hw[b, out[7]] += bonus
            cost = new
            improved += 1
        elif new <= cost + eps or new < best[0] + slack or jn[2] == 1:
            cost = new
        else:
            undo(tour, pos, jr, jn)
        jn[1] = 0
        if cost < best[0] - eps:
            best[0] = cost
            for i_ in range(tour.shape[0]):  # (a loop: a slice copy may allocate)
                best_tour[i_] = tour[i_]
    return cost, improved
