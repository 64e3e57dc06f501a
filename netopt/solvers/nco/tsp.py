"""``tsp-heatmap``: heatmap-guided local search for large symmetric TSP.

Following Pan et al., "Rethinking the Heatmap + MCTS Paradigm for Large-Scale TSP" (a
parameter-free k-nearest heatmap guides the search as well as learned heatmaps do):

1. **Heatmap**: ``knn`` (equal weights on the ``k`` nearest cities), ``softdist``
   (:func:`~netopt.solvers.nco.heatmap.softdist_heatmap`), ``policy`` (learned: edge frequencies
   of the TSP policy's tours), ``alpha`` (:func:`~netopt.solvers.nco.heatmap.alpha_heatmap`, LKH's
   alpha-nearness, which also replaces the local search's nearest-neighbour lists) or, from Python,
   any sparse ``heatmap=(cand, weight)`` (see :func:`~netopt.solvers.nco.heatmap.heatmap_from_dense`).
   On the random-uniform sets ``knn`` beat SoftDist at temperature 0.16 (benchmarks/RESULTS.md,
   section 7), and ``alpha`` with 6 candidates beat ``knn`` with 10 on TSP-500/1000 and TSPLIB
   (issue 20, Stops 14 and 17), so the default ``auto`` is ``alpha`` (``k`` 6) up to
   :data:`AUTO_ALPHA_MAX` cities and ``knn`` (``k`` 10) above, where alpha's setup costs the first
   seconds and it was level with ``knn``.
2. **Construction**: greedy edge over the heatmap candidate edges, fragments chained
   nearest-end first.
3. **Local search**: 2-opt and Or-opt (segments of 1-3 cities, both orientations) over the ``k``
   nearest neighbours of each city, a work queue as don't-look bits, an array tour with its
   position array, reversing the shorter side. With ``depth >= 1``, a city with no improving
   2-opt/Or-opt move tries an LK-style move: the best sequential 3-opt move over the first ``k3``
   neighbours (this covers segment insertion of any length, with or without reversal: Or-3opt),
   and, when none gains, the best partial one made tentatively and the search continued from its
   closing edge, up to ``depth`` levels (:func:`~netopt.solvers.nco._kernels.lk_move`; undone
   exactly when no level gains).
4. **Heatmap-guided iterated local search** until the time limit: a segment-swap kick
   (``a [b..x] [c..y] z -> a [c..y] [b..x] z``, no segment short enough for Or-opt to undo), in a
   share ``local_kicks`` of the rounds segment-local (``c`` and ``y`` uniform within ``window``
   positions: a double bridge on nearby tour positions), otherwise with its new edge ``a-c``
   drawn with probability proportional to the heatmap weights, and ``y-b`` too in half of the
   kicks (else ``y`` is uniform within ``window`` positions), local search from
   the six end cities, the round kept when the tour is no longer than the current one or than
   the best so far plus ``slack`` mean edge lengths (record-to-record travel), undone exactly
   otherwise; improving rounds raise the weights of the edges they drew (the MCTS-style update
   of the heatmap). Issue 20: with heatmap-only kicks and no-worse acceptance the search stalled
   within seconds (the finite kick set was exhausted and most kicks were Or-opt moves undone by
   the local search).

With ``search=mcts`` step 4 is instead the MCTS of Pan et al. (their code, ``neo-pan/mcts_tsp``,
inherited from Fu et al., AAAI 2021; :mod:`netopt.solvers.nco._mcts_kernels`): sequential k-opt
actions from random cities, each next edge drawn from the heatmap candidates in proportion to a UCB
potential of learned weights and visit counts, the first improving action kept and its edges
reinforced, and after ``mcts_h * n`` actions without improvement a restart from a tour sampled from
the weights (plus the local search). Defaults: Pan et al.'s tuning for SoftDist on TSP-1000 at their
shortest time budget (``mcts_alpha`` 1, ``mcts_beta`` 100, ``mcts_h`` 2, ``mcts_depth`` 50).

Distances: for instances with coordinates whose matrix equals their distances under a TSPLIB
convention (unrounded Euclidean, ``nint`` EUC_2D, CEIL_2D, ATT or GEO; checked once over all pairs)
the kernels compute them on the fly, so no matrix is read in the search; otherwise they read the
(symmetric) matrix. The reported cost is always recomputed from the instance's matrix, so it
equals the instance's own cost.

Coordinates only (issue 20): :func:`solve_points` solves a :class:`PointsTsp` (coordinates and a
rounding, e.g. read by :meth:`PointsTsp.read` without any matrix) with the same search; no
n x n array is built anywhere on that path (TSP-10000: 800 MB less, RESULTS.md issue 20 Stop 15)
and its cost is the kernels' tour length, which equals the dense matrix's (the tests compare every
rounding entry by entry). ``netopt solve -s tsp-heatmap`` reads a coordinates file as a
:class:`~netopt.model.RoutingInstance` whose distances are a
:class:`~netopt.model.distances.PointDistances` (``load_instance(dense=False)``): the kernels take
the coordinates from it, and the result is checked by :func:`netopt.validate.check_routes` as
every solver's is (``extra["matrix"]`` says whether an n x n matrix was there).

The kernels run in slices of rounds sized to take about ``SLICE_S`` each; the clock is checked
between slices. The random state and the best tour live in the kernels' arrays, so the tour after a
number of rounds does not depend on the slicing: the same seed and ``max_iterations`` (counted in
rounds) give the same tour.

Examples
--------
>>> from netopt.datasets import generate_tsp
>>> res = TspHeatmap().solve(generate_tsp(30, seed=2), time_limit=5, seed=0, max_iterations=200)
>>> res.status, res.solution["feasible"], len(res.solution["routes"])
('feasible', True, 1)
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ...exceptions import SolverParameterError
from ...params import Param, ParamSpace
from ..base import SearchState, Solver
from ..registry import register
from . import _kernels as K
from . import _mcts_kernels as M
from .heatmap import (DEFAULT_TEMPERATURE, Heatmap, alpha_heatmap, check_heatmap, heatmap_from_dense, knn_candidates,
                      knn_heatmap, softdist_heatmap)

_MODES = {"none": K.EUCLID, "nint": K.NINT, "ceil": K.CEIL, "att": K.ATT, "geo": K.GEO}
#: the ``distance`` field of the result, by kernel mode
_MODE_NAMES = {K.MATRIX: "matrix", K.EUCLID: "euclidean", K.NINT: "nint", K.CEIL: "ceil", K.ATT: "att", K.GEO: "geo"}
_warm = False
_sources: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def read_only(a: np.ndarray) -> np.ndarray:
    """A read-only view of ``a``: the kernels get read-only distance sources only (an instance's are;
    Numba compiles a kernel once more for each other flavour of array)."""
    view = a.view()
    view.flags.writeable = False
    return view


_DUMMY_XY = read_only(np.zeros((1, 2)))  # the unused distance source handed to the kernels
_DUMMY_DM = read_only(np.zeros((1, 1)))


#: share of kicks whose second new edge ``y-b`` is drawn from the heatmap (the others take ``y``
#: uniformly within ``window`` positions): heatmap rows alone offer only about ``n * k * k``
#: kicks, all tried within seconds at n = 1000 (issue 20)
P_HEAT = 0.5
#: defaults of ``local_kicks`` (share of segment-local double-bridge kicks) and ``window`` (their span and
#: the uniform ``y`` window of the heatmap kicks, in cities); RESULTS.md Stop 14: at equal CPU time
#: 0.5 / 100 beat 0 / 50 on TSP-500, -1000 (8 instances each) and TSP-10000 #0
P_LOCAL = 0.5
WINDOW = 100
#: default of the ``slack`` parameter (record-to-record acceptance, in mean edge lengths)
SLACK = 1.0
#: default of the ``depth`` parameter (levels of the LK-style move; 0 = 2-opt + Or-opt only)
DEPTH = 3

#: defaults of the ``search=mcts`` parameters: Pan et al.'s SMAC-tuned setting for SoftDist heatmaps on
#: TSP-1000 with the shortest time budget they tuned for (T = 0.005 s per city: alpha 1, beta 100,
#: H 2, depth 50; their candidate count 1,000 is capped here by the heatmap's ``k`` columns)
ALPHA, BETA, PARAM_H, MAX_DEPTH = 1.0, 100.0, 2.0, 50
#: the searches of the ``search`` parameter
SEARCHES = ("ils", "mcts")

#: target wall time of one kernel slice between clock checks (seconds; the time limit's precision)
SLICE_S = 0.01

#: share of the time limit the policy's rollouts may take for ``heatmap=policy``
POLICY_SHARE = 0.5

#: the named heatmaps of the ``heatmap`` parameter; from Python a :class:`Heatmap` (or a pair
#: ``(cand, weight)``) may be given instead
HEATMAPS = ("knn", "softdist", "policy", "alpha", "auto")
#: ``heatmap=auto`` (the default) is ``alpha`` up to this many cities and ``knn`` above (issue 20 Stop 17:
#: alpha k 6 was ahead on TSP-500/1000 and TSPLIB up to pr2392; at 10,000 cities its setup costs the first
#: seconds and it was level with knn, Stop 14)
AUTO_ALPHA_MAX = 5000
#: ``k=0`` (the default): this many candidates per city with the alpha heatmap, :data:`K_DEFAULT` otherwise
K_ALPHA, K_DEFAULT = 6, 10


def resolve_heatmap(heatmap, k: int, n: int):
    """``(heatmap, k)`` as the search uses them on ``n`` cities: ``auto`` becomes ``alpha`` (n up to
    :data:`AUTO_ALPHA_MAX`) or ``knn``; ``k = 0`` becomes :data:`K_ALPHA` for alpha, else :data:`K_DEFAULT`."""
    if isinstance(heatmap, str) and heatmap == "auto":
        heatmap = "alpha" if n <= AUTO_ALPHA_MAX else "knn"
    if not k:
        k = K_ALPHA if isinstance(heatmap, str) and heatmap == "alpha" else K_DEFAULT
    return heatmap, k


def heatmap_param(value) -> str | Heatmap:
    """The ``heatmap`` parameter's value: one of :data:`HEATMAPS`, or a :class:`Heatmap` (a pair of
    arrays becomes one; it is checked against the instance when the search starts)."""
    if isinstance(value, str):
        if value not in HEATMAPS:
            raise ValueError(f"{value!r} is not a heatmap")
        return value
    if isinstance(value, Heatmap):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return Heatmap(*value)
    raise ValueError(f"{type(value).__name__} is not a heatmap")


def warm_up() -> float:
    """Compile (or load from the Numba cache) every kernel on a tiny instance; returns seconds spent."""
    global _warm
    if _warm:
        return 0.0
    t = time.perf_counter()
    xy = np.random.default_rng(0).random((12, 2))
    dm = np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))
    xy, dm = read_only(xy), read_only(dm)  # the kernels see read-only arrays only
    nbr, _ = knn_candidates(xy, 5)
    alpha_heatmap(xy, 3, iterations=2)
    for mode, x, d in ((K.EUCLID, xy, _DUMMY_DM), (K.MATRIX, _DUMMY_XY, dm)):
        K.matches_matrix(dm, xy, mode, 1e-9)
        K.is_symmetric(dm)
        tour = K.greedy_tour(nbr, x, d, mode)
        _Search(tour, nbr, Heatmap(nbr, np.ones(nbr.shape)), x, d, mode, 1, 0.5, WINDOW, SLACK, P_HEAT, DEPTH,
                p_local=P_LOCAL).run(50)
        _Mcts(tour, nbr, Heatmap(nbr, np.ones(nbr.shape)), x, d, mode, 1, h=0.5, depth=DEPTH).run(50)
    _warm = True
    return time.perf_counter() - t


def distance_source(instance) -> tuple[int, np.ndarray, np.ndarray]:
    """``(mode, xy, dm)`` for the kernels: coordinates when they reproduce the matrix, else the matrix.

    Raises ``ValueError`` for an asymmetric matrix. Cached per instance (the check is O(n^2)).
    """
    hit = _sources.get(instance)
    if hit is not None:
        return hit
    mode = _MODES.get(instance.rounding)
    if not instance.dense and mode is not None:  # distances from the points: the kernels compute them too
        xy = np.ascontiguousarray(instance.coordinates, dtype=np.float64)
        found = _sources[instance] = (mode, kernel_coordinates(xy, mode), _DUMMY_DM)
        return found
    dm = read_only(np.ascontiguousarray(instance.distance, dtype=np.float64))
    xy = instance.coordinates
    found = None
    if xy is not None:
        xy = np.ascontiguousarray(xy, dtype=np.float64)
        tried = []
        for r in (instance.rounding, "none", "nint"):
            mode = _MODES.get(r)
            if mode is None or mode in tried:
                continue
            tried.append(mode)
            kxy = kernel_coordinates(xy, mode)
            if K.matches_matrix(dm, kxy, mode, 1e-9):
                found = (mode, kxy, _DUMMY_DM)
                break
    if found is None:
        if not K.is_symmetric(dm):
            raise ValueError("asymmetric distances (tsp-heatmap needs a symmetric TSP)")
        found = (K.MATRIX, _DUMMY_XY, dm)
    _sources[instance] = found
    return found


def kernel_coordinates(xy: np.ndarray, mode: int) -> np.ndarray:
    """The kernels' ``xy`` for ``mode``: the coordinates, or for ``GEO`` (TSPLIB's DDD.MM degrees.minutes)
    the (latitude, longitude) in radians, with TSPLIB's own ``PI``."""
    xy = np.asarray(xy, dtype=np.float64)
    if mode != K.GEO:
        return read_only(np.ascontiguousarray(xy))
    deg = np.trunc(xy)
    return read_only(np.ascontiguousarray(K.GEO_PI * (deg + 5.0 * (xy - deg) / 3.0) / 180.0))


