"""Numba kernels of the hybrid genetic search and the iterated local search (every function
:func:`~netopt._jit.kernel`, i.e. ``@njit(cache=True)`` without reference counting, but the three that
allocate arrays, :func:`split`, :func:`ox_crossover`, :func:`succ_pred`; inputs are trusted).

Conventions shared by every kernel (the callers in :mod:`netopt.solvers.vrp.hgs` and
:mod:`~netopt.solvers.vrp.ils` prepare them):

* nodes ``0..nd-1`` are depots, ``nd..N-1`` the clients;
* the instance and its route slots reach the kernels as one :class:`KernelData` named tuple ``kd``;
* ``prm`` is a float64 vector of ``N_PRM`` slots named by the ``P_*`` constants below;
* move kinds are the integer constants ``RELOCATE`` ... ``TWO_OPT_STAR`` below.

A route is a row of ``routes`` (int64, ``(K, N + 1)``): position 0 and ``rlen[r] + 1`` hold the
route's start and end depot, positions ``1..rlen[r]`` the clients. Each route slot ``r`` is one
vehicle: its type's capacity, depots, shift window, route limits and costs are the ``rf`` / ``ri`` rows of
``kd`` (a CVRP has as many identical slots as it may use routes).

Time windows use the segment algebra of Vidal et al. (2013): a sequence of visits is summarised by
``(distance, delivery, duration, time_warp, earliest, latest, first, last, allowed, pickup, peak)``
and two summaries concatenate in O(1) (:func:`seg_cat`). A route is feasible in time iff its time
warp is 0, which is exactly the Solomon rule (leave the depot at its opening, wait when early, never
arrive late). ``allowed`` is the bitwise AND of the clients' masks of allowed vehicle classes (site
dependence; -1 when every class may serve them all). ``delivery`` and ``pickup`` are the amounts
delivered and picked up along the sequence, ``peak`` the largest load on board in it when the
vehicle enters it carrying only the sequence's deliveries (Vidal et al. 2014's pickup-and-delivery
load segments): the route's load is its peak, the delivery sum when nothing is picked up.
VRPB's precedence (linehauls before backhauls, no route that starts with a backhaul) is the
forbidden arcs of PyVRP's reader: each adds ``kd.arc_big`` to the arc's distance (:class:`~netopt.solvers.vrp.hgs._Data`).

Multi-trip routes with release times (a :class:`KernelDataMT` ``kd``) use the summaries of
:mod:`._trip_kernels` instead, and loads in several dimensions (a :class:`KernelDataMD` ``kd``) add
three fields to the one-trip summary: the delivery, pickup and peak of dimensions 2..4, as 3-tuples
(load dimension 1 keeps its fields above). The segment functions below are Numba overloads that pick
their implementation from the type of ``kd`` when a kernel compiles, so every move, the local search
and the ILS run unchanged on every kind, and one-trip routes with one load dimension compile exactly
as before.

The penalised cost of a route of slot ``r`` is ``fixed + unit_distance * distance + unit_duration *
duration + penalty_load * excess_load + penalty_time * (time_warp + excess_duration +
excess_distance)``, the excess load summed over the load dimensions (multi-trip routes: over the trips,
and a trip's capacity per reload above the vehicle's most reloads); a route holding a client its
vehicle may not serve costs ``FORBID`` more.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba import njit, types
from numba.extending import overload

from ... import _jit
from ..._jit import kernel
from ..._numba_cache import drop_stale
from . import _trip_kernels as T

drop_stale(__file__, T.__file__, _jit.__file__)  # the kernels below compile in those of _trip_kernels

BIG = 1e30
FORBID = 1e20  # added to the cost of a route with a client its vehicle may not serve
EPS = 1e-7  # an improving move must gain more than this
# A kernel that calls another with a literal int (``f(x, -1)``), or with a variable that starts as one
# (``best = -1`` then reassigned in a loop: type inference sees the literal first), makes Numba compile ``f``
# once more for that value; kernels use these int64 values instead (tests/test_numba_cache.py checks)
NONE = np.int64(-1)  # no stamp (search every client), no route
ZERO = np.int64(0)  # route slot 0; the start depot's position in a route
LS_LOOPS = np.int64(1000)  # loops of the local search inside the ILS

# ---------------------------------------------------------------------------
# KernelData ``kd``: the instance, float64 / int64 C-contiguous (built once by hgs._Data)
#   dist[i, j]  arc distance
#   tt[i, j]    service[i] + duration[i, j]: from the start of service at i to the arrival at j
#               (so service times never appear again)
#   tw_e, tw_l  time windows (0 / BIG without time windows)
#   dem         demands (integers stored as floats, exact below 2**53)
#   pick        pickup amounts (backhauls; zeros when nothing is picked up)
#   allow       int64 mask of the vehicle classes that may serve each node (-1: all)
#   prize       what leaving an optional client unvisited costs (0 for required ones)
#   optional    bool: the client may be left unvisited
#   nd          number of depots (an int)
#   arc_big     what a forbidden arc adds to its distance (VRPB's precedence; BIG when none is): a
#               route at least this long breaks a precedence and is infeasible
# and per route slot r (a row each; slots of one vehicle type are contiguous):
#   rf[r]  float64: RF_E, RF_L shift window (earliest departure, latest return); RF_CAP capacity;
#          RF_MAXDUR, RF_MAXDIST route limits (BIG when absent); RF_FIXED fixed cost when used,
#          RF_UDIST, RF_UDUR cost per unit distance and per unit duration
#   ri[r]  int64: RI_START, RI_END start and end depot; RI_BIT the slot's vehicle class (a bit of
#          ``allow``, 0..51); RI_TYPE its vehicle type
#   t_first[t]..t_first[t + 1] - 1 are type t's slots
KernelData = namedtuple("KernelData", "dist tt tw_e tw_l dem pick allow prize optional nd arc_big rf ri t_first")
# Multi-trip routes with release times (:mod:`._trip_kernels`) add
#   release     release time of each client (0 for others)
#   depot_of    the depot a reload node copies (-1 for every other node)
#   trip_cap    the capacity of one trip (every vehicle type's)
KernelDataMT = namedtuple("KernelDataMT", KernelData._fields + ("release", "depot_of", "trip_cap"))
# Loads in several dimensions (one-trip routes): ``dem``, ``pick`` and RF_CAP are load dimension 1's, and
#   dem_x, pick_x  (N, 3) deliveries and pickups in dimensions 2..4 (zeros where the instance has fewer)
#   cap_x          (K, 3) each slot's capacity in dimensions 2..4 (BIG where the instance has fewer)
KernelDataMD = namedtuple("KernelDataMD", KernelData._fields + ("dem_x", "pick_x", "cap_x"))
MD_EXTRA = 3  # load dimensions beyond the first that a KernelDataMD holds
# (per-slot figures are packed in two arrays, so that a kernel call passes a few arrays, not twenty)
RF_E, RF_L, RF_CAP, RF_MAXDUR, RF_MAXDIST, RF_FIXED, RF_UDIST, RF_UDUR, RF_MAXREL = range(9)  # columns of rf
# (RF_MAXREL: most reloads of a multi-trip route, BIG when unlimited)
RI_START, RI_END, RI_BIT, RI_TYPE = range(4)  # columns of ri
N_SEG = 9  # floats per stored summary (fwd / bwd): the segment tuple less first and last, mask as a float
N_SEG_MD = N_SEG + 3 * MD_EXTRA  # (and the 3-tuples of a KernelDataMD summary)

# prm[...]: the penalty parameters of one evaluation (float64)
P_LOAD_PENALTY = 0  # cost per unit of excess load
P_TIME_PENALTY = 1  # cost per unit of time warp + excess duration + excess distance
P_SYMMETRIC = 2  # 1.0 when dist is symmetric (enables the cheap filter of reversing moves)
N_PRM = 3

# Move kinds (Vidal 2022 numbering; x, y are the successors of u, v; v may be a route's start depot)
RELOCATE = 1  # u after v
RELOCATE_PAIR = 2  # (u, x) after v
RELOCATE_PAIR_REVERSED = 3  # (x, u) after v
SWAP = 4  # u and v
SWAP_PAIR_ONE = 5  # (u, x) and v
SWAP_PAIRS = 6  # (u, x) and (v, y)
TWO_OPT = 7  # same route: reverse the part between u and v
TWO_OPT_STAR_REVERSED = 8  # two routes: u -> v, x -> y (both tails reversed)
TWO_OPT_STAR = 9  # two routes: u -> y, v -> x (tails exchanged)
# (Numba freezes module-level ints as compile-time constants.)

# --------------------------------------------------------------------------- segments


# Each function below is a stub with one implementation per kind of ``kd``, chosen when Numba compiles
# the caller: one-trip routes (:class:`KernelData`, the 11-field summary above) or multi-trip routes
# with release times (:class:`KernelDataMT`, the summary of :mod:`._trip_kernels`). A CVRP never
# compiles a line of the multi-trip algebra.


def _multi_trip(kd) -> bool:
    """(At compile time) whether the Numba type ``kd`` is that of a :class:`KernelDataMT`."""
    return isinstance(kd, types.BaseNamedTuple) and kd.instance_class is KernelDataMT


def _multi_dim(kd) -> bool:
    """(At compile time) whether the Numba type ``kd`` is that of a :class:`KernelDataMD`."""
    return isinstance(kd, types.BaseNamedTuple) and kd.instance_class is KernelDataMD


@kernel(inline="always")
def _row3(a, i):
    return (a[i, 0], a[i, 1], a[i, 2])


@kernel(inline="always")
def _add3(a, b):
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


@kernel(inline="always")
def _peak3(a_peak, a_pick, b_deliv, b_peak):
    """Peak load per dimension of ``a`` then ``b`` (as field 10 of :func:`seg_cat`)."""
    return (max(a_peak[0] + b_deliv[0], b_peak[0] + a_pick[0]), max(a_peak[1] + b_deliv[1], b_peak[1] + a_pick[1]),
            max(a_peak[2] + b_deliv[2], b_peak[2] + a_pick[2]))


def seg_node(i, kd):
    """Summary of the single visit ``i``."""


@overload(seg_node, inline="always")
def _seg_node(i, kd):
    if _multi_trip(kd):
        return lambda i, kd: T.seg_node(i, kd)

    if _multi_dim(kd):
        return lambda i, kd: _node_md(i, kd)
    return _node1.py_func  # (its code is the overload's body, inlined into the caller, as before)


@kernel(inline="always")
def _node1(i, kd):
    return (0.0, kd.dem[i], 0.0, 0.0, kd.tw_e[i], kd.tw_l[i], np.int64(i), np.int64(i), kd.allow[i], kd.pick[i],
            max(kd.dem[i], kd.pick[i]))


# The functions of several load dimensions are called, not inlined: inlined, their tuples made every
# kernel of the local search several times larger and its compilation minutes longer.
@kernel
def _node_md(i, kd):
    s = _node1(i, kd)
    d = _row3(kd.dem_x, i)
    p = _row3(kd.pick_x, i)
    return (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], d, p,
            (max(d[0], p[0]), max(d[1], p[1]), max(d[2], p[2])))


def seg_depot(r, end, kd):
    """Summary of route slot ``r``'s start depot (``end == 0``) or end depot, in its shift window."""


