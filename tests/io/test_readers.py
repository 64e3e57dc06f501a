"""Readers: valid files of every supported kind, broken files with errors naming the field,
hypothesis-mutated files that must either parse or raise InstanceFormatError, and the shared
benchmark sets (skipped when ../shared/datasets is absent)."""

import csv
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support import CVRP_TEXT, VRPTW_TEXT, datasets_dir
from netopt.exceptions import InstanceFormatError, SolutionFormatError
from netopt.io import (format_sol, format_vrplib, instance_to_json, load_instance, read_routes, read_sol)
from netopt.validate import check_routes


def write(tmp_path, text, name="x.vrp"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_cvrp_euc2d_nint(cvrp_file):
    inst = load_instance(cvrp_file)
    assert inst.problem == "cvrp" and inst.num_customers == 4 and inst.capacity == 10
    assert inst.num_vehicles is None and inst.rounding == "nint"
    assert list(inst.distance[0]) == [0, 5, 5, 5, 1]  # sqrt(2) -> 1
    assert list(inst.node_ids) == [1, 2, 3, 4, 5] and list(inst.demands) == [0, 4, 5, 6, 2]
    assert load_instance(cvrp_file, rounding="none").distance[0, 4] == pytest.approx(2**0.5)
    assert load_instance(cvrp_file, rounding="dimacs").distance[0, 4] == pytest.approx(1.4)


def test_vrptw_solomon_as_vrplib(vrptw_file):
    inst = load_instance(vrptw_file)
    assert inst.problem == "vrptw" and inst.num_vehicles == 3 and inst.rounding == "dimacs"
    assert list(inst.service_times) == [0, 2, 2, 2]  # SERVICE_TIME applies to customers only
    assert inst.time_windows[3].tolist() == [5, 30]
    assert inst.distance[0, 1] == pytest.approx(1.4) and inst.duration is inst.distance


def test_depot_not_first_is_moved_to_index_zero(tmp_path):
    text = CVRP_TEXT.replace("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n5\n").replace("1 0\n2 4", "1 3\n2 4").replace("5 2\n", "5 0\n")
    inst = load_instance(write(tmp_path, text))
    assert inst.depot_id == 5 and list(inst.node_ids) == [5, 1, 2, 3, 4] and list(inst.demands) == [0, 3, 4, 5, 6]


MATRIX = np.array([[0, 1, 2, 3], [1, 0, 4, 5], [2, 4, 0, 6], [3, 5, 6, 0]])


@pytest.mark.parametrize(
    "fmt, values",
    [
        ("FULL_MATRIX", MATRIX.ravel()),
        ("UPPER_ROW", MATRIX[np.triu_indices(4, 1)]),
        ("LOWER_ROW", MATRIX[np.tril_indices(4, -1)]),
        ("UPPER_DIAG_ROW", MATRIX[np.triu_indices(4)]),
        ("LOWER_DIAG_ROW", MATRIX[np.tril_indices(4)]),
        # column-major upper triangle == row-major lower triangle, and vice versa
        ("UPPER_COL", MATRIX[np.tril_indices(4, -1)]),
        ("LOWER_COL", MATRIX[np.triu_indices(4, 1)]),
        ("UPPER_DIAG_COL", MATRIX[np.tril_indices(4)]),
        ("LOWER_DIAG_COL", MATRIX[np.triu_indices(4)]),
    ],
)
def test_explicit_formats(tmp_path, fmt, values):
    text = (f"NAME : m\nTYPE : TSP\nDIMENSION : 4\nEDGE_WEIGHT_TYPE : EXPLICIT\nEDGE_WEIGHT_FORMAT : {fmt}\n"
            "EDGE_WEIGHT_SECTION\n" + " ".join(map(str, values)) + "\nEOF\n")
    inst = load_instance(write(tmp_path, text, "m.tsp"))
    assert inst.problem == "tsp" and inst.rounding == "exact"
    np.testing.assert_array_equal(inst.distance, MATRIX)


def test_asymmetric_full_matrix_cvrp(tmp_path):
    m = np.array([[0, 1, 9], [5, 0, 2], [3, 7, 0]])
    text = ("NAME : a\nTYPE : CVRP\nDIMENSION : 3\nCAPACITY : 5\nEDGE_WEIGHT_TYPE : EXPLICIT\n"
            "EDGE_WEIGHT_FORMAT : FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 9\n5 0 2\n3 7 0\n"
            "DEMAND_SECTION\n1 0\n2 1\n3 1\nDEPOT_SECTION\n1\n-1\nEOF\n")
    inst = load_instance(write(tmp_path, text))
    assert not inst.is_symmetric and inst.distance[0, 2] == 9 and inst.distance[2, 0] == 3
    assert inst.distance.tolist() == m.tolist()


def test_att_and_geo_and_ceil(tmp_path):
    base = "NAME : g\nTYPE : TSP\nDIMENSION : 2\nEDGE_WEIGHT_TYPE : {}\nNODE_COORD_SECTION\n1 0 0\n2 30 40\nEOF\n"
    assert load_instance(write(tmp_path, base.format("ATT"))).distance[0, 1] == 16  # sqrt(250)=15.8 -> 16
    assert load_instance(write(tmp_path, base.format("CEIL_2D"))).distance[0, 1] == 50
    geo = load_instance(write(tmp_path, base.format("GEO")))
    assert geo.rounding == "geo" and geo.distance[0, 1] > 0
    with pytest.raises(InstanceFormatError, match="applies to EUC_2D"):
        load_instance(write(tmp_path, base.format("ATT")), rounding="nint")


def test_solomon_text_format(tmp_path):
    text = ("R1X\n\nVEHICLE\nNUMBER     CAPACITY\n  5         50\n\nCUSTOMER\n"
            "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n"
            "    0      0         0          0          0       100          0\n"
            "    1      3         4         10          0        50         10\n"
            "    2      6         8         10         20        60         10\n")
    inst = load_instance(write(tmp_path, text, "r1x.txt"))
    assert inst.problem == "vrptw" and inst.num_vehicles == 5 and list(inst.node_ids) == [0, 1, 2]
    assert inst.distance[1, 2] == 5 and inst.time_windows[2].tolist() == [20, 60]


def test_instance_json_round_trip(tmp_path, asym_instance):
    p = write(tmp_path, instance_to_json(asym_instance), "a.json")
    back = load_instance(p)
    np.testing.assert_array_equal(back.distance, asym_instance.distance)
    np.testing.assert_array_equal(back.duration, asym_instance.duration)
    assert back.num_vehicles == 2 and not back.is_symmetric


def test_vrplib_writer_round_trip(tmp_path, vrptw_file):
    inst = load_instance(vrptw_file)
    back = load_instance(write(tmp_path, format_vrplib(inst), "w.vrp"))
    np.testing.assert_array_equal(back.distance, inst.distance)
    np.testing.assert_array_equal(back.time_windows, inst.time_windows)
    np.testing.assert_array_equal(back.service_times, inst.service_times)


# ----------------------------------------------------------------------------- broken files
BROKEN = [
    (lambda t: t.replace("DIMENSION : 5\n", ""), "DIMENSION", "missing"),
    (lambda t: t.replace("DIMENSION : 5", "DIMENSION : five"), "DIMENSION", "expected an integer"),
    (lambda t: t.replace("CAPACITY : 10", "CAPACITY : -10"), "CAPACITY", "must be positive"),
    (lambda t: t.replace("CAPACITY : 10\n", ""), "CAPACITY", "missing"),
    (lambda t: t.replace("DEMAND_SECTION", "DEMANDS_SECTION"), "DEMANDS_SECTION", "unknown section"),
    (lambda t: t.replace("3 5\n", "3 x\n"), "DEMAND_SECTION", "non-numeric value 'x'"),
    (lambda t: t.replace("3 5\n", "3 -5\n"), "demands", "negative demand -5 at node 3"),
    (lambda t: t.replace("3 5\n", "3 5.5\n"), "DEMAND_SECTION", "expected integers"),
    (lambda t: t.replace("DEPOT_SECTION\n1\n-1\n", ""), "DEPOT_SECTION", "missing section"),
    (lambda t: t.replace("DEPOT_SECTION\n1\n", "DEPOT_SECTION\n9\n"), "DEPOT_SECTION", "not one of the nodes"),
    (lambda t: t.replace("5 1 1\nDEMAND", "DEMAND"), "NODE_COORD_SECTION", "4 rows for DIMENSION 5"),
    (lambda t: t.replace("4 0 -5\n", "4 0\n"), "NODE_COORD_SECTION", "expected 3 values per row"),
    (lambda t: t.replace("EUC_2D", "EUC_3D"), "EDGE_WEIGHT_TYPE", "unsupported"),
    (lambda t: t.replace("TYPE : CVRP", "TYPE : PDPTW"), "TYPE", "unsupported problem type"),
    (lambda t: t.replace("4 6\n", "4 6\n2 1\n"), "DEMAND_SECTION", "node 2 listed twice"),
    (lambda t: t[: t.index("3 5\n")], "DEMAND_SECTION", "no row for node 3"),  # truncated file
    (lambda t: t.replace("1 0\n2 4", "1 3\n2 4"), "DEMAND_SECTION", "depot 1 has non-zero demand"),
    (lambda t: t.replace("NODE_COORD_SECTION\n", "NODE_COORD_SECTION\nhello world\n"), "hello", "not a 'KEY : value' line"),
]


@pytest.mark.parametrize("mutate, field, message", BROKEN)
def test_broken_files_name_file_and_field(tmp_path, mutate, field, message):
    p = write(tmp_path, mutate(CVRP_TEXT))
    with pytest.raises(InstanceFormatError) as e:
        load_instance(p)
    text = str(e.value)
    assert text.startswith(str(p)) and field in text and message in text, text
    assert "\n" not in text


def test_missing_time_windows_and_binary_and_missing_file(tmp_path):
    with pytest.raises(InstanceFormatError, match="TIME_WINDOW_SECTION: missing section"):
        load_instance(write(tmp_path, VRPTW_TEXT.replace("TIME_WINDOW_SECTION", "SERVICE_TIME_SECTION")
                            .replace("1 0 50", "1 0").replace("2 0 10", "2 0").replace("3 0 20", "3 0")
                            .replace("4 5 30", "4 5")))
    (tmp_path / "bin.vrp").write_bytes(b"\x00\x01\x02NAME")
    with pytest.raises(InstanceFormatError, match="binary data"):
        load_instance(tmp_path / "bin.vrp")
    with pytest.raises(InstanceFormatError, match="no such file"):
        load_instance(tmp_path / "nope.vrp")
    with pytest.raises(InstanceFormatError, match="format"):
        load_instance(write(tmp_path, '{"a": 1}', "i.json"))
    with pytest.raises(InstanceFormatError, match="TNTP road network"):
        load_instance(write(tmp_path, "<NUMBER OF ZONES> 2\n<END OF METADATA>\n", "x_net.tntp"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_files_parse_or_raise_format_error(tmp_path, data):
    """Random line deletions, duplications, token replacements and truncations never escape
    as anything but InstanceFormatError (or InfeasibleInstance-free success)."""
    base = data.draw(st.sampled_from([CVRP_TEXT, VRPTW_TEXT]))
    lines = base.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["delete", "dup", "token", "truncate", "junk"]))
        i = data.draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "truncate":
            lines = lines[:i]
        elif op == "junk":
            lines.insert(i, data.draw(st.text(max_size=12)))
        else:
            toks = lines[i].split()
            if toks:
                k = data.draw(st.integers(0, len(toks) - 1))
                toks[k] = data.draw(st.sampled_from(["-1", "0", "1e309", "nan", "x", "", "3.5", "99", ":"]))
                lines[i] = " ".join(toks)
        if not lines:
            lines = [""]
    p = tmp_path / "m.vrp"
    p.write_text("\n".join(lines) + "\n")
    try:
        inst = load_instance(p)
    except InstanceFormatError as e:
        assert str(p) in str(e)
    else:
        assert inst.num_nodes >= 2 and np.all(np.isfinite(inst.distance))


# ----------------------------------------------------------------------------- solutions
def test_sol_and_route_json(tmp_path, cvrp_file):
    inst = load_instance(cvrp_file)
    sol_path = write(tmp_path, "Route #1: 1 2\nRoute #2: 3 4\nCost 22\n", "t.sol")
    sol, cost = read_sol(sol_path, inst)
    assert sol.routes == ((1, 2), (3, 4)) and cost == 22
    assert check_routes(inst, sol.routes, cost).cost == pytest.approx(sol.cost)
    assert format_sol(sol).splitlines()[0] == "Route #1: 1 2"
    js = write(tmp_path, json.dumps({"routes": [{"visits": [2, 3]}, {"visits": [4, 5]}], "cost": sol.cost}), "r.json")
    again, claimed = read_routes(js, inst)
    assert again.routes == sol.routes and claimed == sol.cost
    with pytest.raises(SolutionFormatError, match="node 42 is not a node id"):
        read_routes(write(tmp_path, '{"routes": [[42]]}', "b.json"), inst)
    with pytest.raises(SolutionFormatError, match="customer 9 outside 1..4"):
        read_sol(write(tmp_path, "Route #1: 9\n", "b.sol"), inst)
    with pytest.raises(SolutionFormatError, match="invalid JSON"):
        read_routes(write(tmp_path, "{oops", "c.json"), inst)


# ----------------------------------------------------------------------------- shared datasets
def test_x_set_bks_solutions_validate_at_bks():
    folder = datasets_dir("cvrp")
    bks = {r["instance"]: float(r["bks"]) for r in csv.DictReader(open(folder / "BKS.csv"))}
    checked = 0
    for vrp in sorted(folder.glob("*.vrp")):
        inst = load_instance(vrp)
        sol, cost = read_sol(vrp.with_suffix(".sol"), inst)
        rep = check_routes(inst, sol.routes, cost)
        assert rep.feasible, (vrp.name, rep.violations)
        assert rep.cost == bks[inst.name]
        checked += 1
    assert checked == len(bks)


def test_solomon_bks_solutions_validate_at_bks():
    folder = datasets_dir("vrptw")
    bks = {r["instance"]: float(r["bks_distance"]) for r in csv.DictReader(open(folder / "BKS.csv"))}
    for vrp in sorted((folder / "solomon").glob("*.vrp")):
        inst = load_instance(vrp)
        assert inst.rounding == "dimacs" and inst.num_vehicles is not None
        sol, cost = read_sol(vrp.with_suffix(".sol"), inst)
        rep = check_routes(inst, sol.routes, cost)
        assert rep.feasible, (vrp.name, rep.violations)
        assert rep.cost == pytest.approx(bks[inst.name], abs=0.05)


def test_tsplib_instances_load():
    folder = datasets_dir("tsp/tsplib")
    opt = {r["instance"] if "instance" in r else r["name"]: r for r in csv.DictReader(open(folder / "OPT.csv"))}
    for tsp in sorted(folder.glob("*.tsp")):
        inst = load_instance(tsp)
        assert inst.problem == "tsp" and inst.num_vehicles == 1 and inst.rounding == "nint"
        assert tsp.stem in opt
