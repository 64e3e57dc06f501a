"""Numba kernels of the MCTS of Pan et al. for ``tsp-heatmap`` (``search=mcts``; inputs are trusted).

The search of Fu et al. (AAAI 2021) as re-tuned by Pan et al., "Rethinking the Heatmap + MCTS
Paradigm for Large-Scale TSP" (their C++ code: ``neo-pan/mcts_tsp``, ``TSP_MCTS.h``), on the tour
arrays of :mod:`netopt.solvers.nco._kernels` (same conventions: ``tour``/``pos``, ``dist`` modes,
the splitmix64 ``rng``, the reversal journal ``jr``/``jn``).

* **Weights** ``W`` (float64 ``(n, m)``) and **visit counts** ``Q`` (int64 ``(n, m)``) live on the
  heatmap's candidate slots ``hc[i, t]`` (the dense ``n x n`` matrices of the C++ code restricted to
  the only entries it ever reads); ``wsum[i]`` is the dense row's total (its mean over ``n - 1``
  is the code's ``Avg_Weight``). The caller starts ``W`` at ``100 x`` the row-normalised heatmap.
* **Potential** of edge ``(i, hc[i, t])``: ``W / avg_i + alpha * sqrt(ln(M + 1) / (Q + 1))``,
  ``M`` the number of actions simulated so far; only candidates with potential >= 1 are promising.
* **Action** (a sequential k-opt move, :func:`sample_action`): from a random ``a1``, remove
  ``(a1, b1)``, ``b1`` the successor; then repeatedly pick a promising ``c`` of the current path end
  ``b`` with probability proportional to its potential, add ``(b, c)``, remove ``(c, p)`` with ``p``
  the predecessor of ``c`` (a 2-opt move of the tour closed by ``(p, a1)``) and continue from ``p``;
  stop at the first closed tour shorter than the start (kept), after ``max_depth`` steps or when no
  city is promising (then undone exactly).
* **Search** (:func:`mcts`): sample actions; an improving one is kept and its added edges get
  ``beta * (exp(gain / length) - 1)`` more weight (back-propagation); after ``h_samples``
  consecutive actions without improvement the search restarts from a new tour sampled city by
  city with probabilities ``exp(W)`` (:func:`heat_construct`; non-candidate cities weigh
  ``exp(0)``) and improved by the local search of :func:`~netopt.solvers.nco._kernels.local_search`
  (where the C++ code uses 2-opt), keeping the weights.
"""

from __future__ import annotations

import numpy as np

from ... import _jit
from ..._jit import kernel
from ..._numba_cache import drop_stale
from . import _kernels
from ._kernels import ONE, ZERO, _step, dist, local_search, move2, push_all, rand_int, rand_unit, tour_length, undo

drop_stale(__file__, _kernels.__file__, _jit.__file__)  # the kernels below compile in those of _kernels

#: largest exponent used by :func:`heat_construct` (``exp(700)`` is still finite in float64)
EXP_CAP = 700.0
#: the local search's arguments after a jump (int64 values: a literal int would compile it once more)
OR_MAX = np.int64(3)
NO_LIMIT = np.int64(1 << 62)


@kernel
def slot(hc, i, j):
    """Column of ``j`` in ``hc[i]``, or -1."""
    for t in range(hc.shape[1]):
        if hc[i, t] == j:
            return t
    return -1


@kernel
def potential(i, t, W, Q, wsum, alpha, total, n):
    """Potential (UCB) of the edge ``(i, hc[i, t])`` after ``total`` simulated actions."""
    avg = wsum[i] / (n - 1)
    return W[i, t] / avg + alpha * np.sqrt(np.log(total + 1.0) / (Q[i, t] + 1.0))


@kernel
def choose(b, a1, nxt, hc, W, Q, wsum, alpha, total, rng, pot):
    """Slot of the city joined to path end ``b``: among ``hc[b]`` without ``a1`` and ``nxt`` (``b``'s
    successor), those with potential >= 1, drawn with probability proportional to the potential
    (one :func:`rand_unit`); -1 (no random number used) when none is promising. ``pot`` is scratch."""
    n = wsum.shape[0]
    m = hc.shape[1]
    total_p = 0.0
    for t in range(m):
        c = hc[b, t]
        p = 0.0
        if c != a1 and c != nxt:
            p = potential(b, t, W, Q, wsum, alpha, total, n)
            if p < 1.0:
                p = 0.0
        pot[t] = p
        total_p += p
    if total_p <= 0.0:
        return -1
    r = rand_unit(rng) * total_p
    last = -1
    for t in range(m):
        if pot[t] > 0.0:
            last = t
            r -= pot[t]
            if r < 0.0:
                return t
    return last