def knn_source(mode: int, xy: np.ndarray, dm: np.ndarray) -> dict:
    """The ``points=`` / ``dist=`` argument of the heatmap functions for a distance source: the
    coordinates, for ``GEO`` points on the unit sphere (a k-d tree of chords ranks neighbours as
    the great-circle distances do), or the matrix."""
    if mode == K.MATRIX:
        return {"dist": dm}
    if mode == K.GEO:
        lat, lon = xy[:, 0], xy[:, 1]
        return {"points": np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])}
    return {"points": xy}


class _Search:
    """Tour, queue, journal and random state of one run; ``run(rounds)`` advances the search.

    ``cost``/``tour`` are the current tour, ``best[0]``/``best_tour`` the best one so far (they
    differ when ``slack > 0`` lets the search keep a worse tour; ``slack`` is in mean edge lengths
    of the start tour). ``p_heat``: share of kicks whose second new edge comes from the heatmap.
    """

    def __init__(self, tour, nbr, hm: Heatmap, xy, dm, mode, seed: int, eta: float, window: int = 50,
                 slack: float = 0.0, p_heat: float = 1.0, depth: int = 0, k3: int = 5, p_local: float = 0.0):
        n = len(tour)
        self.p_local = float(p_local)
        self.depth, self.k3 = int(depth), int(k3)
        xy, dm = read_only(xy), read_only(dm)
        self.n, self.nbr, self.xy, self.dm, self.mode, self.eta, self.window = n, nbr, xy, dm, mode, eta, window
        self.p_heat = float(p_heat)
        self.tour = np.ascontiguousarray(tour, dtype=np.int64)
        self.pos = np.empty(n, np.int64)
        self.pos[self.tour] = np.arange(n)
        w = hm.weight.astype(np.float64)
        tot = w.sum(1, keepdims=True)
        self.hc = np.ascontiguousarray(hm.cand, dtype=np.int64)
        # rows normalised to sum 1 (an all-zero row becomes uniform), so ``eta`` means the same for any heatmap
        self.hw = np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), 1.0 / w.shape[1])
        self.rng = np.array([(int(seed) * 0x9E3779B97F4A7C15 + 12345) % (1 << 64)], np.uint64)
        self.queue = np.zeros(n, np.int64)
        self.inq = np.zeros(n, np.bool_)
        self.qs = np.zeros(2, np.int64)
        self.jr = np.zeros((1 << 14, 2), np.int64)
        self.jn = np.zeros(3, np.int64)
        self.out = np.zeros(8, np.int64)
        mean_nbr = float(np.mean([K.dist(i, int(nbr[i, 0]), xy, dm, mode) for i in range(min(n, 1000))]))
        self.eps = 1e-9 * max(mean_nbr, 1e-300)
        self.cost = K.tour_length(self.tour, xy, dm, mode)
        self.best_tour = self.tour.copy()
        self.best = np.array([self.cost])
        self.slack = slack * self.cost / n  # in mean edge lengths of the start tour
        self.rounds = 0
        K.push_all(self.tour, self.queue, self.inq, self.qs)

    def descend(self, max_moves: int) -> bool:
        """Local search on the queued cities, at most ``max_moves`` moves; True when it converged."""
        if self.n < 4:
            self.qs[:] = 0
            self.inq[:] = False
            return True
        self.jn[1] = 0
        gain, _ = K.local_search(self.tour, self.pos, self.nbr, self.xy, self.dm, self.mode, self.eps, 3,
                                 self.queue, self.inq, self.qs, self.jr, self.jn, max_moves, self.depth, self.k3)
        self.cost -= gain
        if self.cost < self.best[0]:
            self.best[0] = self.cost
            self.best_tour[:] = self.tour
        return self.qs[1] == 0

    def run(self, rounds: int) -> int:
        """Converge the local search, then ``rounds`` kick + local search rounds; returns improving rounds."""
        while not self.descend(1 << 30):
            pass
        if self.n < 5 or rounds <= 0:
            return 0
        self.cost, imp = K.ils(self.tour, self.pos, self.nbr, self.hc, self.hw, self.xy, self.dm, self.mode,
                               self.rng, rounds, self.cost, self.eps, 3, self.window, self.eta,
                               self.queue, self.inq, self.qs, self.jr, self.jn, self.out,
                               self.best_tour, self.best, self.slack, self.p_heat, self.depth, self.k3, self.p_local)
        self.rounds += rounds
        return imp