@overload(seg_depot, inline="always")
def _seg_depot(r, end, kd):
    if _multi_trip(kd):
        def multi_trip(r, end, kd):
            dep = kd.ri[r, RI_START + end]  # (RI_END == RI_START + 1)
            return T.seg_depot(dep, kd.rf[r, RF_E], kd.rf[r, RF_L], kd)
        return multi_trip

    if _multi_dim(kd):
        def multi_dim(r, end, kd):
            dep = kd.ri[r, RI_START + end]
            z = (0.0, 0.0, 0.0)
            return (0.0, 0.0, 0.0, 0.0, kd.rf[r, RF_E], kd.rf[r, RF_L], dep, dep, np.int64(-1), 0.0, 0.0, z, z, z)
        return multi_dim

    def one_trip(r, end, kd):
        dep = kd.ri[r, RI_START + end]
        return (0.0, 0.0, 0.0, 0.0, kd.rf[r, RF_E], kd.rf[r, RF_L], dep, dep, np.int64(-1), 0.0, 0.0)
    return one_trip


def seg_cat(a, b, kd):
    """Summary of sequence ``a`` followed by sequence ``b`` (Vidal et al. 2013, eq. 7-11; the peak load:
    ``b``'s deliveries stay on board through ``a``, ``a``'s pickups through ``b``)."""


@overload(seg_cat, inline="always")
def _seg_cat(a, b, kd):
    if _multi_trip(kd):
        return lambda a, b, kd: T.seg_cat(a, b, kd)

    if _multi_dim(kd):
        return lambda a, b, kd: _cat_md(a, b, kd)
    return _cat1.py_func


@kernel
def _cat_md(a, b, kd):
    c = _cat1(a, b, kd)
    return (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], _add3(a[11], b[11]),
            _add3(a[12], b[12]), _peak3(a[13], a[12], b[11], b[13]))


@kernel(inline="always")
def _cat1(a, b, kd):
    """Fields 0..10 of :func:`seg_cat` (one-trip routes)."""
    t = kd.tt[a[7], b[6]]
    delta = a[2] - a[3] + t
    wait = max(b[4] - delta - a[5], 0.0)
    warp = max(a[4] + delta - b[5], 0.0)
    return (
        a[0] + b[0] + kd.dist[a[7], b[6]],
        a[1] + b[1],
        a[2] + b[2] + t + wait,
        a[3] + b[3] + warp,
        max(b[4] - delta, a[4]) - wait,
        min(b[5] - delta, a[5]) + warp,
        a[6],
        b[7],
        a[8] & b[8],
        a[9] + b[9],
        max(a[10] + b[1], b[10] + a[9]),
    )


def route_violations(s, r, kd):
    """(excess load, time violation) of a depot-to-depot summary on route slot ``r``."""


@overload(route_violations, inline="always")
def _route_violations(s, r, kd):
    if _multi_trip(kd):
        def multi_trip(s, r, kd):
            load_ex, warp, dur = T.route_figures(s)
            # a reload above the limit costs as much as a full trip's load over capacity (s[4]: the depot
            # visits, reloads and the route's two depots)
            load_ex += kd.trip_cap * max(s[4] - 2.0 - kd.rf[r, RF_MAXREL], 0.0)
            return load_ex, warp + max(dur - kd.rf[r, RF_MAXDUR], 0.0) + max(s[0] - kd.rf[r, RF_MAXDIST], 0.0)
        return multi_trip

    if _multi_dim(kd):
        return lambda s, r, kd: _viol_md(s, r, kd)
    return _viol1.py_func


@kernel(inline="always")
def _viol1(s, r, kd):
    load_ex = max(s[10] - kd.rf[r, RF_CAP], 0.0)
    tv = s[3] + max(s[2] - kd.rf[r, RF_MAXDUR], 0.0) + max(s[0] - kd.rf[r, RF_MAXDIST], 0.0)
    return load_ex, tv


@kernel
def _viol_md(s, r, kd):
    load_ex, tv = _viol1(s, r, kd)
    p = s[13]
    return (load_ex + max(p[0] - kd.cap_x[r, 0], 0.0) + max(p[1] - kd.cap_x[r, 1], 0.0)
            + max(p[2] - kd.cap_x[r, 2], 0.0)), tv


def route_objective(s, r, kd):
    """Cost of a (non-empty) depot-to-depot summary on route slot ``r``, without penalties."""


@overload(route_objective, inline="always")
def _route_objective(s, r, kd):
    if _multi_trip(kd):
        return lambda s, r, kd: kd.rf[r, RF_FIXED] + kd.rf[r, RF_UDIST] * s[0] + kd.rf[r, RF_UDUR] * s[2][0]
    return lambda s, r, kd: kd.rf[r, RF_FIXED] + kd.rf[r, RF_UDIST] * s[0] + kd.rf[r, RF_UDUR] * s[2]


def filter_load_penalty(kd, prm):
    """Cost per unit of load above capacity in the cheap lower bounds of :func:`may_improve` and
    :func:`swap_star`, which take a route's load as its delivery sum: 0 for multi-trip routes,
    where that sum may exceed the capacity legitimately (with several load dimensions the bounds see the
    first dimension only, still a lower bound of the excess summed over them)."""


@overload(filter_load_penalty, inline="always")
def _filter_load_penalty(kd, prm):
    if _multi_trip(kd):
        return lambda kd, prm: 0.0
    return lambda kd, prm: prm[P_LOAD_PENALTY]


@kernel(inline="always")
def route_cost(s, r, kd, prm):
    """Penalised cost of a (non-empty) depot-to-depot summary on route slot ``r``."""
    load_ex, tv = route_violations(s, r, kd)
    c = route_objective(s, r, kd) + prm[P_LOAD_PENALTY] * load_ex + prm[P_TIME_PENALTY] * tv
    if (s[8] >> kd.ri[r, RI_BIT]) & 1 == 0:
        c += FORBID
    return c


@kernel
def seq_segment(seq, m, r, kd):
    """Summary of route slot ``r`` visiting seq[0..m-1] (from its start to its end depot)."""
    s = seg_depot(r, 0, kd)
    for k in range(m):
        s = seg_cat(s, seg_node(seq[k], kd), kd)
    return seg_cat(s, seg_depot(r, 1, kd), kd)


@kernel
def route_penalized(seq, m, r, kd, prm):
    """Penalised cost of route slot ``r`` visiting seq[0..m-1] (0 for an empty route)."""
    if m == 0:
        return 0.0
    return route_cost(seq_segment(seq, m, r, kd), r, kd, prm)


# --------------------------------------------------------------------------- split


