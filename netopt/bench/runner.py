"""The VRP benchmark runner: every (instance, solver, seed) on Dask workers, one Result JSON per run.

Layout of an output folder::

    results/x10/
      runs/<instance>__<solver label>__s<seed>.json   one Result per run, written atomically as it completes
      results.csv (and results.parquet with pyarrow)    the tidy table, one row per run (see netopt.bench.table)

A run whose file is present and readable is finished and is not redone, so an interrupted
benchmark resumes by running the same command again. Runs that ended in ``status: error``
are kept too (``retry_errors=True`` redoes them).

Solver specs (``--solvers``) are ``NAME`` or ``NAME:KEY=VALUE[:KEY=VALUE ...]``; the whole
spec is the label in tables and plots, so ``ortools,ortools:first_solution=SAVINGS`` compares
two settings of one solver.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
import traceback
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path
from typing import Callable

from ..datasets import best_known
from ..exceptions import NetoptError, SolverParameterError
from ..parallel import Outcome, dask_client, run_tasks


class BenchError(NetoptError):
    """A benchmark request that cannot be carried out (no instance matched, a bad --seeds ...)."""

    exit_code = 2

#: named instance sets under ``shared/datasets``: (folder, file pattern, max customers or None)
SUITES: dict[str, tuple[str, str, int | None, str]] = {
    "x-small": ("cvrp", "X-*.vrp", 400, "CVRP X instances (Uchoa et al. 2017) with at most 400 customers"),
    "x": ("cvrp", "X-*.vrp", None, "all CVRP X instances in shared/datasets/cvrp"),
    "solomon": ("vrptw/solomon", "*.vrp", None, "Solomon VRPTW instances (100 customers)"),
    "tsplib": ("tsp/tsplib", "*.tsp", None, "symmetric TSPLIB instances"),
    # PyVRP's benchmark collection of rich variants (issue 16), named after its folders
    "hfvrp": ("pyvrp/HFVRP", "*.vrp", None, "heterogeneous fleet: vehicle types with fixed and unit costs (PyVRP)"),
    "mdvrptw": ("pyvrp/MDVRPTW", "*.vrp", None, "several depots, time windows, route duration limit (PyVRP)"),
    "pcvrptw": ("pyvrp/PCVRPTW", "*.vrp", None, "prize-collecting VRPTW: optional clients with prizes (PyVRP)"),
    "vrpb": ("pyvrp/VRPB", "*.vrp", None, "backhauls: linehauls before backhauls on each route (PyVRP)"),
    "mtvrptwr": ("pyvrp/MTVRPTWR", "*.vrp", None, "multi-trip VRPTW with release times: reloads (PyVRP)"),
    "sdvrptw": ("pyvrp/SDVRPTW", "*.vrp", None, "site-dependent VRPTW: allowed vehicle types per client (PyVRP)"),
    "gh1000": ("pyvrp/GH1000", "*.vrp", None, "Gehring & Homberger VRPTW, 1,000 customers (PyVRP)"),
    "xxl": ("pyvrp/XXL", "*.vrp", None, "CVRP with 3,000-30,000 customers, Arnold et al. 2019 (PyVRP)"),
}

_X_N = re.compile(r"-n(\d+)-")


def _natural(p: Path):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)]


def resolve_instances(specs: list[str] | str) -> list[Path]:
    """Instance files from suite names, globs, files or folders (``*.vrp``, ``*.tsp`` inside).

    Raises :class:`BenchError` when a spec matches nothing or two files share a name.
    """
    from ..datasets import shared_datasets

    if isinstance(specs, str):
        specs = [specs]
    found: list[Path] = []
    for spec in specs:
        for part in [s for s in spec.split(",") if s.strip()] if spec not in SUITES else [spec]:
            part = part.strip()
            if part in SUITES:
                root = shared_datasets()
                folder, pattern, max_n, _ = SUITES[part]
                if root is None or not (root / folder).is_dir():
                    raise BenchError(f"suite {part}: {folder} not found (set NETOPT_DATASETS or put shared/datasets beside the checkout)")
                files = sorted((root / folder).glob(pattern), key=_natural)
                if max_n is not None:
                    files = [f for f in files if (m := _X_N.search(f.name)) and int(m.group(1)) - 1 <= max_n]
            else:
                p = Path(part).expanduser()
                if p.is_dir():
                    files = sorted([*p.glob("*.vrp"), *p.glob("*.tsp"), *p.glob("*.txt")], key=_natural)
                elif p.is_file():
                    files = [p]
                else:
                    files = sorted((Path(f) for f in glob(str(p)) if Path(f).is_file()), key=_natural)
            if not files:
                raise BenchError(f"{part!r} matches no instance file (suites: {', '.join(SUITES)}; or a glob, file or folder)")
            found += files
    out, seen = [], {}
    for f in found:
        f = f.resolve()
        if f in seen.values():
            continue
        if f.stem in seen:
            raise BenchError(f"two instances are named {f.stem}: {seen[f.stem]} and {f}")
        seen[f.stem] = f
        out.append(f)
    return out


def parse_seeds(text: str) -> list[int]:
    """``"0..4"`` -> [0, 1, 2, 3, 4]; ``"0,2,5"`` -> [0, 2, 5]; ranges and lists mix (``"0..2,7"``)."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if ".." in part:
                a, b = part.split("..", 1)
                lo, hi = int(a), int(b)
                if hi < lo:
                    raise ValueError
                seeds += range(lo, hi + 1)
            else:
                seeds.append(int(part))
    except ValueError:
        raise BenchError(f"--seeds {text!r}: expected a range like 0..4 or a list like 0,2,5") from None
    if not seeds:
        raise BenchError("--seeds: no seed given")
    return list(dict.fromkeys(seeds))


