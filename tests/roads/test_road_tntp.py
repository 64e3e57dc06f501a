"""Congestion-aware matrices on a TNTP network: free flow vs link times at given equilibrium flows."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from netopt.cli import app

runner = CliRunner()

NET = """<NUMBER OF ZONES> 1
<NUMBER OF NODES> 3
<FIRST THRU NODE> 1
<NUMBER OF LINKS> 5
<END OF METADATA>
~ init term capacity length fftt b power speed toll type ;
1 2 100 1.0 2 0.15 4 0 0 1 ;
2 3 100 1.0 2 0.15 4 0 0 1 ;
3 1 100 1.0 2 0.15 4 0 0 1 ;
1 3 100 3.0 5 0.15 4 0 0 1 ;
2 1 100 1.0 2 0.15 4 0 0 1 ;
"""
NODES = "Node X Y ;\n1 -96.70 43.50 ;\n2 -96.69 43.50 ;\n3 -96.69 43.51 ;\n"


@pytest.fixture
def triangle(tmp_path):
    """Three nodes: 1 -> 2 -> 3 takes 2 + 2 min at free flow, the direct link 1 -> 3 takes 5 min;
    with 200 vehicles on 1 -> 2 (capacity 100, BPR 0.15, power 4) that link takes 2 x 3.4 = 6.8 min."""
    d = tmp_path / "tri"
    d.mkdir()
    (d / "tri_net.tntp").write_text(NET)
    (d / "tri_node.tntp").write_text(NODES)
    (tmp_path / "flows.csv").write_text("link,from,to,flow,cost,voc\n1,1,2,200,0,0\n2,2,3,0,0,0\n3,3,1,0,0,0\n"
                                        "4,1,3,0,0,0\n5,2,1,0,0,0\n")
    (tmp_path / "pts.csv").write_text("id,node,label,demand\n0,1,depot,0\n1,2,two,1\n2,3,three,1\n")
    return d


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_free_flow_vs_equilibrium_times(triangle, tmp_path):
    res = run("road", "matrix", "--network", triangle, "--points", tmp_path / "pts.csv", "--out", tmp_path / "ff.json")
    assert res.exit_code == 0, res.output
    ff = json.loads((tmp_path / "ff.json").read_text())
    assert np.array(ff["duration"])[0, 2] == pytest.approx(240.0)  # 1 -> 2 -> 3, minutes -> seconds
    assert np.array(ff["distance"])[0, 2] == pytest.approx(2.0)  # the file's length unit
    res = run("road", "matrix", "--network", triangle, "--flows", tmp_path / "flows.csv", "--points", tmp_path / "pts.csv",
              "--out", tmp_path / "ue.json", "--cost", "duration")
    assert res.exit_code == 0, res.output
    ue = json.loads((tmp_path / "ue.json").read_text())
    dur = np.array(ue["duration"])
    assert dur[0, 2] == pytest.approx(300.0)  # congested: the direct link wins
    assert dur[0, 1] == pytest.approx(6.8 * 60)
    # the distance matrix is by shortest distance (1 -> 2 -> 3), the duration by shortest time (1 -> 3)
    assert ue["distance"] == ue["duration"] and np.array(ue["road_distance"])[0, 2] == pytest.approx(2.0)
    assert run("solve", tmp_path / "ue.json", "-s", "ortools", "-t", "0.3", "-q").exit_code == 0


def test_points_by_lat_lon_on_a_network(triangle, tmp_path):
    (tmp_path / "ll.csv").write_text("id,lat,lon\n0,43.5,-96.7\n1,43.51,-96.6901\n")
    res = run("road", "matrix", "--network", triangle, "--points", tmp_path / "ll.csv", "--out", tmp_path / "ll.json")
    assert res.exit_code == 0, res.output
    assert np.array(json.loads((tmp_path / "ll.json").read_text())["duration"])[0, 1] == pytest.approx(240.0, abs=1.0)


@pytest.mark.parametrize("flows,match", [
    ("link,from,to,flow\n1,2,1,200\n", "link 1 is 1->2 in the network, 2->1 here"),
    ("link,from,to,flow\n1,1,2,-3\n", "flow: must be a finite number >= 0"),
    ("link,from,to,flow\n1,1,2,5\n", "no row for link 2"),
    ("a,b\n1,2\n", "expected the columns link,from,to,flow"),
])
def test_bad_flows(triangle, tmp_path, flows, match):
    (tmp_path / "bad.csv").write_text(flows)
    out = tmp_path / "x.json"
    res = run("road", "matrix", "--network", triangle, "--flows", tmp_path / "bad.csv", "--points", tmp_path / "pts.csv",
              "--out", out)
    assert res.exit_code == 2 and match in res.output and not out.exists(), res.output


def test_bad_node_and_mixed_sources(triangle, tmp_path):
    (tmp_path / "p9.csv").write_text("id,node\n0,1\n1,9\n")
    res = run("road", "matrix", "--network", triangle, "--points", tmp_path / "p9.csv", "--out", tmp_path / "x.json")
    assert res.exit_code == 2 and "node 9 is not in the network" in res.output
    res = run("road", "matrix", "--points", tmp_path / "pts.csv", "--out", tmp_path / "x.json")
    assert res.exit_code == 2 and "either a road graph" in res.output