class _Mcts(_Search):
    """The MCTS of Pan et al. (``search=mcts``, :mod:`netopt.solvers.nco._mcts_kernels`) on the same tour,
    queue and local search as :class:`_Search`; ``run(rounds)`` simulates ``rounds`` actions."""

    def __init__(self, tour, nbr, hm: Heatmap, xy, dm, mode, seed: int, alpha: float = ALPHA, beta: float = BETA,
                 h: float = PARAM_H, max_depth: int = MAX_DEPTH, depth: int = 0, k3: int = 5):
        super().__init__(tour, nbr, hm, xy, dm, mode, seed, 0.0, depth=depth, k3=k3)
        n = self.n
        self.W = np.ascontiguousarray(100.0 * self.hw)  # the C++ code's Weight = 100 x heatmap
        self.Q = np.zeros(self.W.shape, np.int64)
        self.wsum = self.W.sum(1)
        self.alpha, self.beta, self.max_depth = float(alpha), float(beta), int(max_depth)
        self.h_samples = max(1, int(round(h * n)))
        self.st = np.zeros(3, np.int64)
        self.seq = np.zeros(2 * self.max_depth + 4, np.int64)
        self.pot = np.zeros(self.W.shape[1], np.float64)
        self.sel = np.zeros(n, np.bool_)
        self.unsel = np.zeros(n, np.int64)
        self.upos = np.zeros(n, np.int64)

    @property
    def restarts(self) -> int:
        return int(self.st[2])

    def run(self, rounds: int) -> int:
        while not self.descend(1 << 30):
            pass
        if self.n < 8 or rounds <= 0:
            return 0
        self.cost = M.mcts(self.tour, self.pos, self.nbr, self.hc, self.W, self.Q, self.wsum, self.xy, self.dm,
                           self.mode, self.rng, rounds, self.cost, self.eps, self.alpha, self.beta, self.h_samples,
                           self.max_depth, self.st, self.queue, self.inq, self.qs, self.jr, self.jn, self.best_tour,
                           self.best, self.seq, self.pot, self.sel, self.unsel, self.upos, self.depth, self.k3)
        self.rounds += rounds
        return 0



