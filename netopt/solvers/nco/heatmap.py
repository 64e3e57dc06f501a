"""Sparse TSP heatmaps: k-nearest candidates, the parameter-free SoftDist heatmap, validation.

A heatmap says, for every city, which other cities it is likely joined to in a good tour. Here it
is sparse: ``cand`` (int64 ``(n, k)``, the candidate cities of each row) and ``weight`` (float64
``(n, k)``, non-negative), each row sorted by decreasing weight. :class:`Heatmap` is that pair.

* :func:`knn_candidates`: the ``k`` nearest cities of every city, from coordinates (a KD-tree,
  O(n k log n)) or from a distance matrix (``argpartition``, row blocks);
* :func:`softdist_heatmap`: SoftDist of Pan et al., "Rethinking the Heatmap + MCTS Paradigm for
  Large-Scale TSP": ``w_ij = exp(-d_ij / tau) / sum_l exp(-d_il / tau)`` over the ``k`` nearest
  ``j``, which rivals learned heatmaps as the guide of a local search;
* :func:`knn_heatmap`: equal weights on the ``k`` nearest (the paper's plainest baseline);
* :func:`alpha_heatmap`: LKH's alpha-nearness candidates (spanning-tree sensitivity after
  subgradient penalties), equal weights;
* :func:`heatmap_from_dense`, :func:`check_heatmap`: bring an outside (e.g. learned) heatmap to
  the same validated sparse form, for ``tsp-heatmap``'s ``heatmap=(cand, weight)``.

Examples
--------
>>> import numpy as np
>>> xy = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [7.0, 0.0]])
>>> cand, d = knn_candidates(xy, 2)
>>> cand.tolist(), d[0].tolist()
([[1, 2], [0, 2], [1, 0], [2, 1]], [1.0, 3.0])
>>> hm = softdist_heatmap(xy, 2, temperature=1.0, scale=1.0)
>>> hm.cand[0].tolist(), np.round(hm.weight[0], 3).tolist()
([1, 2], [0.881, 0.119])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...exceptions import SolverParameterError

#: SoftDist temperature relative to ``scale`` (Pan et al. use tau = 0.0066 / 0.0051 / 0.0018 on
#: the unit square for n = 500 / 1000 / 10000, i.e. 0.15 / 0.16 / 0.18 times 1/sqrt(n))
DEFAULT_TEMPERATURE = 0.16

_BLOCK = 1 << 22  # matrix entries per argpartition block (32 MiB of float64)


class Heatmap(NamedTuple):
    """Sparse heatmap: ``cand[i, t]`` is the ``t``-th candidate of city ``i``, ``weight[i, t]`` its weight."""

    cand: np.ndarray
    weight: np.ndarray


def _bad(msg: str) -> SolverParameterError:
    return SolverParameterError(msg)


def _points(points) -> np.ndarray:
    try:
        xy = np.ascontiguousarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise _bad("points: must be a numeric (n, 2) array") from None
    if xy.ndim != 2 or xy.shape[1] not in (2, 3) or xy.shape[0] < 2:  # 3: GEO's points on the unit sphere
        raise _bad(f"points: expected shape (n, 2) (or (n, 3)) with n >= 2, got {xy.shape}")
    if not np.all(np.isfinite(xy)):
        raise _bad("points: contains NaN or infinite values")
    return xy


def _matrix(dist, what: str = "dist") -> np.ndarray:
    """A C-ordered float64 square matrix (n >= 2), finite and non-negative; ``what`` names it in errors."""
    try:
        d = np.ascontiguousarray(dist, dtype=np.float64)
    except (TypeError, ValueError):
        raise _bad(f"{what}: must be a numeric (n, n) matrix") from None
    if d.ndim != 2 or d.shape[0] != d.shape[1] or d.shape[0] < 2:
        raise _bad(f"{what}: expected a square matrix with n >= 2, got shape {d.shape}")
    if not np.all(np.isfinite(d)) or np.any(d < 0):
        raise _bad(f"{what}: must be finite and non-negative")
    return d


def _source(points, dist) -> tuple[np.ndarray | None, np.ndarray | None, int]:
    if (points is None) == (dist is None):
        raise _bad("give exactly one of points (coordinates) and dist (a distance matrix)")
    if points is not None:
        xy = _points(points)
        return xy, None, xy.shape[0]
    d = _matrix(dist)
    return None, d, d.shape[0]


def _k(k, n: int) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise _bad(f"k: must be a positive integer, got {k!r}")
    return int(min(k, n - 1))


def _drop_self(idx: np.ndarray, dd: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """From ``k + 1`` nearest (self usually first) keep ``k`` others, nearest first, ties by index."""
    rows = np.arange(idx.shape[0])[:, None]
    dd = np.where(idx == rows, np.inf, dd)
    order = np.lexsort((idx, dd), axis=1)[:, :k]
    return np.take_along_axis(idx, order, 1).astype(np.int64), np.take_along_axis(dd, order, 1)


def knn_candidates(points=None, k: int = 10, *, dist=None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest other cities of every city, nearest first.

    Parameters
    ----------
    points
        ``(n, 2)`` coordinates (Euclidean distances, KD-tree search; ``(n, 3)`` too: GEO's
        points on the unit sphere); or
    dist
        an ``(n, n)`` distance matrix (row ``i`` = from ``i``; ``argpartition`` per row block).
    k
        Neighbours per city; capped at ``n - 1``.

    Returns
    -------
    cand, d
        int64 ``(n, k)`` neighbour indices and float64 ``(n, k)`` their (unrounded) distances,
        each row by increasing distance (ties by index).

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0, 5, 1], [5, 0, 2], [1, 2, 0]], float)
    >>> knn_candidates(dist=d, k=5)[0].tolist()
    [[2, 1], [2, 0], [0, 1]]
    """
    xy, dm, n = _source(points, dist)
    k = _k(k, n)
    if xy is not None:
        from scipy.spatial import cKDTree

        dd, idx = cKDTree(xy).query(xy, k=k + 1)
        dd = np.asarray(dd, np.float64).reshape(n, k + 1)
        idx = np.asarray(idx, np.int64).reshape(n, k + 1)
        return _drop_self(idx, dd, k)
    cand = np.empty((n, k), np.int64)
    cd = np.empty((n, k), np.float64)
    step = max(1, _BLOCK // n)
    for lo in range(0, n, step):
        block = dm[lo:lo + step].copy()
        rows = np.arange(block.shape[0])
        block[rows, lo + rows] = np.inf
        kk = min(k + 1, n - 1)
        idx = np.argpartition(block, kk - 1, axis=1)[:, :kk]
        dd = np.take_along_axis(block, idx, 1)
        c, d = _drop_self(idx.astype(np.int64), dd, k)
        cand[lo:lo + step], cd[lo:lo + step] = c, d
    return cand, cd


def _scale(d: np.ndarray, scale) -> float:
    if scale is None:
        s = 2.0 * float(np.mean(d[:, 0]))  # about sqrt(area / n) for uniform points
        return s if s > 0 else 1.0
    if not (np.isfinite(scale) and scale > 0):
        raise _bad(f"scale: must be a positive number, got {scale!r}")
    return float(scale)


def softdist_heatmap(points=None, k: int = 10, temperature: float = DEFAULT_TEMPERATURE, *, dist=None,
                     scale: float | None = None) -> Heatmap:
    """SoftDist heatmap: a softmax of ``-distance / (temperature * scale)`` over the ``k`` nearest.

    Parameters
    ----------
    points, dist, k
        As in :func:`knn_candidates`.
    temperature
        Softmax temperature in units of ``scale``; smaller concentrates the weight on the nearest.
    scale
        Distance unit of ``temperature``; default twice the mean nearest-neighbour distance (about
        ``sqrt(area / n)``), so the default suits any coordinate scale. ``scale=1.0`` with the
        paper's tau (0.0066 / 0.0051 / 0.0018 for n = 500 / 1000 / 10000) reproduces it exactly.

    Returns
    -------
    Heatmap
        Rows sum to 1 and are sorted by decreasing weight (= increasing distance).

    Examples
    --------
    >>> import numpy as np
    >>> hm = softdist_heatmap(np.random.default_rng(0).random((50, 2)), k=5)
    >>> hm.cand.shape, bool(np.allclose(hm.weight.sum(1), 1.0)), bool(np.all(np.diff(hm.weight, axis=1) <= 0))
    ((50, 5), True, True)
    """
    if not (np.isfinite(temperature) and temperature > 0):
        raise _bad(f"temperature: must be a positive number, got {temperature!r}")
    cand, d = knn_candidates(points, k, dist=dist)
    tau = float(temperature) * _scale(d, scale)
    z = -(d - d[:, :1]) / tau  # shift by the row minimum: no underflow of the whole row
    w = np.exp(z)
    w /= w.sum(1, keepdims=True)
    return Heatmap(cand, w)


def knn_heatmap(points=None, k: int = 10, *, dist=None) -> Heatmap:
    """Equal weights ``1 / k`` on the ``k`` nearest cities (rows nearest first).

    Examples
    --------
    >>> import numpy as np
    >>> knn_heatmap(np.eye(3, 2), 2).weight.tolist()
    [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]
    """
    cand, d = knn_candidates(points, k, dist=dist)
    return Heatmap(cand, np.full(cand.shape, 1.0 / cand.shape[1]))


def heatmap_from_dense(scores, k: int = 10) -> Heatmap:
    """Sparse heatmap from a dense ``(n, n)`` score matrix (e.g. a learned model's edge probabilities).

    Keeps the ``k`` highest-scoring other cities of every row (the diagonal is ignored).

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[9, 1, 3], [2, 9, 1], [5, 4, 9]], float)
    >>> heatmap_from_dense(s, 1).cand.ravel().tolist()
    [2, 0, 0]
    """
    s = _matrix(scores, "scores").copy()  # the diagonal is overwritten below: never the caller's array
    n = s.shape[0]
    k = _k(k, n)
    np.fill_diagonal(s, -np.inf)
    idx = np.argsort(-s, axis=1, kind="stable")[:, :k].astype(np.int64)
    return Heatmap(idx, np.take_along_axis(s, idx, 1))


def check_heatmap(heatmap, n: int) -> Heatmap:
    """Validate an outside heatmap ``(cand, weight)`` for ``n`` cities; returns a clean copy.

    ``cand`` must be integers in ``0..n-1`` with no city as its own candidate and no repeat in a
    row, ``weight`` finite and non-negative with the same shape ``(n, k)``. Rows are (stably)
    re-sorted by decreasing weight.

    Examples
    --------
    >>> check_heatmap(([[1], [0]], [[0.5], [1.0]]), 2).weight.tolist()
    [[0.5], [1.0]]
    >>> check_heatmap(([[0], [0]], [[1.0], [1.0]]), 2)
    Traceback (most recent call last):
    ...
    netopt.exceptions.SolverParameterError: heatmap: row 0 lists city 0 as its own candidate
    """
    try:
        cand, weight = heatmap
    except (TypeError, ValueError):
        raise _bad("heatmap: expected a pair (cand, weight) of (n, k) arrays") from None
    c = np.asarray(cand)
    w = np.asarray(weight)
    if c.ndim != 2 or c.shape[0] != n or c.shape[1] < 1:
        raise _bad(f"heatmap: cand must have shape ({n}, k) with k >= 1, got {c.shape}")
    if w.shape != c.shape:
        raise _bad(f"heatmap: weight shape {w.shape} differs from cand shape {c.shape}")
    if c.dtype.kind not in "iu":
        if c.dtype.kind != "f" or not np.all(np.isfinite(c)) or np.any(c != np.round(c)):
            raise _bad("heatmap: cand must hold integer city indices")
    c = c.astype(np.int64)
    if c.min() < 0 or c.max() >= n:
        raise _bad(f"heatmap: cand holds a city index outside 0..{n - 1}")
    rows = np.arange(n)[:, None]
    if np.any(c == rows):
        i = int(np.argmax(np.any(c == rows, axis=1)))
        raise _bad(f"heatmap: row {i} lists city {i} as its own candidate")
    srt = np.sort(c, axis=1)
    if np.any(srt[:, 1:] == srt[:, :-1]):
        i = int(np.argmax(np.any(srt[:, 1:] == srt[:, :-1], axis=1)))
        raise _bad(f"heatmap: row {i} lists a candidate twice")
    try:
        w = w.astype(np.float64)
    except (TypeError, ValueError):
        raise _bad("heatmap: weight must be numeric") from None
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise _bad("heatmap: weight must be finite and non-negative")
    order = np.argsort(-w, axis=1, kind="stable")
    return Heatmap(np.ascontiguousarray(np.take_along_axis(c, order, 1)),
                   np.ascontiguousarray(np.take_along_axis(w, order, 1)))


def alpha_heatmap(points=None, k: int = 10, *, dist=None, pool: int | None = None, iterations: int | None = None,
                  step: float = 0.1) -> Heatmap:
    """Alpha-nearness candidates (LKH's): the ``k`` cities of lowest alpha value among each city's
    ``pool`` nearest, equal weights, rows nearest first (so that distance-ordered loops still hold).

    ``alpha(i, j)`` is how much longer the minimum spanning tree gets when it must contain ``(i, j)``,
    after ``iterations`` rounds of subgradient ascent on node penalties (first step ``step`` times the
    mean nearest-neighbour distance; default ``min(100, max(20, 200000 // n))`` rounds, about a second
    at n = 10,000), :mod:`netopt.solvers.nco._alpha_kernels`. The tree spans the pool's edges
    (default ``max(2 k, 16)`` nearest), joined into one component where needed.

    Examples
    --------
    >>> import numpy as np
    >>> hm = alpha_heatmap(np.random.default_rng(0).random((60, 2)), k=5)
    >>> hm.cand.shape, bool(np.allclose(hm.weight, 0.2))
    ((60, 5), True)
    """
    from . import _alpha_kernels as A

    xy, dm, n = _source(points, dist)
    k = _k(k, n)
    p = max(k, min(n - 1, max(2 * k, 16)) if pool is None else _k(pool, n))
    if iterations is None:
        iterations = min(100, max(20, 200000 // n))
    if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) or iterations < 1:
        raise _bad(f"iterations: must be a positive integer, got {iterations!r}")
    if not (np.isfinite(step) and step > 0):
        raise _bad(f"step: must be a positive number, got {step!r}")
    cand, d = knn_candidates(points, p, dist=dist)
    eu = np.repeat(np.arange(n, dtype=np.int64), p)
    ev = cand.ravel().copy()
    ed = d.ravel().copy()
    # each undirected pool edge once (as (min, max), first occurrence): half the sorting per tree
    lo, hi = np.minimum(eu, ev), np.maximum(eu, ev)
    _u, first = np.unique(lo * n + hi, return_index=True)
    first.sort()
    eu, ev, ed = lo[first], hi[first], ed[first]
    tree = np.zeros(len(eu), np.bool_)
    _total, used = A.kruskal(n, eu, ev, ed, tree, np.zeros(n, np.int64))
    if used < n - 1:  # join the pool's components in a chain of their first cities
        parent, _depth, _pw = A.root_tree(n, eu, ev, ed, tree)
        roots = np.flatnonzero(parent < 0).astype(np.int64)
        a, b = roots[:-1], roots[1:]
        extra = np.linalg.norm(xy[a] - xy[b], axis=1) if xy is not None else dm[a, b]
        eu, ev, ed = np.concatenate([eu, a]), np.concatenate([ev, b]), np.concatenate([ed, extra])
    pi, _w = A.subgradient(n, eu, ev, ed, int(iterations), float(step) * float(np.mean(d[:, 0])))
    cost = ed + pi[eu] + pi[ev]
    tree = np.zeros(len(eu), np.bool_)
    A.kruskal(n, eu, ev, cost, tree, np.zeros(n, np.int64))
    parent, depth, pw = A.root_tree(n, eu, ev, cost, tree)
    alpha = A.alpha_values(cand, d, pi, parent, depth, pw)
    order = np.lexsort((d, alpha), axis=1)[:, :k]  # lowest alpha, ties by distance
    order.sort(axis=1)  # back to nearest first (pool rows are nearest first)
    return Heatmap(np.ascontiguousarray(np.take_along_axis(cand, order, 1)), np.full((n, k), 1.0 / k))
