"""Numba kernels of the iterated local search (:mod:`netopt.solvers.vrp.ils`); inputs are trusted.

One iteration (:func:`ils_run`) touches only what it changes:

1. **perturb** the working solution: remove a client and its nearest neighbours (between
   ``I_MIN_PERTURB`` and ``I_MAX_PERTURB`` clients, more centres when a neighbourhood runs out; with
   ``I_GROUPED`` the neighbours by proximity grouped by route, the centre's route first, as PyVRP),
   then reinsert each at its cheapest position next to one of its granular neighbours (or in an
   empty route), in random order, with O(1) segment concatenation per position; or, with probability
   ``F_RUIN_ROUTE``, empty the shorter of two random routes (of at most ``I_MAX_PERTURB`` clients)
   and reinsert its clients into the others (:func:`ruin_route`: a route fewer, which removing a few
   neighbours at a time rarely reaches); or, with probability ``F_OPEN_ROUTE``, put a cluster of
   unvisited optional clients into an empty route (:func:`open_route`: a route more); or, with
   probability ``F_CLOSE_ROUTE``, empty the shorter of two random routes of any length, its optional
   clients back only where each pays alone (:func:`ruin_route` not ``forced``: a route fewer);
2. **local search** from the promising customers only (the removed and reinserted ones and those
   next to an applied move), with the move counters of :class:`~._kernels.LSState` so a pair is
   tried again only when one of its routes changed;
3. **accept** by late-acceptance hill climbing (Burke & Bykov 2017, both enhancements of their
   section 4.2, as PyVRP 0.12+): the candidate replaces the current solution when its penalised
   cost beats the current one or the one a history length (the rows of ``hist``) ago. Routes that did
   not change are never copied: a rejected candidate restores just its changed routes.

Penalties of excess load and of time violations adapt every ``I_PENALTY_EVERY`` candidates
towards a share ``F_TARGET`` of feasible ones; when they change, every route's penalised cost is
recomputed and every customer becomes untested again. A new best feasible solution gets an
exhaustive local search (every customer); after ``I_RESTART`` iterations without a new best
the search restarts from the best.

The random stream is Numba's, seeded once by :func:`~._kernels.ls_setup`; nothing else draws from
it during a search, so the result does not depend on how the iterations are cut into calls.
"""

from __future__ import annotations

import numpy as np

from ... import _jit
from ..._jit import kernel
from ..._numba_cache import drop_stale
from . import _kernels
from ._kernels import (EPS, FORBID, LS_LOOPS, NONE, P_LOAD_PENALTY, P_TIME_PENALTY, ZERO, first_empty, fwd_seg,
                       insertion_delta, ls_search, ls_update, may_serve, route_cost, route_objective, route_totals)

drop_stale(__file__, _kernels.__file__, _kernels.T.__file__, _jit.__file__)  # the kernels below compile in those of _kernels

# reinsert / best_insertion: may a client open an empty route (np.bool_, not a literal: see NONE)
NEW_ROUTES = np.bool_(True)
NO_NEW_ROUTES = np.bool_(False)
# ruin_route: do a ruined route's optional clients go back in whatever they cost
FORCED = np.bool_(True)
NOT_FORCED = np.bool_(False)

# ip[...]: integer parameters
I_MIN_PERTURB = 0
I_MAX_PERTURB = 1
I_PENALTY_EVERY = 2  # candidates between penalty updates
I_RESTART = 3  # iterations without a new best before restarting from the best
I_SWAP_STAR = 4  # SWAP*: 0 never, 1 in every local search, 2 only in the exhaustive search of a new best
I_GROUPED = 5  # perturb takes a centre's neighbours grouped by route (PyVRP's order), 1, or in random order, 0
N_IP = 6

