"""netopt bench: the Dask engine, the VRP runner (resume, errors, table) and the CLI sub-app.

One 2-worker LocalCluster (module fixture) serves the library tests; instances are tiny
generated CVRPs written to VRPLIB, so no shared data is needed. Solvers: two parameter sets
of OR-Tools (always registered), time limit 0.5 s.
"""

from __future__ import annotations

import json
import os
import shutil
import sys

import pytest
from typer.testing import CliRunner

from netopt.bench import (
    BenchError, Outcome, SolverSpec, parse_seeds, parse_solvers, resolve_instances, run_benchmark, run_tasks,
)
from netopt.bench.runner import _record, plan_runs, solve_task, warmup_task
from netopt.bench.table import COLUMNS, collect, gap_pct, summarize
from netopt.cli.bench import app
from netopt.datasets import generate_cvrp
from netopt.exceptions import MissingDependencyError, SolverParameterError, UnknownSolverError
from netopt.io import format_vrplib

TL = 0.5
SOLVERS = "ortools,ortools:first_solution=SAVINGS"
BKS_G8 = 500.0  # a made-up best-known value for g8 (its .sol), so the gap column is exercised


@pytest.fixture(scope="module")
def instance_dir(tmp_path_factory):
    """3 generated CVRPs (8, 10, 12 customers), a .sol with a Cost for g8 only, and one corrupt
    file (bad.vrp: DIMENSION is not a number) whose runs must end as status error."""
    d = tmp_path_factory.mktemp("instances")
    for n, seed in ((8, 0), (10, 1), (12, 2)):
        (d / f"g{n}.vrp").write_text(format_vrplib(generate_cvrp(n, seed=seed, name=f"g{n}")))
    (d / "g8.sol").write_text(f"Route #1: 2 3\nCost {BKS_G8:g}\n")
    (d / "bad.vrp").write_text("NAME : bad\nTYPE : CVRP\nDIMENSION : x\n")
    return d


