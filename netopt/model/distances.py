"""Distances between points under a rounding convention, pair by pair, and a distance "matrix" that
holds only the points (issue 15: a 30,001-node instance's dense matrix would take 7 GB).

:func:`edge_lengths` gives the entries :mod:`netopt.io.distances` puts in its dense matrices, for
any list of pairs. :class:`PointDistances` is what :class:`~netopt.model.RoutingInstance` holds as
``distance`` (and ``duration``) for a large coordinate instance: it answers NumPy-style indexing
(``d[i, j]``, ``d[route[:-1], route[1:]]``, ``d[np.ix_(a, b)]``, ``d[i]``) from the coordinates, and
becomes a dense array only when asked (``np.asarray(d)``, refused up front when it would not fit in
memory).

Examples
--------
>>> import numpy as np
>>> d = PointDistances([[0, 0], [3, 4], [6, 8]], "nint")
>>> d[0, 2], d[[0, 1], [1, 2]].tolist(), d.shape
(10.0, [5.0, 5.0], (3, 3))
>>> np.asarray(d).tolist()
[[0.0, 5.0, 10.0], [5.0, 0.0, 5.0], [10.0, 5.0, 0.0]]
"""

from __future__ import annotations

import math

import numpy as np

from .._limits import check_dense

#: coordinate instances with more nodes keep their points, not a dense matrix (200 MB at 5,000 nodes)
DENSE_NODES = 5000
#: conventions that scale every distance and time value (not loads) by a factor
SCALED = {"x10": 10.0, "x1000": 1000.0}
#: the conventions :func:`edge_lengths` (and :class:`PointDistances`) compute from coordinates
POINT_ROUNDINGS = ("nint", "dimacs", "none", "ceil", "att", "geo", "x10", "x1000")


def keeps_points(n: int, dense: bool | None = None) -> bool:
    """Whether an instance of ``n`` nodes given by coordinates keeps its points (a
    :class:`PointDistances`) rather than a dense matrix: ``dense`` says so, or by default above
    :data:`DENSE_NODES` nodes."""
    return n > DENSE_NODES if dense is None else not dense


def round_distances(d: np.ndarray, rounding: str) -> np.ndarray:
    """Apply a rounding convention (see :mod:`netopt.io.distances`) to float distances."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _round(d, rounding)


def _round(d: np.ndarray, rounding: str) -> np.ndarray:
    if rounding == "nint":
        return np.floor(d + 0.5)
    if rounding == "dimacs":
        # the tiny epsilon keeps exact decimals (e.g. 2.3 stored as 2.2999999) from dropping a tenth
        return np.floor(10.0 * d + 1e-9) / 10.0
    if rounding == "ceil":
        return np.ceil(d - 1e-12)
    if rounding == "none":
        return d.copy()
    if rounding in SCALED:
        return scale_values(d, rounding)
    raise ValueError(f"unknown rounding {rounding!r} (choose from {', '.join(POINT_ROUNDINGS)})")


def scale_values(a, rounding: str):
    """A time, duration, distance limit or cost value (or array) in the units of ``rounding``:
    times 10 truncated (``x10``), times 1000 rounded (``x1000``), unchanged otherwise."""
    if rounding == "x10":
        return np.floor(10.0 * np.asarray(a, dtype=np.float64))
    if rounding == "x1000":
        return np.round(1000.0 * np.asarray(a, dtype=np.float64))
    return a


def edge_lengths(a: np.ndarray, b: np.ndarray, rounding: str) -> np.ndarray:
    """Distances between the rows of ``a`` and ``b`` (``(m, 2)`` each, row ``i`` of each a different
    point) under ``rounding``: the entries :mod:`netopt.io.distances` puts in its matrices, pair by pair."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if rounding == "geo":  # D.geo's formula for the pairs (a[i], b[i]): TSPLIB's PI, DDD.MM coordinates
        (lat1, lon1), (lat2, lon2) = _geo_radians(a).T, _geo_radians(b).T
        q1, q2, q3 = np.cos(lon1 - lon2), np.cos(lat1 - lat2), np.cos(lat1 + lat2)
        return np.floor(6378.388 * np.arccos(np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1, 1)) + 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        sq = ((a - b) ** 2).sum(-1)
        if rounding == "att":  # D.att: the pseudo-Euclidean distance, rounded up where nint rounds down
            r = np.sqrt(sq / 10.0)
            t = np.floor(r + 0.5)
            return np.where(t < r, t + 1.0, t)
    return round_distances(np.sqrt(sq), rounding)


def _geo_radians(xy: np.ndarray) -> np.ndarray:
    deg = np.trunc(xy)
    return 3.141592 * (deg + 5.0 * (xy - deg) / 3.0) / 180.0