# fp[...]: float parameters
F_TARGET = 0  # target share of feasible candidates
F_INCREASE = 1  # penalty factor when too few are feasible
F_DECREASE = 2  # penalty factor when too many are feasible
F_MIN_PENALTY = 3
F_MAX_PENALTY = 4
F_RUIN_ROUTE = 5  # probability that an iteration's perturbation empties a route instead (ruin_route)
F_OPEN_ROUTE = 6  # probability that it fills an empty route with unvisited optional clients (open_route)
F_CLOSE_ROUTE = 7  # probability that it empties a route whose optional clients go back only where each pays
F_LEAVE_OUT = 8  # probability that its neighbourhood removal leaves removed optional clients out (perturb's leave_out)
N_FP = 9

# ist[...]: integer state carried from one call to the next
S_ITER = 0  # iterations done
S_HIST_POS = 1  # slot of the history ring read (then written or skipped) by the next iteration
S_REGISTERED = 2  # candidates since the last penalty update
S_LOAD_OK = 3  # of which feasible for load
S_TIME_OK = 4  # of which feasible for time
S_SINCE_BEST = 5  # iterations since the last new best
S_NEW_BEST = 6  # new bests found (the caller reads the best routes when it grows)
S_RESTARTS = 7
N_IST = 8

# fst[...]: float state
T_CUR = 0  # current solution: cost, excess load, time violation (3 slots)
T_BEST = 3  # best feasible cost (BIG before the first)
T_INIT = 4  # initial solution: cost, excess load, time violation (3 slots)
N_FST = 7


@kernel
def totals(st, kd):
    """``(cost, excess load, time violation)`` of the solution in ``st`` (cost without penalties, with
    the prizes of the unvisited optional clients; see :func:`~._kernels.route_totals`)."""
    d = 0.0
    le = 0.0
    tv = 0.0
    for v in range(kd.nd, st.node_route.shape[0]):
        if st.node_route[v] < 0:
            d += kd.prize[v]
    for r in range(st.routes.shape[0]):
        m = st.rlen[r]
        if m == 0:
            continue
        c, a, b = route_totals(fwd_seg(r, m + 1, st.routes, st.fwd, kd), r, kd)
        d += c
        le += a
        tv += b
    return d, le, tv


@kernel
def _penalised(d, le, tv, prm):
    return d + prm[P_LOAD_PENALTY] * le + prm[P_TIME_PENALTY] * tv


@kernel
def insertion_cost(st, v, r, p, kd, prm):
    """Change of route ``r``'s penalised cost when ``v`` is inserted after its position ``p``."""
    return insertion_delta(v, r, p, st.routes, st.rlen, st.fwd, st.bwd, st.rcost, kd, prm)


@kernel
def insert_at(st, v, r, p, kd, prm, angle):
    """Insert ``v`` after position ``p`` of route ``r``."""
    m = st.rlen[r]
    for q in range(m, p, -1):
        st.routes[r, q + 1] = st.routes[r, q]
    st.routes[r, p + 1] = v
    st.rlen[r] = m + 1
    ls_update(st, r, kd, prm, angle)


@kernel
def cheapest_empty(st, v, kd, prm):
    """``(cost, route)`` of ``v`` alone in the first empty route slot of the vehicle type where that
    costs least (the first such type on a tie); ``(inf, -1)`` when no type has an empty slot."""
    best = np.inf
    br = NONE
    for t in range(kd.t_first.shape[0] - 1):
        r = first_empty(t, st.rlen, kd)
        if r >= 0:
            c = insertion_delta(v, r, ZERO, st.routes, st.rlen, st.fwd, st.bwd, st.rcost, kd, prm)
            if c < best:
                best, br = c, r
    return best, br


