"""Rich VRP variants (PyVRP's benchmark collection): gap to BKS (%) per folder, every solver in one run.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_rich.py --per-folder 10 --time-limit 60
    .venv/bin/python benchmarks/bench_rich.py --folders HFVRP VRPB --per-folder 3 --time-limit 10

For each folder of ``../shared/datasets/pyvrp`` (HFVRP, MDVRPTW, PCVRPTW, VRPB, MTVRPTWR, SDVRPTW)
it takes ``--per-folder`` instances spread evenly over the sizes, runs each solver on each, one
process at a time (``ils``, ``ortools`` and, when installed, ``pyvrp``: PyVRP is the optional
state-of-the-art column), and prints one row per instance (gap to the best-known cost, or why the
solver refused or failed) and the mean gap per folder and solver over the instances it solved
(their number in parentheses). Every solution went through netopt's validator (the solvers' Result status is
``error`` otherwise). With ``--pyvrp-check`` (PyVRP installed) each solution is also written as a ``.sol``
and read back by PyVRP's ``read_solution``: a cell gets a ``!`` where PyVRP finds it infeasible or costs it
differently, and the last line counts the solutions PyVRP accepted. The machine may be shared: compare the
columns of one run, not absolute speed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("HFVRP", "MDVRPTW", "PCVRPTW", "VRPB", "MTVRPTWR", "SDVRPTW")


def spread(files: list[Path], k: int) -> list[Path]:
    """``k`` files evenly spread over the list sorted by size (smallest and largest included)."""
    files = sorted(files, key=lambda p: (p.stat().st_size, p.name))
    if k >= len(files):
        return files
    return [files[round(i * (len(files) - 1) / max(1, k - 1))] for i in range(k)]


def solver_params(ap: argparse.ArgumentParser, solvers: list[str], items: list[str]) -> dict[str, dict]:
    """``--param SOLVER.KEY=VALUE`` items as ``{solver: {key: value}}`` for each of ``solvers``."""
    params = {s: {} for s in solvers}
    for item in items:
        key, sep, value = item.partition("=")
        solver, dot, key = key.partition(".")
        if not (sep and dot and solver in params):
            ap.error(f"--param {item!r}: expected SOLVER.KEY=VALUE for one of --solvers")
        params[solver][key] = value
    return params


def pyvrp_agrees(path: Path, inst, solution: dict) -> bool:
    """PyVRP reads ``path`` and our ``.sol`` of ``solution`` (a Result's) and finds it feasible at our cost."""
    import tempfile

    import pyvrp

    from netopt.io import format_sol
    from netopt.model import RoutingSolution

    sol = RoutingSolution.from_dict(inst, solution)
    data = pyvrp.read(path, {"x10": "dimacs", "x1000": "exact", "nint": "round"}[inst.rounding])
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "s.sol").write_text(format_sol(sol))
        theirs = pyvrp.read_solution(Path(tmp) / "s.sol", data)
    cost = pyvrp.CostEvaluator([0] * data.num_load_dimensions, 0, 0).cost(theirs)
    return theirs.is_feasible() and abs(cost - sol.cost) <= 1e-6 * max(1.0, abs(sol.cost))


def main(argv=None) -> int:
    from netopt import load_instance
    from netopt.datasets import best_known, shared_datasets
    from netopt.exceptions import NetoptError
    from netopt.solvers import get_solver

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--folders", nargs="+", default=list(FOLDERS), choices=FOLDERS)
    ap.add_argument("--per-folder", type=int, default=10, help="instances per folder, spread over the sizes")
    ap.add_argument("--instances", nargs="+", default=None, metavar="NAME",
                    help="these instances (file stems) of the folders instead of --per-folder spread ones")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per run")
    ap.add_argument("--solvers", nargs="+", default=["ils", "ortools", "pyvrp"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--param", action="append", default=[], metavar="SOLVER.KEY=VALUE",
                    help="a solver parameter, e.g. ils.history=300 (repeatable)")
    ap.add_argument("--pyvrp-check", action="store_true",
                    help="read every solution back with PyVRP's read_solution (feasible, same cost)")
    args = ap.parse_args(argv)
    checked = {s: [0, 0] for s in args.solvers}  # solutions PyVRP accepted, solutions checked
    params = solver_params(ap, args.solvers, args.param)
    root = shared_datasets()
    if root is None or not (root / "pyvrp").is_dir():
        print("shared/datasets/pyvrp not found: nothing to run", file=sys.stderr)
        return 0
    print(f"# time limit {args.time_limit:g} s, seed {args.seed}, {args.per_folder} instances per folder; "
          f"load {os.getloadavg()[0]:.1f}" + "".join(f"; --param {p}" for p in args.param))
    print("| folder | instance | clients | " + " | ".join(args.solvers) + " |")
    print("|---|---|---|" + "---|" * len(args.solvers))
    summary = {}
    for folder in args.folders:
        gaps = {s: [] for s in args.solvers}
        files = list((root / "pyvrp" / folder).glob("*.vrp"))
        chosen = ([p for p in sorted(files) if p.stem in args.instances] if args.instances
                  else spread(files, args.per_folder))
        for path in chosen:
            inst = load_instance(path)
            bks = best_known(path)
            cells, row = [], {}
            for name in args.solvers:
                t = time.perf_counter()
                try:
                    res = get_solver(name).solve(inst, time_limit=args.time_limit, seed=args.seed, **params[name])
                except NetoptError as e:
                    cells.append("refused" if "does not model" in str(e) or "not installed" in str(e)
                                 else f"error: {str(e)[:40]}")
                    continue
                if res.objective is None:
                    cells.append(f"{res.status} ({time.perf_counter() - t:.0f} s)")
                    continue
                gap = 100.0 * (res.objective - bks) / bks if bks else float("nan")
                row[name] = gap
                ok = not args.pyvrp_check or pyvrp_agrees(path, inst, res.solution)
                checked[name][0] += ok
                checked[name][1] += args.pyvrp_check
                cells.append(f"{gap:+.2f} %" + ("" if ok else " !"))
            for name, gap in row.items():
                gaps[name].append((path.stem, gap))
            print(f"| {folder} | {path.stem} | {inst.num_customers} | " + " | ".join(cells) + " |", flush=True)
        summary[folder] = gaps
    print("\n| folder | " + " | ".join(f"{s} mean gap (solved)" for s in args.solvers) + " |")
    print("|---|" + "---|" * len(args.solvers))
    for folder, gaps in summary.items():
        cells = [f"{statistics.mean(g for _, g in gaps[s]):+.2f} % ({len(gaps[s])})" if gaps[s] else "-"
                 for s in args.solvers]
        print(f"| {folder} | " + " | ".join(cells) + " |")
    if args.pyvrp_check:
        print("\nPyVRP's read_solution: " + ", ".join(f"{s} {a} of {n} feasible at our cost"
                                                    for s, (a, n) in checked.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
