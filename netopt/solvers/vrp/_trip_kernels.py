"""Segment summaries of multi-trip routes with release times (MTVRPTWR), the second specialisation
of the segment algebra of :mod:`netopt.solvers.vrp._kernels` (inputs are trusted).

A route may return to a depot to reload and start another trip; no client of a trip may be left
before the trip's *release time*, the largest release time of its clients, and the vehicle's load
is bounded per trip. The local search sees a reload as a visit of a *reload node*, a copy of the
depot at a client index (``kd.depot_of[i] >= 0``), so every move of :mod:`._kernels` inserts,
removes and moves reloads as it does clients.

A sequence of visits is summarised as three parts around its depot visits (route depots and reload
nodes): the *front* (clients before the first depot visit), the *middle* (from the first to the
last depot visit, its trips complete) and the *back* (clients after the last depot visit)::

    (distance, front, middle, back, depot visits, 0.0, first node, last node, allowed mask)

(distance, first, last and mask where the one-trip summary of :mod:`._kernels` has them). A front
or back is a *piece* of an open trip, ``(duration, time warp, earliest, latest, delivery, pickup,
peak, release, first, last)`` (``first == -1``: empty); the middle is ``(duration, time warp,
earliest, latest, excess load, first, last)`` (``first == -1``: no depot visit), its time summary
the concatenation (Vidal et al. 2013) of its visits with, after each depot visit, a zero-length
visit whose time window opens at the next trip's release time. When two summaries join, the back
of the first and the front of the second close a trip: its excess load over ``kd.trip_cap`` joins
the middle, and its release time goes in front of it. So concatenation stays O(1) and associative,
and a complete route (from its start depot to its end depot) is all middle.
"""

from __future__ import annotations

import numpy as np

from ... import _jit
from ..._jit import kernel
from ..._numba_cache import drop_stale

drop_stale(__file__, _jit.__file__)  # compiled with the options of _jit.kernel

BIG = 1e30


@kernel(inline="always")
def tcat(a0, a1, a2, a3, b0, b1, b2, b3, t):
    """Time summary ``(duration, time warp, earliest, latest)`` of ``a`` then ``b``, ``t`` apart."""
    delta = a0 - a1 + t
    wait = max(b2 - delta - a3, 0.0)
    warp = max(a2 + delta - b3, 0.0)
    return a0 + b0 + t + wait, a1 + b1 + warp, max(b2 - delta, a2) - wait, min(b3 - delta, a3) + warp


@kernel(inline="always")
def empty_piece():
    return (0.0, 0.0, 0.0, BIG, 0.0, 0.0, 0.0, 0.0, np.int64(-1), np.int64(-1))


@kernel(inline="always")
def empty_middle():
    return (0.0, 0.0, 0.0, BIG, 0.0, np.int64(-1), np.int64(-1))


@kernel(inline="always")
def _pick10(c, p, q):
    """``p`` if ``c`` else ``q``, field by field (a branch between two tuples compiles to slow code)."""
    return (p[0] if c else q[0], p[1] if c else q[1], p[2] if c else q[2], p[3] if c else q[3], p[4] if c else q[4],
            p[5] if c else q[5], p[6] if c else q[6], p[7] if c else q[7], p[8] if c else q[8], p[9] if c else q[9])


@kernel(inline="always")
def _pick7(c, p, q):
    return (p[0] if c else q[0], p[1] if c else q[1], p[2] if c else q[2], p[3] if c else q[3], p[4] if c else q[4],
            p[5] if c else q[5], p[6] if c else q[6])


@kernel(inline="always")
def piece_cat(p, q, kd):
    """Piece ``p`` followed by piece ``q`` (either may be empty)."""
    pe = p[8] < 0
    qe = q[8] < 0
    t = 0.0 if pe or qe else kd.tt[p[9], q[8]]
    d, w, e, l = tcat(p[0], p[1], p[2], p[3], q[0], q[1], q[2], q[3], t)
    both = (d, w, e, l, p[4] + q[4], p[5] + q[5], max(p[6] + q[4], q[6] + p[5]), max(p[7], q[7]), p[8], q[9])
    return _pick10(pe, q, _pick10(qe, p, both))


@kernel(inline="always")
def close_trip(m, trip, n, kd):
    """Middle ``m``, then the trip ``trip`` (a piece, perhaps empty) from ``m``'s last depot visit to
    ``n``'s first, then middle ``n``: the trip waits for its release at ``m``'s last depot."""
    d, w, e, l = tcat(m[0], m[1], m[2], m[3], 0.0, 0.0, trip[7], BIG, 0.0)
    ex = m[4] + n[4]
    if trip[8] >= 0:
        d, w, e, l = tcat(d, w, e, l, trip[0], trip[1], trip[2], trip[3], kd.tt[m[6], trip[8]])
        d, w, e, l = tcat(d, w, e, l, n[0], n[1], n[2], n[3], kd.tt[trip[9], n[5]])
        ex += max(trip[6] - kd.trip_cap, 0.0)
    else:
        d, w, e, l = tcat(d, w, e, l, n[0], n[1], n[2], n[3], kd.tt[m[6], n[5]])
    return (d, w, e, l, ex, m[5], n[6])