@njit(cache=True, _nrt=True)
def split(tour, K, kd, prm, load_bound):
    """Optimal cut of the giant tour ``tour`` into at most ``K`` routes (penalised cost).

    Bellman shortest path on the DAG of cut points (Prins 2004), with routes restricted to a load
    of at most ``load_bound * capacity`` (and always allowed to hold one customer). First without a
    route count; when that uses more than ``K`` routes, the ``K``-bounded layered version
    (Vidal 2016's limited-fleet split), which drops the load bound if it cannot cover the tour.
    Every route is costed as route slot 0 (the search's slots are identical where the split is
    used). Returns ``(routes, rlen, cost)``.
    """
    n = tour.shape[0]
    W = kd.dist.shape[0] + 1
    routes = np.zeros((K, W), np.int64)
    rlen = np.zeros(K, np.int64)
    maxload = load_bound * kd.rf[0, RF_CAP]
    start = seg_depot(0, 0, kd)
    end = seg_depot(0, 1, kd)
    if n == 0:
        return routes, rlen, 0.0
    if K == 1:
        for k in range(n):
            routes[0, k + 1] = tour[k]
        rlen[0] = n
        return routes, rlen, route_penalized(tour, n, ZERO, kd, prm)
    # unlimited fleet
    pot = np.full(n + 1, np.inf)
    pred = np.zeros(n + 1, np.int64)
    pot[0] = 0.0
    for i in range(n):
        if pot[i] == np.inf:
            continue
        s = start
        for j in range(i, n):
            s = seg_cat(s, seg_node(tour[j], kd), kd)
            if j > i and s[10] > maxload:
                break
            c = pot[i] + route_cost(seg_cat(s, end, kd), 0, kd, prm)
            if c < pot[j + 1]:
                pot[j + 1] = c
                pred[j + 1] = i
    nr = ZERO
    j = n
    while j > 0:
        nr += 1
        j = pred[j]
    if nr <= K:
        cost = pot[n]
        j = n
        r = nr - 1
        while j > 0:
            i = pred[j]
            for k in range(i, j):
                routes[r, k - i + 1] = tour[k]
            rlen[r] = j - i
            r -= 1
            j = i
        return routes, rlen, cost
    # limited fleet: layered DP
    for attempt in range(2):
        potk = np.full((K + 1, n + 1), np.inf)
        predk = np.zeros((K + 1, n + 1), np.int64)
        potk[0, 0] = 0.0
        for k in range(K):
            for i in range(k, n):
                if potk[k, i] == np.inf:
                    continue
                s = start
                for j in range(i, n):
                    s = seg_cat(s, seg_node(tour[j], kd), kd)
                    if attempt == 0 and j > i and s[10] > maxload:
                        break
                    c = potk[k, i] + route_cost(seg_cat(s, end, kd), 0, kd, prm)
                    if c < potk[k + 1, j + 1]:
                        potk[k + 1, j + 1] = c
                        predk[k + 1, j + 1] = i
        best = np.inf
        bk = 0
        for k in range(1, K + 1):
            if potk[k, n] < best:
                best = potk[k, n]
                bk = k
        if best < np.inf:
            j = n
            for k in range(bk, 0, -1):
                i = predk[k, j]
                for q in range(i, j):
                    routes[k - 1, q - i + 1] = tour[q]
                rlen[k - 1] = j - i
                j = i
            return routes, rlen, best
    return routes, rlen, np.inf  # unreachable: without a load bound K >= 1 routes always cover


# --------------------------------------------------------------------------- route bookkeeping


@kernel
def _sector_extend(start, end, a):
    pm = 65536
    if (a - start) % pm <= (end - start) % pm:
        return start, end
    if (a - end) % pm <= (start - a) % pm:
        return start, a
    return a, end


def _store(arr, r, p, s):
    """Write summary ``s`` to ``arr[r, p]`` (one-trip: 9 slots, the first 6 numbers, the allowed mask
    (exact as a float64 below 2**53), the pickup and the peak load)."""


@overload(_store, inline="always")
def _store_impl(arr, r, p, s):
    if isinstance(s.types[1], types.BaseTuple):  # a multi-trip summary
        return lambda arr, r, p, s: T.store(arr, r, p, s)
    if len(s.types) == 14:  # several load dimensions
        return lambda arr, r, p, s: _store_md(arr, r, p, s)
    return _store1.py_func


@kernel(inline="always")
def _store1(arr, r, p, s):
    arr[r, p, 0] = s[0]
    arr[r, p, 1] = s[1]
    arr[r, p, 2] = s[2]
    arr[r, p, 3] = s[3]
    arr[r, p, 4] = s[4]
    arr[r, p, 5] = s[5]
    arr[r, p, 6] = float(s[8])
    arr[r, p, 7] = s[9]
    arr[r, p, 8] = s[10]


@kernel
def _store_md(arr, r, p, s):
    _store1(arr, r, p, s)
    d, q, m = s[11], s[12], s[13]
    arr[r, p, 9], arr[r, p, 10], arr[r, p, 11] = d[0], d[1], d[2]
    arr[r, p, 12], arr[r, p, 13], arr[r, p, 14] = q[0], q[1], q[2]
    arr[r, p, 15], arr[r, p, 16], arr[r, p, 17] = m[0], m[1], m[2]


def _stored(arr, r, p, first, last, kd):
    """The summary stored at ``arr[r, p]``, of a sequence from ``first`` to ``last``."""


@overload(_stored, inline="always")
def _stored_impl(arr, r, p, first, last, kd):
    if _multi_trip(kd):
        return lambda arr, r, p, first, last, kd: T.load(arr, r, p, first, last)

    if _multi_dim(kd):
        return lambda arr, r, p, first, last, kd: _stored_md(arr, r, p, first, last)
    return lambda arr, r, p, first, last, kd: _stored1(arr, r, p, first, last)


@kernel(inline="always")
def _stored1(arr, r, p, first, last):
    return (arr[r, p, 0], arr[r, p, 1], arr[r, p, 2], arr[r, p, 3], arr[r, p, 4], arr[r, p, 5], first, last,
            np.int64(arr[r, p, 6]), arr[r, p, 7], arr[r, p, 8])


@kernel
def _stored_md(arr, r, p, first, last):
    s = _stored1(arr, r, p, first, last)
    x = arr[r, p]
    return (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], (x[9], x[10], x[11]),
            (x[12], x[13], x[14]), (x[15], x[16], x[17]))


def stored_floats(kd) -> int:
    """Floats per stored summary (the last axis of ``fwd`` / ``bwd``) for ``kd``'s kind of routes."""
    return T.N_STORED if isinstance(kd, KernelDataMT) else N_SEG_MD if isinstance(kd, KernelDataMD) else N_SEG


@kernel(inline="always")
def fwd_seg(r, p, routes, fwd, kd):
    """Summary of route ``r`` from its start depot to position ``p``."""
    return _stored(fwd, r, p, routes[r, 0], routes[r, p], kd)


@kernel(inline="always")
def bwd_seg(r, p, routes, rlen, bwd, kd):
    """Summary of route ``r``'s clients from position ``p`` (1 <= p <= rlen[r]) to its last client."""
    return _stored(bwd, r, p, routes[r, p], routes[r, rlen[r]], kd)


@kernel
def update_route(r, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle, kd, prm):
    """Recompute the depots, prefix summaries (``fwd``: start depot to p, end depot included at
    ``rlen + 1``), client suffix summaries (``bwd``: p to the last client), positions, penalised
    cost and polar sector of route ``r``."""
    m = rlen[r]
    routes[r, 0] = kd.ri[r, RI_START]
    routes[r, m + 1] = kd.ri[r, RI_END]
    s = seg_depot(r, 0, kd)
    _store(fwd, r, 0, s)
    for p in range(1, m + 1):
        v = routes[r, p]
        node_route[v] = r
        node_pos[v] = p
        s = seg_cat(s, seg_node(v, kd), kd)
        _store(fwd, r, p, s)
    s = seg_cat(s, seg_depot(r, 1, kd), kd)
    _store(fwd, r, m + 1, s)
    rcost[r] = 0.0 if m == 0 else route_cost(s, r, kd, prm)
    if m > 0:
        s = seg_node(routes[r, m], kd)
        _store(bwd, r, m, s)
        for p in range(m - 1, 0, -1):
            s = seg_cat(seg_node(routes[r, p], kd), s, kd)
            _store(bwd, r, p, s)
        a0 = angle[routes[r, 1]]
        st = a0
        en = a0
        for p in range(2, m + 1):
            st, en = _sector_extend(st, en, angle[routes[r, p]])
        sec[r, 0] = st
        sec[r, 1] = en


@kernel
def _walk_seg(r, i, j, routes, kd):
    """Summary of positions ``i..j`` of route ``r`` visited one by one (backwards when ``j < i``)."""
    s = seg_node(routes[r, i], kd)
    step = 1 if j >= i else -1
    for p in range(i + step, j + step, step):
        s = seg_cat(s, seg_node(routes[r, p], kd), kd)
    return s


@kernel(inline="always")
def piece_seg(r, i, j, rev, routes, rlen, bwd, kd):
    """Summary of the clients at positions ``i..j`` of route ``r`` (``rev``: traversed from ``i``
    down to ``j``): read off the suffix summaries when the piece ends at the last client, built
    from its one or two visits, else walked."""
    if i == j:
        return seg_node(routes[r, i], kd)
    if j - i == 1 or i - j == 1:
        return seg_cat(seg_node(routes[r, i], kd), seg_node(routes[r, j], kd), kd)
    if rev == 0 and j == rlen[r]:
        return bwd_seg(r, i, routes, rlen, bwd, kd)
    return _walk_seg(r, i, j, routes, kd)


@kernel(inline="always")
def _add(P, m, r, i, j):
    """Append the forward piece ``i..j`` of route ``r`` (skipped when empty)."""
    if i <= j:
        P[m, 0] = r
        P[m, 1] = i
        P[m, 2] = j
        P[m, 3] = 0
        return m + 1
    return m


@kernel(inline="always")
def _addr(P, m, r, i, j):
    """Append the piece of route ``r`` traversed backwards from ``i`` down to ``j`` (skipped when empty)."""
    if i >= j:
        P[m, 0] = r
        P[m, 1] = i
        P[m, 2] = j
        P[m, 3] = 1
        return m + 1
    return m


