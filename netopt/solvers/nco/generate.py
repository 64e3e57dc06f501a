"""Seeded CVRP/TSP instance distributions for training and benchmarking the NCO policy.

Two families, both on a 1000 x 1000 grid with nearest-integer distances (as the X set):

* ``uniform``: the distribution of the learning literature (Kool et al. 2019, POMO): depot and
  customers uniform, demands uniform in 1..9, capacity 30/40/50/80/100 for n = 20/50/100/200/500
  (interpolated in between).
* ``x``: Uchoa et al. (2017) X-set style: depot central/eccentric/random, customers random,
  clustered or mixed, demands unitary/small/large/quadrant/uniform, routes of 3..25 customers on
  average (via :func:`netopt.datasets.generate_cvrp`).

``asymmetric > 0`` perturbs each directed distance by a factor ``U(1, 1 + asymmetric)`` and draws a
duration matrix from the distances with per-edge speeds ``U(0.8, 1.25)``: real-road-like matrices
(asymmetric distance AND duration) for which the coordinates are only a hint.

:func:`sample_instance` returns a :class:`~netopt.model.RoutingInstance` (benchmarks, tests);
:func:`batch_features` returns the policy's normalised input arrays for a training batch.
"""

from __future__ import annotations

import math

import numpy as np

from ...datasets.generate import CUSTOMERS, DEMANDS, DEPOTS, generate_cvrp
from ...io.distances import euclidean, round_distances
from ...model import RoutingInstance

STYLES = ("uniform", "x")

_CAP_N = np.array([10, 20, 50, 100, 200, 500, 1000])
_CAP = np.array([20, 30, 40, 50, 80, 100, 150])


def uniform_capacity(n: int) -> int:
    """Capacity of the ``uniform`` family for ``n`` customers (POMO's 30/40/50, 80 at 200, 100 at 500).

    >>> uniform_capacity(100), uniform_capacity(200), uniform_capacity(500)
    (50, 80, 100)
    """
    return int(round(float(np.interp(n, _CAP_N, _CAP))))


def _perturb(rng: np.random.Generator, dist: np.ndarray, asymmetric: float) -> tuple[np.ndarray, np.ndarray]:
    """Directed distances ``d * U(1, 1 + a)`` and durations ``d' / U(0.8, 1.25)``; diagonals stay 0."""
    d = dist * (1.0 + asymmetric * rng.random(dist.shape))
    t = d / rng.uniform(0.8, 1.25, dist.shape)
    np.fill_diagonal(d, 0.0)
    np.fill_diagonal(t, 0.0)
    return d, t


