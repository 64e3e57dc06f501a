"""Seeded instance generators.

:func:`generate_cvrp` follows the recipe of Uchoa et al. (2017) for the X set: points on a
1000 x 1000 grid, depot central / eccentric / random, customers random / clustered / mixed,
demands unitary / small / large / depending on the quadrant, and a capacity that makes
routes of a chosen average length. Same seed, same instance.
"""

from __future__ import annotations

import numpy as np

from .._limits import check_dense
from ..io.distances import euclidean, round_distances
from ..model import RoutingInstance

DEPOTS = ("central", "eccentric", "random")
CUSTOMERS = ("random", "clustered", "mixed")
DEMANDS = ("unitary", "small", "large", "quadrant", "uniform")


def _customers(rng, n, how):
    if how == "random":
        return rng.integers(0, 1001, size=(n, 2)).astype(float)
    seeds = rng.integers(3, 9)
    centres = rng.integers(0, 1001, size=(seeds, 2)).astype(float)
    k = n if how == "clustered" else n // 2
    pts = []
    while len(pts) < k:  # exponential-decay attraction to the cluster centres, as in Uchoa et al.
        p = rng.integers(0, 1001, size=2).astype(float)
        w = np.exp(-np.linalg.norm(centres - p, axis=1) / 40.0).sum()
        if rng.random() < min(1.0, w):
            pts.append(p)
    rest = rng.integers(0, 1001, size=(n - k, 2)).astype(float)
    return np.vstack([np.array(pts).reshape(-1, 2), rest])


def generate_cvrp(
    n: int = 100,
    *,
    seed: int = 0,
    depot: str = "random",
    customers: str = "random",
    demand: str = "uniform",
    route_size: float = 8.0,
    name: str | None = None,
) -> RoutingInstance:
    """An X-style CVRP instance with ``n`` customers and nearest-integer distances.

    Parameters
    ----------
    n
        Number of customers (>= 1).
    seed
        RNG seed.
    depot, customers, demand
        Positioning and demand distributions (see module constants).
    route_size
        Average customers per route; sets the capacity.

    Examples
    --------
    >>> inst = generate_cvrp(20, seed=1)
    >>> inst.num_customers, inst.rounding
    (20, 'nint')
    >>> bool((generate_cvrp(20, seed=1).distance == inst.distance).all())
    True
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 1.0 <= route_size < float("inf"):
        raise ValueError(f"route_size must be a finite number of customers >= 1, got {route_size}")
    check_dense("distance matrix (and its copies)", (n + 1, n + 1), copies=3, where=f"{n:,} customers")
    for val, opts, what in ((depot, DEPOTS, "depot"), (customers, CUSTOMERS, "customers"), (demand, DEMANDS, "demand")):
        if val not in opts:
            raise ValueError(f"{what} must be one of {', '.join(opts)}, got {val!r}")
    rng = np.random.default_rng(seed)
    d_xy = {"central": np.array([500.0, 500.0]), "eccentric": np.array([0.0, 0.0])}.get(depot)
    if d_xy is None:
        d_xy = rng.integers(0, 1001, size=2).astype(float)
    xy = np.vstack([d_xy, _customers(rng, n, customers)])
    if demand == "unitary":
        q = np.ones(n, int)
    elif demand == "small":
        q = rng.integers(1, 11, n)
    elif demand == "large":
        q = rng.integers(50, 101, n)
    elif demand == "quadrant":
        odd = ((xy[1:, 0] >= 500) != (xy[1:, 1] >= 500))
        q = np.where(odd, rng.integers(51, 101, n), rng.integers(1, 51, n))
    else:
        q = rng.integers(1, 101, n)
    capacity = int(max(q.max(), np.ceil(route_size * q.sum() / n)))
    return RoutingInstance(
        name=name or f"gen-cvrp-n{n}-s{seed}",
        distance=round_distances(euclidean(xy), "nint"),
        demands=np.concatenate([[0], q]).astype(np.int64),
        capacity=capacity,
        coordinates=xy,
        rounding="nint",
        problem="cvrp",
        source=f"generate_cvrp(n={n}, seed={seed})",
    )


def generate_tsp(n: int = 100, *, seed: int = 0, scale: float = 1.0, name: str | None = None) -> RoutingInstance:
    """Uniform random points in ``[0, scale]^2`` with unrounded Euclidean distances."""
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    xy = np.random.default_rng(seed).random((n, 2)) * scale
    return RoutingInstance.euclidean_tsp(xy, name=name or f"gen-tsp-n{n}-s{seed}",
                                         source=f"generate_tsp(n={n}, seed={seed})")