@kernel
def best_insertion(st, v, gone, ncnt, kd, prm, new_routes):
    """Cheapest ``(route, after position)`` for ``v``: next to (before or after) a granular
    neighbour that is in a route, or (with ``new_routes``) alone in an empty route; every route's
    start when no neighbour is placed."""
    routes, rlen, fwd, bwd, rcost = st.routes, st.rlen, st.fwd, st.bwd, st.rcost
    nb, node_route, node_pos = st.nb, st.node_route, st.node_pos
    best = np.inf
    br = -1
    bp = -1
    for t in range(ncnt[v]):
        w = nb[v, t]
        if gone[w] or node_route[w] < 0:
            continue
        r = node_route[w]
        p = node_pos[w]
        c = insertion_delta(v, r, p, routes, rlen, fwd, bwd, rcost, kd, prm)
        if c < best:
            best, br, bp = c, r, p
        c = insertion_delta(v, r, p - 1, routes, rlen, fwd, bwd, rcost, kd, prm)
        if c < best:
            best, br, bp = c, r, p - 1
    K = routes.shape[0]
    if new_routes:
        c, r = cheapest_empty(st, v, kd, prm)
        if c < best:
            best, br, bp = c, r, 0
    if br < 0 or best >= 0.5 * FORBID:  # no neighbour placed, or only vehicles that may not serve v
        for r in range(K):
            c = insertion_delta(v, r, 0, routes, rlen, fwd, bwd, rcost, kd, prm)
            if c < best:
                best, br, bp = c, r, 0
    return br, bp


@kernel(inline="always")
def _around(c, near, j):
    """The ``j``-th of centre ``c``'s neighbours by proximity, ``c`` itself for ``j = -1``."""
    return c if j < 0 else near[c, j]


@kernel(inline="always")
def _take(st, v, cnt, lst, gone, touched, stamp):
    """Remove ``v`` (not yet ``gone``) for :func:`perturb`: listed as ``lst[cnt]`` (negated when
    unvisited, to go in), its route to compact, its route neighbours promising. Returns ``cnt + 1``."""
    gone[v] = True
    r = st.node_route[v]
    lst[cnt] = v if r >= 0 else -v  # (negative: an unvisited optional client, to go in)
    if r >= 0:
        p = st.node_pos[v]
        touched[r] = True
        for q in range(max(p - 1, 1), min(p + 1, st.rlen[r]) + 1):
            st.mark[st.routes[r, q]] = stamp
    return cnt + 1


@kernel
def perturb(st, kd, prm, ncnt, near, angle, k, stamp, gone, lst, touched, leave_out, grouped):
    """Remove ``k`` clients (a random one and its neighbours, then more centres if needed; an
    unvisited optional one among them is to be inserted instead) and reinsert them one by one at
    their cheapest positions; they and their old and new route neighbours become promising
    (``mark = stamp``). The neighbours: in the (shuffled) granular order, or, ``grouped``, as PyVRP's
    perturbation takes them: the centre and its neighbours by proximity (``near``), grouped by route,
    the centre's route first (then fewer routes change, each by a string of close clients). With
    ``leave_out``, a removed optional client with a prize stays unvisited (PyVRP's perturbation:
    visited ones out, unvisited ones in), for the local search to put back where it pays. Returns
    the number moved (``lst[:k]``, an unvisited one negated)."""
    N = st.nb.shape[0]
    K = st.routes.shape[0]
    cnt = ZERO
    centres = 0
    k = min(k, N - kd.nd)
    while cnt < k and centres < 8:
        c = np.random.randint(kd.nd, N)
        centres += 1
        if not grouped:
            for t in range(-1, ncnt[c]):
                v = c if t < 0 else st.nb[c, t]
                if cnt >= k:
                    break
                if not gone[v]:
                    cnt = _take(st, v, cnt, lst, gone, touched, stamp)
            continue
        for i in range(-1, ncnt[c]):  # each route (or the unvisited) at its first appearance in proximity order
            if cnt >= k:
                break
            ri = st.node_route[_around(c, near, i)]
            seen = False
            for j in range(-1, i):
                if st.node_route[_around(c, near, j)] == ri:
                    seen = True
                    break
            if seen:
                continue
            for j in range(i, ncnt[c]):  # its members among them, closest first
                v = _around(c, near, j)
                if cnt < k and not gone[v] and st.node_route[v] == ri:
                    cnt = _take(st, v, cnt, lst, gone, touched, stamp)
    for r in range(K):  # compact the routes that lost clients
        if not touched[r]:
            continue
        touched[r] = False
        m = 0
        for q in range(1, st.rlen[r] + 1):
            v = st.routes[r, q]
            if not gone[v]:
                m += 1
                st.routes[r, m] = v
        st.rlen[r] = m
        ls_update(st, r, kd, prm, angle)
    m = cnt  # lst[:m] go back in
    if leave_out:  # those to go in first, those left out after them
        m = ZERO
        for i in range(cnt):
            v = lst[i]
            if v > 0 and kd.optional[v] and kd.prize[v] > 0.0:  # removed from a route: stays out
                gone[v] = False
                st.node_route[v] = -1
                st.mark[v] = stamp
            else:
                lst[i] = lst[m]
                lst[m] = v
                m += 1
    reinsert(st, kd, prm, ncnt, angle, gone, lst, m, stamp, NEW_ROUTES)
    return cnt