@kernel(inline="always")
def eval_pieces(P, m, owner, routes, rlen, fwd, bwd, kd, prm):
    """Penalised cost of route slot ``owner`` made of pieces ``P[:m]``: the first starts at position
    0 of ``owner`` (its start depot), the last ends at the end depot of its route, which is
    replaced by ``owner``'s (a tail moved from another route ends at this vehicle's depot)."""
    s = fwd_seg(owner, P[0, 2], routes, fwd, kd)
    for k in range(1, m):
        r = P[k, 0]
        i = P[k, 1]
        j = P[k, 2]
        if k == m - 1 and P[k, 3] == 0 and j == rlen[r] + 1:
            if i < j:
                s = seg_cat(s, piece_seg(r, i, j - 1, 0, routes, rlen, bwd, kd), kd)
            s = seg_cat(s, seg_depot(owner, 1, kd), kd)
        else:
            s = seg_cat(s, piece_seg(r, i, j, P[k, 3], routes, rlen, bwd, kd), kd)
    customers = 0
    for k in range(m):
        lo = min(P[k, 1], P[k, 2])
        hi = max(P[k, 1], P[k, 2])
        customers += hi - lo + 1 - (1 if lo == 0 else 0) - (1 if hi == rlen[P[k, 0]] + 1 else 0)
    if customers == 0:
        return 0.0  # an empty route costs nothing
    return route_cost(s, owner, kd, prm)


@kernel
def materialize(P, m, routes, rlen, buf):
    """Clients of the route made of pieces ``P[:m]`` written to ``buf``; returns their count."""
    c = 0
    for k in range(m):
        r = P[k, 0]
        i = P[k, 1]
        j = P[k, 2]
        step = 1 if P[k, 3] == 0 else -1
        p = i
        while True:
            if 0 < p <= rlen[r]:
                buf[c] = routes[r, p]
                c += 1
            if p == j:
                break
            p += step
    return c


# --------------------------------------------------------------------------- moves


@kernel
def build_move(kind, ru, pu, rv, pv, routes, rlen, PA, PB):
    """Pieces of the route(s) after move ``kind`` between position ``pu`` of ``ru`` and ``pv`` of ``rv``.

    ``kind`` is one of the move kinds listed at the top of the module (``RELOCATE`` ...
    ``TWO_OPT_STAR``); ``x``/``y`` are the successors of ``u``/``v``. Returns
    ``(ma, mb)``: piece counts for the new ``ru`` and (if different) ``rv``; ``ma == 0`` when
    the move does not apply.
    """
    eu = rlen[ru] + 1
    ev = rlen[rv] + 1
    xcust = pu + 1 < eu
    ycust = pv + 1 < ev and pv > 0
    ma = ZERO
    mb = ZERO
    if ru == rv:
        r = ru
        if kind == RELOCATE:
            if pv == pu - 1:
                return 0, 0
            if pu < pv:
                ma = _add(PA, ma, r, 0, pu - 1)
                ma = _add(PA, ma, r, pu + 1, pv)
                ma = _add(PA, ma, r, pu, pu)
                ma = _add(PA, ma, r, pv + 1, eu)
            else:
                ma = _add(PA, ma, r, 0, pv)
                ma = _add(PA, ma, r, pu, pu)
                ma = _add(PA, ma, r, pv + 1, pu - 1)
                ma = _add(PA, ma, r, pu + 1, eu)
        elif kind == RELOCATE_PAIR or kind == RELOCATE_PAIR_REVERSED:
            if not xcust or pv == pu + 1 or pv == pu - 1:
                return 0, 0
            if pv > pu + 1:
                ma = _add(PA, ma, r, 0, pu - 1)
                ma = _add(PA, ma, r, pu + 2, pv)
                ma = _add(PA, ma, r, pu, pu + 1) if kind == RELOCATE_PAIR else _addr(PA, ma, r, pu + 1, pu)
                ma = _add(PA, ma, r, pv + 1, eu)
            else:
                ma = _add(PA, ma, r, 0, pv)
                ma = _add(PA, ma, r, pu, pu + 1) if kind == RELOCATE_PAIR else _addr(PA, ma, r, pu + 1, pu)
                ma = _add(PA, ma, r, pv + 1, pu - 1)
                ma = _add(PA, ma, r, pu + 2, eu)
        elif kind == SWAP:
            if pv == 0:
                return 0, 0
            a = min(pu, pv)
            b = max(pu, pv)
            ma = _add(PA, ma, r, 0, a - 1)
            ma = _add(PA, ma, r, b, b)
            ma = _add(PA, ma, r, a + 1, b - 1)
            ma = _add(PA, ma, r, a, a)
            ma = _add(PA, ma, r, b + 1, eu)
        elif kind == SWAP_PAIR_ONE:
            if pv == 0 or not xcust or pv == pu + 1:
                return 0, 0
            if pv > pu:
                ma = _add(PA, ma, r, 0, pu - 1)
                ma = _add(PA, ma, r, pv, pv)
                ma = _add(PA, ma, r, pu + 2, pv - 1)
                ma = _add(PA, ma, r, pu, pu + 1)
                ma = _add(PA, ma, r, pv + 1, eu)
            else:
                ma = _add(PA, ma, r, 0, pv - 1)
                ma = _add(PA, ma, r, pu, pu + 1)
                ma = _add(PA, ma, r, pv + 1, pu - 1)
                ma = _add(PA, ma, r, pv, pv)
                ma = _add(PA, ma, r, pu + 2, eu)
        elif kind == SWAP_PAIRS:
            if pv == 0 or not xcust or not ycust or abs(pu - pv) < 2:
                return 0, 0
            if pv > pu:
                ma = _add(PA, ma, r, 0, pu - 1)
                ma = _add(PA, ma, r, pv, pv + 1)
                ma = _add(PA, ma, r, pu + 2, pv - 1)
                ma = _add(PA, ma, r, pu, pu + 1)
                ma = _add(PA, ma, r, pv + 2, eu)
            else:
                ma = _add(PA, ma, r, 0, pv - 1)
                ma = _add(PA, ma, r, pu, pu + 1)
                ma = _add(PA, ma, r, pv + 2, pu - 1)
                ma = _add(PA, ma, r, pv, pv + 1)
                ma = _add(PA, ma, r, pu + 2, eu)
        elif kind == TWO_OPT:
            if pu < pv:
                if pv < pu + 2:
                    return 0, 0
                ma = _add(PA, ma, r, 0, pu)
                ma = _addr(PA, ma, r, pv, pu + 1)
                ma = _add(PA, ma, r, pv + 1, eu)
            else:
                if pu < pv + 2:
                    return 0, 0
                ma = _add(PA, ma, r, 0, pv)
                ma = _addr(PA, ma, r, pu, pv + 1)
                ma = _add(PA, ma, r, pu + 1, eu)
        else:
            return 0, 0
        return ma, 0
    # two different routes
    if kind == RELOCATE:
        ma = _add(PA, ma, ru, 0, pu - 1)
        ma = _add(PA, ma, ru, pu + 1, eu)
        mb = _add(PB, mb, rv, 0, pv)
        mb = _add(PB, mb, ru, pu, pu)
        mb = _add(PB, mb, rv, pv + 1, ev)
    elif kind == RELOCATE_PAIR or kind == RELOCATE_PAIR_REVERSED:
        if not xcust:
            return 0, 0
        ma = _add(PA, ma, ru, 0, pu - 1)
        ma = _add(PA, ma, ru, pu + 2, eu)
        mb = _add(PB, mb, rv, 0, pv)
        mb = _add(PB, mb, ru, pu, pu + 1) if kind == RELOCATE_PAIR else _addr(PB, mb, ru, pu + 1, pu)
        mb = _add(PB, mb, rv, pv + 1, ev)
    elif kind == SWAP:
        if pv == 0:
            return 0, 0
        ma = _add(PA, ma, ru, 0, pu - 1)
        ma = _add(PA, ma, rv, pv, pv)
        ma = _add(PA, ma, ru, pu + 1, eu)
        mb = _add(PB, mb, rv, 0, pv - 1)
        mb = _add(PB, mb, ru, pu, pu)
        mb = _add(PB, mb, rv, pv + 1, ev)
    elif kind == SWAP_PAIR_ONE:
        if pv == 0 or not xcust:
            return 0, 0
        ma = _add(PA, ma, ru, 0, pu - 1)
        ma = _add(PA, ma, rv, pv, pv)
        ma = _add(PA, ma, ru, pu + 2, eu)
        mb = _add(PB, mb, rv, 0, pv - 1)
        mb = _add(PB, mb, ru, pu, pu + 1)
        mb = _add(PB, mb, rv, pv + 1, ev)
    elif kind == SWAP_PAIRS:
        if pv == 0 or not xcust or not ycust:
            return 0, 0
        ma = _add(PA, ma, ru, 0, pu - 1)
        ma = _add(PA, ma, rv, pv, pv + 1)
        ma = _add(PA, ma, ru, pu + 2, eu)
        mb = _add(PB, mb, rv, 0, pv - 1)
        mb = _add(PB, mb, ru, pu, pu + 1)
        mb = _add(PB, mb, rv, pv + 2, ev)
    elif kind == TWO_OPT_STAR_REVERSED:
        ma = _add(PA, ma, ru, 0, pu)
        ma = _addr(PA, ma, rv, pv, 1)
        ma = _add(PA, ma, ru, eu, eu)
        mb = _add(PB, mb, rv, 0, 0)
        mb = _addr(PB, mb, ru, eu - 1, pu + 1)
        mb = _add(PB, mb, rv, pv + 1, ev)
    elif kind == TWO_OPT_STAR:
        ma = _add(PA, ma, ru, 0, pu)
        ma = _add(PA, ma, rv, pv + 1, ev)
        mb = _add(PB, mb, rv, 0, pv)
        mb = _add(PB, mb, ru, pu + 1, eu)
    else:
        return 0, 0
    return ma, mb


