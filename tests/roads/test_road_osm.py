"""OSM tag rules, the PBF reader and the road graph (CSR, strongly connected filter, .npz)."""

from __future__ import annotations

import numpy as np
import pytest

from netopt.exceptions import InstanceFormatError
from netopt.roads import (
    RoadGraph,
    build_graph,
    directions,
    is_drivable,
    parse_maxspeed,
    read_pbf,
)
from netopt.roads.osm import CLASSES, haversine_m


@pytest.mark.parametrize("tags,expected", [
    ({"oneway": "yes"}, (True, False)), ({"oneway": "true"}, (True, False)), ({"oneway": "1"}, (True, False)),
    ({"oneway": "-1"}, (False, True)), ({"oneway": "no"}, (True, True)), ({}, (True, True)),
    ({"junction": "roundabout"}, (True, False)), ({"junction": "circular"}, (True, False)),
    ({"junction": "roundabout", "oneway": "no"}, (True, True)),
    ({"highway": "motorway"}, (True, False)), ({"highway": "motorway_link"}, (True, False)),
    ({"highway": "motorway", "oneway": "no"}, (True, True)), ({"highway": "primary"}, (True, True)),
    ({"oneway": "reversible"}, (False, False)),
])
def test_oneway_rules(tags, expected):
    assert directions(tags) == expected


@pytest.mark.parametrize("value,kmh", [
    ("50", 50.0), ("50 km/h", 50.0), ("50kmh", 50.0), ("30 mph", 30 * 1.609344), ("FI:urban", 50.0),
    ("FI:rural", 80.0), ("fi:living_street", 20.0), ("DE:zone30", 30.0), ("DE:zone:30", 30.0), ("50;30", 30.0),
    ("walk", 7.0), ("none", None), ("signals", None), ("XX:urban", None), ("0", None), ("-5", None), ("", None),
    (None, None), ("999", None),
])
def test_maxspeed(value, kmh):
    got = parse_maxspeed(value)
    assert got == pytest.approx(kmh) if kmh is not None else got is None


@pytest.mark.parametrize("tags,ok", [
    ({"highway": "residential"}, True), ({"highway": "footway"}, False), ({"highway": "cycleway"}, False),
    ({"highway": "service", "access": "private"}, False), ({"highway": "service", "access": "destination"}, True),
    ({"highway": "primary", "motor_vehicle": "no"}, False), ({"highway": "primary", "access": "no", "motorcar": "yes"}, True),
    ({"highway": "service", "service": "emergency_access"}, False), ({"highway": "pedestrian"}, False),
    ({"highway": "residential", "area": "yes"}, False), ({"building": "yes"}, False),
])
def test_drivable(tags, ok):
    assert is_drivable(tags) is ok


def test_haversine_quarter_meridian():
    assert haversine_m(0.0, 0.0, 90.0, 0.0) == pytest.approx(np.pi / 2 * 6371008.8)


def _edges(g: RoadGraph) -> dict[tuple[int, int], int]:
    ids = g.node_id
    return {(int(ids[u]), int(ids[v])): e for e, (u, v) in enumerate(zip(g.tail, g.head))}


def test_read_and_build_the_grid(grid_pbf):
    ext = read_pbf(grid_pbf)
    assert ext.ways == 7  # 6 streets + the trap; footway and private road left out
    assert sorted(ext.node_id.tolist()) == list(range(1, 11))
    full, _ = build_graph(ext, keep_all=True)
    assert full.num_edges == 21 and (3, 10) in _edges(full)
    g, meta = build_graph(ext, source="grid")
    assert meta["dropped"] == {"nodes": 1, "edges": 1, "km": pytest.approx(full.length_m[_edges(full)[3, 10]] / 1000, abs=1e-3)}
    e = _edges(g)
    assert g.num_nodes == 9 and g.num_edges == 20
    assert (4, 5) in e and (5, 4) not in e  # oneway=yes
    assert (5, 2) in e and (2, 5) not in e  # oneway=-1: against the way's node order
    assert (1, 2) in e and (2, 1) in e
    assert g.speed_kmh[e[7, 8]] == 20.0 and g.speed_kmh[e[8, 5]] == pytest.approx(48.28032)
    assert g.speed_kmh[e[1, 2]] == 30.0 and g.speed_kmh[e[1, 4]] == 40.0  # residential / tertiary defaults
    assert CLASSES[g.highway[e[1, 4]]] == "tertiary"
    assert g.length_m[e[1, 2]] == pytest.approx(55.6, abs=0.1)
    assert g.duration_s[e[1, 2]] == pytest.approx(g.length_m[e[1, 2]] / (30 / 3.6))
    # CSR: edges sorted by tail, offsets delimit them
    assert np.all(np.diff(g.tail) >= 0) and g.offsets[-1] == g.num_edges
    for u in range(g.num_nodes):
        assert np.all(g.tail[g.offsets[u]:g.offsets[u + 1]] == u)
    assert sorted(g.addr_label.tolist()) == ["Grid St 1", "Grid St 2"]
    b = int(np.flatnonzero(g.addr_label == "Grid St 2")[0])
    assert (g.addr_lat[b], g.addr_lon[b]) == pytest.approx((60.00075, 24.0015))  # the building's centre


def test_npz_round_trip_and_bad_files(grid_pbf, tmp_path):
    g, _ = build_graph(read_pbf(grid_pbf))
    g.save(tmp_path / "g.npz")
    h = RoadGraph.load(tmp_path / "g.npz")
    for k in ("offsets", "tail", "head", "length_m", "speed_kmh", "node_lat", "node_id", "addr_label"):
        assert np.array_equal(getattr(g, k), getattr(h, k))
    assert len(h.meta["sha256"]) == 64
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    with pytest.raises(InstanceFormatError, match="not a road graph"):
        RoadGraph.load(tmp_path / "x.npz")
    (tmp_path / "p.csv").write_text("id,lat,lon\n")
    with pytest.raises(InstanceFormatError, match=r"not a road graph \(.npz\)"):
        RoadGraph.load(tmp_path / "p.csv")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InstanceFormatError, match="not a road graph"):
        RoadGraph.load(tmp_path / "bad.zip")
    np.savez(tmp_path / "y.npz", a=np.zeros(3))
    with pytest.raises(InstanceFormatError, match="format"):
        RoadGraph.load(tmp_path / "y.npz")
    d = dict(np.load(tmp_path / "g.npz"))
    d["head"] = d["head"] + 100
    np.savez(tmp_path / "z.npz", **d)
    with pytest.raises(InstanceFormatError, match="out of range"):
        RoadGraph.load(tmp_path / "z.npz")


def test_not_a_pbf(tmp_path):
    p = tmp_path / "bad.osm.pbf"
    p.write_bytes(b"this is not protobuf" * 10)
    with pytest.raises(InstanceFormatError, match="not a readable OSM file"):
        read_pbf(p)