@kernel
def ruin_route(st, kd, prm, ncnt, angle, most, stamp, gone, lst, forced):
    """Empty the shorter of two random non-empty routes and reinsert its clients into the other
    routes (no new route unless nothing else takes one), each at its cheapest position: a step towards
    fewer routes that removing a few neighbours at a time rarely takes. With ``forced`` an optional
    client goes back too (the local search takes it out if it does not pay: alone among strangers none
    would); without, only where that costs less than its prize (``close_route``). Returns the number
    moved: 0, and nothing done, with fewer than two routes or when that route has more than ``most``
    clients (a long route spread over the others is a new solution, not a step)."""
    K = st.routes.shape[0]
    used = 0
    for r in range(K):
        if st.rlen[r] > 0:
            used += 1
    if used < 2:
        return 0
    i = np.random.randint(0, used)
    j = np.random.randint(0, used - 1)
    if j >= i:
        j += 1
    pick = NONE
    for r in range(K):  # the i-th and j-th used routes: the shorter (the first on a tie)
        if st.rlen[r] > 0:
            if (i == 0 or j == 0) and (pick < 0 or st.rlen[r] < st.rlen[pick]):
                pick = r
            i -= 1
            j -= 1
    m = st.rlen[pick]
    if m > most:
        return 0
    for q in range(1, m + 1):
        v = st.routes[pick, q]
        gone[v] = True
        lst[q - 1] = -v if kd.optional[v] and forced else v  # (forced: back in, the local search drops it)
    st.rlen[pick] = 0
    ls_update(st, pick, kd, prm, angle)
    reinsert(st, kd, prm, ncnt, angle, gone, lst, m, stamp, NO_NEW_ROUTES)
    return m


@kernel(inline="always")
def _unvisited_prize(v, st, kd):
    """``v`` is an optional client with a prize that no route visits."""
    return st.node_route[v] < 0 and kd.optional[v] and kd.prize[v] > 0.0


