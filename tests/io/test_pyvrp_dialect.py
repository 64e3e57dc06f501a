"""PyVRP's VRPLIB dialect: typed tiny files for each rich variant, bad files, .sol alignment, and every
best-known solution of PyVRP's benchmark collection validated at its stated cost."""

import csv
import math

import numpy as np
import pytest

from netopt.exceptions import InstanceFormatError, InvalidSolutionError
from netopt.io import format_sol, load_instance, read_routes, read_sol
from netopt.model import RoutingSolution
from netopt.validate import check_routes, cost_matches
from tests.support import MD_HF, MT_PC, datasets_dir

def write(tmp_path, text, name="x.vrp"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_multi_depot_heterogeneous_fleet(tmp_path):
    inst = load_instance(write(tmp_path, MD_HF))
    assert inst.num_depots == 2 and inst.num_customers == 4 and inst.rounding == "x1000"
    assert inst.distance[0, 1] == 10_000 and inst.variant == "mdhfvrptw" or inst.variant.startswith("mdhf")
    types = inst.vehicle_types
    assert [(t.capacity, t.start_depot, t.fixed_cost, t.num_available) for t in types] == \
        [(10, 0, 100_000.0, 1), (10, 1, 100_000.0, 1), (5, 0, 50_000.0, 1)]
    assert inst.fleet is None or list(inst.fleet) == [0, 1, 2]
    # Route #k is vehicle k: vehicle 2 (type 1) starts at depot 2
    sol, cost = read_sol(write(tmp_path, "Route #1: 2 3\nRoute #2: 4 5\nRoute #3:\nCost: 208000\n", "x.sol"), inst)
    assert sol.vehicle_types == (0, 1)
    rep = check_routes(inst, sol.routes, cost, sol.vehicle_types)
    assert rep.feasible, rep.violations  # (100 + 4) + (100 + 4), times 1000
    with pytest.raises(InvalidSolutionError, match="no vehicle 4"):
        read_sol(write(tmp_path, "Route #4: 2\n", "y.sol"), inst)


def test_sol_round_trip_keeps_vehicles_aligned(tmp_path):
    text = MD_HF.replace("1 1\n2 2\n3 1\nDEPOT", "1 2\n2 1\n3 1\nDEPOT")  # vehicle 1 at depot 2 now
    inst = load_instance(write(tmp_path, text))
    assert inst.vehicle_type_of(0) != inst.vehicle_type_of(1)
    sol = RoutingSolution(inst, [[2, 3], [4, 5]], [inst.vehicle_type_of(1), inst.vehicle_type_of(0)])
    assert sol.is_feasible, sol.violations()
    back, cost = read_sol(write(tmp_path, format_sol(sol), "r.sol"), inst)
    # read back in vehicle order: the same routes on the same vehicle types
    assert set(zip(back.routes, back.vehicle_types)) == set(zip(sol.routes, sol.vehicle_types)) and cost == sol.cost
    js = write(tmp_path, __import__("json").dumps(sol.to_dict()), "r.json")
    again, claimed = read_routes(js, inst)
    assert again.routes == sol.routes and again.vehicle_types == sol.vehicle_types and claimed == sol.cost


def test_prizes_release_times_reloads_and_allowed_clients(tmp_path):
    inst = load_instance(write(tmp_path, MT_PC))
    assert inst.rounding == "x10" and inst.distance[0, 1] == 50  # 5 units, times 10
    assert set(inst.features) >= {"prizes", "release_times", "reloads", "allowed_clients"}
    assert list(inst.required) == [True, True, True, True, False] and inst.prizes[4] == 90
    assert inst.service_times.tolist() == [0, 10, 10, 10, 10] and inst.release_times[2] == 200
    t0, t1 = inst.vehicle_types
    assert t0.reload_depots == (0,) and t1.allowed_clients == (1, 3)
    # vehicle 1: client 2, reload, clients 3 and 4 (the second trip waits for client 3's release)
    sol, _ = read_sol(write(tmp_path, "Route #1: 1 0 2 3\nRoute #2:\n", "m.sol"), inst)
    rep = check_routes(inst, sol.routes, None, sol.vehicle_types)
    assert rep.feasible, rep.violations
    # 0-1-0: 50 + 50; 0-2-3-0: 50 + trunc(10 * sqrt(45)) + 100; client index 4 skipped: its prize 90
    assert math.isclose(rep.cost, 50 + 50 + 50 + 67 + 100 + 90) and rep.uncollected_prizes == 90
    assert "may not serve customer 3" in check_routes(inst, [[2]], None, [1]).violations[0]


def test_backhauls_put_linehauls_first(tmp_path):
    text = MT_PC.replace("TYPE: MTVRPTWR", "TYPE: VRPB").replace("RELEASE_TIME_SECTION", "BACKHAUL_SECTION")
    text = text.replace("BACKHAUL_SECTION\n1 0\n2 0\n3 20\n", "BACKHAUL_SECTION\n1 0\n2 0\n3 5\n")
    inst = load_instance(write(tmp_path, text))
    assert inst.linehauls_first and inst.pickups.tolist() == [0, 0, 5, 0, 0]


@pytest.mark.parametrize("change, field, message", [
    (("CAPACITY_SECTION\n1 10\n2 10\n3 5\n", "CAPACITY_SECTION\n1 10\n2 10\n"), "CAPACITY_SECTION", "2 rows for VEHICLES 3"),
    (("3 5\nVEHICLES_FIXED", "4 5\nVEHICLES_FIXED"), "CAPACITY_SECTION", "vehicle 4 is not one of 1..3"),
    (("VEHICLES_DEPOT_SECTION\n1 1\n", "VEHICLES_DEPOT_SECTION\n1 3\n"), "VEHICLES_DEPOT_SECTION", "3 is not a depot"),
    (("VEHICLES: 3\n", ""), "VEHICLES", "missing"),
    (("DEPOT_SECTION\n1\n2\n", "DEPOT_SECTION\n1\n3\n"), "DEPOT_SECTION", "must be the first 2 nodes"),
    (("VEHICLES_FIXED_COST_SECTION\n1 100", "VEHICLES_FIXED_COST_SECTION\n1 -100"), "VEHICLES_FIXED_COST_SECTION",
     "negative value"),
    (("TYPE: MDVRPTW", "TYPE: FANCYVRP"), "TYPE", "unsupported problem type"),
])
def test_bad_vehicle_data_names_the_field(tmp_path, change, field, message):
    with pytest.raises(InstanceFormatError) as e:
        load_instance(write(tmp_path, MD_HF.replace(*change)))
    assert f"{field}: " in str(e.value) and message in str(e.value), str(e.value)


def test_reload_stop_must_be_a_depot_and_allowed_clients_not_depots(tmp_path):
    with pytest.raises(InstanceFormatError, match="VEHICLES_RELOAD_DEPOT_SECTION: a reload stop must be a depot"):
        load_instance(write(tmp_path, MT_PC.replace("VEHICLES_RELOAD_DEPOT_SECTION\n1 1", "VEHICLES_RELOAD_DEPOT_SECTION\n1 2")))
    with pytest.raises(InstanceFormatError, match="lists a depot among the allowed clients"):
        load_instance(write(tmp_path, MT_PC.replace("2 2 4\nDEPOT", "2 1 4\nDEPOT")))


# ----------------------------------------------------------------------------- shared datasets
FOLDERS = ["HFVRP", "MDVRPTW", "PCVRPTW", "VRPB", "MTVRPTWR", "SDVRPTW"]


def _stated_matches(vrp, sol, stated, cost):
    """PyVRP's HFVRP .sol files state the cost either in the file's units (distances x1000, costs x100 as
    stored: ``pyvrp.read(.., "exact")``) or in the literature's: unrounded distances and the costs divided
    by 100 (two decimals). Every other folder states it in the file's units."""
    if vrp.parent.name == "HFVRP" and stated < cost / 1e3:
        plain = load_instance(vrp, rounding="none")
        return cost_matches(stated, check_routes(plain, sol.routes, None, sol.vehicle_types).cost / 100)
    return stated == cost


@pytest.mark.slow
@pytest.mark.datasets
@pytest.mark.parametrize("folder", FOLDERS)
def test_every_pyvrp_bks_validates_at_its_stated_cost(folder):
    path = datasets_dir("pyvrp") / folder
    bks = {r["instance"]: float(r["bks"]) for r in csv.DictReader(open(path / "BKS.csv"))}
    checked = 0
    for vrp in sorted(path.glob("*.vrp")):
        inst = load_instance(vrp)
        sol, stated = read_sol(vrp.with_suffix(".sol"), inst)
        rep = check_routes(inst, sol.routes, None, sol.vehicle_types)
        assert rep.feasible, (vrp.name, rep.violations[:3])
        assert _stated_matches(vrp, sol, stated, rep.cost), (vrp.name, stated, rep.cost)
        assert _stated_matches(vrp, sol, bks[vrp.stem], rep.cost), (vrp.name, bks[vrp.stem], rep.cost)
        checked += 1
    assert checked == len(bks) > 0


@pytest.mark.datasets
@pytest.mark.parametrize("folder", FOLDERS)
def test_costs_agree_with_pyvrp(folder, tmp_path):
    """Where PyVRP is installed (a benchmark-only dependency): PyVRP reads the same instance and our
    ``.sol`` of the best-known solution, and its cost equals ours (the reference behaviour)."""
    pyvrp = pytest.importorskip("pyvrp")
    path = datasets_dir("pyvrp") / folder
    vrp = min(path.glob("*.vrp"), key=lambda p: p.stat().st_size)
    inst = load_instance(vrp)
    sol, _ = read_sol(vrp.with_suffix(".sol"), inst)
    ours = write(tmp_path, format_sol(sol), "ours.sol")
    convention = {"x10": "dimacs", "x1000": "exact", "nint": "round"}[inst.rounding]
    data = pyvrp.read(vrp, convention)
    theirs = pyvrp.read_solution(ours, data)
    assert theirs.is_feasible()
    assert pyvrp.CostEvaluator([0] * data.num_load_dimensions, 0, 0).cost(theirs) == pytest.approx(sol.cost, abs=1e-6)
    assert np.isclose(sol.cost, check_routes(inst, sol.routes, None, sol.vehicle_types).cost)


@pytest.mark.parametrize("text", [MD_HF, MT_PC])
def test_instance_json_holds_the_rich_model(tmp_path, text):
    from netopt.io import instance_to_json

    inst = load_instance(write(tmp_path, text))
    again = load_instance(write(tmp_path, instance_to_json(inst), "i.json"))
    assert again.vehicle_types == inst.vehicle_types and again.features == inst.features
    for field in ("demands", "pickups", "release_times", "prizes", "required", "distance", "time_windows"):
        a, b = getattr(inst, field), getattr(again, field)
        assert (a is None and b is None) or np.array_equal(a, b), field


def test_instance_json_vehicle_type_errors_name_the_field(tmp_path):
    import json

    from netopt.io import instance_to_json

    d = json.loads(instance_to_json(load_instance(write(tmp_path, MD_HF))))
    d["vehicle_types"][1]["colour"] = "red"
    with pytest.raises(InstanceFormatError, match=r"vehicle_types\[1\].colour: unknown field"):
        load_instance(write(tmp_path, json.dumps(d), "b.json"))
    d["vehicle_types"][1].pop("colour")
    d["vehicle_types"][1]["num_available"] = 0
    with pytest.raises(InstanceFormatError, match=r"vehicle_types\[1\].num_available: must be a positive integer"):
        load_instance(write(tmp_path, json.dumps(d), "c.json"))


def test_export_draws_a_rich_solution(tmp_path):
    """`netopt export` of a multi-depot, heterogeneous solution with a skipped optional client to PNG."""
    from typer.testing import CliRunner

    from netopt.cli import app

    inst_path = write(tmp_path, MD_HF.replace("TYPE: MDVRPTW", "TYPE: MDVRPTW\nCOMMENT: plot"))
    sol = write(tmp_path, "Route #1: 2 3\nRoute #2: 4 5\nRoute #3:\n", "x.sol")
    res = CliRunner().invoke(app, ["export", str(inst_path), str(sol), "--out", str(tmp_path / "r.png")])
    assert res.exit_code == 0, res.output
    data = (tmp_path / "r.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
