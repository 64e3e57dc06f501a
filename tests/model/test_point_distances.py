"""Distances from points without a dense matrix (issue 15): :class:`PointDistances` against the dense
matrices netopt.io builds (the obviously-correct twins), and the instances, readers and validator
that hold one."""

import pickle

import numpy as np
import pytest

from netopt.datasets.generate import generate_cvrp
from netopt.io import distances as D
from netopt.io import format_vrplib, load_instance, read_vrplib
from netopt.model import RoutingInstance
from netopt.model.distances import POINT_ROUNDINGS, PointDistances
from netopt.validate import check_routes


def points(n, seed, rounding):
    rng = np.random.default_rng(seed)
    if rounding == "geo":  # DDD.MM degrees.minutes
        deg = rng.integers([-89, -179], [90, 180], size=(n, 2)).astype(float)
        return deg + np.sign(deg + 0.5) * rng.integers(0, 60, size=(n, 2)) / 100.0
    xy = rng.random((n, 2)) * 1000.0
    return np.round(xy, 1) if rounding != "none" else xy  # decimals: DIMACS / x10 ties are exercised


@pytest.mark.parametrize("rounding", POINT_ROUNDINGS)
def test_every_entry_and_index_form_equals_the_dense_matrix(rounding):
    xy = points(60, 1, rounding)
    xy[7] = xy[3]  # two points at one place (GEO: distance 1 there, 0 only on the diagonal)
    d, m = PointDistances(xy, rounding), D.matrix(xy, rounding)
    assert np.array_equal(np.asarray(d), m)
    rng = np.random.default_rng(2)
    i, j = rng.integers(-60, 60, 500), rng.integers(-60, 60, 500)
    assert all(d[int(a), int(b)] == m[a, b] for a, b in zip(i, j))  # the validator's scalar path
    assert np.array_equal(d[i, j], m[i, j])
    a, b = np.array([5, 1, 9]), np.array([0, 2])
    for key in [(a[:, None], b[None, :]), np.ix_(a, b), (slice(None), 4), (4, slice(2, 9)), (a, slice(None)),
                (slice(None), a), 11, (slice(None), slice(None))]:
        assert np.array_equal(d[key], m[key]), key
    assert d.T is d and d.shape == (60, 60) and len(d) == 60


def test_bad_points_and_indices_are_refused():
    with pytest.raises(ValueError, match="shape"):
        PointDistances([[0.0, 1.0, 2.0]], "nint")
    with pytest.raises(ValueError, match="NaN"):
        PointDistances([[0.0, 1.0], [np.nan, 0.0]], "nint")
    with pytest.raises(ValueError, match="rounding"):
        PointDistances([[0.0, 1.0], [1.0, 0.0]], "exact")
    d = PointDistances([[0.0, 0.0], [3.0, 4.0]], "nint")
    with pytest.raises(IndexError):
        d[0, 2]
    with pytest.raises(IndexError):
        d[np.array([0, 5]), np.array([1, 1])]
    with pytest.raises(IndexError):
        d[0.5, 1]
    assert np.array_equal(np.asarray(pickle.loads(pickle.dumps(d))), np.asarray(d))


def _cvrp_file(tmp_path, n=120, seed=3):
    inst = generate_cvrp(n, seed=seed)
    path = tmp_path / "x.vrp"
    path.write_text(format_vrplib(inst))
    return path


def test_reader_keeps_points_and_costs_agree_with_the_dense_instance(tmp_path, monkeypatch):
    path = _cvrp_file(tmp_path)
    full, lazy = read_vrplib(path), read_vrplib(path, dense=False)
    assert full.dense and not lazy.dense and lazy.is_symmetric and lazy.rounding == "nint"
    assert lazy.sha256 == full.sha256 and lazy.num_customers == full.num_customers
    assert np.array_equal(np.asarray(lazy.distance), full.distance)
    routes = [list(range(k, min(k + 6, 121))) for k in range(1, 121, 6)]
    a, b = check_routes(full, routes), check_routes(lazy, routes)
    assert a.cost == b.cost and a.violations == b.violations
    bad = check_routes(lazy, routes[1:])  # customers missing: the same report
    assert bad.violations == check_routes(full, routes[1:]).violations
    assert format_vrplib(lazy) == format_vrplib(full)  # written back as EUC_2D
    # above DENSE_NODES nodes a coordinate file keeps its points
    import netopt.model.distances as DM

    monkeypatch.setattr(DM, "DENSE_NODES", 100)
    assert not load_instance(path).dense
    # an instance built by hand may hold points too; the content hash differs from the dense one's
    own = RoutingInstance("p", PointDistances(full.coordinates, "nint"), full.demands, capacity=full.capacity)
    assert np.array_equal(own.coordinates, full.coordinates) and own.sha256 != full.sha256
    with pytest.raises(Exception, match="rounding"):
        RoutingInstance("p", PointDistances(full.coordinates, "nint"), full.demands, capacity=9, rounding="dimacs")
    with pytest.raises(Exception, match="differ from the points"):
        RoutingInstance("p", PointDistances(full.coordinates, "nint"), full.demands, capacity=9,
                        coordinates=full.coordinates + 1.0)


def test_huge_coordinates_are_a_format_error(tmp_path):
    text = "NAME : h\nTYPE : CVRP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 5\nNODE_COORD_SECTION\n" \
           "1 0 0\n2 1e300 0\n3 -1e300 5\nDEMAND_SECTION\n1 0\n2 1\n3 1\nEOF\n"
    path = tmp_path / "h.vrp"
    path.write_text(text)
    with pytest.raises(Exception, match="overflow"):
        read_vrplib(path, dense=False)
    with pytest.raises(Exception, match="overflow"):
        read_vrplib(path)
