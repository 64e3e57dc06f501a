"""Tiny named fixtures; each docstring says what makes it special."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from netopt.model import RoutingInstance
from support import CVRP_TEXT, VRPTW_TEXT

def _grid_xy(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 100, size=(n + 1, 2)).astype(float)


@pytest.fixture
def line_cvrp() -> RoutingInstance:
    """Depot at 0 and 4 customers on a line at 1,2,3,4, capacity 5, demands 2,2,2,2:
    the optimum needs 2 routes, {1,2} and {3,4}, cost 2*2 + 2*4 = 12."""
    x = np.array([0, 1, 2, 3, 4], float)
    d = np.abs(x[:, None] - x[None, :])
    return RoutingInstance("line", d, np.array([0, 2, 2, 2, 2]), 5, coordinates=np.c_[x, np.zeros(5)])


@pytest.fixture
def small_vrptw() -> RoutingInstance:
    """3 customers on a line at x = 2, 4, 6 with windows [10,12], [0,5], [20,30], service 1.

    One route serves all three only in the order 2, 1, 3 (waiting at 1 and at 3); that route,
    cost 16, is the optimum. Visiting 1 first makes customer 2 late."""
    x = np.array([0, 2, 4, 6], float)
    d = np.abs(x[:, None] - x[None, :])
    tw = np.array([[0, 100], [10, 12], [0, 5], [20, 30]], float)
    return RoutingInstance("tw3", d, np.array([0, 1, 1, 1]), 10, time_windows=tw,
                           service_times=np.array([0, 1, 1, 1.0]), coordinates=np.c_[x, np.zeros(4)])


@pytest.fixture
def asym_instance() -> RoutingInstance:
    """6 customers with an asymmetric distance matrix (one-way streets) and a duration matrix
    that differs from distance (congested arcs), 2 vehicles of capacity 10."""
    rng = np.random.default_rng(7)
    xy = _grid_xy(6, 7)
    base = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    dist = base + rng.integers(0, 15, size=base.shape) * (1 - np.eye(7))
    dur = np.rint(dist * rng.uniform(1.0, 2.0, size=dist.shape))
    return RoutingInstance("asym6", dist, np.array([0, 3, 4, 2, 5, 3, 2]), 10, duration=dur, num_vehicles=2)


@pytest.fixture
def tiny_tsp() -> RoutingInstance:
    """8 random points, one vehicle, no demands: a TSP."""
    xy = _grid_xy(7, 3)
    d = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    return RoutingInstance("tsp8", d, np.zeros(8, int), 1, num_vehicles=1, coordinates=xy)


@pytest.fixture
def cvrp_file(tmp_path) -> Path:
    """A 4-customer EUC_2D CVRP typed in VRPLIB; distances 5, 5, 5, 1 from the depot (nint)."""
    p = tmp_path / "tiny.vrp"
    p.write_text(CVRP_TEXT)
    return p


@pytest.fixture
def vrptw_file(tmp_path) -> Path:
    """A 3-customer CVRPTW in the Solomon-as-VRPLIB form (header SERVICE_TIME, VEHICLES)."""
    p = tmp_path / "tinytw.vrp"
    p.write_text(VRPTW_TEXT)
    return p
