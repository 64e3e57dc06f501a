"""Coordinates-only TSP (issue 20): the kernels' distances under every TSPLIB rounding against the
dense matrices netopt.io builds (the slow, obviously-correct twins), and ``solve_points`` against the
solver on the same instance with its matrix."""

import numpy as np
import pytest

from typer.testing import CliRunner

from netopt.cli import app
from netopt.exceptions import InstanceFormatError, SolverParameterError
from netopt.io import distances as D
from netopt.io import load_instance
from netopt.model import RoutingInstance
from netopt.model.distances import PointDistances
from netopt.solvers import get_solver
from netopt.solvers.nco import _kernels as K
from netopt.solvers.nco.heatmap import knn_candidates
from netopt.solvers.nco.tsp import (PointsTsp, distance_source, kernel_coordinates, knn_source, read_only, solve_points,
                                    warm_up)

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


def instance(xy, rounding):
    n = len(xy)
    return RoutingInstance(f"p{n}{rounding}", D.matrix(xy, rounding), np.zeros(n, int), 1, num_vehicles=1,
                           rounding=rounding, coordinates=xy, problem="tsp")


@pytest.mark.parametrize("rounding", ROUNDINGS)
def test_kernel_distances_equal_the_dense_matrix_entries(rounding):
    """Every entry, exactly, on 60 cities per rounding (plus two coinciding cities)."""
    xy = coords(60, ROUNDINGS.index(rounding), rounding)
    xy[7] = xy[3]
    p = PointsTsp(xy, rounding)
    dm, kxy, mode = D.matrix(xy, rounding), p.kernel_xy, p.mode
    got = np.array([[K.dist(i, j, kxy, read_only(np.zeros((1, 1))), mode) for j in range(60)] for i in range(60)])
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
    # an instance that holds its points (PointDistances, as a large file is read): the same search
    lazy = RoutingInstance("lazy", PointDistances(xy, rounding), np.zeros(n, int), 1, num_vehicles=1, problem="tsp")
    again = get_solver("tsp-heatmap").solve(lazy, time_limit=30, seed=3, max_iterations=400)
    assert again.solution["routes"] == res.solution["routes"] and again.objective == res.objective


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
    p = PointsTsp.read(f"{f}#1")
    assert p.name == "tsp5_test_concorde#1" and p.rounding == "none"
    assert np.array_equal(p.coordinates, load_instance(f"{f}#1").coordinates)
    with pytest.raises(InstanceFormatError, match=r"instance index 2 out of range: the file has 2 instances"):
        PointsTsp.read(f"{f}#2")


# ---- netopt solve on a coordinates TSP file: read and solved without the n x n matrix ----

def tsplib_text(xy, ewt, name="pts", extra=""):
    rows = "".join(f"{i + 1} {float(x)!r} {float(y)!r}\n" for i, (x, y) in enumerate(xy))
    return (f"NAME : {name}\nTYPE : TSP\nDIMENSION : {len(xy)}\nEDGE_WEIGHT_TYPE : {ewt}\n{extra}"
            f"NODE_COORD_SECTION\n{rows}EOF\n")


EWT_ROUNDING = {"EUC_2D": "nint", "CEIL_2D": "ceil", "ATT": "att", "GEO": "geo"}


@pytest.mark.parametrize("ewt", list(EWT_ROUNDING))
def test_tsplib_points_are_load_instance_without_the_matrix(tmp_path, ewt):
    """``load_instance(dense=False)`` keeps a coordinates TSPLIB file's points: the same instance as the
    dense reading (name, digest, node ids, rounding, every distance) without the n x n array."""
    rounding = EWT_ROUNDING[ewt]
    f = tmp_path / f"t_{ewt}.tsp"
    f.write_text(tsplib_text(coords(30, 4, rounding), ewt))
    lazy, inst = load_instance(f, dense=False), load_instance(f)
    assert inst.dense and not lazy.dense
    assert (lazy.name, lazy.rounding, lazy.sha256, lazy.num_nodes) == (inst.name, inst.rounding, inst.sha256, inst.num_nodes)
    assert np.array_equal(lazy.node_ids, inst.node_ids) and np.array_equal(np.asarray(lazy.distance), inst.distance)
    p = PointsTsp.read(f)
    assert (p.name, p.rounding) == (inst.name, rounding) and np.array_equal(p.coordinates, inst.coordinates)
    if ewt == "EUC_2D":
        assert PointsTsp.read(f, "none").rounding == "none"
        with pytest.raises(SolverParameterError, match="not a TSP given by coordinates"):
            PointsTsp.read(f, "dimacs")