@kernel
def open_route(st, kd, prm, ncnt, angle, most, stamp):
    """Put an unvisited optional client ``c`` and its unvisited optional granular neighbours (at most
    ``most`` together, in the order of the granular list, those the vehicle may serve) into an empty
    route, each at its cheapest position there: a route of clients that together may pay for the trip
    to them, which inserting them one by one never opens (a route for one client costs more than its
    prize). ``c``: the first from a random client on with such a neighbour and an empty vehicle that may
    serve it; the vehicle: of those empty ones, the one where ``c`` alone costs least. They become
    promising. Returns the number inserted: 0, and nothing done, when there is no such ``c``."""
    N = st.nb.shape[0]
    routes, rlen, fwd, bwd, rcost = st.routes, st.rlen, st.fwd, st.bwd, st.rcost
    c = NONE
    re = NONE
    s = np.random.randint(kd.nd, N)
    for i in range(N - kd.nd):
        v = kd.nd + (s - kd.nd + i) % (N - kd.nd)
        if not _unvisited_prize(v, st, kd):
            continue
        d, re = cheapest_empty(st, v, kd, prm)
        if d >= 0.5 * FORBID:  # no empty vehicle, or only ones that may not serve v
            continue
        for t in range(ncnt[v]):
            w = st.nb[v, t]
            if _unvisited_prize(w, st, kd) and may_serve(w, re, kd):
                c = v
                break
        if c >= 0:
            break
    if c < 0:
        return 0
    insert_at(st, c, re, ZERO, kd, prm, angle)
    m = 1
    for t in range(ncnt[c]):
        w = st.nb[c, t]
        if m >= most:
            break
        if not (_unvisited_prize(w, st, kd) and may_serve(w, re, kd)):
            continue
        bp = ZERO
        best = np.inf
        for p in range(rlen[re] + 1):
            d = insertion_delta(w, re, p, routes, rlen, fwd, bwd, rcost, kd, prm)
            if d < best:
                best, bp = d, p
        insert_at(st, w, re, bp, kd, prm, angle)
        m += 1
    if stamp >= 0:
        for q in range(1, rlen[re] + 1):
            st.mark[routes[re, q]] = stamp
    return m


@kernel
def drop_routes(st, kd, prm, angle):
    """Empty every route whose clients are all optional and which, without its penalties, costs more
    than their prizes together: a far cluster that no single removal pays for (a route that only its
    penalties make dear is for the local search to repair). Returns the number of routes emptied."""
    n = 0
    for r in range(st.routes.shape[0]):
        m = st.rlen[r]
        keep = m == 0
        prizes = 0.0
        for q in range(1, m + 1):
            v = st.routes[r, q]
            if not kd.optional[v]:
                keep = True
            prizes += kd.prize[v]
        if keep or route_objective(fwd_seg(r, m + 1, st.routes, st.fwd, kd), r, kd) - prizes <= EPS:
            continue
        for q in range(1, m + 1):
            st.node_route[st.routes[r, q]] = -1
        st.rlen[r] = 0
        ls_update(st, r, kd, prm, angle)
        n += 1
    return n


@kernel
def reinsert(st, kd, prm, ncnt, angle, gone, lst, cnt, stamp, new_routes):
    """Insert the ``cnt`` clients of ``lst`` (``gone``, in no route), in random order, each at its
    cheapest position (:func:`best_insertion`, in an empty route only with ``new_routes``); with
    ``stamp >= 0`` each and its new route neighbours become promising. An optional client goes in
    only where that costs less than its prize, except those listed negated (unvisited before, toggled
    in as by PyVRP's perturbation; or from a ruined route): the local search takes them out again if
    they do not pay, and a cluster of them can pay together where none does alone."""
    np.random.shuffle(lst[:cnt])
    for i in range(cnt):
        v = abs(lst[i])
        gone[v] = False
        r, p = best_insertion(st, v, gone, ncnt, kd, prm, new_routes)
        if lst[i] > 0 and kd.optional[v] and insertion_cost(st, v, r, p, kd, prm) >= kd.prize[v] - EPS:
            st.node_route[v] = -1  # not worth its prize here
            continue
        insert_at(st, v, r, p, kd, prm, angle)
        if stamp >= 0:
            for q in range(max(p, 1), min(p + 2, st.rlen[r]) + 1):
                st.mark[st.routes[r, q]] = stamp


@kernel
def construct(st, kd, prm, ncnt, angle, gone, lst):
    """Every client in no route inserted, in random order, at its cheapest position (an optional one
    only where it pays): the start when a giant tour cannot simply be cut (several vehicle types or
    depots), or what a warm start leaves out."""
    m = ZERO
    for v in range(kd.nd, st.nb.shape[0]):
        if st.node_route[v] >= 0:
            continue
        gone[v] = True
        lst[m] = v
        m += 1
    reinsert(st, kd, prm, ncnt, angle, gone, lst, m, NONE, NEW_ROUTES)