@kernel
def move_delta(kind, ru, pu, rv, pv, routes, rlen, fwd, bwd, rcost, kd, prm, PA, PB):
    """Change of the penalised cost made by a move (``inf`` when the move does not apply)."""
    ma, mb = build_move(kind, ru, pu, rv, pv, routes, rlen, PA, PB)
    if ma == 0:
        return np.inf, ma, mb
    new = eval_pieces(PA, ma, ru, routes, rlen, fwd, bwd, kd, prm)
    old = rcost[ru]
    if ru != rv:
        new += eval_pieces(PB, mb, rv, routes, rlen, fwd, bwd, kd, prm)
        old += rcost[rv]
    return new - old, ma, mb


@kernel
def apply_pieces(ru, rv, PA, ma, PB, mb, routes, rlen, bufa, bufb):
    """Rewrite route ``ru`` (and ``rv`` when ``mb > 0``) from their pieces."""
    ca = materialize(PA, ma, routes, rlen, bufa)
    cb = materialize(PB, mb, routes, rlen, bufb) if mb > 0 else 0
    for k in range(ca):
        routes[ru, k + 1] = bufa[k]
    rlen[ru] = ca
    if mb > 0:
        for k in range(cb):
            routes[rv, k + 1] = bufb[k]
        rlen[rv] = cb


# --------------------------------------------------------------------------- SWAP*


@kernel
def _top3_insert(u, r, routes, rlen, dist, out_cost, out_pos):
    """Three cheapest (distance) insertion positions of ``u`` into route ``r`` (after position p)."""
    for k in range(3):
        out_cost[k] = np.inf
        out_pos[k] = -1
    for p in range(rlen[r] + 1):
        a = routes[r, p]
        b = routes[r, p + 1]
        c = dist[a, u] + dist[u, b] - dist[a, b]
        if c < out_cost[2]:
            if c < out_cost[1]:
                out_cost[2] = out_cost[1]
                out_pos[2] = out_pos[1]
                if c < out_cost[0]:
                    out_cost[1] = out_cost[0]
                    out_pos[1] = out_pos[0]
                    out_cost[0] = c
                    out_pos[0] = p
                else:
                    out_cost[1] = c
                    out_pos[1] = p
            else:
                out_cost[2] = c
                out_pos[2] = p


@kernel
def swap_star_route(r, remove_pos, insert_node, after_pos, routes, rlen, buf):
    """Customers of route ``r`` without position ``remove_pos`` and with ``insert_node`` placed
    after position ``after_pos`` (``after_pos == remove_pos - 1`` means in its place)."""
    c = 0
    if after_pos == 0:
        buf[c] = insert_node
        c += 1
    for p in range(1, rlen[r] + 1):
        if p != remove_pos:
            buf[c] = routes[r, p]
            c += 1
        if p == after_pos:
            buf[c] = insert_node
            c += 1
    return c


@kernel(inline="always")
def may_serve(u, r, kd):
    """True when route slot ``r``'s vehicle class may serve node ``u``."""
    return (kd.allow[u] >> kd.ri[r, RI_BIT]) & 1 == 1


@kernel
def swap_star(r1, r2, routes, rlen, fwd, rcost, kd, prm, ins1c, ins1p, ins2c, ins2p, bufa, bufb):
    """Best SWAP* move between routes ``r1`` and ``r2`` (Vidal 2022): exchange u in r1 and v in r2,
    each reinserted at its best position of the other route (not necessarily in place).

    Candidates are ranked by distance cost and load penalty with the three best insertion
    positions; the best one is then evaluated exactly (time windows, durations). Returns
    ``(gain, u_pos, v_pos, u_after, v_after)`` with gain < 0 when improving.
    """
    dist = kd.dist
    dem = kd.dem
    m1 = rlen[r1]
    m2 = rlen[r2]
    for p in range(1, m1 + 1):
        _top3_insert(routes[r1, p], r2, routes, rlen, kd.dist, ins1c[p], ins1p[p])
    for p in range(1, m2 + 1):
        _top3_insert(routes[r2, p], r1, routes, rlen, kd.dist, ins2c[p], ins2p[p])
    cap1 = kd.rf[r1, RF_CAP]
    cap2 = kd.rf[r2, RF_CAP]
    c1 = kd.rf[r1, RF_UDIST]
    c2 = kd.rf[r2, RF_UDIST]
    pc = filter_load_penalty(kd, prm)
    load1 = fwd[r1, m1 + 1, 1]
    load2 = fwd[r2, m2 + 1, 1]
    pen1 = pc * max(load1 - cap1, 0.0)
    pen2 = pc * max(load2 - cap2, 0.0)
    best = -EPS
    bu = NONE
    bv = NONE
    bua = NONE
    bva = NONE
    for pu in range(1, m1 + 1):
        u = routes[r1, pu]
        if not may_serve(u, r2, kd):
            continue
        up = routes[r1, pu - 1]
        un = routes[r1, pu + 1]
        rem_u = c1 * (dist[up, un] - dist[up, u] - dist[u, un])
        for pv in range(1, m2 + 1):
            v = routes[r2, pv]
            if not may_serve(v, r1, kd):
                continue
            vp = routes[r2, pv - 1]
            vn = routes[r2, pv + 1]
            rem_v = c2 * (dist[vp, vn] - dist[vp, v] - dist[v, vn])
            dpen = (pc * max(load1 - dem[u] + dem[v] - cap1, 0.0) - pen1
                    + pc * max(load2 + dem[u] - dem[v] - cap2, 0.0) - pen2)
            if dpen + rem_u + rem_v >= 0.0:
                continue
            # u into r2 without v
            cu = dist[vp, u] + dist[u, vn] - dist[vp, vn]
            au = pv - 1
            for k in range(3):
                p = ins1p[pu, k]
                if p >= 0 and p != pv and p + 1 != pv and ins1c[pu, k] < cu:
                    cu = ins1c[pu, k]
                    au = p
                    break
            cv = dist[up, v] + dist[v, un] - dist[up, un]
            av = pu - 1
            for k in range(3):
                p = ins2p[pv, k]
                if p >= 0 and p != pu and p + 1 != pu and ins2c[pv, k] < cv:
                    cv = ins2c[pv, k]
                    av = p
                    break
            delta = dpen + rem_u + rem_v + c2 * cu + c1 * cv
            if delta < best:
                best = delta
                bu = pu
                bv = pv
                bua = au
                bva = av
    if bu < 0:
        return 0.0, -1, -1, -1, -1
    ca = swap_star_route(r1, bu, routes[r2, bv], bva, routes, rlen, bufa)
    cb = swap_star_route(r2, bv, routes[r1, bu], bua, routes, rlen, bufb)
    new = (route_penalized(bufa, ca, r1, kd, prm)
           + route_penalized(bufb, cb, r2, kd, prm))
    return new - rcost[r1] - rcost[r2], bu, bv, bua, bva


@kernel
def _sectors_overlap(sec, a, b):
    pm = 65536
    return ((sec[b, 0] - sec[a, 0]) % pm <= (sec[a, 1] - sec[a, 0]) % pm
            or (sec[a, 0] - sec[b, 0]) % pm <= (sec[b, 1] - sec[b, 0]) % pm)


# --------------------------------------------------------------------------- local search