def _route(tour: np.ndarray) -> list[int]:
    """The tour as one route of customers, starting after the depot (city 0)."""
    i = int(np.flatnonzero(tour == 0)[0])
    return np.concatenate([tour[i + 1:], tour[:i]]).tolist()


def _exact_cost(instance, route: list[int]) -> float:
    """Cost as the validator computes it (matrix entries along depot -> route -> depot)."""
    path = np.array([0, *route, 0], np.int64)
    return float(np.sum(instance.distance[path[:-1], path[1:]]))


POLICY_MAX_CITIES = 2000


def _policy_heatmap(instance, model: str, k: int, temperature: float, seed: int, src: dict,
                    deadline: float | None = None) -> Heatmap:
    """Learned heatmap: how often the TSP policy's greedy multi-start and sampled tours use each
    edge (those finished by ``deadline``), plus SoftDist weights scaled by 1e-3 so that unused
    edges rank by SoftDist."""
    n = instance.num_nodes
    if n > POLICY_MAX_CITIES:
        raise SolverParameterError(f"solver tsp-heatmap: heatmap=policy is limited to {POLICY_MAX_CITIES:,} cities "
                                   f"(the policy's pair features are O(n^2)); {instance.name} has {n:,}")
    from . import load
    from .policy import edge_frequencies

    net = load(model or None, "tsp")
    if net.problem != "tsp":
        raise SolverParameterError(f"solver tsp-heatmap: heatmap=policy needs a TSP policy, {model} is {net.problem}")
    scores = edge_frequencies(net, instance, pomo=32, samples=32, seed=seed, device=next(net.parameters()).device,
                              deadline=deadline)
    sd = softdist_heatmap(k=min(2 * k, n - 1), temperature=temperature, **src)
    scores[np.arange(n)[:, None], sd.cand] += 1e-3 * sd.weight
    return heatmap_from_dense(scores, k)


