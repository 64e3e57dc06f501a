"""Slow, obviously-correct Python twins of the Numba kernels (used by the property tests only).

Routes here are plain lists of customers (depot left out). Instance arrays come from
``netopt.solvers.vrp.hgs._Data``: ``dist``, ``tt`` (service folded into travel time), ``tw_e``,
``tw_l``, ``dem``, the route limits of its (identical) route slots ``kd.rf`` columns ``RF_CAP`` /
``RF_MAXDUR`` / ``RF_MAXDIST``, and ``prm`` (slots named by the kernels' ``P_*`` constants); move kinds are the
kernels' ``RELOCATE`` ... ``TWO_OPT_STAR``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from netopt.solvers.vrp import _kernels as K


def route_stats(route, data):
    """(distance, load, time warp, duration) of depot -> route -> depot.

    Time warp as in Vidal et al. (2013): leave the depot at its opening time, wait when early,
    and when late "warp" back to the closing time, counting the lateness. Duration is the plain
    elapsed time from that departure (waiting included); it is only compared where it is the
    minimum, i.e. without time windows.
    """
    path = [0, *route, 0]
    d = sum(float(data.dist[a, b]) for a, b in zip(path, path[1:]))
    load = sum(float(data.dem[v]) for v in route)
    t = float(data.tw_e[0])
    t0 = t
    warp = 0.0
    for a, b in zip(path, path[1:]):
        arrive = t + float(data.tt[a, b])
        if arrive > data.tw_l[b]:
            warp += arrive - float(data.tw_l[b])
            arrive = float(data.tw_l[b])
        t = max(arrive, float(data.tw_e[b]))
    return d, load, warp, t - t0


def route_penalized(route, data, prm):
    """Penalised cost of one route (0 for an empty route)."""
    if not route:
        return 0.0
    d, load, warp, dur = route_stats(route, data)
    kd = data.kd
    viol = warp + max(dur - kd.rf[0, K.RF_MAXDUR], 0.0) + max(d - kd.rf[0, K.RF_MAXDIST], 0.0)
    return d + prm[K.P_LOAD_PENALTY] * max(load - kd.rf[0, K.RF_CAP], 0.0) + prm[K.P_TIME_PENALTY] * viol


def split(tour, k, data, prm, load_bound):
    """Best penalised cut of ``tour`` into at most ``k`` routes, by enumerating every cut set.

    A route may hold more than one customer only while its load stays within ``load_bound *
    capacity`` (the kernel's restriction); if no cut set fits, the bound is dropped.
    """
    n = len(tour)
    best = float("inf")
    for bounded in (True, False):
        for ncut in range(min(k, n)):
            for cuts in itertools.combinations(range(1, n), ncut):
                bounds = [0, *cuts, n]
                routes = [list(tour[a:b]) for a, b in zip(bounds, bounds[1:])]
                if bounded and any(
                    len(r) > 1 and sum(data.dem[v] for v in r) > load_bound * data.kd.rf[0, K.RF_CAP] for r in routes
                ):
                    continue
                best = min(best, sum(route_penalized(r, data, prm) for r in routes))
        if best < float("inf"):
            return best
    return best


def apply_move(kind, routes, ru, iu, rv, iv):
    """The routes after move ``kind`` (numbering of ``_kernels.build_move``), or None when it does
    not apply. ``iu`` is u's index in ``routes[ru]``; ``iv`` is v's index in ``routes[rv]``, or -1
    for "v is the start depot of route rv"."""
    R = [list(r) for r in routes]
    A, B = R[ru], R[rv]
    u = A[iu]
    x = A[iu + 1] if iu + 1 < len(A) else None
    v = B[iv] if iv >= 0 else None
    y = B[iv + 1] if iv + 1 < len(B) else None
    same = ru == rv
    if kind == K.RELOCATE:
        if same and iv == iu - 1:
            return None
        A.remove(u)
        B = R[rv]
        B.insert(0 if v is None else B.index(v) + 1, u)
    elif kind in (K.RELOCATE_PAIR, K.RELOCATE_PAIR_REVERSED):
        if x is None or v == x or (same and iv == iu - 1):
            return None
        pair = [u, x] if kind == K.RELOCATE_PAIR else [x, u]
        A.remove(u)
        A.remove(x)
        B = R[rv]
        pos = 0 if v is None else B.index(v) + 1
        B[pos:pos] = pair
    elif kind == K.SWAP:
        if v is None:
            return None
        A[A.index(u)] = -1
        B[B.index(v)] = u
        A[A.index(-1)] = v
    elif kind == K.SWAP_PAIR_ONE:
        if v is None or x is None or v == x:
            return None
        A[A.index(u)] = -1
        A.remove(x)
        B[B.index(v)] = -2
        i = A.index(-1)
        A[i:i + 1] = [v]
        B = R[rv]
        j = B.index(-2)
        B[j:j + 1] = [u, x]
    elif kind == K.SWAP_PAIRS:
        if v is None or x is None or y is None or (same and abs(iu - iv) < 2):
            return None
        A[A.index(u)] = -1
        A.remove(x)
        B = R[rv]
        B[B.index(v)] = -2
        B.remove(y)
        i = A.index(-1)
        A[i:i + 1] = [v, y]
        B = R[rv]
        j = B.index(-2)
        B[j:j + 1] = [u, x]
    elif kind == K.TWO_OPT:
        if not same:
            return None
        lo, hi = (iu + 1, iv) if iu < iv else (iv + 1, iu)
        if hi - lo < 1:
            return None
        A[lo:hi + 1] = A[lo:hi + 1][::-1]
    elif kind == K.TWO_OPT_STAR_REVERSED:
        if same:
            return None
        headv = B[: iv + 1]
        tailu = A[iu + 1:]
        R[ru] = A[: iu + 1] + headv[::-1]
        R[rv] = tailu[::-1] + B[iv + 1:]
    elif kind == K.TWO_OPT_STAR:
        if same:
            return None
        R[ru] = A[: iu + 1] + B[iv + 1:]
        R[rv] = B[: iv + 1] + A[iu + 1:]
    return R


def move_delta(kind, routes, ru, iu, rv, iv, data, prm):
    """Penalised cost change of a move (None when it does not apply)."""
    new = apply_move(kind, routes, ru, iu, rv, iv)
    if new is None:
        return None
    touched = {ru, rv}
    return sum(route_penalized(new[r], data, prm) - route_penalized(routes[r], data, prm) for r in touched)


def broken_pairs(routes1, routes2, n):
    """Broken-pairs distance: share of customers whose successor in solution 1 is neither their
    successor nor predecessor in solution 2, plus route starts not shared (Vidal 2022)."""
    def links(routes):
        succ, pred = [0] * (n + 1), [0] * (n + 1)
        for r in routes:
            path = [0, *r, 0]
            for a, b in zip(path, path[1:]):
                if a:
                    succ[a] = b
                if b:
                    pred[b] = a
        return succ, pred

    s1, p1 = links(routes1)
    s2, p2 = links(routes2)
    diff = 0
    for j in range(1, n + 1):
        if s1[j] != s2[j] and s1[j] != p2[j]:
            diff += 1
        if p1[j] == 0 and p2[j] != 0 and s2[j] != 0:
            diff += 1
    return diff / n


def forbidden_arcs(path, inst):
    """Arcs of ``path`` that break VRPB's precedence: a depot followed by a pure backhaul (a pickup
    and no delivery), or a client with a pickup followed by a client that is not a pure backhaul."""
    if not inst.linehauls_first:
        return 0
    pick, dem, nd = inst.pickups, inst.demands, inst.num_depots

    def pure(v):
        return pick[v] > 0 and dem[v] == 0

    return sum(1 for a, b in zip(path, path[1:]) if b >= nd and (pure(b) if a < nd else pick[a] > 0 and not pure(b)))


def peak_load(route, inst, dim=0):
    """Largest load on board in load dimension ``dim``: every delivery loaded at the depot, each pickup
    added where it is made."""
    dem = inst.demands.reshape(inst.num_nodes, -1)[:, dim]
    pick = inst.pickups.reshape(inst.num_nodes, -1)[:, dim] if inst.pickups is not None else [0] * inst.num_nodes
    on_board = peak = sum(float(dem[v]) for v in route)
    for v in route:
        on_board += float(pick[v]) - float(dem[v])
        peak = max(peak, on_board)
    return peak


def vehicle_route_cost(route, inst, vt, prm, arc_big=0.0):
    """Penalised cost of ``route`` (clients, and depots where the vehicle reloads; the start and end
    depots left out) driven by a vehicle of type ``vt``, from the instance's own arrays: start and end
    depots, departure at the shift's opening and from each depot not before the release time of the
    trip it starts, the peak load of each trip against the capacity in every load dimension, at most
    ``max_reloads`` reloads (each one more costs a trip's capacity of excess load), route limits, fixed / distance /
    duration costs, ``arc_big`` more distance per arc that breaks VRPB's precedence, and ``K.FORBID``
    more when the vehicle may not serve one of the clients or reload at one of the depots (0 for an
    empty route). Duration is the
    plain elapsed time from the first departure, so compare it only where no waiting can be saved by
    leaving later (no client time windows, no release times)."""
    if not route:
        return 0.0
    nd = inst.num_depots
    early, late = inst.shift_window(vt)
    tw = inst.time_windows
    rel = inst.release_times
    path = [vt.start_depot, *route, vt.end_depot]
    d = sum(float(inst.distance[a, b]) for a, b in zip(path, path[1:])) + arc_big * forbidden_arcs(path, inst)
    trips, cur = [], []
    for v in route + [-1]:
        if v < nd:
            trips.append(cur)
            cur = []
        else:
            cur.append(v)
    load_ex = sum(max(peak_load(trip, inst, j) - cap, 0.0) for trip in trips for j, cap in enumerate(vt.capacities))
    if vt.max_reloads is not None:
        load_ex += vt.capacity * max(len(trips) - 1 - vt.max_reloads, 0)
    t = early
    t0 = None
    warp = 0.0
    trip = 0
    for k, (a, b) in enumerate(zip(path, path[1:])):
        if a < nd:  # leaving a depot: not before the release time of the trip it starts
            if rel is not None:
                t = max([t] + [float(rel[v]) for v in trips[trip]])
            trip += 1
            t0 = t if t0 is None else t0
        arrive = t + float(inst.service_times[a]) + float(inst.duration[a, b])
        last = k == len(path) - 2
        lo = early if last else (0.0 if tw is None else float(tw[b, 0]))
        hi = late if last else (float("inf") if tw is None else float(tw[b, 1]))
        if arrive > hi:
            warp += arrive - hi
            arrive = hi
        t = max(arrive, lo)
    dur = t - t0
    viol = warp
    if vt.max_duration is not None:
        viol += max(dur - vt.max_duration, 0.0)
    if vt.max_distance is not None:
        viol += max(d - vt.max_distance, 0.0)
    cost = (vt.fixed_cost + vt.unit_distance_cost * d + vt.unit_duration_cost * dur
            + prm[K.P_LOAD_PENALTY] * load_ex + prm[K.P_TIME_PENALTY] * viol)
    if not all(vt.may_serve(v) if v >= nd else v in vt.reload_depots for v in route):
        cost += K.FORBID
    return cost


def check_every_move(st, R, kd, prm, cost, us, vs, nd):
    """Every move kind for u in ``us`` and v in ``vs`` (a depot v: each route's start) on the local-search
    state ``st`` holding routes ``R``: the kernel's delta against the twin ``cost(route, r)``, and the cheap
    filter never dropping an improving move. Returns (moves checked, forbidden, filtered)."""
    PA, PB = np.zeros((8, 4), np.int64), np.zeros((8, 4), np.int64)
    routes, rlen = st.routes, st.rlen
    checked = forbidden = filtered = 0
    for u in us:
        for v in vs:
            if u == v:
                continue
            ru, pu = st.node_route[u], st.node_pos[u]
            targets = [(st.node_route[v], st.node_pos[v])] if v >= nd else [(r, 0) for r in range(len(R))]
            for rv, pv in targets:
                for kind in range(K.RELOCATE, K.TWO_OPT_STAR + 1):
                    same = ru == rv
                    if not same and kind == K.TWO_OPT or same and kind in (K.TWO_OPT_STAR_REVERSED, K.TWO_OPT_STAR):
                        continue
                    if pv == 0 and kind in (K.SWAP, K.SWAP_PAIR_ONE, K.SWAP_PAIRS, K.TWO_OPT):
                        continue
                    d, _, _ = K.move_delta(kind, ru, pu, rv, pv, routes, rlen, st.fwd, st.bwd, st.rcost, kd, prm, PA, PB)
                    new = apply_move(kind, R, ru, pu - 1, rv, pv - 1)
                    if new is None:
                        assert d == np.inf, (kind, u, v)
                        continue
                    ref = sum(cost(new[r], r) - cost(R[r], r) for r in {ru, rv})
                    if ref > 1e19:  # a vehicle that may not serve a client (or reload at a depot) it would get
                        assert d > 1e19, (kind, u, v)
                        forbidden += 1
                    else:
                        assert d == pytest.approx(ref, abs=1e-6), (kind, u, v, d, ref)
                        checked += 1
                    if not K.may_improve(1 << kind, ru, pu, rv, pv, routes, rlen, st.fwd, st.rcost, kd, prm):
                        assert ref >= -1e-6, ("the filter dropped an improving move", kind, u, v, ref)
                        filtered += 1
    return checked, forbidden, filtered


def random_windows(rng, d, depot_close, latest_open, width):
    """Time windows of an instance with two depots (open ``[0, depot_close]``): client ``i`` opens
    uniformly between its distance from depot 0 and ``latest_open``, for a width uniform in ``width``."""
    tws = np.zeros((d.shape[0], 2))
    tws[:2] = (0, depot_close)
    for i in range(2, d.shape[0]):
        e = rng.uniform(d[0, i], latest_open)
        tws[i] = (e, e + rng.uniform(*width))
    return tws