@kernel(inline="always")
def may_improve(kmask, ru, pu, rv, pv, routes, rlen, fwd, rcost, kd, prm):
    """The cheap filter (as HGS-CVRP) of the move kinds in ``kmask`` (bit k = kind k) for the pair
    (u at ``ru, pu``, v at ``rv, pv``): the kinds that apply and may improve, as a mask.

    A kind is dropped when a lower bound of the new penalised cost (fixed and distance costs plus
    load penalties of the new routes; duration costs and time penalties being >= 0; an emptied
    route costing nothing) cannot beat the current cost, or when it would give a vehicle a client it
    may not serve (``FORBID``) while the current routes have none. Same-route moves are bounded
    only when u and v are 4+ positions apart (or 2-opt on a symmetric matrix), where the node
    formulas are exact; tail exchanges between routes with different depots, and reversals on an
    asymmetric matrix, are not bounded."""
    dist = kd.dist
    dem = kd.dem
    eu = rlen[ru] + 1
    ev = rlen[rv] + 1
    same = ru == rv
    u = routes[ru, pu]
    a = routes[ru, pu - 1]
    x = routes[ru, pu + 1]
    v = routes[rv, pv]
    y = routes[rv, pv + 1]
    xcust = pu + 1 < eu
    xn = routes[ru, pu + 2] if xcust else x
    b = routes[rv, pv - 1] if pv > 0 else v
    yn = routes[rv, pv + 2] if pv + 1 < ev else y
    loadu = fwd[ru, eu, 1]
    loadv = fwd[rv, ev, 1]
    du0 = fwd[ru, eu, 0]
    dv0 = fwd[rv, ev, 0]
    mu = eu - 1
    mv = ev - 1
    sym = prm[P_SYMMETRIC] != 0.0
    pl = filter_load_penalty(kd, prm)
    old = rcost[ru] - EPS if same else rcost[ru] + rcost[rv] - EPS
    same_depots = kd.ri[ru, RI_START] == kd.ri[rv, RI_START] and kd.ri[ru, RI_END] == kd.ri[rv, RI_END]
    # site dependence: whether u, x, v, y may go to the other route's vehicle (tails exchanged by 2-opt*
    # are not checked here)
    sites = not same and old < FORBID
    bu = kd.ri[ru, RI_BIT]
    bv = kd.ri[rv, RI_BIT]
    u_to_v = (kd.allow[u] >> bv) & 1 == 1
    x_to_v = (kd.allow[x] >> bv) & 1 == 1
    v_to_u = (kd.allow[v] >> bu) & 1 == 1
    y_to_u = (kd.allow[y] >> bu) & 1 == 1
    out = ZERO
    for kind in range(RELOCATE, TWO_OPT_STAR + 1):
        if (kmask >> kind) & 1 == 0:
            continue
        if (same and kind >= TWO_OPT_STAR_REVERSED) or (not same and kind == TWO_OPT):
            continue
        if kind >= RELOCATE_PAIR and kind <= SWAP_PAIRS and kind != SWAP and not xcust:
            continue  # these moves need a client x after u
        if kind >= SWAP and kind <= SWAP_PAIRS and pv == 0:
            continue  # and these a client v
        if kind == SWAP_PAIRS and pv + 1 >= ev:
            continue  # and this one a client y after v
        bit = 1 << kind
        if sites:  # a client to a vehicle that may not serve it: the new cost is at least FORBID
            if kind <= SWAP_PAIRS and not u_to_v:
                continue
            if (kind == RELOCATE_PAIR or kind == RELOCATE_PAIR_REVERSED or kind == SWAP_PAIR_ONE
                    or kind == SWAP_PAIRS) and not x_to_v:
                continue
            if kind >= SWAP and kind <= SWAP_PAIRS and not v_to_u:
                continue
            if kind == SWAP_PAIRS and not y_to_u:
                continue
        if same and ((kind == TWO_OPT and not sym) or (kind != TWO_OPT and abs(pu - pv) < 4)):
            out |= bit  # no exact node formula
            continue
        if kind >= TWO_OPT_STAR_REVERSED and not same_depots:
            out |= bit
            continue
        # du, dv: change of the distance of ru and rv; la, lb: their new loads; na, nb: their client counts
        if kind == RELOCATE:
            du = dist[a, x] - dist[a, u] - dist[u, x]
            dv = dist[v, u] + dist[u, y] - dist[v, y]
            la = loadu - dem[u]
            lb = loadv + dem[u]
            na = mu - 1
            nb = mv + 1
        elif kind == RELOCATE_PAIR or kind == RELOCATE_PAIR_REVERSED:
            du = dist[a, xn] - dist[a, u] - dist[u, x] - dist[x, xn]
            if kind == RELOCATE_PAIR:
                dv = dist[v, u] + dist[u, x] + dist[x, y] - dist[v, y]
            else:
                dv = dist[v, x] + dist[x, u] + dist[u, y] - dist[v, y]
            la = loadu - dem[u] - dem[x]
            lb = loadv + dem[u] + dem[x]
            na = mu - 2
            nb = mv + 2
        elif kind == SWAP:
            du = dist[a, v] + dist[v, x] - dist[a, u] - dist[u, x]
            dv = dist[b, u] + dist[u, y] - dist[b, v] - dist[v, y]
            la = loadu - dem[u] + dem[v]
            lb = loadv - dem[v] + dem[u]
            na = mu
            nb = mv
        elif kind == SWAP_PAIR_ONE:
            du = dist[a, v] + dist[v, xn] - dist[a, u] - dist[u, x] - dist[x, xn]
            dv = dist[b, u] + dist[u, x] + dist[x, y] - dist[b, v] - dist[v, y]
            la = loadu - dem[u] - dem[x] + dem[v]
            lb = loadv - dem[v] + dem[u] + dem[x]
            na = mu - 1
            nb = mv + 1
        elif kind == SWAP_PAIRS:
            du = dist[a, v] + dist[v, y] + dist[y, xn] - dist[a, u] - dist[u, x] - dist[x, xn]
            dv = dist[b, u] + dist[u, x] + dist[x, yn] - dist[b, v] - dist[v, y] - dist[y, yn]
            la = loadu - dem[u] - dem[x] + dem[v] + dem[y]
            lb = loadv - dem[v] - dem[y] + dem[u] + dem[x]
            na = mu
            nb = mv
        elif kind == TWO_OPT_STAR_REVERSED:
            if not sym or kd.ri[ru, RI_START] != kd.ri[ru, RI_END]:
                out |= bit  # a reversal on an asymmetric matrix or between two depots
                continue
            du = fwd[ru, pu, 0] + dist[u, v] + fwd[rv, pv, 0] - du0
            dv = du0 - fwd[ru, pu + 1, 0] + dist[x, y] - fwd[rv, pv + 1, 0]
            la = fwd[ru, pu, 1] + fwd[rv, pv, 1]
            lb = loadu + loadv - la
            na = pu + pv
            nb = mu - pu + mv - pv
        elif kind == TWO_OPT:
            du = dist[u, v] + dist[x, y] - dist[u, x] - dist[v, y]
            dv = 0.0
            la = loadu
            lb = 0.0
            na = mu
            nb = 0
        else:  # TWO_OPT_STAR
            du = fwd[ru, pu, 0] + dist[u, y] + dv0 - fwd[rv, pv + 1, 0] - du0
            dv = fwd[rv, pv, 0] + dist[v, x] + du0 - fwd[ru, pu + 1, 0] - dv0
            la = fwd[ru, pu, 1] + loadv - fwd[rv, pv, 1]
            lb = fwd[rv, pv, 1] + loadu - fwd[ru, pu, 1]
            na = pu + mv - pv
            nb = pv + mu - pu
        if same:
            lower = (kd.rf[ru, RF_FIXED] + kd.rf[ru, RF_UDIST] * (du0 + du + dv)
                     + pl * max(loadu - kd.rf[ru, RF_CAP], 0.0))
        else:
            lower = 0.0
            if na > 0:
                lower += kd.rf[ru, RF_FIXED] + kd.rf[ru, RF_UDIST] * (du0 + du) + pl * max(la - kd.rf[ru, RF_CAP], 0.0)
            if nb > 0:
                lower += kd.rf[rv, RF_FIXED] + kd.rf[rv, RF_UDIST] * (dv0 + dv) + pl * max(lb - kd.rf[rv, RF_CAP], 0.0)
        if lower < old:
            out |= bit
    return out


@kernel
def _try_pair(kmask, ru, pu, rv, pv, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle,
              kd, prm, PA, PB, bufa, bufb):
    """Try the moves whose bit is set in ``kmask`` (bit k = kind k; those :func:`may_improve` let
    through) in order; apply the first improving one and return True."""
    for kind in range(RELOCATE, TWO_OPT_STAR + 1):
        if (kmask >> kind) & 1 == 0:
            continue
        d, ma, mb = move_delta(kind, ru, pu, rv, pv, routes, rlen, fwd, bwd, rcost, kd, prm, PA, PB)
        if d < -EPS:
            apply_pieces(ru, rv, PA, ma, PB, mb if ru != rv else 0, routes, rlen, bufa, bufb)
            update_route(ru, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle, kd, prm)
            if rv != ru:
                update_route(rv, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle, kd, prm)
            return True
    return False


ALL_MOVES = sum(1 << k for k in range(RELOCATE, TWO_OPT_STAR + 1))  # 0b1111111110
# v is the start depot of its route (pv = 0): the moves that insert after v or cut after it
DEPOT_MOVES = ((1 << RELOCATE) | (1 << RELOCATE_PAIR) | (1 << RELOCATE_PAIR_REVERSED)
               | (1 << TWO_OPT_STAR_REVERSED) | (1 << TWO_OPT_STAR))
# into an empty route
EMPTY_MOVES = (1 << RELOCATE) | (1 << RELOCATE_PAIR) | (1 << RELOCATE_PAIR_REVERSED) | (1 << TWO_OPT_STAR)


# The local search keeps its working arrays in one ``LSState`` (built by :func:`ls_state`), so an
# iterated local search can run it again and again on the same solution and pay only for what
# changed. ``cnt[0]`` is the move counter: ``last_mod[r]`` is its value when route r last changed,
# ``last_tested[u]`` / ``last_swap[r]`` when u / r was last tried, and a pair is tried again only
# when one of its routes changed since. ``mark[u] == stamp`` makes u *promising*: a search with
# ``stamp >= 0`` only tries moves of promising customers (those a perturbation touched and those
# next to an applied move); ``stamp < 0`` tries every customer.
LSState = namedtuple("LSState", "routes rlen fwd bwd node_route node_pos rcost sec nb order last_mod last_tested "
                                "last_swap last_type mark PA PB bufa bufb ins1c ins1p ins2c ins2p cnt")


def ls_state(routes, rlen, neigh, kd) -> LSState:
    """Working arrays of a local search on ``routes`` / ``rlen`` (kept by reference, changed in place)."""
    K, W = routes.shape
    N = neigh.shape[0]
    if K > kd.rf.shape[0] or W < N + 1:
        raise ValueError(f"{K} x {W} route arrays for {kd.rf.shape[0]} slots and {N} nodes")
    nf = stored_floats(kd)
    return LSState(routes, rlen, np.empty((K, W, nf)), np.empty((K, W, nf)), np.full(N, -1, np.int64),
                   np.zeros(N, np.int64), np.zeros(K), np.zeros((K, 2), np.int64), neigh.copy(),
                   np.arange(kd.nd, N, dtype=np.int64), np.zeros(K, np.int64), np.full(N, -1, np.int64),
                   np.full(K, -1, np.int64), np.full(K, -1, np.int64), np.full(N, -1, np.int64),
                   np.zeros((8, 4), np.int64), np.zeros((8, 4), np.int64), np.zeros(W, np.int64),
                   np.zeros(W, np.int64), np.zeros((W, 3)), np.zeros((W, 3), np.int64), np.zeros((W, 3)),
                   np.zeros((W, 3), np.int64), np.zeros(2, np.int64))