@dataclass(frozen=True)
class SolverSpec:
    """A registered solver with fixed parameters; ``label`` names it in tables and file names."""

    label: str
    name: str
    params: dict = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9._=-]+", "-", self.label).strip("-")


def parse_solvers(text: str) -> list[SolverSpec]:
    """``"hgs,ortools:first_solution=SAVINGS"`` -> solver specs, checked against the registry.

    Unknown solvers and parameters fail here, before anything runs.
    """
    from ..solvers import get_solver

    specs: list[SolverSpec] = []
    for item in [s.strip() for s in text.split(",") if s.strip()]:
        name, *kvs = item.split(":")
        params = {}
        for kv in kvs:
            k, sep, v = kv.partition("=")
            if not sep or not k.strip():
                raise SolverParameterError(f"--solvers {item!r}: expected NAME or NAME:KEY=VALUE[:KEY=VALUE]")
            params[k.strip()] = v.strip()
        solver = get_solver(name.strip())  # UnknownSolverError lists the valid names
        solver.resolve_params(params)  # SolverParameterError on an unknown name or bad value
        specs.append(SolverSpec(item, name.strip(), params))
    if not specs:
        raise BenchError("--solvers: no solver given")
    labels = [s.label for s in specs]
    slugs = [s.slug for s in specs]
    if len(set(slugs)) != len(slugs):
        raise BenchError(f"--solvers: duplicate solver labels in {', '.join(labels)}")
    return specs



def solve_task(instance_path: str, solver: str, time_limit: float, seed: int, params: dict) -> dict:
    """Load and solve one instance; the Dask task of ``netopt bench run`` (runs on a worker).

    Returns the Result dict; any exception becomes a Result with ``status: error`` and the
    message, so a failing run is recorded rather than lost. ``extra["bench"]`` gets the
    worker host and pid, the wall time and the number of customers.
    """
    from ..io import load_instance
    from ..model import Result
    from ..solvers import get_solver

    t0 = time.perf_counter()
    meta = {"host": socket.gethostname(), "pid": os.getpid()}
    inst = None
    try:
        inst = load_instance(instance_path)
        meta["n"] = int(inst.num_customers)
        d = get_solver(solver).solve(inst, time_limit=time_limit, seed=seed, **params).to_dict()
    except Exception as e:
        d = Result(
            problem=getattr(inst, "problem", "routing"),
            instance=getattr(inst, "name", Path(instance_path).stem),
            instance_sha256=getattr(inst, "sha256", ""),
            solver=solver,
            params=dict(params),
            seed=seed,
            status="error",
            objective=None,
            runtime_s=round(time.perf_counter() - t0, 4),
            message=f"{type(e).__name__}: {e}" if not isinstance(e, NetoptError) else str(e),
            extra={"traceback": traceback.format_exc(limit=-8)},
        ).to_dict()
    meta["wall_s"] = round(time.perf_counter() - t0, 4)
    d.setdefault("extra", {})["bench"] = meta
    return d


def warmup_task(solvers: list[str], iterations: int = 50) -> dict:
    """Solve a tiny generated instance with each solver (``iterations`` at most) on this worker.

    Imports and Numba compilation then happen before the timed runs instead of inside their
    time limit. Returns seconds per solver, or the error message; never raises.
    """
    from ..datasets import generate_cvrp
    from ..solvers import get_solver

    inst = generate_cvrp(10, seed=0)
    out = {}
    for name in solvers:
        t0 = time.perf_counter()
        try:
            get_solver(name).solve(inst, time_limit=120.0, seed=0, max_iterations=iterations)
            out[name] = round(time.perf_counter() - t0, 3)
        except Exception as e:  # a broken solver shows up in the real runs, as status error
            out[name] = f"{type(e).__name__}: {e}"
    return out


@dataclass(frozen=True)
class Run:
    """One (instance, solver spec, seed) and where its Result goes."""

    instance: Path
    solver: SolverSpec
    seed: int
    path: Path
    bks: float | None
    time_limit: float

    @property
    def args(self) -> tuple:
        """The arguments of :func:`solve_task`."""
        return (str(self.instance), self.solver.name, self.time_limit, self.seed, dict(self.solver.params))


@dataclass
class BenchOutcome:
    """What ``run_benchmark`` did: planned, skipped (already done) and executed runs, and the table.

    ``rows`` is the whole folder's table; ``planned_rows`` only the runs this call asked for.
    """

    out: Path
    planned: int
    skipped: int
    executed: list[Run]
    errors: int
    rows: list[dict]
    tables: list[Path]
    runs: list[Run] = field(default_factory=list)

    @property
    def planned_rows(self) -> list[dict]:
        names = {r.path.name for r in self.runs}
        return [row for row in self.rows if Path(str(row["result_file"])).name in names]


