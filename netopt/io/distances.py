"""Distance conventions: Euclidean with nint / DIMACS / no rounding, TSPLIB CEIL_2D, ATT and GEO.

``nint``   nearest integer, TSPLIB's ``nint(x) = floor(x + 0.5)`` (CVRPLIB X set, TSPLIB EUC_2D);
``dimacs`` truncated to one decimal, ``floor(10 x) / 10`` (Solomon VRPTW as used for the BKS);
``none``   unrounded floats (random-uniform TSP sets);
``x10``    PyVRP's "dimacs": every distance and time value times 10, truncated to an integer
           (PyVRP's PCVRPTW and MTVRPTWR sets; costs come out in tenths);
``x1000``  PyVRP's "exact": every distance and time value times 1000, rounded half to even
           (PyVRP's MDVRPTW and SDVRPTW sets).

The two scaled conventions follow ``pyvrp.read``'s ``round_func`` exactly (no epsilon), since
the best-known solutions of those sets were computed with it.
"""

from __future__ import annotations

import numpy as np

# the conventions themselves live in the model (a large instance's distances are computed from its points)
from ..model.distances import SCALED, round_distances, scale_values  # noqa: F401 (this module's API)

ROUNDINGS = ("nint", "dimacs", "none", "x10", "x1000")


def euclidean(xy: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):  # huge coordinates: inf, reported by check_finite
        diff = xy[:, None, :] - xy[None, :, :]
        return np.sqrt((diff**2).sum(-1))


def matrix(xy: np.ndarray, rounding: str) -> np.ndarray:
    """The dense distance matrix of the points ``xy`` under ``rounding`` (what the readers build;
    :class:`~netopt.model.distances.PointDistances` computes the same entries on demand)."""
    if rounding == "att":
        return att(xy)
    if rounding == "geo":
        return geo(xy)
    return round_distances(euclidean(xy), rounding)


def check_finite(d: np.ndarray, path, field: str) -> None:
    """Coordinates so large (``1e300``) that a distance overflows are an :class:`InstanceFormatError`."""
    if not np.all(np.isfinite(d)):
        from ..exceptions import InstanceFormatError

        raise InstanceFormatError(path, field, "coordinates so large that distances overflow to infinity")


def att(xy: np.ndarray) -> np.ndarray:
    """TSPLIB pseudo-Euclidean (ATT) distance."""
    with np.errstate(over="ignore", invalid="ignore"):
        diff = xy[:, None, :] - xy[None, :, :]
        r = np.sqrt((diff**2).sum(-1) / 10.0)
    t = np.floor(r + 0.5)
    return np.where(t < r, t + 1.0, t)


def geo(xy: np.ndarray) -> np.ndarray:
    """TSPLIB GEO distance (coordinates as DDD.MM degrees.minutes)."""
    pi = 3.141592
    deg = np.trunc(xy)
    rad = pi * (deg + 5.0 * (xy - deg) / 3.0) / 180.0
    lat, lon = rad[:, 0], rad[:, 1]
    q1 = np.cos(lon[:, None] - lon[None, :])
    q2 = np.cos(lat[:, None] - lat[None, :])
    q3 = np.cos(lat[:, None] + lat[None, :])
    d = np.floor(6378.388 * np.arccos(np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1, 1)) + 1.0)
    np.fill_diagonal(d, 0.0)
    return d