@kernel
def sample_action(a1, tour, pos, hc, W, Q, wsum, alpha, total, max_depth, rng, xy, dm, mode, eps, jr, jn, seq, pot):
    """One simulated action from ``a1`` (see the module docstring); returns ``(gain, steps)``.

    ``gain > eps``: the tour was changed and is ``gain`` shorter, ``seq[0..2*steps+1]`` holds
    ``a1, b1, c1, p1, c2, p2, ...`` (added edges ``(b1, c1), (p1, c2), ..., (p_last, a1)``). Otherwise the
    tour is unchanged (every tentative step undone) and ``gain`` is the last closed tour's change.
    Every drawn edge counts one visit in ``Q`` (both directions where the reverse is a candidate).
    """
    n = tour.shape[0]
    jn[0] = 0
    jn[1] = 1
    jn[2] = 0
    d = ONE
    b = _step(a1, tour, pos, d, n)
    seq[0] = a1
    seq[1] = b
    g = dist(a1, b, xy, dm, mode)
    real = -np.inf
    steps = 0
    while steps < max_depth:
        nxt = _step(b, tour, pos, d, n)
        t = choose(b, a1, nxt, hc, W, Q, wsum, alpha, total, rng, pot)
        if t < 0:
            break
        c = hc[b, t]
        Q[b, t] += 1
        s = slot(hc, c, b)
        if s >= 0:
            Q[c, s] += 1
        p = _step(c, tour, pos, -d, n)
        g += dist(c, p, xy, dm, mode) - dist(b, c, xy, dm, mode)
        real = g - dist(p, a1, xy, dm, mode)
        move2(tour, pos, a1, b, p, c, jr, jn)  # adds (a1, p) and (b, c)
        steps += 1
        seq[2 * steps] = c
        seq[2 * steps + 1] = p
        d = ONE if _step(a1, tour, pos, ONE, n) == p else -ONE
        b = p
        if real > eps:
            break
    if steps == 0:
        real = 0.0
    if real <= eps:
        undo(tour, pos, jr, jn)
    jn[0] = 0
    jn[1] = 0
    return real, steps


@kernel
def back_propagate(seq, steps, inc, hc, W, wsum):
    """Add ``inc`` to the weight of every edge an action added, both directions (``wsum`` follows;
    a direction whose city is not a candidate counts in ``wsum`` only)."""
    for i in range(steps + 1):
        u = seq[2 * i + 1]
        v = seq[2 * i + 2] if i < steps else seq[0]
        for x in range(2):
            if x == 1:
                u, v = v, u
            t = slot(hc, u, v)
            if t >= 0:
                W[u, t] += inc
            wsum[u] += inc


@kernel
def heat_construct(hc, W, rng, tour, sel, unsel, upos):
    """A tour from city 0, each next city drawn among the unvisited ones with probability proportional
    to ``exp(W)`` of the edge (``exp(0)`` for a non-candidate); ``sel``/``unsel``/``upos`` are scratch."""
    n = tour.shape[0]
    m = hc.shape[1]
    for i in range(n):
        sel[i] = False
        unsel[i] = i
        upos[i] = i
    nun = n
    cur = ZERO
    for cnt in range(n):
        # drop cur from the unvisited list
        sel[cur] = True
        u = upos[cur]
        nun -= 1
        last = unsel[nun]
        unsel[u] = last
        upos[last] = u
        tour[cnt] = cur
        if nun == 0:
            break
        s = 0.0
        ncu = 0
        for t in range(m):
            c = hc[cur, t]
            if not sel[c]:
                s += np.exp(min(W[cur, t], EXP_CAP))
                ncu += 1
        r = rand_unit(rng) * (s + (nun - ncu))
        nxt = -1
        if r < s:
            for t in range(m):
                c = hc[cur, t]
                if not sel[c]:
                    nxt = c
                    r -= np.exp(min(W[cur, t], EXP_CAP))
                    if r < 0.0:
                        break
        else:
            while True:
                c = unsel[rand_int(rng, nun)]
                if slot(hc, cur, c) < 0:
                    nxt = c
                    break
        cur = nxt
    return tour


@kernel
def mcts(tour, pos, nbr, hc, W, Q, wsum, xy, dm, mode, rng, actions, cost, eps, alpha, beta, h_samples, max_depth,
         st, queue, inq, qs, jr, jn, best_tour, best, seq, pot, sel, unsel, upos, depth, k3):
    """``actions`` simulated actions of the MCTS (module docstring); returns the current tour length.

    ``st`` (int64 ``(3,)``) carries ``[actions since the last improvement, actions so far (M), restarts]``
    from call to call, so the run does not depend on how it is sliced. The best tour so far is kept in
    ``best_tour``/``best[0]``. ``depth``/``k3``: the local search after a restart (its LK-style move).
    """
    n = tour.shape[0]
    for _ in range(actions):
        if st[0] >= h_samples:  # no improving action among the last h_samples: jump to a new state
            heat_construct(hc, W, rng, tour, sel, unsel, upos)
            for i in range(n):
                pos[tour[i]] = i
            qs[0] = 0
            qs[1] = 0
            for i in range(n):
                inq[i] = False
            push_all(tour, queue, inq, qs)
            jn[0] = 0
            jn[1] = 0
            local_search(tour, pos, nbr, xy, dm, mode, eps, OR_MAX, queue, inq, qs, jr, jn, NO_LIMIT, depth, k3)
            cost = tour_length(tour, xy, dm, mode)
            st[0] = 0
            st[2] += 1
            if cost < best[0] - eps:
                best[0] = cost
                for i_ in range(tour.shape[0]):  # (a loop: a slice copy may allocate)
                    best_tour[i_] = tour[i_]
        a1 = rand_int(rng, n)
        gain, steps = sample_action(a1, tour, pos, hc, W, Q, wsum, alpha, st[1], max_depth, rng, xy, dm, mode, eps,
                                    jr, jn, seq, pot)
        st[1] += 1
        if gain > eps:
            back_propagate(seq, steps, beta * (np.exp(gain / cost) - 1.0), hc, W, wsum)
            cost -= gain
            st[0] = 0
            if cost < best[0] - eps:
                best[0] = cost
                for i_ in range(tour.shape[0]):  # (a loop: a slice copy may allocate)
                    best_tour[i_] = tour[i_]
        else:
            st[0] += 1
    return cost