@kernel
def _copy_route(src, src_len, dst, dst_len, r):
    m = src_len[r]
    for q in range(m + 2):
        dst[r, q] = src[r, q]
    dst_len[r] = m


@kernel
def _load(st, routes, rlen, kd, prm, angle):
    """Make ``st`` hold the solution ``routes`` / ``rlen``."""
    st.node_route[:] = -1  # (optional clients it leaves out stay unvisited)
    for r in range(st.routes.shape[0]):
        _copy_route(routes, rlen, st.routes, st.rlen, r)
        ls_update(st, r, kd, prm, angle)


@kernel
def reprice(st, kd, prm):
    """Penalties changed: every route's penalised cost, and every customer untested."""
    for r in range(st.routes.shape[0]):
        m = st.rlen[r]
        st.rcost[r] = 0.0 if m == 0 else route_cost(fwd_seg(r, m + 1, st.routes, st.fwd, kd), r, kd, prm)
    st.last_tested[:] = -1
    st.last_swap[:] = -1
    st.last_type[:] = -1


@kernel
def _adapt(pen, ok, registered, fp):
    frac = ok / registered
    if frac < fp[F_TARGET] - 0.05:
        return min(pen * fp[F_INCREASE], fp[F_MAX_PENALTY])
    if frac > fp[F_TARGET] + 0.05:
        return max(pen * fp[F_DECREASE], fp[F_MIN_PENALTY])
    return pen


