"""Hostile inputs, one row each: exit code, a one-line message, no traceback, nothing destroyed (issue 13).

Every row of :data:`CASES` runs ``python -m netopt ...`` as a subprocess under a 2 GiB address-space
cap and a wall-clock cap (``_harness.run_case`` lists the checks every row gets). To add a case,
append a ``Case(id, args, code, message, files=..., ...)``; the inputs in ``_harness``
(``TINY_VRP``, ``TINY_ROUTES``, ``TINY_NET``, ``TINY_TRIPS``) are there to reuse. Rows that
need a solve use ``-s ortools`` (no Numba compilation) and short time limits.
"""

from __future__ import annotations

import os
import stat
import threading

import pytest
from _harness import TINY_NET, TINY_ROUTES, TINY_TRIPS, TINY_VRP, Case, run_case, tntp_net_text, vrplib_text

from netopt.exceptions import MissingDependencyError

# --- inputs ----------------------------------------------------------------------------------
HUGE_EXPLICIT = """NAME : huge
TYPE : CVRP
DIMENSION : 1000000000
EDGE_WEIGHT_TYPE : EXPLICIT
EDGE_WEIGHT_FORMAT : FULL_MATRIX
CAPACITY : 10
EDGE_WEIGHT_SECTION
0 1 1 0
DEMAND_SECTION
1 0
2 1
DEPOT_SECTION
1
-1
EOF
"""
HUGE_COORD = TINY_VRP.replace("4 10 10\n", "4 1e300 1e300\n")
# 20,000 cities: the file is 300 kB, its distance matrix 3 GiB (2 copies: 6 GiB) > the 2 GiB cap
BIG_TSP_SET = " ".join(f"{i % 997 / 997:.4f} {i % 991 / 991:.4f}" for i in range(20_000)) + " output 1 2 1\n"
#: 30,001 nodes by coordinates: its dense matrix would take 7.2 GB; read as points it fits the 2 GiB cap
XXL_VRP = vrplib_text("xxl", [(0.0, 0.0)] + [(i % 173, i // 173) for i in range(30_000)], [0] + [1] * 30_000, 100)
NET_1E9_NODES = TINY_NET.replace("<NUMBER OF NODES> 4", "<NUMBER OF NODES> 1e9")
NET_200K_ZONES = tntp_net_text(200_000, 200_000, [(1, 200_000, 1)])
TRIPS_200K = "<NUMBER OF ZONES> 200000\n<END OF METADATA>\nOrigin 1\n 2 : 1.0;\n"
DNDP_NO_TRIPS = TINY_NET.replace("<NUMBER OF LINKS> 5", "<NUMBER OF LINKS> 4\n<NUMBER OF NEW LINKS> 1").replace(
    "3 4 10 0 1 0.15 4 0 0 1 ;", "3 4 10 0 1 0.15 4 0 0 1 5 ;").replace("0 0 1 ;\n", "0 0 1 0 ;\n")
VRP = {"tiny.vrp": TINY_VRP}

#: PyVRP-dialect VRPTW with two vehicles of different capacity (TYPE SDVRPTW: times x1000)
RICH = """NAME: r
TYPE: SDVRPTW
DIMENSION: 5
VEHICLES: 2
EDGE_WEIGHT_TYPE: EUC_2D
NODE_COORD_SECTION
1 0 0
2 1 0
3 0 1
4 1 1
5 2 2
DEMAND_SECTION
1 0
2 1
3 1
4 1
5 1
TIME_WINDOW_SECTION
1 0 100
2 0 100
3 0 100
4 0 100
5 0 100
CAPACITY_SECTION
1 3
2 2
DEPOT_SECTION
1
-1
EOF
"""
LINEHAUL = "LINEHAUL_SECTION\n1 0\n2 1\n3 1\n4 1\n5 1\n"
ALLOWED = "VEHICLES_ALLOWED_CLIENTS_SECTION\n1 2 3\n2 3 4\n"
RELEASE = "RELEASE_TIME_SECTION\n1 0\n2 0\n3 200\n4 0\n5 0\n"
RICH_JSON_ZERO = ('{"format": "netopt-routing", "schema_version": 1, "name": "z", "distance": [[0, 1], [1, 0]], '
                  '"demands": [0, 1], "vehicle_types": [{"capacity": 5, "num_available": 0}]}')
ROUTES = {"tiny.vrp": TINY_VRP, "r.json": TINY_ROUTES}


def routes(visits: str) -> dict:
    return {"tiny.vrp": TINY_VRP, "r.json": '{"routes": %s}\n' % visits}


# --- setups and extra checks -----------------------------------------------------------------
def _symlink(folder):
    (folder / "target.json").write_text("old\n")
    (folder / "link.json").symlink_to("target.json")


def _symlink_kept(folder, res, _):
    assert (folder / "link.json").is_symlink(), "the symlink was replaced"
    assert '"routes"' in (folder / "target.json").read_text()


def _fifo(folder):
    os.mkfifo(folder / "pipe")
    got = []

    def read():
        with open(folder / "pipe", "rb") as f:
            got.append(f.read())

    t = threading.Thread(target=read, daemon=True)
    t.start()
    return t, got


def _fifo_kept(folder, res, extra):
    t, got = extra
    t.join(10)
    assert stat.S_ISFIFO(os.lstat(folder / "pipe").st_mode), "the FIFO was replaced"
    assert got and b'"routes"' in got[0]


def _dev_full_kept(folder, res, _):
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode), "/dev/full is no longer a device"


def _routes_on_stdout(folder, res, _):
    assert '"routes"' in res.stdout


def _best_written(folder, res, _):
    assert '"routes"' in (folder / "best.json").read_text()


def _rows_kept(folder, res, _):
    assert "tiny" in res.stdout and "error" in res.stdout


def _no_bool_metavar(folder, res, _):
    assert "--json" in res.stdout and "<bool>" not in res.stdout


def _runtime_within(limit: float):
    """The Result JSON on stdout reports a runtime within max(0.5 s, 5 %) of ``limit``."""

    def check(folder, res, _):
        import json

        r = json.loads(res.stdout)
        assert r["runtime_s"] <= limit + max(0.5, 0.05 * limit), r["runtime_s"]
        assert r["solution"] is None or r["solution"]["feasible"]

    return check


def _png_link_to_dev_full(folder):
    (folder / "full.png").symlink_to("/dev/full")


def _all_customers_once(folder, res, _):
    import json

    r = json.loads(res.stdout)
    visits = sorted(v for route in r["solution"]["routes"] for v in route["visits"])
    assert r["solution"]["feasible"] and visits == [2, 3, 4, 5], visits


CASES = [
    # 3. declared sizes are checked against the data and the memory before allocating
    Case("vrplib-dimension-1e9-explicit", ["info", "huge.vrp"], 2, "expected 1,000,000,000,000,000,000",
         files={"huge.vrp": HUGE_EXPLICIT}),
    Case("tsp-set-20k-cities-read-as-points", ["info", "big.txt"], 0, "from the coordinates (no matrix)",
         files={"big.txt": BIG_TSP_SET}, stream="stdout"),
    Case("vrplib-30k-nodes-read-as-points", ["info", "xxl.vrp"], 0, "from the coordinates (no matrix)",
         files={"xxl.vrp": XXL_VRP}, stream="stdout"),
    Case("tntp-nodes-1e9", ["assign", "net"], 2, "<NUMBER OF NODES>: says 1,000,000,000 but no link touches a node above 4",
         files={"net/x_net.tntp": NET_1E9_NODES, "net/x_trips.tntp": TINY_TRIPS}),
    Case("tntp-200k-zones", ["assign", "net"], 2, "for a 200,000 x 200,000 OD demand matrix",
         files={"net/x_net.tntp": NET_200K_ZONES, "net/x_trips.tntp": TRIPS_200K}),
    Case("fabric-leaves-1e7", ["fabric", "analyze", "--leaves", "10000000"], 2,
         "leaves: would need 9.2 PiB for a 10,000,000 x 10,000,000 leaf-pair matrix"),
    Case("fabric-leaf-pair-matrix-beyond-memory", ["fabric", "analyze", "--leaves", "20000", "--hosts-per-leaf", "1",
                                                   "--spines", "4", "--collective", "ring", "--no-cct"], 2,
         "would need 38.7 GiB for a 20,000 x 20,000 leaf-pair matrix of the aggregated model"),
    Case("fabric-fat-tree-k1000", ["fabric", "analyze", "--topology", "fat-tree", "--k", "1000"], 2, "would need"),
    # 4. --out writes through what is there instead of replacing it
    Case("out-dev-full", ["export", "tiny.vrp", "r.json", "--out", "/dev/full"], 1, "No space left on device",
         files=ROUTES, check=_dev_full_kept),
    Case("out-symlink-keeps-link", ["export", "tiny.vrp", "r.json", "--out", "link.json"], 0, "wrote link.json",
         files=ROUTES, setup=_symlink, check=_symlink_kept),
    Case("out-fifo-written-not-replaced", ["export", "tiny.vrp", "r.json", "--out", "pipe"], 0, "wrote pipe",
         files=ROUTES, setup=_fifo, check=_fifo_kept),
    Case("out-dash-is-stdout", ["export", "tiny.vrp", "r.json", "--out", "-"], 0, '"visits"', files=ROUTES,
         stream="stdout", absent=("-",), check=_routes_on_stdout),
    Case("out-unknown-suffix", ["solve", "tiny.vrp", "-s", "ortools", "-t", "0.2", "--out", "r.txt"], 2,
         "unknown output suffix '.txt'; valid: .json, .sol, .png", files=VRP, absent=("r.txt",)),
    Case("out-unknown-suffix-assign", ["assign", "net", "--out", "flows.txt"], 2,
         "unknown output suffix '.txt'; valid: .csv, .json", files={"net/x_net.tntp": TINY_NET, "net/x_trips.tntp": TINY_TRIPS},
         absent=("flows.txt",)),
    Case("out-parent-is-a-file", ["export", "tiny.vrp", "r.json", "--out", "r.json/x.json"], 2,
         "r.json is a file, not a folder", files=ROUTES, untouched=("r.json",)),
    Case("out-missing-folder", ["generate", "--out", "no/such/g.vrp", "-n", "5"], 2, "folder no/such does not exist",
         absent=("no",)),
    Case("out-kept-when-routes-invalid", ["export", "tiny.vrp", "bad.json", "--out", "keep.json"], 1,
         "not an integer node id", files={**VRP, "bad.json": '{"routes": [[5, 4, 2.9], [3]]}', "keep.json": "keep\n"},
         untouched=("keep.json",)),
    # 6. the validator refuses malformed routes instead of fixing them
    Case("validate-float-id", ["validate", "tiny.vrp", "r.json"], 1, "route 1: node 2.9 is not an integer node id",
         files=routes("[[5, 4, 2.9], [3]]")),
    Case("validate-depot-mid-route", ["validate", "tiny.vrp", "r.json"], 1,
         "route 1: the depot 1 in the middle of the route", files=routes("[[5, 4, 1, 3], [2]]")),
    Case("validate-foreign-id", ["validate", "tiny.vrp", "r.json"], 1, "node 99 is not a node id of instance tiny",
         files=routes("[[5, 4, 99], [3, 2]]")),
    Case("validate-string-id", ["validate", "tiny.vrp", "r.json"], 1, "node '5' is not an integer node id",
         files=routes('[["5", 4], [3, 2]]')),
    Case("validate-sol-float-id", ["validate", "tiny.vrp", "r.sol"], 1, "Route: non-integer customer",
         files={**VRP, "r.sol": "Route #1: 4 3 1.5\nRoute #2: 2\nCost 62\n"}),
    Case("initial-float-id-is-bad-input", ["solve", "tiny.vrp", "-s", "ortools", "-t", "1", "--initial", "r.json"], 2,
         "--initial r.json: route 1: node 2.9 is not an integer node id", files=routes("[[5, 4, 2.9], [3]]")),
    Case("validate-depot-at-both-ends-ok", ["validate", "tiny.vrp", "r.json"], 0, "valid", stream="stdout",
         files=routes("[[1, 5, 4, 1], [1, 3, 2, 1]]")),
    Case("validate-other-instance-warns", ["validate", "tiny.vrp", "r.json"], 0,
         "warning: r.json: the routes name instance 'X-n101-k25', not 'tiny'",
         files={**VRP, "r.json": TINY_ROUTES.replace('"tiny"', '"X-n101-k25"')}),
    # 8. fabric errors
    Case("fabric-one-leaf", ["fabric", "analyze", "--leaves", "1", "--no-cct"], 0, "spray", stream="stdout"),
    Case("fabric-bad-value-exit-2", ["fabric", "analyze", "--spines", "0"], 2, "spines: 0 is out of range"),
    # 9. smaller ones
    Case("version", ["--version"], 0, "netopt 0.1.0", stream="stdout"),
    Case("stdin-dash", ["info", "-", "--json"], 0, '"customers": 4', stdin=TINY_VRP, stream="stdout"),
    Case("stdin-dev-stdin-pipe", ["info", "/dev/stdin", "--json"], 0, '"customers": 4', stdin=TINY_VRP, stream="stdout"),
    Case("stdin-empty", ["info", "-"], 2, "DIMENSION: missing", stdin=""),
    Case("instance-dev-zero-capped", ["info", "/dev/zero"], 2, "more than 1.0 GiB of data, not a regular file",
         timeout=30),
    Case("interrupted-solve-exits-130", ["solve", "tiny.vrp", "-s", "ortools", "-t", "60", "--out", "best.json"], 130,
         "interrupted: returned the best solution found so far", files=VRP, interrupt_after=8.0,
         check=_best_written, timeout=40),
    Case("depot-foo-exit-2", ["generate", "--out", "g.vrp", "--depot", "foo", "-n", "5"], 2,
         "depot must be one of central, eccentric, random, got 'foo'", absent=("g.vrp",)),
    Case("device-cuda-without-cuda", ["nco", "train", "--device", "cuda", "--epochs", "1", "--size", "10",
                                      "--out", "m.pt"], 2, "--device cuda", env={"CUDA_VISIBLE_DEVICES": ""},
         absent=("m.pt",), timeout=90),
    Case("ndp-without-trips", ["ndp", "solve", "net/x_net.tntp", "--budget", "1"], 2, "no trips file beside it",
         files={"net/x_net.tntp": DNDP_NO_TRIPS}),
    Case("assign-folder-and-trips", ["assign", "net", "other_trips.tntp"], 2, "3 zones but the network has 2",
         files={"net/x_net.tntp": TINY_NET, "net/x_trips.tntp": TINY_TRIPS,
                "other_trips.tntp": TINY_TRIPS.replace("ZONES> 2", "ZONES> 3")}),
    Case("compare-keeps-finished-rows", ["compare", "tiny.vrp", "bad.vrp", "--solvers", "ortools", "-t", "0.2"], 2,
         "1 of 2 instance file(s) could not be read", files={**VRP, "bad.vrp": "NAME : bad\n"}, check=_rows_kept),
    Case("coordinate-1e300", ["info", "huge.vrp"], 2, "coordinates so large that distances overflow",
         files={"huge.vrp": HUGE_COORD}),
    Case("solve-no-blank-stderr", ["solve", "tiny.vrp", "-s", "ortools", "-t", "1", "--json"], 0, "", files=VRP),
    Case("help-flags-no-bool", ["info", "--help"], 0, "--json", stream="stdout", check=_no_bool_metavar),
    # 1. warm starts are checked at the boundary: repaired with a warning, or refused (HGS segfaulted on these)
    Case("initial-duplicate-customer-hgs", ["solve", "tiny.vrp", "-t", "1", "--max-iterations", "5", "--initial",
                                            "r.json", "--json"], 0,
         "warm start 1 of tiny: dropped 1 repeated visit (node 2); inserted 0 missing customers",
         files=routes("[[5, 4, 2], [3, 2]]"), check=_all_customers_once, timeout=400),  # may compile the kernels
    Case("initial-missing-customer-hgs", ["solve", "tiny.vrp", "-t", "1", "--max-iterations", "5", "--initial",
                                          "r.json", "--json"], 0,
         "dropped 0 repeated visits; inserted 1 missing customer (node 2)",
         files=routes("[[5, 4], [3]]"), check=_all_customers_once, timeout=400),
    Case("initial-missing-customer-ortools", ["solve", "tiny.vrp", "-s", "ortools", "-t", "1", "--initial", "r.json",
                                              "--json"], 0, "inserted 1 missing customer (node 2)",
         files=routes("[[5, 4], [3]]"), check=_all_customers_once),
    Case("initial-foreign-id-is-bad-input", ["solve", "tiny.vrp", "-s", "ortools", "-t", "1", "--initial", "r.json",
                                             "--out", "out.json"], 2, "node 9 is not a node id of instance tiny",
         files=routes("[[5, 4, 9], [3, 2]]"), absent=("out.json",)),
    # 2. parameter ranges are checked before any work (vehicles=-1 hung OR-Tools' fleet loop at 350 MB/s)
    Case("ortools-vehicles-negative", ["solve", "tiny.vrp", "-s", "ortools", "-p", "vehicles=-1", "--out", "o.json"], 2,
         "vehicles: -1 is out of range (valid: integer >= 1 or 0)", files=VRP, absent=("o.json",), timeout=30),
    # 5. time limits hold for the learned parts: the policy's rollouts stop at their deadline
    Case("nco-augment-8-time-limit", ["solve", "tiny.vrp", "-s", "nco", "-p", "augment=8", "-p", "samples=512",
                                      "-t", "1", "--json"], 0, "", files=VRP, stream="stdout",
         check=_runtime_within(1.0), timeout=120),
    Case("init-nco-time-limit", ["solve", "tiny.vrp", "-s", "ortools", "--init", "nco", "-p", "nco.augment=8",
                                 "-t", "1", "--json"], 0, '"nco_s"', files=VRP, stream="stdout",
         check=_runtime_within(1.0), timeout=120),
    # 7. every solver's and search's parameters are range-checked up front, exit 2 with the valid range
    Case("hgs-population-zero", ["solve", "tiny.vrp", "-s", "hgs", "-p", "population_size=0", "--out", "o.json"], 2,
         "population_size: 0 is out of range (valid: integer >= 2)", files=VRP, absent=("o.json",), timeout=30),
    Case("hgs-population-negative", ["solve", "tiny.vrp", "-s", "hgs", "-p", "population_size=-5"], 2,
         "population_size: -5 is out of range", files=VRP, timeout=30),
    Case("hgs-target-feasible-5", ["solve", "tiny.vrp", "-s", "hgs", "-p", "target_feasible=5"], 2,
         "target_feasible: 5.0 is out of range (valid: 0 <= number <= 1)", files=VRP, timeout=30),
    Case("hgs-unknown-mutation", ["solve", "tiny.vrp", "-s", "hgs", "-p", "mutation=5"], 2,
         "solver hgs: unknown parameter 'mutation'", files=VRP, timeout=30),
    Case("hgs-nb-elite-above-population", ["solve", "tiny.vrp", "-s", "hgs", "-p", "nb_elite=30"], 2,
         "nb_elite must be at most population_size", files=VRP, timeout=30),
    Case("ils-perturb-range", ["solve", "tiny.vrp", "-s", "ils", "-p", "min_perturb=9", "-p", "max_perturb=3"], 2,
         "min_perturb must be at most max_perturb", files=VRP, timeout=30),
    Case("ils-open-close-above-one", ["solve", "tiny.vrp", "-s", "ils", "-p", "open_route=0.7", "-p",
                                      "close_route=0.5"], 2, "open_route + close_route must be at most 1",
         files=VRP, timeout=30),
    Case("ils-history-negative", ["solve", "tiny.vrp", "-s", "ils", "-p", "history=-1"], 2,
         "history: -1 is out of range (valid: integer >= 0)", files=VRP, timeout=30),
    Case("generate-route-size-negative", ["generate", "--out", "g.vrp", "--route-size", "-1"], 2,
         "route_size must be a finite number of customers >= 1", absent=("g.vrp",)),
    Case("generate-beyond-memory", ["generate", "--out", "g.vrp", "-n", "1000000"], 2,
         "would need 21.8 TiB for a 1,000,001 x 1,000,001 distance matrix", absent=("g.vrp",)),
    Case("ndp-population-zero", ["ndp", "solve", "net", "--kind", "lanes", "--budget", "0.5", "-p", "population=0"], 2,
         "population: 0 is out of range (valid: integer >= 2)",
         files={"net/x_net.tntp": TINY_NET, "net/x_trips.tntp": TINY_TRIPS}),
    Case("ndp-elite-1000", ["ndp", "solve", "net", "--kind", "lanes", "--budget", "0.5", "-p", "elite=1000"], 2,
         "elite must be smaller than population", files={"net/x_net.tntp": TINY_NET, "net/x_trips.tntp": TINY_TRIPS}),
    Case("png-write-error-exit-1", ["export", "tiny.vrp", "r.json", "--out", "full.png"], 1,
         "No space left on device", files=ROUTES, setup=_png_link_to_dev_full),
    Case("usage-time-limit-zero-one-line", ["solve", "tiny.vrp", "-t", "0"], 2,
         "Invalid value for '--time-limit' / '-t'", files=VRP),
    Case("usage-unknown-option-one-line", ["solve", "tiny.vrp", "--bogus"], 2, "No such option: --bogus", files=VRP),
    Case("usage-missing-argument-one-line", ["validate", "tiny.vrp"], 2, "Missing argument", files=VRP),
    Case("seed-negative", ["solve", "tiny.vrp", "-s", "ortools", "--seed", "-1"], 2, "seed", files=VRP),
    # rich variants (issue 16): incompatible sections, impossible fleets and clients
    Case("rich-demand-and-linehaul", ["info", "r.vrp"], 2,
         "LINEHAUL_SECTION: give deliveries once", files={"r.vrp": RICH.replace("DEPOT_SECTION", LINEHAUL + "DEPOT_SECTION")}),
    Case("rich-tsp-with-prizes", ["info", "r.vrp"], 2, "PRIZE_SECTION: a TSP has one vehicle and no loads",
         files={"r.vrp": "NAME: t\nTYPE: TSP\nDIMENSION: 3\nEDGE_WEIGHT_TYPE: EUC_2D\nNODE_COORD_SECTION\n1 0 0\n"
                         "2 1 1\n3 2 0\nPRIZE_SECTION\n1 0\n2 1\n3 1\nEOF\n"}),
    Case("rich-absurd-vehicle-count", ["info", "r.vrp"], 2, "VEHICLES: 1,000,000,000,000,000,000 vehicles is absurd",
         files={"r.vrp": RICH.replace("VEHICLES: 2", "VEHICLES: 1e18")}),
    Case("rich-vehicle-type-zero-count", ["solve", "r.json", "-o", "out.json"], 2,
         "vehicle_types[0].num_available: must be a positive integer", files={"r.json": RICH_JSON_ZERO},
         absent=("out.json",)),
    Case("rich-client-no-vehicle-may-serve", ["solve", "r.vrp", "-s", "ortools", "-t", "1", "-o", "out.json"], 3,
         "customer 5 cannot be served: no vehicle type may serve it",
         files={"r.vrp": RICH.replace("DEPOT_SECTION", ALLOWED + "DEPOT_SECTION")}, absent=("out.json",)),
    Case("rich-release-after-depot-closes", ["solve", "r.vrp", "-t", "1", "-o", "out.json"], 3,
         "customer 3 cannot be served: its release time 200000 is after the depot closes (100000)",
         files={"r.vrp": RICH.replace("DEPOT_SECTION", RELEASE + "DEPOT_SECTION")}, absent=("out.json",)),
    Case("rich-hgs-refuses-vehicle-types", ["solve", "r.vrp", "-s", "hgs", "-t", "1"], 2,
         "solver hgs cannot solve r: it does not model vehicle_types", files={"r.vrp": RICH}),
    Case("rich-ortools-refuses-release-times", ["solve", "r.vrp", "-s", "ortools", "-t", "1", "-o", "out.json"], 2,
         "solver ortools cannot solve r: it does not model release_times",
         files={"r.vrp": RICH.replace("DEPOT_SECTION", RELEASE.replace("3 200", "3 5") + "DEPOT_SECTION")},
         absent=("out.json",)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: Case, tmp_path):
    run_case(case, tmp_path)


def test_case_ids_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_fabric_missing_dependency_exits_4(monkeypatch):
    """The fabric group maps errors like every group: a missing optional package is exit 4, not 2."""
    from typer.testing import CliRunner

    from netopt.cli import app
    from netopt.solvers import fabric

    def missing(**kw):
        raise MissingDependencyError('scipy is needed: pip install "netopt[fabric]"')

    monkeypatch.setattr(fabric, "build", missing)
    res = CliRunner().invoke(app, ["fabric", "analyze"])
    assert res.exit_code == 4, res.output
    assert "Traceback" not in res.output
