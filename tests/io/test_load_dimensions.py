"""Loads in several dimensions (weight, volume, ...) in the readers and writers: PyVRP's VRPLIB dialect
(a value per dimension on each DEMAND / LINEHAUL / BACKHAUL row, a capacity per dimension on each
CAPACITY_SECTION row), bad files, VRPLIB and JSON round trips, the builder, and the CLI on such a file
(info shows the capacities, a solver that does not model them refuses, OR-Tools' routes validate)."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from netopt.cli import app
from netopt.exceptions import InstanceFormatError
from netopt.io import load_instance
from netopt.io.builder import Model
from netopt.io.instance_json import instance_to_json
from netopt.io.vrplib import format_vrplib
from netopt.model import RoutingInstance, VehicleType
from netopt.solvers import get_solver
from tests.io.test_pyvrp_dialect import write

#: two vehicles of (weight 10, volume 6); weight alone fits one route, volume (12) needs two
TWO_DIM = """NAME : two
COMMENT : weight and volume
TYPE : CVRP
DIMENSION : 5
VEHICLES : 2
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 10 0
3 10 5
4 -10 0
5 -10 5
DEMAND_SECTION
1 0 0
2 2 3
3 2 3
4 2 3
5 2 3
CAPACITY_SECTION
1 10 6
2 10 6
DEPOT_SECTION
1
-1
EOF
"""


def test_reads_a_value_per_load_dimension(tmp_path):
    inst = load_instance(write(tmp_path, TWO_DIM))
    assert inst.load_dims == 2 and inst.demands.tolist() == [[0, 0], [2, 3], [2, 3], [2, 3], [2, 3]]
    assert inst.capacity == (10, 6) and inst.vehicle_types[0].capacities == (10, 6) and inst.num_vehicles == 2
    assert inst.variant == "cvrp-2dim" and inst.features == ("load_dimensions",)
    assert inst.total_demand == (8, 12) and inst.min_vehicles == 2


def test_pyvrp_file_without_type_and_vrpb_with_two_dimensions(tmp_path):
    # PyVRP's tests/data/OkSmallMultipleLoad.txt has no TYPE and no CAPACITY header, only CAPACITY_SECTION
    text = TWO_DIM.replace("TYPE : CVRP\n", "")
    inst = load_instance(write(tmp_path, text))
    assert inst.capacity == (10, 6) and inst.problem == "cvrp"
    vrpb = (TWO_DIM.replace("TYPE : CVRP", "TYPE : VRPB").replace("DEMAND_SECTION", "LINEHAUL_SECTION")
            .replace("2 2 3\n", "2 0 0\n").replace("DEPOT_SECTION", "BACKHAUL_SECTION\n1 0 0\n2 1 4\n3 0 0\n4 0 0\n"
                                                                     "5 0 0\nDEPOT_SECTION"))
    inst = load_instance(write(tmp_path, vrpb, "b.vrp"))
    assert inst.pickups.tolist()[1] == [1, 4] and inst.demands.tolist()[1] == [0, 0]
    assert inst.variant == "vrpb-2dim" and inst.linehauls_first


@pytest.mark.parametrize("old, new, field, message", [
    ("3 2 3\n", "3 2\n", "DEMAND_SECTION", "1 value after the node id, but the first row has 2"),
    ("1 0 0\n2 2 3", "1 0\n2 2 3", "DEMAND_SECTION", "2 values after the node id, but the first row has 1"),
    ("2 10 6\n", "2 10\n", "CAPACITY_SECTION", "1 capacity for the 2 load dimension"),
    ("1 10 6\n2 10 6\n", "1 10 6 1\n2 10 6 1\n", "CAPACITY_SECTION", "3 capacities for the 2 load dimension"),
    ("VEHICLES : 2\n", "VEHICLES : 2\nCAPACITY : 10\n", "CAPACITY", "1 value for the 2 load dimensions"),
    ("VEHICLES : 2\n", "VEHICLES : 2\nCAPACITY : 10 6\n", "CAPACITY", "CAPACITY_SECTION"),
    ("DEPOT_SECTION", "BACKHAUL_SECTION\n1 0\n2 0\n3 1\n4 0\n5 0\nDEPOT_SECTION", "BACKHAUL_SECTION",
     "1 load dimension(s) per row, DEMAND_SECTION has 2"),
    ("1 0 0\n2 2 3", "1 0 1\n2 2 3", "DEMAND_SECTION", "depot 1 has non-zero demand 0 1"),
    ("1 0 0\n2 2 3\n3 2 3\n4 2 3\n5 2 3\n", "".join(f"{i} {' '.join(['1'] * 9)}\n" for i in range(1, 6)),
     "DEMAND_SECTION", "1 to 8 values"),
])
def test_bad_load_sections_name_the_section(tmp_path, old, new, field, message):
    assert old in TWO_DIM
    with pytest.raises(InstanceFormatError, match=field) as e:
        load_instance(write(tmp_path, TWO_DIM.replace(old, new, 1)))
    assert message in str(e.value) and "\n" not in str(e.value)


def test_capacity_section_of_one_dimension_still_reads_ints(tmp_path):
    text = TWO_DIM.replace("1 10 6\n2 10 6\n", "1 10\n2 7\n").replace("1 0 0\n2 2 3", "1 0\n2 2 3")
    text = text.replace(" 2 3\n", " 2\n")
    inst = load_instance(write(tmp_path, text))
    assert inst.load_dims == 1 and [t.capacity for t in inst.vehicle_types] == [10, 7] and inst.capacity == 10


def test_vrplib_write_read_round_trip(tmp_path):
    inst = load_instance(write(tmp_path, TWO_DIM))
    back = load_instance(write(tmp_path, format_vrplib(inst), "w.vrp"))
    assert back.demands.tolist() == inst.demands.tolist() and back.capacity == inst.capacity
    assert back.num_vehicles == 2 and np.array_equal(back.distance, inst.distance)
    # an unlimited fleet is written as one vehicle per customer (PyVRP's reading of a file without VEHICLES)
    free = RoutingInstance("free", inst.distance, inst.demands, (10, 6), coordinates=inst.coordinates)
    text = format_vrplib(free)
    assert "CAPACITY :" not in text and "VEHICLES : 4" in text
    again = load_instance(write(tmp_path, text, "f.vrp"))
    assert again.demands.tolist() == free.demands.tolist() and again.capacity == (10, 6)


def test_written_file_reads_in_pyvrp(tmp_path):
    pyvrp = pytest.importorskip("pyvrp")
    inst = load_instance(write(tmp_path, TWO_DIM))
    data = pyvrp.read(write(tmp_path, format_vrplib(inst), "w.vrp"))
    assert [list(c.delivery) for c in data.clients()] == inst.demands[1:].tolist()
    assert [list(t.capacity) for t in data.vehicle_types()] == [[10, 6]]
    ours = load_instance(write(tmp_path, TWO_DIM.replace("TYPE : CVRP\n", ""), "p.vrp"))
    theirs = pyvrp.read(tmp_path / "p.vrp")
    assert [list(c.delivery) for c in theirs.clients()] == ours.demands[1:].tolist()


def test_json_round_trip(tmp_path):
    inst = load_instance(write(tmp_path, TWO_DIM))
    d = json.loads(instance_to_json(inst))
    assert d["demands"][1] == [2, 3] and d["vehicle_types"][0]["capacity"] == [10, 6]
    back = load_instance(write(tmp_path, instance_to_json(inst), "i.json"))
    assert back.demands.tolist() == inst.demands.tolist() and back.capacity == (10, 6)
    # per vehicle type, with pickups in both dimensions
    rich = RoutingInstance("rich", inst.distance, inst.demands, pickups=[[0, 0], [1, 0], [0, 2], [0, 0], [1, 1]],
                           vehicle_types=(VehicleType((10, 6), 1), VehicleType((8, 9), 2)))
    again = load_instance(write(tmp_path, instance_to_json(rich), "r.json"))
    assert again.pickups.tolist() == rich.pickups.tolist()
    assert [t.capacity for t in again.vehicle_types] == [(10, 6), (8, 9)] and again.capacity == (10, 9)
    # plain capacity + num_vehicles as lists in a hand-written file
    plain = {k: d[k] for k in ("format", "schema_version", "distance", "demands")}
    loaded = load_instance(write(tmp_path, json.dumps(dict(plain, capacity=[10, 6], num_vehicles=2)), "p.json"))
    assert loaded.capacity == (10, 6) and loaded.num_vehicles == 2


@pytest.mark.parametrize("change, field", [
    (dict(demands=[[0, 0], [2], [2, 3], [2, 3], [2, 3]]), "demands"),
    (dict(demands=[[0, 0], 2, [2, 3], [2, 3], [2, 3]]), "demands"),
    (dict(capacity=[10]), "capacity"),
    (dict(capacity=[10, 6, 1]), "capacity"),
    (dict(pickups=[0, 0, 1, 0, 0]), "pickups"),
])
def test_bad_json_loads_name_the_field(tmp_path, change, field):
    base = {"format": "netopt-routing", "schema_version": 1, "distance": np.ones((5, 5)).tolist(),
            "demands": [[0, 0], [2, 3], [2, 3], [2, 3], [2, 3]], "capacity": [10, 6]}
    with pytest.raises(InstanceFormatError, match=f"{field}:"):
        load_instance(write(tmp_path, json.dumps(dict(base, **change)), "bad.json"))


def test_builder_takes_a_value_per_dimension():
    m = Model()
    m.add_depot(0, 0)
    m.add_client(3, 4, delivery=[3, 1], pickup=[0, 2])
    m.add_client(6, 8, delivery=[2, 2])  # pickup 0: none in any dimension
    m.add_client(-3, 4, pickup=[1, 1])
    m.add_vehicle_type(capacity=[10, 5], num_available=2)
    inst = m.instance()
    assert inst.demands.tolist() == [[0, 0], [3, 1], [2, 2], [0, 0]]
    assert inst.pickups.tolist() == [[0, 0], [0, 2], [0, 0], [1, 1]] and inst.capacity == (10, 5)
    one = Model()
    one.add_depot()
    one.add_client(1, 1, delivery=[4])  # a list of one is one dimension
    one.add_vehicle_type(capacity=[9])
    assert one.instance().demands.tolist() == [0, 4] and one.instance().capacity == 9
    m.add_client(1, 1, delivery=4)
    with pytest.raises(InstanceFormatError, match=r"clients\[3\].delivery: 1 load dimension"):
        m.instance()
    bad = Model()
    bad.add_depot()
    bad.add_client(1, 1, delivery=[1, 2])
    bad.add_vehicle_type(capacity=10)
    with pytest.raises(InstanceFormatError, match="capacity"):
        bad.instance()


runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def two_dim(tmp_path):
    return write(tmp_path, TWO_DIM, "two.vrp")


def test_info_shows_the_capacity_per_dimension(two_dim):
    res = run("info", two_dim)
    assert res.exit_code == 0, res.output
    assert "cvrp-2dim" in res.stdout and "(10, 6)" in res.stdout and "load_dimensions" in res.stdout
    info = json.loads(run("info", two_dim, "--json").stdout)
    assert info["capacity"] == [10, 6] and info["total_demand"] == [8, 12]
    assert info["vehicle_types"][0]["capacity"] == [10, 6]


def test_a_solver_without_load_dimensions_refuses(two_dim):
    if "load_dimensions" in get_solver("hgs").features:
        pytest.skip("hgs models load dimensions now")
    res = run("solve", two_dim, "-s", "hgs", "-t", "1")
    assert res.exit_code == 2
    assert "does not model load_dimensions" in res.stderr and "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_ortools_solves_and_the_routes_validate(tmp_path, two_dim):
    out = tmp_path / "r.json"
    res = run("solve", two_dim, "-s", "ortools", "-t", "1", "--out", out, "-q")
    assert res.exit_code == 0, res.output
    routes = json.loads(out.read_text())["routes"]
    assert len(routes) == 2 and all(r["load"] == [4, 6] for r in routes)  # volume 12 > 6: two routes
    val = run("validate", two_dim, out)
    assert val.exit_code == 0 and "valid" in val.stdout