@kernel
def ils_run(st, cur, cur_len, best, best_len, hist, kd, prm, ncnt, near, angle, ip, fp, ist, fst, iterations, gone,
            lst, touched):
    """Run ``iterations`` ILS iterations on the working solution ``st``; ``cur`` / ``cur_len``
    hold the accepted (current) solution, ``best`` / ``best_len`` the best feasible one,
    ``hist`` the late-acceptance ring (distance, excess load, time violation, 1 when written; an
    unwritten slot stands for the initial solution). ``prm`` (penalties), ``ist`` and ``fst`` are
    updated in place."""
    K = st.routes.shape[0]
    H = hist.shape[0]
    for _ in range(iterations):
        ist[S_ITER] += 1
        c0 = st.cnt[0]
        stamp = ist[S_ITER]
        lo = ip[I_MIN_PERTURB]
        k = lo + np.random.randint(0, ip[I_MAX_PERTURB] - lo + 1)
        # (no draw for one that is off: the same stream, and results, as without it)
        moved = 0
        if fp[F_RUIN_ROUTE] > 0.0 and np.random.random() < fp[F_RUIN_ROUTE]:
            moved = ruin_route(st, kd, prm, ncnt, angle, ip[I_MAX_PERTURB], stamp, gone, lst, FORCED)
        elif fp[F_OPEN_ROUTE] > 0.0 or fp[F_CLOSE_ROUTE] > 0.0:
            u = np.random.random()
            if u < fp[F_OPEN_ROUTE]:
                moved = open_route(st, kd, prm, ncnt, angle, ip[I_MAX_PERTURB], stamp)
            elif u < fp[F_OPEN_ROUTE] + fp[F_CLOSE_ROUTE]:
                moved = ruin_route(st, kd, prm, ncnt, angle, st.nb.shape[0], stamp, gone, lst, NOT_FORCED)
        if moved == 0:
            out = fp[F_LEAVE_OUT] >= 1.0 or (fp[F_LEAVE_OUT] > 0.0 and np.random.random() < fp[F_LEAVE_OUT])
            perturb(st, kd, prm, ncnt, near, angle, k, stamp, gone, lst, touched, out, ip[I_GROUPED] == 1)
        ls_search(st, kd, prm, ncnt, angle, stamp, ip[I_SWAP_STAR] == 1, LS_LOOPS)
        d, le, tv = totals(st, kd)
        # register for the penalty update
        ist[S_REGISTERED] += 1
        if le <= 0.0:
            ist[S_LOAD_OK] += 1
        if tv <= 1e-9:
            ist[S_TIME_OK] += 1
        ist[S_SINCE_BEST] += 1
        if le <= 0.0 and tv <= 1e-9 and d < fst[T_BEST] - EPS:
            ls_search(st, kd, prm, ncnt, angle, NONE, ip[I_SWAP_STAR] >= 1, LS_LOOPS)  # exhaustive on a new best
            if drop_routes(st, kd, prm, angle) > 0:  # and without the routes of optional clients that do not pay
                ls_search(st, kd, prm, ncnt, angle, NONE, ip[I_SWAP_STAR] >= 1, LS_LOOPS)
            d, le, tv = totals(st, kd)
            if le <= 0.0 and tv <= 1e-9 and d < fst[T_BEST] - EPS:
                fst[T_BEST] = d
                for r in range(K):
                    _copy_route(st.routes, st.rlen, best, best_len, r)
                ist[S_NEW_BEST] += 1
                ist[S_SINCE_BEST] = 0
        # late acceptance
        cand = _penalised(d, le, tv, prm)
        curp = _penalised(fst[T_CUR], fst[T_CUR + 1], fst[T_CUR + 2], prm)
        h = hist[ist[S_HIST_POS]]
        if h[3] == 1.0:
            late = _penalised(h[0], h[1], h[2], prm)
        else:
            late = _penalised(fst[T_INIT], fst[T_INIT + 1], fst[T_INIT + 2], prm)
        if cand < late or cand < curp:
            for r in range(K):
                if st.last_mod[r] > c0:
                    _copy_route(st.routes, st.rlen, cur, cur_len, r)
            fst[T_CUR] = d
            fst[T_CUR + 1] = le
            fst[T_CUR + 2] = tv
            curp = cand
        else:
            for r in range(K):  # the changed routes' clients: unvisited unless the restored routes hold them
                if st.last_mod[r] > c0:
                    for q in range(1, st.rlen[r] + 1):
                        st.node_route[st.routes[r, q]] = -1
            for r in range(K):
                if st.last_mod[r] > c0:
                    _copy_route(cur, cur_len, st.routes, st.rlen, r)
                    ls_update(st, r, kd, prm, angle)
        if curp < late or h[3] == 0.0:  # the history keeps only improvements
            h[0] = fst[T_CUR]
            h[1] = fst[T_CUR + 1]
            h[2] = fst[T_CUR + 2]
            h[3] = 1.0
        ist[S_HIST_POS] = (ist[S_HIST_POS] + 1) % H
        # penalties
        if ist[S_REGISTERED] >= ip[I_PENALTY_EVERY]:
            pl = _adapt(prm[P_LOAD_PENALTY], ist[S_LOAD_OK], ist[S_REGISTERED], fp)
            pt = _adapt(prm[P_TIME_PENALTY], ist[S_TIME_OK], ist[S_REGISTERED], fp)
            ist[S_REGISTERED] = 0
            ist[S_LOAD_OK] = 0
            ist[S_TIME_OK] = 0
            if pl != prm[P_LOAD_PENALTY] or pt != prm[P_TIME_PENALTY]:
                prm[P_LOAD_PENALTY] = pl
                prm[P_TIME_PENALTY] = pt
                reprice(st, kd, prm)
        # restart from the best
        if ist[S_SINCE_BEST] >= ip[I_RESTART] and fst[T_BEST] < 1e29:
            _load(st, best, best_len, kd, prm, angle)
            for r in range(K):
                _copy_route(best, best_len, cur, cur_len, r)
            fst[T_CUR], fst[T_CUR + 1], fst[T_CUR + 2] = totals(st, kd)
            hist[:, 3] = 0.0
            ist[S_HIST_POS] = 0
            ist[S_SINCE_BEST] = 0
            ist[S_RESTARTS] += 1