@register
class TspHeatmap(Solver):
    """Heatmap-guided local search for large symmetric TSP (see the module docstring)."""

    name = "tsp-heatmap"
    problem = "tsp"
    description = ("large symmetric TSP: kNN/SoftDist/learned heatmap-guided iterated local search "
                   "(2-opt, Or-opt, LK-style sequential 3-opt)")
    params = ParamSpace("solver tsp-heatmap", {
        "k": Param(int, 0, f"neighbours per city for the local search and the heatmap (count; 0 = {K_ALPHA} with the "
                   f"alpha heatmap, {K_DEFAULT} otherwise)", low=1, special=(0,)),
        "temperature": Param(float, DEFAULT_TEMPERATURE,
                             "SoftDist temperature, in units of twice the mean nearest-neighbour distance",
                             low=0, low_open=True),
        "heatmap": Param(heatmap_param, "auto",
                         f"auto (alpha up to {AUTO_ALPHA_MAX:,} cities, knn above) | knn (equal weights on the k "
                         "nearest) | softdist | policy (learned: edge frequencies of the TSP policy's "
                         "tours, ties broken by SoftDist; up to 2,000 cities, its time counts) | alpha (LKH's "
                         "alpha-nearness: the k cities of lowest alpha among the max(2k, 16) nearest, also the local "
                         "search's neighbour lists); from Python also a Heatmap or (cand, weight) arrays",
                         valid="knn, softdist, policy, or a Heatmap; or alpha, auto"),
        "model": Param(str, "", "policy checkpoint for heatmap=policy (empty = the shipped TSP policy)"),
        "eta": Param(float, 0.5, "heatmap weight added by an improving kick (0 = fixed heatmap)", low=0),
        "window": Param(int, WINDOW, "kick segment length when y is not drawn from the heatmap, and the span of "
                        "each segment of a local kick (cities)", low=1),
        "slack": Param(float, SLACK, "acceptance: a worse tour is kept while shorter than the best so far plus "
                       "slack mean edge lengths (0 = only rounds that do not lengthen the tour)", low=0),
        "depth": Param(int, DEPTH, "levels of the LK-style move tried where 2-opt/Or-opt find nothing: each level "
                       "a sequential 3-opt step (1 = plain 3-opt, 0 = no such move; count)", low=0, high=10),
        "k3": Param(int, 5, "neighbours per city tried by the 3-opt/LK-style move (count, at most k)", low=1),
        "local_kicks": Param(float, P_LOCAL, "share of kicks that are segment-local double bridges (all four cut "
                             "points within about 2 * window consecutive cities) instead of heatmap-guided "
                             "(fraction, 0..1)", low=0, high=1),
        "search": Param(str, "ils", "ils (heatmap-guided iterated local search) | mcts (the MCTS of Pan et al.: "
                        "k-opt actions sampled from the heatmap weights by UCB potential; eta, window, slack and "
                        "local_kicks apply to ils only)", choices=SEARCHES),
        "mcts_alpha": Param(float, ALPHA, "search=mcts: exploration weight of the UCB potential (dimensionless)",
                            low=0),
        "mcts_beta": Param(float, BETA, "search=mcts: back-propagation rate; an improving action adds "
                           "beta * (exp(gain / tour length) - 1) to the weights of its edges (weight units: "
                           "100 = a whole heatmap row)", low=0),
        "mcts_h": Param(float, PARAM_H, "search=mcts: restart after h * n actions without improvement "
                        "(actions per city)", low=0, low_open=True),
        "mcts_depth": Param(int, MAX_DEPTH, "search=mcts: most steps (added edges) of one k-opt action (count)",
                            low=1, high=1000),
    })

    def supports(self, instance) -> str:
        if instance.problem != "tsp" or instance.num_vehicles != 1 or np.any(instance.demands):
            return f"a {instance.problem} instance; tsp-heatmap solves single-vehicle TSP only"
        if instance.time_windows is not None or instance.max_distance is not None or instance.max_duration is not None:
            return "route limits or time windows; tsp-heatmap solves the plain TSP"
        try:
            distance_source(instance)
        except ValueError as e:
            return str(e)
        return ""

    def prepare(self, params=None, instance=None) -> float:
        t = time.perf_counter()
        warm_up()
        if params is not None and params.heatmap == "policy":
            from . import load

            load(params["model"] or None, "tsp")
        return time.perf_counter() - t

    def _solve(self, instance, state: SearchState, *, seed: int, initial, params) -> dict:
        n = instance.num_nodes
        if n <= 3:  # every tour is optimal
            route = list(range(1, n))
            state.improve(_exact_cost(instance, route), [route])
            return {"optimal": True}
        t0 = time.perf_counter()
        mode, xy, dm = distance_source(instance)
        policy = None
        if params.heatmap == "policy":
            def policy(src, k):
                return _policy_heatmap(instance, params.model, k, params.temperature, seed, src,
                                       deadline=state.start + POLICY_SHARE * state.time_limit)
        tour = None
        if initial and len(initial[0]) == 1:  # a checked warm start visits every city
            tour = np.array([0, *initial[0][0]], np.int64)

        def report(best_tour):
            route = _route(best_tour)
            state.improve(_exact_cost(instance, route), [route])

        extra = _run(state, n, mode, xy, dm, params, seed, tour, report, t0, policy)
        return {**extra, "matrix": bool(instance.dense)}  # False: distances from the points, no n x n array