def result_path(out: Path, instance: Path, solver: SolverSpec, seed: int) -> Path:
    return Path(out) / "runs" / f"{instance.stem}__{solver.slug}__s{seed}.json"


def _finished(run: Run, retry_errors: bool) -> bool:
    """True when ``run.path`` holds a valid Result of this run; a different time limit is an error."""
    from ..model import Result

    try:
        d = json.loads(run.path.read_text())
        res = Result.from_dict(d, str(run.path))
    except (OSError, ValueError, NetoptError):
        return False
    bench = res.extra.get("bench", {}) if isinstance(res.extra, dict) else {}
    tl = bench.get("time_limit")
    if tl is not None and abs(float(tl) - run.time_limit) > 1e-9:
        raise BenchError(
            f"{run.path.parent.parent} holds runs with --time-limit {tl:g} (e.g. {run.path.name}); "
            f"use another --out for --time-limit {run.time_limit:g}"
        )
    if res.status == "error" and retry_errors:
        return False
    return True


def plan_runs(instances: list[Path], solvers: list[SolverSpec], seeds: list[int], time_limit: float, out: Path) -> list[Run]:
    """Every (instance, solver, seed) in that order, with its result path and best-known value."""
    runs = []
    for inst in instances:
        bks = best_known(inst)
        for s in solvers:
            for seed in seeds:
                runs.append(Run(inst, s, seed, result_path(out, inst, s, seed), bks, float(time_limit)))
    return runs


def _record(run: Run, outcome: Outcome) -> dict:
    """The Result dict to store: the task's, or an error Result when the task itself was lost."""
    from ..model import Result

    if outcome.error is not None:
        d = Result(
            problem="routing", instance=run.instance.stem, instance_sha256="", solver=run.solver.name,
            params=dict(run.solver.params), seed=run.seed, status="error", objective=None, runtime_s=0.0,
            message=f"task failed on the cluster: {type(outcome.error).__name__}: {outcome.error}",
        ).to_dict()
    else:
        d = outcome.value
    extra = d.setdefault("extra", {})
    extra.setdefault("bench", {}).update(
        label=run.solver.label, time_limit=run.time_limit, instance_path=str(run.instance), bks=run.bks,
    )
    return d


def run_benchmark(
    instances: list[Path],
    solvers: list[SolverSpec],
    seeds: list[int],
    time_limit: float,
    out: Path,
    *,
    client=None,
    workers: int | None = None,
    scheduler: str | None = None,
    retries: int = 2,
    retry_errors: bool = False,
    warmup: bool = True,
    log: Callable[[str], None] | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_done: Callable[[Run, dict], None] | None = None,
) -> BenchOutcome:
    """Run what is missing of instances x solvers x seeds and rebuild the table.

    ``client``: an existing ``distributed.Client``; else one is made from ``workers`` /
    ``scheduler`` (see :func:`netopt.parallel.dask_client`) when something needs running.
    ``warmup``: first run :func:`warmup_task` on every worker (imports, Numba compilation),
    so that compilation does not eat into the first timed runs.
    ``log(message)``, ``on_start(todo, skipped)`` and ``on_done(run, result_dict)`` report progress.
    """
    from ..io import write_atomic
    from .table import write_table

    if not time_limit > 0:
        raise BenchError(f"--time-limit must be positive seconds, got {time_limit}")
    out = Path(out)
    runs = plan_runs(instances, solvers, seeds, time_limit, out)
    todo = [r for r in runs if not _finished(r, retry_errors)]
    skipped = len(runs) - len(todo)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    if on_start:
        on_start(len(todo), skipped)
    executed: list[Run] = []
    errors = 0

    def consume(c):
        nonlocal errors
        if warmup:
            t0 = time.perf_counter()
            names = sorted({r.solver.name for r in todo})
            done = c.run(warmup_task, names)
            if log:
                slow = {w: v for w, v in done.items() if any(isinstance(x, str) for x in v.values())}
                log(f"warm-up of {', '.join(names)} on {len(done)} workers: {time.perf_counter() - t0:.1f} s"
                    + (f"; failed on {len(slow)}: {next(iter(slow.values()))}" if slow else ""))
        for o in run_tasks(solve_task, [r.args for r in todo], c, retries=retries, key_prefix="netopt-bench"):
            run = todo[o.index]
            d = _record(run, o)
            write_atomic(run.path, json.dumps(d, indent=1, allow_nan=False))
            executed.append(run)
            errors += d.get("status") == "error"
            if on_done:
                on_done(run, d)

    try:
        if todo:
            if client is not None:
                consume(client)
            else:
                with dask_client(workers, scheduler) as c:
                    consume(c)
    finally:  # also on Ctrl-C: the table holds what finished
        rows, tables = write_table(out)
    return BenchOutcome(out, len(runs), skipped, executed, errors, rows, tables, runs)