def test_points_read_refuses_files_whose_distances_are_not_the_points(tmp_path):
    xy = coords(6, 1, "nint")
    cases = {"explicit.tsp": "NAME : e\nTYPE : TSP\nDIMENSION : 2\nEDGE_WEIGHT_TYPE : EXPLICIT\n"
                             "EDGE_WEIGHT_FORMAT : FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1\n1 0\nEOF\n",
             "c.vrp": tsplib_text(xy, "EUC_2D").replace("TYPE : TSP", "TYPE : CVRP\nCAPACITY : 5")
                      .replace("EOF\n", "DEMAND_SECTION\n1 0\n" + "".join(f"{i} 1\n" for i in range(2, 7))
                               + "DEPOT_SECTION\n1\n-1\nEOF\n")}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(SolverParameterError, match="not a TSP given by coordinates"):
            PointsTsp.read(tmp_path / name)
    assert load_instance(tmp_path / "explicit.tsp", dense=False).dense  # a matrix file stays a matrix


@pytest.fixture(scope="module")
def tsplib_file(tmp_path_factory):
    """An EUC_2D TSPLIB file of 120 cities whose node ids run 101..220 (not the indices)."""
    f = tmp_path_factory.mktemp("pts") / "p120.tsp"
    text = tsplib_text(coords(120, 8, "nint"), "EUC_2D", "p120")
    lines = text.splitlines()
    k = lines.index("NODE_COORD_SECTION")
    lines[k + 1:k + 121] = [f"{int(t.split()[0]) + 100} {' '.join(t.split()[1:])}" for t in lines[k + 1:k + 121]]
    f.write_text("\n".join(lines) + "\n")
    return f


def test_cli_solve_coordinates_tsp_has_no_matrix_and_the_matrix_path_result(tsplib_file, tmp_path, monkeypatch):
    """`netopt solve -s tsp-heatmap` reads a coordinates TSP without ever building its matrix (the lazy
    distances refuse to become dense here) and prints the Result the solver gives on the dense
    instance: same routes in file ids, cost, digest; the route files it writes (.sol, .json, and a
    warm start read back with --initial) pass `netopt validate`."""
    import json

    dense = get_solver("tsp-heatmap").solve(load_instance(tsplib_file), time_limit=30, seed=0, max_iterations=300)
    assert dense.extra["matrix"] is True

    def no_matrix(self, *a, **k):
        raise AssertionError("the n x n matrix was built")

    monkeypatch.setattr(PointDistances, "__array__", no_matrix)
    args = ["solve", str(tsplib_file), "-s", "tsp-heatmap", "-t", "30", "--max-iterations", "300", "--json", "-q"]
    sol, rj = tmp_path / "r.sol", tmp_path / "r.json"
    res = CliRunner().invoke(app, [*args, "-o", str(sol)])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["extra"]["matrix"] is False and out["status"] == "feasible" and out["solution"]["feasible"]
    assert (out["instance"], out["instance_sha256"]) == (dense.instance, dense.instance_sha256)
    assert out["objective"] == dense.objective and out["solution"] == dense.solution
    assert CliRunner().invoke(app, [*args, "-o", str(rj)]).exit_code == 0
    warm = CliRunner().invoke(app, [*args, "--initial", str(rj)])
    assert warm.exit_code == 0 and json.loads(warm.stdout)["objective"] <= out["objective"], warm.output
    monkeypatch.undo()
    for f in (sol, rj):
        v = CliRunner().invoke(app, ["validate", str(tsplib_file), str(f)])
        assert v.exit_code == 0 and v.output.startswith("valid") and f"cost {out['objective']:,g}" in v.output, v.output


def test_cli_points_path_bad_input(tmp_path):
    bad = tmp_path / "bad.tsp"
    bad.write_text(tsplib_text(coords(5, 1, "nint"), "EUC_2D").replace("\n3 ", "\n3 abc ", 1))
    res = CliRunner().invoke(app, ["solve", str(bad), "-s", "tsp-heatmap", "-t", "1", "-q"])
    assert res.exit_code == 2 and "NODE_COORD_SECTION" in res.output and "Traceback" not in res.output


def test_default_heatmap_is_alpha_k6_up_to_5000_cities_then_knn_k10():
    """heatmap=auto and k=0 (the defaults) resolve by size; explicit values are kept; the result says
    which heatmap and k the search used."""
    from netopt.solvers.nco.tsp import AUTO_ALPHA_MAX, resolve_heatmap

    p = get_solver("tsp-heatmap").resolve_params({})
    assert (p.heatmap, p.k) == ("auto", 0)
    assert resolve_heatmap("auto", 0, AUTO_ALPHA_MAX) == ("alpha", 6)
    assert resolve_heatmap("auto", 0, AUTO_ALPHA_MAX + 1) == ("knn", 10)
    assert resolve_heatmap("auto", 8, 100) == ("alpha", 8) and resolve_heatmap("knn", 0, 100) == ("knn", 10)
    assert resolve_heatmap("softdist", 0, 100) == ("softdist", 10)
    res = solve_points(PointsTsp(coords(40, 3, "none")), time_limit=5, max_iterations=50)
    assert (res.extra["heatmap"], res.extra["k"]) == ("alpha", 6)
    res = solve_points(PointsTsp(coords(40, 3, "none")), time_limit=5, max_iterations=50, heatmap="knn", k=7)
    assert (res.extra["heatmap"], res.extra["k"]) == ("knn", 7)