@kernel
def ls_setup(st, kd, prm, ncnt, angle, seed):
    """Seed the random stream, summarise every route and shuffle the visiting orders."""
    np.random.seed(seed)
    for r in range(st.routes.shape[0]):
        update_route(r, st.routes, st.rlen, st.fwd, st.bwd, st.node_route, st.node_pos, st.rcost, st.sec, angle,
                     kd, prm)
    np.random.shuffle(st.order)
    for u in range(kd.nd, st.nb.shape[0]):
        np.random.shuffle(st.nb[u, : ncnt[u]])


@kernel(inline="always")
def ls_update(st, r, kd, prm, angle):
    """Route ``r`` changed: recompute its summaries and stamp it modified."""
    update_route(r, st.routes, st.rlen, st.fwd, st.bwd, st.node_route, st.node_pos, st.rcost, st.sec, angle, kd,
                 prm)
    st.cnt[0] += 1
    st.last_mod[r] = st.cnt[0]


@kernel(inline="always")
def _try(kmask, ru, pu, rv, pv, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, last_mod, mark, cnt, PA, PB,
         bufa, bufb, kd, prm, angle, stamp):
    """Apply the first improving move of the kinds in ``kmask`` for the pair (u at ``ru, pu``, v at
    ``rv, pv``); stamp the changed routes and mark the customers whose neighbours changed."""
    # the cheap filter first, here, so that the call below (with its many arrays) is made only for
    # pairs with a move that may improve
    mask = may_improve(kmask, ru, pu, rv, pv, routes, rlen, fwd, rcost, kd, prm)
    if mask == 0:
        return False
    # the customers whose neighbours change when a move applies (the depot's mark is never read)
    a = routes[ru, pu - 1]
    x = routes[ru, pu + 1]
    b = routes[rv, max(pv - 1, 0)]
    y = routes[rv, pv + 1]
    u = routes[ru, pu]
    v = routes[rv, pv]
    ok = _try_pair(mask, ru, pu, rv, pv, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle, kd, prm,
                   PA, PB, bufa, bufb)
    if ok:
        cnt[0] += 1
        last_mod[ru] = cnt[0]
        last_mod[rv] = cnt[0]
        if stamp >= 0:
            mark[a] = stamp
            mark[x] = stamp
            mark[b] = stamp
            mark[y] = stamp
            mark[u] = stamp
            mark[v] = stamp
    return ok


@kernel(inline="always")
def insertion_delta(v, r, p, routes, rlen, fwd, bwd, rcost, kd, prm):
    """Change of route ``r``'s penalised cost when ``v`` is inserted after its position ``p`` (the
    route's prefix up to ``p`` and suffix from ``p + 1`` read off the summaries)."""
    s = seg_cat(fwd_seg(r, p, routes, fwd, kd), seg_node(v, kd), kd)
    if p < rlen[r]:
        s = seg_cat(s, bwd_seg(r, p + 1, routes, rlen, bwd, kd), kd)
    s = seg_cat(s, seg_depot(r, 1, kd), kd)
    return route_cost(s, r, kd, prm) - rcost[r]


@kernel
def _mark_around(r, p, routes, rlen, mark, stamp):
    """Positions ``p - 1 .. p + 1`` of route ``r`` (clients only) become promising."""
    if stamp >= 0:
        for q in range(max(p - 1, 1), min(p + 1, rlen[r]) + 1):
            mark[routes[r, q]] = stamp


@kernel
def _try_insert(u, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, nb, ncnt, last_mod, mark, cnt, kd, prm,
                angle, stamp):
    """Insert the unvisited optional client ``u`` next to a visited neighbour where that costs less
    than its prize; True when done."""
    best = kd.prize[u] - EPS
    br = NONE
    bp = NONE
    for t in range(ncnt[u]):
        r = node_route[nb[u, t]]
        if r < 0:
            continue
        p = node_pos[nb[u, t]]
        for q in (p - 1, p):
            c = insertion_delta(u, r, q, routes, rlen, fwd, bwd, rcost, kd, prm)
            if c < best:
                best, br, bp = c, r, q
    if br < 0:
        return False
    for q in range(rlen[br], bp, -1):
        routes[br, q + 1] = routes[br, q]
    routes[br, bp + 1] = u
    rlen[br] += 1
    update_route(br, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle, kd, prm)
    cnt[0] += 1
    last_mod[br] = cnt[0]
    _mark_around(br, bp + 1, routes, rlen, mark, stamp)
    return True


@kernel
def _try_remove(u, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, last_mod, mark, cnt, PA, kd, prm, angle,
                stamp):
    """Leave the optional client ``u`` unvisited when its route saves more than its prize; True when done."""
    r = node_route[u]
    p = node_pos[u]
    m = rlen[r]
    k = _add(PA, 0, r, 0, p - 1)
    k = _add(PA, k, r, p + 1, m + 1)
    if eval_pieces(PA, k, r, routes, rlen, fwd, bwd, kd, prm) - rcost[r] + kd.prize[u] >= -EPS:
        return False
    for q in range(p, m):
        routes[r, q] = routes[r, q + 1]
    rlen[r] = m - 1
    node_route[u] = -1
    update_route(r, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle, kd, prm)
    cnt[0] += 1
    last_mod[r] = cnt[0]
    if stamp >= 0:
        mark[u] = stamp
    _mark_around(r, p, routes, rlen, mark, stamp)
    return True


@kernel
def _try_replace(u, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, nb, ncnt, last_mod, mark, cnt, kd, prm,
                 angle, stamp):
    """Put the unvisited optional client ``u`` in the place of a visited optional neighbour (which
    becomes unvisited) where the route's cost change plus the neighbour's prize is less than ``u``'s
    prize, the best such neighbour (PyVRP's ReplaceOptionalClient); True when done. Clients with a
    prize only (a reload depot's copy has none)."""
    if kd.prize[u] <= 0.0:
        return False
    best = -EPS
    br = NONE
    bp = NONE
    for t in range(ncnt[u]):
        v = nb[u, t]
        r = node_route[v]
        if r < 0 or not kd.optional[v] or kd.prize[v] <= 0.0:
            continue
        p = node_pos[v]
        s = seg_cat(fwd_seg(r, p - 1, routes, fwd, kd), seg_node(u, kd), kd)
        if p < rlen[r]:
            s = seg_cat(s, bwd_seg(r, p + 1, routes, rlen, bwd, kd), kd)
        s = seg_cat(s, seg_depot(r, 1, kd), kd)
        c = route_cost(s, r, kd, prm) - rcost[r] + kd.prize[v] - kd.prize[u]
        if c < best:
            best, br, bp = c, r, p
    if br < 0:
        return False
    v = routes[br, bp]
    routes[br, bp] = u
    node_route[v] = -1
    update_route(br, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle, kd, prm)
    cnt[0] += 1
    last_mod[br] = cnt[0]
    if stamp >= 0:
        mark[v] = stamp
    _mark_around(br, bp, routes, rlen, mark, stamp)
    return True


@kernel
def first_empty(t, rlen, kd):
    """The first empty route slot of vehicle type ``t``, or -1 (``kd`` may describe more slots than
    the search has routes)."""
    for r in range(kd.t_first[t], min(kd.t_first[t + 1], rlen.shape[0])):
        if rlen[r] == 0:
            return r
    return -1


@kernel
def _into_empty(r, r2, routes, rlen, rcost, kd, prm, buf):
    """An empty vehicle where the visits of route ``r`` (then those of route ``r2`` when ``r2 >= 0``:
    two routes merged) cost less than now, of another type when ``r2 < 0``; -1 when none. ``buf``
    holds the visits afterwards."""
    m = ZERO
    for q in range(1, rlen[r] + 1):
        buf[m] = routes[r, q]
        m += 1
    best = rcost[r] - EPS
    if r2 >= 0:
        for q in range(1, rlen[r2] + 1):
            buf[m] = routes[r2, q]
            m += 1
        best += rcost[r2]
    br = NONE
    for t in range(kd.t_first.shape[0] - 1):
        if r2 < 0 and t == kd.ri[r, RI_TYPE]:
            continue
        re = first_empty(t, rlen, kd)
        if re < 0:
            continue
        c = route_penalized(buf, m, re, kd, prm)
        if c < best:
            best = c
            br = re
    return br


@kernel
def ls_search(st, kd, prm, ncnt, angle, stamp, use_swap_star, max_loops):
    """Granular first-improvement local search (relocate, swap, 2-opt, 2-opt*, SWAP*) on ``st``.

    Moves are tried for each customer u (``st.order``; only promising ones when ``stamp >= 0``)
    against each neighbour v (``st.nb[u, :ncnt[u]]``), against the start depot of v's route when v
    is first, and (after the first loop) against an empty route; the first improving move is
    applied. An optional client goes in where that costs less than its prize (or takes a visited
    optional neighbour's place), and out where that saves more than its prize. Then SWAP* between
    changed routes whose polar sectors (``angle``, 0..65535) overlap. Stops when a loop finds nothing
    (or after ``max_loops``). Returns the number of moves applied.
    """
    return _search(st.routes, st.rlen, st.fwd, st.bwd, st.node_route, st.node_pos, st.rcost, st.sec, st.nb, st.order,
                   st.last_mod, st.last_tested, st.last_swap, st.last_type, st.mark, st.PA, st.PB, st.bufa, st.bufb,
                   st.ins1c, st.ins1p, st.ins2c, st.ins2p, st.cnt, kd, prm, ncnt, angle, stamp, use_swap_star,
                   max_loops)