@kernel
def seg_node(i, kd):
    """Summary of the single visit ``i`` (a client, or a reload node)."""
    i = np.int64(i)
    reload = kd.depot_of[i] >= 0
    dem = kd.dem[i]
    pick = kd.pick[i]
    client = (0.0, 0.0, kd.tw_e[i], kd.tw_l[i], dem, pick, max(dem, pick), kd.release[i], i, i)
    depot = (0.0, 0.0, kd.tw_e[i], kd.tw_l[i], 0.0, i, i)
    return (0.0, _pick10(reload, empty_piece(), client), _pick7(reload, depot, empty_middle()), empty_piece(),
            1.0 if reload else 0.0, 0.0, i, i, kd.allow[i])


@kernel
def seg_depot(dep, e, l, kd):
    """Summary of a visit of route depot ``dep`` in the window ``[e, l]``."""
    return (0.0, empty_piece(), (0.0, 0.0, e, l, 0.0, dep, dep), empty_piece(), 1.0, 0.0, dep, dep, np.int64(-1))


@kernel
def seg_cat(a, b, kd):
    """Summary of sequence ``a`` followed by sequence ``b`` (every case computed, then picked)."""
    am = a[2]
    bm = b[2]
    in_a = am[5] >= 0  # a depot visit in a
    in_b = bm[5] >= 0
    fronts = piece_cat(a[1], b[1], kd)  # (no depot visit in a)
    trip = piece_cat(a[3], b[1], kd)  # (a depot visit in a: the trip from a's last one)
    closed = close_trip(am, trip, bm, kd)  # (and one in b)
    front = _pick10(in_a, a[1], fronts)
    mid = _pick7(in_a, _pick7(in_b, closed, am), bm)
    back = _pick10(in_a and not in_b, trip, b[3])
    return (a[0] + b[0] + kd.dist[a[7], b[6]], front, mid, back, a[4] + b[4], 0.0, a[6], b[7], a[8] & b[8])


@kernel
def route_figures(s):
    """``(excess load, time warp, duration)`` of a complete route's summary (all middle)."""
    m = s[2]
    return m[4], m[1], m[0]


N_STORED = 30  # floats per stored summary: distance, front (10), middle (7), back (10), depot visits, mask


@kernel
def store(arr, r, p, s):
    """Write summary ``s`` to ``arr[r, p]`` (ints and the mask as float64, exact below 2**53; the
    first and last node are the route's, not stored)."""
    arr[r, p, 0] = s[0]
    f, m, b = s[1], s[2], s[3]
    arr[r, p, 1], arr[r, p, 2], arr[r, p, 3], arr[r, p, 4], arr[r, p, 5] = f[0], f[1], f[2], f[3], f[4]
    arr[r, p, 6], arr[r, p, 7], arr[r, p, 8], arr[r, p, 9], arr[r, p, 10] = f[5], f[6], f[7], float(f[8]), float(f[9])
    arr[r, p, 11], arr[r, p, 12], arr[r, p, 13], arr[r, p, 14], arr[r, p, 15] = m[0], m[1], m[2], m[3], m[4]
    arr[r, p, 16], arr[r, p, 17] = float(m[5]), float(m[6])
    arr[r, p, 18], arr[r, p, 19], arr[r, p, 20], arr[r, p, 21], arr[r, p, 22] = b[0], b[1], b[2], b[3], b[4]
    arr[r, p, 23], arr[r, p, 24], arr[r, p, 25], arr[r, p, 26], arr[r, p, 27] = b[5], b[6], b[7], float(b[8]), float(b[9])
    arr[r, p, 28] = s[4]
    arr[r, p, 29] = float(s[8])


@kernel
def load(arr, r, p, first, last):
    """The summary stored at ``arr[r, p]`` whose first and last nodes are ``first``, ``last``."""
    x = arr[r, p]
    front = (x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], np.int64(x[9]), np.int64(x[10]))
    mid = (x[11], x[12], x[13], x[14], x[15], np.int64(x[16]), np.int64(x[17]))
    back = (x[18], x[19], x[20], x[21], x[22], x[23], x[24], x[25], np.int64(x[26]), np.int64(x[27]))
    return (x[0], front, mid, back, x[28], 0.0, first, last, np.int64(x[29]))
