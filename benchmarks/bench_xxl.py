"""Very large CVRP (Arnold et al.'s XXL set, 3,000-30,000 customers): gap to BKS and peak memory of
netopt's `ils` (decomposed from 3,000 customers; no dense matrix above 5,000 nodes) and PyVRP, one process per run.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_xxl.py --time-limits 300 --solvers ils pyvrp
    .venv/bin/python benchmarks/bench_xxl.py --instances Leuven1 Antwerp1 --time-limits 60 --solvers ils
    .venv/bin/python benchmarks/bench_xxl.py --instances Leuven2 --solvers ils --param ils.swap_star=off

Every run is a child process of its own (so its peak resident memory is its own, read with GNU
``time``) under an address-space cap (``--memory-gib``, default 16): a run that exceeds it is
reported as out of memory, not allowed to take the machine down. ``ils`` runs as users run it
(``python -m netopt solve``); ``pyvrp`` (optional, benchmark-only: ``pip install pyvrp``) runs as
its users run it (``pyvrp.read`` with its ``round`` rounding, ``pyvrp.solve`` with ``MaxRuntime``),
and its routes are checked by netopt's validator. Runs go one at a time; compare gaps and memory,
and quote the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rich import solver_params  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT.parent / "shared" / "datasets" / "pyvrp" / "XXL"
#: by size: Leuven1 3,000 ... Flanders2 30,000 customers
NAMES = ["Leuven1", "Leuven2", "Antwerp1", "Antwerp2", "Ghent1", "Brussels2", "Flanders1", "Flanders2"]


def child_pyvrp(path: str, time_limit: float, seed: int) -> dict:
    """PyVRP as its users run it; the routes validated by netopt (internal indices = PyVRP's)."""
    import pyvrp
    from pyvrp.stop import MaxRuntime

    from netopt.io import load_instance
    from netopt.solvers.vrp.pyvrp import solution_routes
    from netopt.validate import check_routes

    t = time.perf_counter()
    data = pyvrp.read(path, round_func="round")
    read_s = time.perf_counter() - t
    res = pyvrp.solve(data, stop=MaxRuntime(time_limit), seed=seed, display=False)
    routes, _ = solution_routes(res.best, 1)
    rep = check_routes(load_instance(path), routes)
    return {"objective": rep.cost if rep.feasible else None, "iterations": res.num_iterations,
            "runtime_s": res.runtime, "read_s": round(read_s, 2), "violations": rep.violations[:3]}


def run(cmd: list[str], memory: int, timeout: float) -> tuple[dict | None, float, float, str]:
    """(parsed JSON on stdout or None, peak RSS MiB, wall s, error text) of one child process; the peak
    is GNU time's ``%M`` (the child's own high-water mark)."""
    import tempfile

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    with tempfile.NamedTemporaryFile("r") as peak:
        t = time.perf_counter()
        try:
            p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", peak.name, *cmd], capture_output=True,
                               preexec_fn=cap, cwd=ROOT, timeout=timeout,
                               env={**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"})
        except subprocess.TimeoutExpired:
            return None, float("nan"), time.perf_counter() - t, f"no answer within {timeout:.0f} s"
        wall = time.perf_counter() - t
        text = peak.read().strip().splitlines()
    rss = int(text[-1]) / 1024 if text and text[-1].isdigit() else float("nan")
    try:
        return json.loads(p.stdout), rss, wall, ""
    except json.JSONDecodeError:
        lines = p.stderr.decode(errors="replace").strip().splitlines()
        lines = [ln for ln in lines if not ln.startswith("Command ")]
        return None, rss, wall, (lines[-1] if lines else f"exit {p.returncode}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--instances", nargs="*", default=NAMES)
    ap.add_argument("--time-limits", nargs="+", type=float, default=[300.0], help="seconds per run")
    ap.add_argument("--solvers", nargs="+", default=["ils", "pyvrp"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--memory-gib", type=float, default=16.0, help="address-space cap of each run, GiB")
    ap.add_argument("--param", action="append", default=[], metavar="SOLVER.KEY=VALUE",
                    help="a netopt solver parameter, e.g. ils.sub_size=1000 (repeatable)")
    ap.add_argument("--child", nargs=3, metavar=("PATH", "TIME", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    params = solver_params(ap, args.solvers, args.param)
    if params.get("pyvrp"):
        ap.error("--param: PyVRP runs with its defaults")
    if args.child:
        print(json.dumps(child_pyvrp(args.child[0], float(args.child[1]), int(args.child[2]))))
        return 0
    if not FOLDER.exists():
        print(f"datasets not found at {FOLDER}", file=sys.stderr)
        return 2
    import csv

    bks = {r["instance"]: float(r["bks"]) for r in csv.DictReader(open(FOLDER / "BKS.csv"))}
    memory = int(args.memory_gib * 2**30)
    print(f"# load {os.getloadavg()[0]:.2f}, seed {args.seed}, memory cap {args.memory_gib:g} GiB"
          + "".join(f"; --param {p}" for p in args.param), flush=True)
    print("| instance | customers | BKS | solver | limit s | cost | gap | peak RSS MiB | wall s | iterations |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    gaps: dict[tuple[str, float], list[float]] = {}
    for name in args.instances:
        path = FOLDER / f"{name}.vrp"
        n = int(next(line for line in open(path) if line.startswith("DIMENSION")).split(":")[1]) - 1
        for tl in args.time_limits:
            for s in args.solvers:
                if s == "pyvrp":
                    cmd = [sys.executable, __file__, "--child", str(path), str(tl), str(args.seed)]
                else:
                    cmd = [sys.executable, "-m", "netopt", "solve", str(path), "-s", s, "-t", str(tl),
                           "--seed", str(args.seed), "--json", "-q"]
                    cmd += [a for k, v in params[s].items() for a in ("-p", f"{k}={v}")]
                res, rss, wall, err = run(cmd, memory, timeout=3 * tl + 600)
                cost = None if res is None else res.get("objective")
                if cost is None:
                    why = err or "; ".join(res.get("violations") or [res.get("message") or "no solution"])
                    print(f"| {name} | {n} | {bks[name]:.0f} | {s} | {tl:g} | {why[:80]} | | {rss:.0f} | "
                          f"{wall:.0f} | |", flush=True)
                    continue
                gap = 100.0 * (cost - bks[name]) / bks[name]
                gaps.setdefault((s, tl), []).append(gap)
                print(f"| {name} | {n} | {bks[name]:.0f} | {s} | {tl:g} | {cost:.0f} | {gap:+.2f} % | {rss:.0f} | "
                      f"{wall:.0f} | {res.get('iterations')} |", flush=True)
    for (s, tl), g in gaps.items():
        print(f"# {s} @ {tl:g} s: mean gap {sum(g) / len(g):+.2f} % over {len(g)} instances")
    print(f"# load at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