class PointDistances:
    """The symmetric ``(n, n)`` distance matrix of ``n`` points under ``rounding``, computed on demand.

    Indexing follows NumPy's: two integer arrays pair up elementwise (broadcast), a slice takes every
    index of its axis, ``d[i]`` is row ``i``. Entries equal those of the dense matrix that
    :mod:`netopt.io.distances` builds for the same points and convention. ``np.asarray(d)`` builds
    that dense matrix (a ``ResourceLimitError`` up front when it would not fit).
    """

    __slots__ = ("coordinates", "rounding", "shape")
    ndim = 2
    dtype = np.dtype(np.float64)

    def __init__(self, coordinates, rounding: str):
        xy = np.array(coordinates, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2 or xy.shape[0] < 2:
            raise ValueError(f"coordinates must have shape (n, 2) with n >= 2, got {xy.shape}")
        if not np.all(np.isfinite(xy)):
            raise ValueError("coordinates contain NaN or infinite values")
        if rounding not in POINT_ROUNDINGS:
            raise ValueError(f"unknown rounding {rounding!r} (choose from {', '.join(POINT_ROUNDINGS)})")
        xy.flags.writeable = False
        self.coordinates, self.rounding, self.shape = xy, rounding, (len(xy), len(xy))

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"PointDistances({self.shape[0]} points, rounding={self.rounding!r})"

    def __reduce__(self):
        return PointDistances, (self.coordinates, self.rounding)

    @property
    def T(self) -> "PointDistances":
        return self

    def longest(self) -> float:
        """An upper bound on every entry that is itself an entry's value or more (the bounding box's
        diagonal, rounded); finite unless the coordinates are so large that distances overflow."""
        lo, hi = self.coordinates.min(0), self.coordinates.max(0)
        return float(edge_lengths(lo[None], hi[None], self.rounding)[0]) + 1.0

    def __getitem__(self, key):
        if type(key) is tuple and len(key) == 2 and all(isinstance(k, (int, np.integer)) for k in key):
            return self._entry(int(key[0]), int(key[1]))  # the validator's case: one entry, no arrays
        if not isinstance(key, tuple):
            key = (key, slice(None))
        if len(key) != 2:
            raise IndexError(f"a distance matrix has 2 axes, got {len(key)} indices")
        n = self.shape[0]
        (i, si), (j, sj) = (_axis(k, n) for k in key)
        if si or sj:  # a slice is an axis of its own (outer product), as in NumPy
            i = i.reshape(i.shape + (1,) * j.ndim)
        a, b = np.broadcast_arrays(i, j)
        if a.size > 1 << 16:
            check_dense("distance block", a.shape)
        xy = self.coordinates
        out = np.empty(a.shape)
        flat_a, flat_b, flat_out = a.reshape(-1), b.reshape(-1), out.reshape(-1)
        step = 1 << 20  # pairs at a time: bounded temporaries
        for s in range(0, flat_a.size, step):
            flat_out[s:s + step] = edge_lengths(xy[flat_a[s:s + step]], xy[flat_b[s:s + step]], self.rounding)
        if self.rounding == "geo":
            out[a == b] = 0.0  # D.geo's zero diagonal (its formula gives 1 there)
        return float(out) if out.ndim == 0 else out

    def _entry(self, i: int, j: int) -> float:
        n = self.shape[0]
        if not (-n <= i < n and -n <= j < n):
            raise IndexError(f"index out of range for {n} points")
        rnd = self.rounding
        if rnd in ("att", "geo"):
            return float(self[np.array(i), np.array(j)])
        (x1, y1), (x2, y2) = self.coordinates[i].tolist(), self.coordinates[j].tolist()
        dx, dy = x1 - x2, y1 - y2
        d = math.sqrt(dx * dx + dy * dy)  # the same IEEE operations as edge_lengths, so the same value
        if rnd == "nint":
            return float(math.floor(d + 0.5))
        if rnd == "dimacs":
            return math.floor(10.0 * d + 1e-9) / 10.0
        if rnd == "ceil":
            return float(math.ceil(d - 1e-12))
        if rnd == "x10":
            return float(math.floor(10.0 * d))
        if rnd == "x1000":
            return float(round(1000.0 * d))  # half to even, as np.round
        return d

    def __array__(self, dtype=None, copy=None):
        n = self.shape[0]
        check_dense("distance matrix", (n, n))
        out = np.empty((n, n))
        rows = max(1, (1 << 20) // n)
        for s in range(0, n, rows):
            r = np.arange(s, min(n, s + rows))
            out[s:s + len(r)] = self[r[:, None], np.arange(n)[None, :]]
        return out if dtype is None else out.astype(dtype)


def _axis(k, n: int) -> tuple[np.ndarray, bool]:
    """One index as an int64 array (``True`` for a slice), range-checked like NumPy's."""
    if isinstance(k, slice):
        return np.arange(n)[k], True
    a = np.asarray(k)
    if a.dtype.kind not in "iu":
        raise IndexError(f"distance indices must be integers, got {a.dtype}")
    a = a.astype(np.int64)
    if a.size and (a.min() < -n or a.max() >= n):
        raise IndexError(f"index out of range for {n} points")
    return np.where(a < 0, a + n, a), False