@pytest.fixture(scope="module")
def client():
    """A 2-worker local Dask cluster (processes, one thread each)."""
    from netopt.bench import dask_client

    with dask_client(workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def bench(instance_dir, client, tmp_path_factory):
    """One benchmark: 4 instances x 2 OR-Tools settings x seed 0 = 8 runs (2 of them errors)."""
    out = tmp_path_factory.mktemp("bench") / "res"
    specs = parse_solvers(SOLVERS)
    res = run_benchmark(resolve_instances(str(instance_dir)), specs, [0], TL, out, client=client)
    return res


def _copy(bench, tmp_path):
    dst = tmp_path / "res"
    shutil.copytree(bench.out, dst)
    return dst


# ---------------------------------------------------------------- parsing


def test_parse_seeds():
    assert parse_seeds("0..4") == [0, 1, 2, 3, 4]
    assert parse_seeds("0,2,5") == [0, 2, 5]
    assert parse_seeds("0..1,7,1") == [0, 1, 7]
    for bad in ("", "a", "3..1", "0..x"):
        with pytest.raises(BenchError):
            parse_seeds(bad)


def test_parse_solvers_checks_the_registry():
    specs = parse_solvers(SOLVERS)
    assert [s.label for s in specs] == ["ortools", "ortools:first_solution=SAVINGS"]
    assert specs[1] == SolverSpec("ortools:first_solution=SAVINGS", "ortools", {"first_solution": "SAVINGS"})
    with pytest.raises(UnknownSolverError, match="available"):
        parse_solvers("nope")
    with pytest.raises(SolverParameterError):
        parse_solvers("ortools:bogus=1")
    with pytest.raises(SolverParameterError):
        parse_solvers("ortools:first_solution=NOPE")
    with pytest.raises(BenchError):
        parse_solvers("ortools,ortools")


def test_resolve_instances(instance_dir, tmp_path):
    files = resolve_instances(str(instance_dir))
    assert [f.name for f in files] == ["bad.vrp", "g8.vrp", "g10.vrp", "g12.vrp"]  # natural order
    assert [f.name for f in resolve_instances(str(instance_dir / "g1*.vrp"))] == ["g10.vrp", "g12.vrp"]
    assert len(resolve_instances([str(instance_dir / "g8.vrp"), str(instance_dir / "g8.vrp")])) == 1
    with pytest.raises(BenchError, match="matches no instance"):
        resolve_instances(str(tmp_path / "*.vrp"))
    (tmp_path / "g8.vrp").write_text("x")
    with pytest.raises(BenchError, match="two instances are named g8"):
        resolve_instances([str(instance_dir / "g8.vrp"), str(tmp_path / "g8.vrp")])


# ---------------------------------------------------------------- engine


def test_run_tasks_in_process():
    got = {o.index: (o.value, o.error) for o in run_tasks(divmod, [(7, 2), (1, 0)])}
    assert got[0] == ((3, 1), None)
    assert isinstance(got[1][1], ZeroDivisionError)


def test_run_tasks_on_cluster(client):
    outs = list(run_tasks(divmod, [(7, 2), (9, 4), (1, 0)], client, retries=0))
    assert sorted(o.index for o in outs) == [0, 1, 2]
    by = {o.index: o for o in outs}
    assert by[0].value == (3, 1) and by[1].value == (2, 1) and by[1].args == (9, 4)
    assert by[2].value is None and isinstance(by[2].error, ZeroDivisionError)


def test_missing_dask_says_how_to_install(monkeypatch):
    from netopt.bench import require_dask

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "netopt\[dist\]"'):
        require_dask()


def test_unreachable_scheduler():
    from netopt.parallel import ParallelError, dask_client

    with pytest.raises(ParallelError, match="cannot reach"):
        with dask_client(scheduler="tcp://127.0.0.1:9", timeout=1):
            pass


# ---------------------------------------------------------------- runner


def test_solve_task_returns_a_result_dict_or_an_error_result(instance_dir):
    d = solve_task(str(instance_dir / "g8.vrp"), "ortools", 1.0, 0, {})  # 1 s: room on a loaded machine
    assert d["status"] in ("time_limit", "feasible", "optimal") and d["objective"] > 0
    assert d["extra"]["bench"]["n"] == 8 and d["extra"]["bench"]["pid"] == os.getpid()
    e = solve_task(str(instance_dir / "bad.vrp"), "ortools", 0.2, 0, {})
    assert e["status"] == "error" and "DIMENSION" in e["message"] and e["instance"] == "bad"
    e = solve_task(str(instance_dir / "g8.vrp"), "ortools", 0.2, 0, {"vehicles": "many"})
    assert e["status"] == "error" and "vehicles" in e["message"]
    assert warmup_task(["ortools"], iterations=5)["ortools"] >= 0


def test_a_task_lost_on_the_cluster_is_recorded(instance_dir, tmp_path):
    run = plan_runs([instance_dir / "g8.vrp"], parse_solvers("ortools"), [3], TL, tmp_path)[0]
    d = _record(run, Outcome(0, run.args, None, RuntimeError("worker died 3 times")))
    assert d["status"] == "error" and "worker died" in d["message"] and d["seed"] == 3
    assert d["extra"]["bench"]["label"] == "ortools" and d["extra"]["bench"]["bks"] == BKS_G8


def test_benchmark_runs_everything_on_workers(bench):
    assert bench.planned == 8 and len(bench.executed) == 8 and bench.skipped == 0
    assert bench.errors == 2
    files = sorted(p.name for p in (bench.out / "runs").glob("*.json"))
    assert len(files) == 8 and "g8__ortools-first_solution=SAVINGS__s0.json" in files
    for f in (bench.out / "runs").glob("*.json"):
        d = json.loads(f.read_text())
        assert d["schema_version"] == 1 and d["extra"]["bench"]["time_limit"] == TL
        assert d["extra"]["bench"]["pid"] != os.getpid()  # solved on a worker, not here


def test_table(bench):
    lines = (bench.out / "results.csv").read_text().splitlines()
    assert lines[0].split(",") == COLUMNS and len(lines) == 9
    rows = collect(bench.out)
    assert len(rows) == 8 and {r["solver"] for r in rows} == {"ortools", "ortools:first_solution=SAVINGS"}
    for r in rows:
        if r["instance"] == "bad":
            assert r["status"] == "error" and not r["feasible"] and "DIMENSION" in r["message"]
        else:
            assert r["feasible"] and r["objective"] > 0 and r["n"] in (8, 10, 12)
        if r["instance"] == "g8":
            assert r["bks"] == BKS_G8 and r["gap_pct"] == pytest.approx(100 * (r["objective"] - BKS_G8) / BKS_G8)
        else:
            assert r["bks"] is None and r["gap_pct"] is None
    s = {x["solver"]: x for x in summarize(rows)}
    assert s["ortools"]["runs"] == 4 and s["ortools"]["errors"] == 1 and s["ortools"]["feasible_pct"] == 75.0
    assert s["ortools"]["gap_mean_pct"] == pytest.approx(next(r["gap_pct"] for r in rows if r["instance"] == "g8" and r["solver"] == "ortools"))
    try:
        import pyarrow.parquet as pq
    except ImportError:
        assert not (bench.out / "results.parquet").exists()
    else:
        assert pq.read_table(bench.out / "results.parquet").num_rows == 8


def test_resume_runs_only_what_is_missing(bench, instance_dir, client, tmp_path):
    out = _copy(bench, tmp_path)
    runs = out / "runs"
    (runs / "g10__ortools__s0.json").unlink()  # lost
    (runs / "g12__ortools-first_solution=SAVINGS__s0.json").write_text('{"schema_version": 1, "stat')  # torn
    before = {p.name: p.stat().st_mtime_ns for p in runs.glob("*.json")}
    res = run_benchmark(resolve_instances(str(instance_dir)), parse_solvers(SOLVERS), [0], TL, out, client=client)
    assert sorted(f"{r.instance.stem}/{r.solver.label}" for r in res.executed) == [
        "g10/ortools", "g12/ortools:first_solution=SAVINGS"]
    assert res.skipped == 6 and len(res.rows) == 8 and len(res.planned_rows) == 8
    for name, t in before.items():  # finished runs (errors included) untouched
        if not name.startswith("g12__ortools-first"):
            assert (runs / name).stat().st_mtime_ns == t
    res = run_benchmark(resolve_instances(str(instance_dir)), parse_solvers(SOLVERS), [0], TL, out, client=client,
                        retry_errors=True, warmup=False)
    assert sorted(r.instance.stem for r in res.executed) == ["bad", "bad"] and res.errors == 2


def test_other_time_limit_in_the_same_folder_is_refused(bench, instance_dir, tmp_path):
    out = _copy(bench, tmp_path)
    with pytest.raises(BenchError, match="--time-limit 0.5"):
        run_benchmark(resolve_instances(str(instance_dir)), parse_solvers("ortools"), [0], 2.0, out)


# ---------------------------------------------------------------- CLI

runner = CliRunner(env={"COLUMNS": "200"})  # wide enough that labels are not cut in tables


def test_cli_help():
    for args in ([], ["run"], ["report"], ["suites"]):
        r = runner.invoke(app, [*args, "--help"])
        assert r.exit_code == 0 and "Usage" in r.output


def test_cli_run_resumes_and_prints_the_summary(bench, instance_dir, tmp_path):
    out = _copy(bench, tmp_path)
    r = runner.invoke(app, ["run", str(instance_dir), "--solvers", SOLVERS, "-t", str(TL), "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert "ran 0 (0 errors), skipped 8" in r.output and "ortools:first_solution=SAVINGS" in r.output
    r = runner.invoke(app, ["run", str(instance_dir / "g8.vrp"), "--solvers", "ortools", "-t", str(TL),
                            "--seeds", "0..1", "-w", "1", "--out", str(out), "-q", "--json"])
    assert r.exit_code == 0, r.output
    assert "ran 1 (0 errors), skipped 1" in r.output
    summary = json.loads(r.stdout[r.stdout.index("["):])
    assert (out / "runs" / "g8__ortools__s1.json").is_file()
    assert [(s["solver"], s["runs"], s["instances"]) for s in summary] == [("ortools", 2, 1)]  # this command's runs
    assert len(collect(out)) == 9


@pytest.mark.parametrize("args, code, msg", [
    (["--solvers", "nope"], 2, "unknown solver"),
    (["--seeds", "4..1"], 2, "--seeds"),
    (["--solvers", "ortools:oops"], 2, "KEY=VALUE"),
])
def test_cli_errors_are_one_line(instance_dir, tmp_path, args, code, msg):
    r = runner.invoke(app, ["run", str(instance_dir), "--out", str(tmp_path / "o"), *args])
    assert r.exit_code == code and msg in r.output and "Traceback" not in r.output


def test_cli_no_match(tmp_path):
    r = runner.invoke(app, ["run", str(tmp_path / "*.vrp"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "matches no instance" in r.output


def test_cli_report_writes_plots(bench, tmp_path):
    out = _copy(bench, tmp_path)
    r = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "plots")])
    assert r.exit_code == 0, r.output
    for name in ("profile.png", "gaps.png", "gap_vs_time.png", "convergence/g8.png", "convergence/g12.png"):
        p = tmp_path / "plots" / name
        assert p.is_file() and p.read_bytes()[:4] == b"\x89PNG", name
    assert "ortools" in r.stdout
    r = runner.invoke(app, ["report", str(out), "--format", "svg", "--json"])
    assert r.exit_code == 0 and (out / "plots" / "profile.svg").is_file()
    r = runner.invoke(app, ["report", str(tmp_path)])
    assert r.exit_code == 2 and "not a benchmark folder" in r.output


def test_cli_suites():
    r = runner.invoke(app, ["suites", "--json"])
    assert r.exit_code == 0
    assert {s["name"] for s in json.loads(r.stdout)} >= {"x-small", "x", "solomon", "tsplib"}


def test_gap_pct():
    assert gap_pct(110, 100) == pytest.approx(10.0)
    assert gap_pct(None, 100) is None and gap_pct(5, None) is None and gap_pct(5, 0) is None


# last: it kills workers of the shared cluster (the nannies restart them)
def test_dead_workers_are_retried_and_a_task_that_always_kills_is_an_error(client, tmp_path):
    def maybe_die(marker: str, always: bool):
        import os
        from pathlib import Path

        if always or not Path(marker).exists():
            Path(marker).touch()
            os._exit(1)  # the worker process dies mid-task
        return "ok"

    # separate batches: a task that keeps killing workers also takes down tasks sharing them,
    # and Dask counts those deaths against every task that was on the dying worker
    (once,) = run_tasks(maybe_die, [(str(tmp_path / "a"), False)], client, retries=1)
    assert once.value == "ok" and once.error is None  # died once, rerun on a fresh worker
    (always,) = run_tasks(maybe_die, [(str(tmp_path / "b"), True)], client, retries=1)
    assert always.value is None and type(always.error).__name__ == "KilledWorker"


def test_killed_benchmark_resumes_without_redoing_finished_runs(instance_dir, tmp_path):
    """A real `netopt bench run` process group is SIGKILLed mid-run; the rerun completes the
    missing runs only (finished result files are left untouched)."""
    import signal
    import subprocess
    import time

    out = tmp_path / "res"
    cmd = [sys.executable, "-m", "netopt", "bench", "run", str(instance_dir / "g*.vrp"), "--solvers", "ortools",
           "-t", "0.5", "--seeds", "0..3", "--workers", "1", "--out", str(out), "-q", "--no-warmup"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 180
    while time.time() < deadline and len(list(out.glob("runs/*.json"))) < 2 and proc.poll() is None:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("runs/*.json")}
    assert 2 <= len(before) < 12, "kill the run while it is in progress"
    for p in out.glob("runs/*.json"):
        json.loads(p.read_text())  # atomic writes: no half-written result
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("runs/*.json")}
    assert len(after) == 12  # 3 instances x 1 solver x 4 seeds
    assert all(after[name] == mtime for name, mtime in before.items())
