"""The CLI through typer's CliRunner, plus real subprocess runs (one of them interrupted with Ctrl-C)."""

import json
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from support import MD_HF, datasets_dir
from netopt.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def commands(group=app, prefix=()):
    import typer.main

    cmd = typer.main.get_command(group)
    out = []

    def walk(c, path):
        out.append(path)
        for name, sub in getattr(c, "commands", {}).items():
            walk(sub, (*path, name))

    walk(cmd, prefix)
    return out


@pytest.mark.parametrize("path", commands(), ids=lambda p: " ".join(p) or "netopt")
def test_every_command_has_help(path):
    res = run(*path, "--help")
    assert res.exit_code == 0 and "Usage" in res.output
    assert len(res.output.strip().splitlines()) > 3


def test_solve_json_and_routes_file(tmp_path, cvrp_file):
    out = tmp_path / "r.json"
    res = run("solve", cvrp_file, "--solver", "ortools", "-t", "1", "--json", "--out", out, "-q")
    assert res.exit_code == 0, res.output
    result = json.loads(res.stdout)
    assert result["schema_version"] == 1 and result["solver"] == "ortools" and result["status"] in ("time_limit", "feasible")
    routes = json.loads(out.read_text())
    assert sorted(v for r in routes["routes"] for v in r["visits"]) == [2, 3, 4, 5]  # file node ids
    assert routes["cost"] == result["objective"]
    val = run("validate", cvrp_file, out)
    assert val.exit_code == 0 and "valid" in val.stdout


def test_solve_table_result_file_and_sol_export(tmp_path, vrptw_file):
    res_file = tmp_path / "res.json"
    res = run("solve", vrptw_file, "-s", "ortools", "-t", "1", "--result", res_file, "-q")
    assert res.exit_code == 0 and "objective" in res.stdout
    sol = tmp_path / "r.sol"
    exp = run("export", vrptw_file, res_file, "--out", sol)
    assert exp.exit_code == 0 and sol.read_text().startswith("Route #1:")
    assert run("validate", vrptw_file, sol).exit_code == 0
    png = tmp_path / "r.png"
    assert run("export", vrptw_file, sol, "--out", png).exit_code == 0 and png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("suffix", [".sol", ".json"])
def test_solve_out_keeps_each_routes_vehicle_type(tmp_path, suffix):
    """With several vehicle types, ``solve --out`` writes which type drives each route (``.sol``: route k is
    vehicle k; route JSON: ``vehicle_type``): the file reads back feasible at the solver's objective, and
    ``validate`` checks it with those types."""
    from netopt.io import load_instance, read_routes

    path = tmp_path / "md.vrp"
    path.write_text(MD_HF)
    out = tmp_path / f"r{suffix}"
    res = run("solve", path, "-t", "5", "--max-iterations", "200", "--json", "--out", out, "-q")
    assert res.exit_code == 0, res.output
    sol, _ = read_routes(out, load_instance(path))
    assert sol.is_feasible, sol.violations()
    assert sol.cost == pytest.approx(json.loads(res.stdout)["objective"])
    assert run("validate", path, out).exit_code == 0


def test_validate_rejects_bad_routes(tmp_path, cvrp_file):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"routes": [[2, 3, 4, 5]]}))  # load 17 > capacity 10
    res = run("validate", cvrp_file, bad, "--json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert not data["feasible"] and any("exceeds capacity" in v for v in data["violations"])


def test_info_and_solvers(cvrp_file):
    info = json.loads(run("info", cvrp_file, "--json").stdout)
    assert info["customers"] == 4 and info["capacity"] == 10 and info["rounding"] == "nint"
    solvers = json.loads(run("solvers", "--json").stdout)
    assert "ortools" in {s["name"] for s in solvers}
    assert all(p["help"] for s in solvers for p in s["params"].values())


def test_solvers_compile_prepares_the_named_solvers_only(monkeypatch):
    from netopt.solvers import available_solvers

    called = []
    for name, cls in available_solvers().items():
        monkeypatch.setattr(cls, "prepare", lambda self, params=None, instance=None, name=name: called.append(name) or 0.5)
    res = run("solvers", "hgs", "ils", "--compile", "--json")
    assert res.exit_code == 0, res.output
    assert sorted(called) == ["hgs", "ils"] and "ils: ready (0.5 s)" in res.stderr
    assert sorted(s["name"] for s in json.loads(res.stdout)) == ["hgs", "ils"]
    res = run("solvers", "nosuch", "--compile")
    assert res.exit_code == 2 and "unknown solver 'nosuch'" in res.stderr and sorted(called) == ["hgs", "ils"]


def test_compare_prints_gap(tmp_path, cvrp_file):
    (tmp_path / "tiny.sol").write_text("Route #1: 1 2\nRoute #2: 3 4\nCost 22\n")
    res = run("compare", cvrp_file, "--solvers", "ortools", "-t", "1", "--json")
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.stdout)
    assert row["bks"] == 22 and row["gap_percent"] == pytest.approx(100 * (row["objective"] - 22) / 22)