@kernel
def _search(routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, nb, order, last_mod, last_tested, last_swap,
            last_type, mark, PA, PB, bufa, bufb, ins1c, ins1p, ins2c, ins2p, cnt, kd, prm, ncnt, angle, stamp,
            use_swap_star, max_loops):
    """:func:`ls_search` on the arrays of the state (plain arguments keep the hot loop free of
    reference counting on the state's fields)."""
    K = routes.shape[0]
    n = order.shape[0]
    ntypes = kd.t_first.shape[0] - 1
    nmoves = 0
    loop = 0
    improved = True
    while improved and loop < max_loops:
        improved = False
        for oi in range(n):
            u = order[oi]
            if stamp >= 0 and mark[u] != stamp:
                continue
            lt = last_tested[u]
            last_tested[u] = cnt[0]
            if kd.optional[u]:  # an optional client: in if it pays, out if it pays
                if node_route[u] < 0:
                    ok = _try_insert(u, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, nb, ncnt, last_mod,
                                     mark, cnt, kd, prm, angle, stamp) or \
                        _try_replace(u, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, nb, ncnt, last_mod,
                                     mark, cnt, kd, prm, angle, stamp)
                else:
                    ok = _try_remove(u, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, last_mod, mark, cnt,
                                     PA, kd, prm, angle, stamp)
                if ok:
                    nmoves += 1
                    improved = True
                if node_route[u] < 0:
                    continue
            for t in range(ncnt[u]):
                v = nb[u, t]
                ru = node_route[u]
                rv = node_route[v]
                if rv < 0 or not max(last_mod[ru], last_mod[rv]) > lt:
                    continue
                pu = node_pos[u]
                pv = node_pos[v]
                ok = _try(ALL_MOVES, ru, pu, rv, pv, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec,
                          last_mod, mark, cnt, PA, PB, bufa, bufb, kd, prm, angle, stamp)
                if not ok and pv == 1:  # v is first on its route: also try after the start depot
                    ok = _try(DEPOT_MOVES, ru, pu, rv, ZERO, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec,
                              last_mod, mark, cnt, PA, PB, bufa, bufb, kd, prm, angle, stamp)
                if ok:
                    nmoves += 1
                    improved = True
            if loop > 0:  # move u into an empty route (of each vehicle type)
                for t in range(ntypes):
                    re = first_empty(t, rlen, kd)
                    if re >= 0 and _try(EMPTY_MOVES, node_route[u], node_pos[u], re, ZERO, routes, rlen, fwd, bwd,
                                        node_route, node_pos, rcost, sec, last_mod, mark, cnt, PA, PB, bufa, bufb,
                                        kd, prm, angle, stamp):
                        nmoves += 1
                        improved = True
                        break
        if ntypes > 1:  # a changed route moves whole to an empty vehicle of another type, or with another route
            for r in range(K):
                if rlen[r] == 0 or last_mod[r] <= last_type[r]:
                    continue
                last_type[r] = cnt[0]
                r2 = NONE
                re = _into_empty(r, NONE, routes, rlen, rcost, kd, prm, bufa)
                if re < 0:
                    for r2 in range(K):
                        if r2 != r and rlen[r2] > 0 and _sectors_overlap(sec, r, r2):
                            re = _into_empty(r, r2, routes, rlen, rcost, kd, prm, bufa)
                            if re >= 0:
                                break
                if re >= 0:
                    m = rlen[r] + (rlen[r2] if r2 >= 0 else 0)
                    for q in range(m):
                        routes[re, q + 1] = bufa[q]
                        if stamp >= 0:
                            mark[bufa[q]] = stamp
                    rlen[re] = m
                    rlen[r] = 0
                    if r2 >= 0:
                        rlen[r2] = 0
                    cnt[0] += 1
                    for s_ in (r, r2, re):
                        if s_ >= 0:
                            update_route(s_, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle, kd, prm)
                            last_mod[s_] = cnt[0]
                    last_type[re] = cnt[0]
                    nmoves += 1
                    improved = True
        if use_swap_star:
            for r1 in range(K):
                if rlen[r1] == 0:
                    continue
                lt = last_swap[r1]
                last_swap[r1] = cnt[0]
                for r2 in range(r1 + 1, K):
                    if rlen[r2] == 0 or rlen[r1] == 0:
                        continue
                    if not max(last_mod[r1], last_mod[r2]) > lt:
                        continue
                    if not _sectors_overlap(sec, r1, r2):
                        continue
                    d, bu, bv, bua, bva = swap_star(r1, r2, routes, rlen, fwd, rcost, kd, prm, ins1c, ins1p, ins2c,
                                                    ins2p, bufa, bufb)
                    if bu >= 0 and d < -EPS:
                        if stamp >= 0:
                            for r, p in ((r1, bu), (r2, bv)):
                                for q in range(max(p - 1, 1), min(p + 1, rlen[r]) + 1):
                                    mark[routes[r, q]] = stamp
                        ca = swap_star_route(r1, bu, routes[r2, bv], bva, routes, rlen, bufa)
                        cb = swap_star_route(r2, bv, routes[r1, bu], bua, routes, rlen, bufb)
                        for k in range(ca):
                            routes[r1, k + 1] = bufa[k]
                        rlen[r1] = ca
                        for k in range(cb):
                            routes[r2, k + 1] = bufb[k]
                        rlen[r2] = cb
                        update_route(r1, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle, kd, prm)
                        update_route(r2, routes, rlen, fwd, bwd, node_route, node_pos, rcost, sec, angle, kd, prm)
                        cnt[0] += 1
                        last_mod[r1] = cnt[0]
                        last_mod[r2] = cnt[0]
                        nmoves += 1
                        improved = True
        loop += 1
    return nmoves


def local_search(routes, rlen, kd, prm, neigh, ncnt, angle, seed, use_swap_star, max_loops):
    """The whole local search on ``routes`` / ``rlen`` in place (every customer promising);
    returns the number of moves applied. See :func:`ls_search`."""
    st = ls_state(routes, rlen, neigh, kd)
    ls_setup(st, kd, prm, ncnt, angle, seed)
    return ls_search(st, kd, prm, ncnt, angle, -1, use_swap_star, max_loops)


# --------------------------------------------------------------------------- evaluation, crossover, diversity


@kernel(inline="always")
def route_totals(s, r, kd):
    """``(cost without penalties, excess load, time violation)`` of a non-empty depot-to-depot summary
    on slot ``r``; a client the vehicle may not serve, or a forbidden arc, counts as ``FORBID`` excess
    load."""
    load_ex, tv = route_violations(s, r, kd)
    if (s[8] >> kd.ri[r, RI_BIT]) & 1 == 0 or s[0] >= kd.arc_big:
        load_ex += FORBID
    return route_objective(s, r, kd), load_ex, tv


@kernel
def evaluate_routes(routes, rlen, kd, prm):
    """``(cost, excess load, time violation, routes used)`` summed over the routes (cost: fixed,
    distance and duration costs, without penalties)."""
    d = 0.0
    le = 0.0
    tv = 0.0
    used = 0
    for r in range(routes.shape[0]):
        m = rlen[r]
        if m == 0:
            continue
        used += 1
        c, a, b = route_totals(seq_segment(routes[r, 1:], m, r, kd), r, kd)
        d += c
        le += a
        tv += b
    return d, le, tv, used


@njit(cache=True, _nrt=True)
def ox_crossover(p1, p2, seed):
    """Ordered crossover (OX) of two giant tours: a random cyclic slice of ``p1`` then ``p2``'s order."""
    np.random.seed(seed)
    n = p1.shape[0]
    child = np.empty(n, np.int64)
    if n < 2:
        child[:] = p1
        return child
    used = np.zeros(n + 1, np.bool_)
    start = np.random.randint(0, n)
    end = np.random.randint(0, n)
    while end == start:
        end = np.random.randint(0, n)
    k = start
    while k % n != (end + 1) % n:
        child[k % n] = p1[k % n]
        used[p1[k % n]] = True
        k += 1
    pos = (end + 1) % n
    for i in range(n):
        v = p2[(end + 1 + i) % n]
        if not used[v]:
            child[pos] = v
            pos = (pos + 1) % n
    return child


@njit(cache=True, _nrt=True)
def succ_pred(routes, rlen, N):
    """Successor and predecessor of every node over non-empty routes (0 = depot)."""
    succ = np.zeros(N, np.int64)
    pred = np.zeros(N, np.int64)
    for r in range(routes.shape[0]):
        m = rlen[r]
        for p in range(1, m + 1):
            v = routes[r, p]
            succ[v] = routes[r, p + 1]
            pred[v] = routes[r, p - 1]
    return succ, pred


@kernel
def broken_pairs(succ1, pred1, succ2, pred2):
    """Broken-pairs distance in [0, 1] (Vidal 2022): share of customer adjacencies not shared."""
    n = succ1.shape[0] - 1
    diff = 0
    for j in range(1, n + 1):
        if succ1[j] != succ2[j] and succ1[j] != pred2[j]:
            diff += 1
        if pred1[j] == 0 and pred2[j] != 0 and succ2[j] != 0:
            diff += 1
    return diff / max(n, 1)