def _run(state: SearchState, n: int, mode: int, xy, dm, params, seed: int, tour, report, t0: float,
         policy=None) -> dict:
    """The search of :class:`TspHeatmap` on a distance source (``n >= 4``) until ``state`` says stop;
    ``report(best_tour)`` hands each new best tour over (at most every 0.2 s, and at the end);
    ``tour``: a start tour or None (greedy); ``policy(src)``: the learned heatmap's builder."""
    heatmap, k = resolve_heatmap(params.heatmap, params.k, n)
    temperature = params.temperature
    src = knn_source(mode, xy, dm)
    nbr, _ = knn_candidates(k=k, **src)
    if isinstance(heatmap, Heatmap):
        hm = check_heatmap(heatmap, n)
    elif heatmap == "knn":
        hm = knn_heatmap(k=k, **src)
    elif heatmap == "alpha":
        hm = alpha_heatmap(k=k, **src)
        nbr = hm.cand  # the local search's neighbour lists too (rows nearest first)
    elif heatmap == "policy":
        hm = policy(src, k)
    else:
        hm = softdist_heatmap(k=k, temperature=temperature, **src)
    if tour is not None:
        start = "initial"
    else:
        tour = K.greedy_tour(hm.cand, xy, dm, mode)
        start = "greedy"
    setup_s = time.perf_counter() - t0
    if params.search == "mcts":
        search = _Mcts(tour, nbr, hm, xy, dm, mode, seed, params.mcts_alpha, params.mcts_beta, params.mcts_h,
                       params.mcts_depth, params.depth, params.k3)
    else:
        search = _Search(tour, nbr, hm, xy, dm, mode, seed, params.eta, params.window, params.slack, P_HEAT,
                         params.depth, params.k3, params.local_kicks)
    greedy_cost = search.cost
    while not search.descend(max(1000, 2_000_000 // n)) and not state.should_stop():
        pass
    best, best_tour, reported = np.inf, None, -1.0
    cap = int(min(2048, max(64, (1 << 21) // n)))
    chunk = min(cap, 64)  # grown/shrunk so that a slice takes about SLICE_S (a round's time varies with depth and load)
    while True:
        if search.best[0] < best - search.eps:  # the kernels keep the best tour so far
            best, best_tour = float(search.best[0]), search.best_tour.copy()
        stop = state.should_stop()
        if best_tour is not None and (stop or state.elapsed() - reported >= 0.2):
            report(best_tour)
            best_tour, reported = None, state.elapsed()
        if stop:
            break
        todo = chunk if state.max_iterations is None else min(chunk, state.max_iterations - state.iterations)
        t = time.perf_counter()
        search.run(todo)
        dt = time.perf_counter() - t
        state.tick(todo)
        if todo == chunk:
            chunk = int(min(cap, max(16, chunk * min(2.0, SLICE_S / max(dt, 1e-6)))))
    return {"start": start, "start_cost": round(float(greedy_cost), 6), "setup_s": round(setup_s, 4),
            "heatmap": heatmap if isinstance(heatmap, str) else "given", "k": int(k),
            "distance": _MODE_NAMES[mode], "rounds": search.rounds, "search": params.search,
            **({"restarts": search.restarts} if params.search == "mcts" else {})}


#: the roundings of :class:`PointsTsp` (TSPLIB's names: ``none`` unrounded Euclidean, ``nint`` EUC_2D,
#: ``ceil`` CEIL_2D, ``att`` ATT, ``geo`` GEO with DDD.MM coordinates)
POINT_ROUNDINGS = ("none", "nint", "ceil", "att", "geo")


@dataclass(frozen=True, eq=False)
class PointsTsp:
    """A symmetric TSP given by coordinates only: no distance matrix is ever built for it.

    ``coordinates`` ``(n, 2)`` (read-only float64), ``rounding`` one of :data:`POINT_ROUNDINGS`;
    city 0 plays the depot, as in a :class:`~netopt.model.RoutingInstance` of the same points.

    Examples
    --------
    >>> p = PointsTsp([[0, 0], [3, 4], [0, 4]], rounding="nint", name="t")
    >>> p.num_nodes, p.tour_length([0, 1, 2])
    (3, 12.0)
    """

    coordinates: np.ndarray
    rounding: str = "none"
    name: str = "points"

    def __post_init__(self):
        try:
            xy = np.array(self.coordinates, dtype=np.float64)
        except (TypeError, ValueError):
            raise SolverParameterError(f"{self.name}: coordinates must be a numeric (n, 2) array") from None
        if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 2:
            raise SolverParameterError(f"{self.name}: coordinates must have shape (n, 2) with n >= 2, got {xy.shape}")
        if not np.all(np.isfinite(xy)):
            raise SolverParameterError(f"{self.name}: coordinates contain NaN or infinite values")
        if self.rounding not in POINT_ROUNDINGS:
            raise SolverParameterError(f"{self.name}: rounding {self.rounding!r} is not one of "
                                       f"{', '.join(POINT_ROUNDINGS)}")
        xy.flags.writeable = False
        object.__setattr__(self, "coordinates", xy)

    @classmethod
    def read(cls, path, rounding: str = "auto") -> "PointsTsp":
        """A coordinates TSP file (TSPLIB ``EUC_2D``/``CEIL_2D``/``ATT``/``GEO``, or instance ``i`` of a
        random-uniform set, ``file.txt#i``) read by :func:`netopt.io.load_instance` without its
        distance matrix; a file whose distances do not follow from its points is a ``SolverParameterError``."""
        from ...io import load_instance

        inst = load_instance(path, rounding=rounding, dense=False)
        if inst.dense or inst.problem != "tsp" or inst.rounding not in POINT_ROUNDINGS:
            raise SolverParameterError(f"{path}: not a TSP given by coordinates under one of "
                                       f"{', '.join(POINT_ROUNDINGS)}")
        return cls(inst.coordinates, inst.rounding, inst.name)

    @property
    def num_nodes(self) -> int:
        return self.coordinates.shape[0]

    @property
    def mode(self) -> int:
        """The kernels' distance mode."""
        return _MODES[self.rounding]

    @cached_property
    def kernel_xy(self) -> np.ndarray:
        """The kernels' ``xy`` (the coordinates; GEO: their radians)."""
        return kernel_coordinates(self.coordinates, self.mode)

    def tour_length(self, tour) -> float:
        """Length of the closed tour ``tour`` (city indices ``0..n-1``, each once)."""
        t = np.asarray(tour, dtype=np.int64)
        if t.shape != (self.num_nodes,) or not np.array_equal(np.sort(t), np.arange(self.num_nodes)):
            raise SolverParameterError(f"{self.name}: a tour must visit each of the {self.num_nodes} cities once")
        return float(K.tour_length(t, self.kernel_xy, _DUMMY_DM, self.mode))


@dataclass
class PointsResult:
    """What :func:`solve_points` found: ``tour`` (city indices from 0), its ``cost``, the run's
    ``runtime_s``, ``iterations`` (rounds), ``history`` ``[[seconds, cost], ...]``, ``extra``, and
    whether the time limit or a Ctrl-C stopped it."""

    tour: np.ndarray
    cost: float
    runtime_s: float
    iterations: int
    history: list
    extra: dict
    timed_out: bool = False
    interrupted: bool = False


def solve_points(problem: PointsTsp, *, time_limit: float = 10.0, seed: int = 0, max_iterations: int | None = None,
                 progress=None, **params) -> PointsResult:
    """The ``tsp-heatmap`` search on a coordinates-only :class:`PointsTsp` (no distance matrix).

    Same parameters as the solver (``heatmap=policy`` excepted: the policy reads a matrix), same
    seed -> same tour; the cost is the kernels' tour length under the problem's rounding.
    ``progress(state)`` is called as by :meth:`Solver.solve <netopt.solvers.base.Solver.solve>`;
    the first Ctrl-C stops the search with the best tour so far.

    Examples
    --------
    >>> xy = np.random.default_rng(1).random((40, 2))
    >>> r = solve_points(PointsTsp(xy), time_limit=5, max_iterations=100)
    >>> sorted(r.tour.tolist()) == list(range(40)), r.cost == PointsTsp(xy).tour_length(r.tour)
    (True, True)
    """
    from ..base import check_limits, interrupt_guard

    check_limits(time_limit, max_iterations, seed)
    p = TspHeatmap().resolve_params(params)
    if isinstance(p.heatmap, str) and p.heatmap == "policy":
        raise SolverParameterError("solver tsp-heatmap: heatmap=policy needs a RoutingInstance (its features read "
                                   "the distance matrix); solve_points takes knn, softdist, alpha or a Heatmap")
    warm_up()
    state = SearchState(time_limit, max_iterations, progress)
    n, mode, xy = problem.num_nodes, problem.mode, problem.kernel_xy
    if n <= 3:
        tour = np.arange(n, dtype=np.int64)
        return PointsResult(tour, problem.tour_length(tour), state.elapsed(), 0, [], {"optimal": True})
    found = []

    def report(best_tour):
        cost = float(K.tour_length(best_tour, xy, _DUMMY_DM, mode))
        if state.improve(cost, [_route(best_tour)]):
            found.append(best_tour)

    with interrupt_guard(state):
        extra = _run(state, n, mode, xy, _DUMMY_DM, p, seed, None, report, state.start)
    return PointsResult(found[-1], float(state.best_cost), state.elapsed(), state.iterations, state.history, extra,
                        state.timed_out, state.interrupted)


