"""Coordinates-only TSP (issue 20): the kernels' distances under every TSPLIB rounding against the
dense matrices netopt.io builds (the slow, obviously-correct twins), and ``solve_points`` against the
solver on the same instance with its matrix."""

import numpy as np
import pytest

from netopt.exceptions import InstanceFormatError, SolverParameterError
from netopt.io import distances as D
from netopt.io import load_instance
from netopt.model import RoutingInstance
from netopt.solvers import get_solver
from netopt.solvers.nco import _kernels as K
from netopt.solvers.nco.heatmap import knn_candidates
from netopt.solvers.nco.tsp import PointsTsp, distance_source, kernel_coordinates, knn_source, solve_points, warm_up

ROUNDINGS = ["none", "nint", "ceil", "att", "geo"]


@pytest.fixture(scope="module", autouse=True)
def compiled():
    warm_up()


def coords(n, seed, rounding):
    """Random coordinates for ``rounding``: GEO's are DDD.MM (latitude -89.59..89.59, longitude
    -179.59..179.59, minutes below 60), the others a 1,000-wide square (ATT: 10,000)."""
    rng = np.random.default_rng(seed)
    if rounding == "geo":
        deg = rng.integers([-89, -179], [90, 180], size=(n, 2)).astype(float)
        return deg + np.sign(deg + 0.5) * rng.integers(0, 60, size=(n, 2)) / 100.0
    return rng.random((n, 2)) * (10000.0 if rounding == "att" else 1000.0)


def dense(xy, rounding):
    """The matrix netopt.io builds for a TSPLIB file of this rounding."""
    if rounding == "att":
        return D.att(xy)
    if rounding == "geo":
        return D.geo(xy)
    return D.round_distances(D.euclidean(xy), rounding)


def instance(xy, rounding):
    n = len(xy)
    return RoutingInstance(f"p{n}{rounding}", dense(xy, rounding), np.zeros(n, int), 1, num_vehicles=1,
                           rounding=rounding, coordinates=xy, problem="tsp")


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_kernel_distances_equal_the_dense_matrix_entries(rounding):
    """Every entry, exactly, on 60 cities per rounding (plus two coinciding cities)."""
    xy = coords(60, ROUNDINGS.index(rounding), rounding)
    xy[7] = xy[3]
    p = PointsTsp(xy, rounding)
    dm, kxy, mode = dense(xy, rounding), p.kernel_xy, p.mode
    got = np.array([[K.dist(i, j, kxy, np.zeros((1, 1)), mode) for j in range(60)] for i in range(60)])
    assert np.array_equal(got, dm)
    tour = np.random.default_rng(1).permutation(60)
    assert p.tour_length(tour) == pytest.approx(dm[tour, np.roll(tour, -1)].sum(), abs=1e-9)
    assert K.matches_matrix(dm, kxy, mode, 1e-9)
    assert distance_source(instance(xy, rounding))[0] == mode  # the solver computes it on the fly too


def test_geo_neighbours_rank_by_geo_distance():
    """GEO's k-d tree of unit-sphere points ranks neighbours as the (unrounded) GEO distance does."""
    xy = coords(80, 5, "geo")
    kxy = kernel_coordinates(xy, K.GEO)
    cand, _ = knn_candidates(k=6, **knn_source(K.GEO, kxy, None))
    lat, lon = kxy[:, 0], kxy[:, 1]
    q1, q2, q3 = np.cos(lon[:, None] - lon), np.cos(lat[:, None] - lat), np.cos(lat[:, None] + lat)
    arc = np.arccos(np.clip(0.5 * ((1 + q1) * q2 - (1 - q1) * q3), -1, 1))
    np.fill_diagonal(arc, np.inf)
    assert np.array_equal(cand, np.argsort(arc, axis=1, kind="stable")[:, :6])


@pytest.mark.parametrize("rounding,n", [("none", 150), ("att", 90), ("geo", 70)])
def test_solve_points_equals_the_solver_with_the_matrix(rounding, n):
    """Same seed and rounds: the same tour and cost as tsp-heatmap on the instance with its matrix."""
    xy = coords(n, 11, rounding)
    res = get_solver("tsp-heatmap").solve(instance(xy, rounding), time_limit=30, seed=3, max_iterations=400)
    pts = solve_points(PointsTsp(xy, rounding), time_limit=30, seed=3, max_iterations=400)
    route = res.solution["routes"][0]["visits"]  # file ids 2..n of cities 1..n-1, from city 0
    i = int(np.flatnonzero(pts.tour == 0)[0])
    mine = np.roll(pts.tour, -i)[1:]
    assert mine.tolist() == [v - 1 for v in route] or mine[::-1].tolist() == [v - 1 for v in route]
    assert pts.cost == pytest.approx(res.objective, rel=1e-12) and pts.iterations == 400
    assert pts.extra["distance"] == res.extra["distance"]


def test_points_validation_reader_and_trivial_sizes(tmp_path):
    with pytest.raises(SolverParameterError, match="shape"):
        PointsTsp(np.zeros((4, 3)))
    with pytest.raises(SolverParameterError, match="NaN"):
        PointsTsp([[0, 0], [np.nan, 1]])
    with pytest.raises(SolverParameterError, match="rounding 'x10'"):
        PointsTsp(np.zeros((4, 2)), "x10")
    with pytest.raises(SolverParameterError, match="each of the 3 cities once"):
        PointsTsp(np.zeros((3, 2))).tour_length([0, 1, 1])
    with pytest.raises(SolverParameterError, match="heatmap=policy"):
        solve_points(PointsTsp(np.eye(5, 2)), time_limit=1, heatmap="policy")
    r = solve_points(PointsTsp([[0, 0], [3, 4], [0, 4]]), time_limit=1)
    assert r.cost == 12.0 and r.extra == {"optimal": True}
    f = tmp_path / "tsp5_test_concorde.txt"
    f.write_text("0 0 1 0 1 1 0 1 0.5 0.5 output 1 2 3 4 5 1\n0 0 3 4 0 4 1 1 2 2 output 1 2 3 4 5 1\n")
    p = PointsTsp.from_tsp_set(f"{f}#1")
    assert p.name == "tsp5_test_concorde#1" and p.rounding == "none"
    assert np.array_equal(p.coordinates, load_instance(f"{f}#1").coordinates)
    with pytest.raises(InstanceFormatError, match=r"instance index 2 out of range: the file has 2 instances"):
        PointsTsp.from_tsp_set(f"{f}#2")