def sample_instance(n: int, style: str = "uniform", seed: int = 0, *, problem: str = "cvrp",
                    asymmetric: float = 0.0) -> RoutingInstance:
    """One seeded instance with ``n`` customers (TSP: ``n`` cities besides node 0).

    Examples
    --------
    >>> inst = sample_instance(50, "x", seed=3)
    >>> inst.num_customers, inst.problem
    (50, 'cvrp')
    >>> a = sample_instance(20, seed=1, asymmetric=0.3)
    >>> a.is_symmetric, bool((a.duration != a.distance).any())
    (False, True)
    >>> sample_instance(10, problem="tsp").problem
    'tsp'
    """
    if style not in STYLES:
        raise ValueError(f"style must be one of {', '.join(STYLES)}, got {style!r}")
    if problem not in ("cvrp", "tsp"):
        raise ValueError(f"problem must be cvrp or tsp, got {problem!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng([seed, n, STYLES.index(style)])
    if style == "x" and problem == "cvrp":
        base = generate_cvrp(n, seed=int(rng.integers(2**31)), depot=DEPOTS[rng.integers(3)],
                             customers=CUSTOMERS[rng.integers(3)], demand=DEMANDS[rng.integers(len(DEMANDS))],
                             route_size=float(rng.uniform(3, 25)))
        xy, dem, cap = base.coordinates, base.demands, base.capacity
    else:
        xy = rng.integers(0, 1001, size=(n + 1, 2)).astype(float)
        dem = np.concatenate([[0], rng.integers(1, 10, n)]).astype(np.int64)
        cap = uniform_capacity(n)
    dist = round_distances(euclidean(xy), "nint")
    dur = None
    if asymmetric > 0:
        dist, dur = _perturb(rng, dist, asymmetric)
        dist, dur = np.rint(dist), np.rint(dur)
    if problem == "tsp":
        dem, cap = np.zeros(n + 1, np.int64), 1
    name = f"{problem}-{style}{'-asym' if asymmetric > 0 else ''}-n{n}-s{seed}"
    return RoutingInstance(name=name, distance=dist, duration=dur, demands=dem, capacity=cap,
                           num_vehicles=1 if problem == "tsp" else None, coordinates=xy,
                           rounding="nint" if asymmetric == 0 else "exact", problem=problem,
                           source=f"sample_instance(n={n}, style={style!r}, seed={seed}, asymmetric={asymmetric})")


def batch_features(rng: np.random.Generator, batch: int, n: int, *, problem: str = "cvrp",
                   x_share: float = 0.5, asym_share: float = 0.25, asymmetric: float = 0.3) -> dict[str, np.ndarray]:
    """A training batch of ``batch`` instances with ``n`` customers, already normalised.

    Returns float32 arrays ``xy (B, n+1, 2)`` in the unit square, ``demand (B, n+1)`` as a share of
    the capacity, ``dist`` and ``dur (B, n+1, n+1)`` in the same unit as ``xy`` (the matrices of a
    ``asym_share`` of the instances are perturbed as in :func:`sample_instance`), matching
    :func:`netopt.solvers.nco.policy.features` of a real instance. A share ``x_share`` of the CVRP
    instances is X-style (depot placement, clustered customers, demand kinds, route sizes 3..25);
    the rest ``uniform``. Vectorised: no per-instance Python work except the cluster draws.
    """
    B, n1 = batch, n + 1
    xy = rng.random((B, n1, 2))
    demand = np.zeros((B, n1))
    if problem == "cvrp":
        demand[:, 1:] = rng.integers(1, 10, (B, n)) / uniform_capacity(n)
        is_x = rng.random(B) < x_share
        for b in np.flatnonzero(is_x):
            xy[b], demand[b] = _x_style(rng, n)
    d = np.sqrt(((xy[:, :, None, :] - xy[:, None, :, :]) ** 2).sum(-1))
    t = d.copy()
    asym = rng.random(B) < asym_share
    for b in np.flatnonzero(asym):
        d[b], t[b] = _perturb(rng, d[b], asymmetric)
        t[b] *= d[b].mean() / max(t[b].mean(), 1e-12)
    f32 = np.float32
    return {"xy": xy.astype(f32), "demand": demand.astype(f32), "dist": d.astype(f32), "dur": t.astype(f32)}


def _x_style(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Unit-square coordinates and capacity-share demands of one X-style instance (vectorised
    clusters: customers around 3..8 seeds with exponential radial decay, as Uchoa et al.)."""
    depot = rng.integers(3)
    d_xy = np.array([0.5, 0.5]) if depot == 0 else np.zeros(2) if depot == 1 else rng.random(2)
    how = rng.integers(3)  # random, clustered, mixed
    pts = rng.random((n, 2))
    k = 0 if how == 0 else n if how == 1 else n // 2
    if k:
        centres = rng.random((rng.integers(3, 9), 2))
        c = centres[rng.integers(len(centres), size=k)]
        ang = rng.random(k) * 2 * math.pi
        rad = rng.exponential(0.04, k)
        pts[:k] = np.clip(c + rad[:, None] * np.stack([np.cos(ang), np.sin(ang)], 1), 0.0, 1.0)
    xy = np.vstack([d_xy, pts])
    kind = rng.integers(5)
    if kind == 0:
        q = np.ones(n)
    elif kind == 1:
        q = rng.integers(1, 11, n).astype(float)
    elif kind == 2:
        q = rng.integers(50, 101, n).astype(float)
    elif kind == 3:
        odd = (pts[:, 0] >= 0.5) != (pts[:, 1] >= 0.5)
        q = np.where(odd, rng.integers(51, 101, n), rng.integers(1, 51, n)).astype(float)
    else:
        q = rng.integers(1, 101, n).astype(float)
    cap = max(q.max(), math.ceil(rng.uniform(3, 25) * q.sum() / n))
    return xy, np.concatenate([[0.0], q / cap])