def test_generate_then_solve(tmp_path):
    inst = tmp_path / "g.vrp"
    assert run("generate", "--out", inst, "--customers", "15", "--seed", "3", "--layout", "clustered").exit_code == 0
    info = json.loads(run("info", inst, "--json").stdout)
    assert info["customers"] == 15 and info["rounding"] == "nint"
    bad = run("generate", "--out", tmp_path / "b.vrp", "--layout", "spiral")
    assert bad.exit_code != 0 and "random, clustered, mixed" in bad.stderr and not (tmp_path / "b.vrp").exists()


@pytest.mark.parametrize(
    "args, message, code",
    [
        (["solve", "{missing}"], "no such file", 2),
        (["solve", "{bad}"], "DEMAND_SECTION: non-numeric value 'x'", 2),
        (["solve", "{inst}", "--solver", "gurobi"], "unknown solver 'gurobi' (available:", 2),
        (["solve", "{inst}", "-s", "ortools", "-p", "speed=3"], "unknown parameter 'speed'", 2),
        (["solve", "{inst}", "-p", "oops"], "expected KEY=VALUE", 2),
        (["solve", "{inst}", "--out", "/nonexistent/dir/r.json"], "does not exist", 2),  # issue 13: an unusable output path is usage (2)
        (["solve", "{infeasible}", "-s", "ortools"], "has demand 50 above the vehicle capacity 10", 3),
        (["validate", "{inst}", "{garbage}"], "expected 'Route #k: ...'", 2),
    ],
)
def test_bad_input_one_line_error_no_traceback(tmp_path, cvrp_file, args, message, code):
    bad = tmp_path / "bad.vrp"
    bad.write_text(cvrp_file.read_text().replace("3 5\n", "3 x\n"))
    infeasible = tmp_path / "inf.vrp"
    infeasible.write_text(cvrp_file.read_text().replace("3 5\n", "3 50\n"))
    garbage = tmp_path / "g.sol"
    garbage.write_text("hello\n")
    subst = dict(missing=tmp_path / "none.vrp", bad=bad, inst=cvrp_file, infeasible=infeasible, garbage=garbage)
    res = run(*[a.format(**subst) for a in args])
    assert res.exit_code == code, res.output
    assert message in res.stderr and "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_no_partial_output_on_failure(tmp_path, cvrp_file):
    out = tmp_path / "r.json"
    bad = tmp_path / "bad.vrp"
    bad.write_text("NAME : x\nTYPE : CVRP\n")
    assert run("solve", bad, "--out", out).exit_code != 0
    assert not out.exists() and not list(tmp_path.glob(".r.json*"))


def _cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "netopt", *map(str, args)], capture_output=True, text=True, **kw)


def test_real_subprocess_solve_and_validate(tmp_path, cvrp_file):
    out = tmp_path / "r.json"
    p = _cli("solve", cvrp_file, "-s", "ortools", "-t", "1", "--out", out, "--json", timeout=120)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["objective"] == json.loads(out.read_text())["cost"]
    assert _cli("validate", cvrp_file, out, timeout=60).returncode == 0


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_returns_best_solution_so_far(tmp_path):
    folder = datasets_dir("cvrp")
    out = tmp_path / "r.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "netopt", "solve", str(folder / "X-n101-k25.vrp"), "-s", "ortools", "-t", "60",
         "--json", "-q", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(6)
    t0 = time.time()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    assert time.time() - t0 < 10
    result = json.loads(stdout)
    assert result["status"] == "interrupted" and result["objective"] > 0, stderr
    assert json.loads(out.read_text())["feasible"]
    assert _cli("validate", folder / "X-n101-k25.vrp", out, timeout=60).returncode == 0


def test_acceptance_solve_x_and_solomon_with_file_ids(tmp_path):
    """The foundation issue's acceptance: OR-Tools 5 s on X-n101-k25 and a Solomon instance."""
    for inst, depot in ((datasets_dir("cvrp") / "X-n101-k25.vrp", 1), (datasets_dir("vrptw") / "solomon" / "R101.vrp", 1)):
        out = tmp_path / f"{inst.stem}.json"
        res = run("solve", inst, "--solver", "ortools", "--time-limit", "5", "--out", out, "-q")
        assert res.exit_code == 0, res.output
        visits = sorted(v for r in json.loads(out.read_text())["routes"] for v in r["visits"])
        assert visits == list(range(depot + 1, depot + 101))
        assert run("validate", inst, out).exit_code == 0


def test_live_bar_shows_iterations_per_second_and_gap_to_best_known():
    from netopt.cli.routing import _progress_fn
    from netopt.solvers.base import SearchState

    seen = {}

    class Bar:
        def update(self, task, **kw):
            seen.update(kw)

    state = SearchState(10.0)
    state.start -= 2.0  # two seconds in
    state.iterations = 3000
    state.best_cost = 1010.0
    _progress_fn(Bar(), 0, 10.0, bks=1000.0)(state)
    assert seen["best"] == "1,010 (+1.00 % vs BKS)"
    rate = int(seen["it"].split("(")[1].split("/")[0].replace(",", ""))
    assert seen["it"].startswith("3,000 (") and 1400 <= rate <= 1500
    _progress_fn(Bar(), 0, 10.0)(state)
    assert seen["best"] == "1,010"
