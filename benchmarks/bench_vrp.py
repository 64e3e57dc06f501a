"""VRP benchmark: gap to BKS (%) of netopt's solvers (ils, hgs), OR-Tools and PyVRP at fixed time limits, one core, same script.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_vrp.py --set cvrp --max-n 400 --time-limits 10 30
    .venv/bin/python benchmarks/bench_vrp.py --set vrptw --solvers hgs --time-limits 30 --instances C101 R101
    .venv/bin/python benchmarks/bench_vrp.py --min-n 300 --max-n 1001 --solvers ils pyvrp hgs --time-limits 30
    .venv/bin/python benchmarks/bench_vrp.py --set gh1000 --instances C1_10_1 R1_10_1 --solvers ils pyvrp --time-limits 30

Prints one row per instance (cost, gap and iterations per second per solver and limit), then the
mean gaps, the ratios of mean gaps of netopt's solvers to OR-Tools and to PyVRP (the optional
reference, when listed), and the number of infeasible results. Numba compilation is
done once up front (``compile_s``) and not charged to the first instance. The machine may be
shared: compare gaps and ratios, not absolute speed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

from bench_rich import solver_params

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"


#: each set's best-known table folder and instance folder (gh1000: Gehring & Homberger's 1,000-customer
#: VRPTW, DIMACS rounding)
SETS = {"cvrp": (DATASETS / "cvrp", DATASETS / "cvrp"), "vrptw": (DATASETS / "vrptw", DATASETS / "vrptw" / "solomon"),
        "gh1000": (DATASETS / "pyvrp" / "GH1000", DATASETS / "pyvrp" / "GH1000")}


def instance_path(kind: str, name: str) -> Path:
    return SETS[kind][1] / f"{name}.vrp"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=tuple(SETS), default="cvrp")
    ap.add_argument("--max-n", type=int, default=400, help="largest number of customers")
    ap.add_argument("--min-n", type=int, default=0, help="smallest number of customers")
    ap.add_argument("--instances", nargs="*", help="instance names (default: all up to --max-n)")
    ap.add_argument("--time-limits", nargs="+", type=float, default=[10.0, 30.0], help="seconds per run")
    ap.add_argument("--solvers", nargs="+", default=["hgs", "ortools"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--param", action="append", default=[], metavar="SOLVER.KEY=VALUE",
                    help="a solver parameter, e.g. ils.ruin_route=0 (repeatable)")
    args = ap.parse_args(argv)
    params = solver_params(ap, args.solvers, args.param)

    if not DATASETS.exists():
        print(f"datasets not found at {DATASETS}", file=sys.stderr)
        return 2
    from netopt.datasets import best_known, known_table
    from netopt.io import load_instance
    from netopt.solvers import get_solver
    from netopt.solvers.vrp import hgs, ils

    t = time.perf_counter()
    compile_s = ils.warm_up() + hgs.warm_up()
    print(f"# numba warm-up (compile or cache load): {compile_s:.2f} s", file=sys.stderr)
    bks = known_table(SETS[args.set][0])  # the instance list; values through best_known, as `netopt compare`
    # (GH1000's table has no sizes: all 1,000)
    names = args.instances or [k for k, (n, _) in bks.items() if args.min_n <= (n or 1000) <= args.max_n]
    cols = [(s, tl) for tl in args.time_limits for s in args.solvers]
    gaps: dict[tuple[str, float], list[float]] = {c: [] for c in cols}
    infeasible = {c: 0 for c in cols}
    header = (f"{'instance':<14}{'n':>5}{'BKS':>10}" + "".join(f"{s + '@' + format(tl, 'g') + 's':>30}" for s, tl in cols)
              + f"{'peak RSS MiB':>14}")
    print(header)
    print("-" * len(header))
    for name in names:
        best = best_known(instance_path(args.set, name))
        inst = load_instance(instance_path(args.set, name))
        n = inst.num_customers
        cells = []
        for s, tl in cols:
            res = get_solver(s).solve(inst, time_limit=tl, seed=args.seed, **params[s])
            if res.objective is None:
                infeasible[(s, tl)] += 1
                cells.append(f"{'infeasible':>30}")
                continue
            gap = 100.0 * (res.objective - best) / best
            gaps[(s, tl)].append(gap)
            ips = res.iterations / res.runtime_s if res.runtime_s > 0 else 0.0
            cells.append(f"{res.objective:>12.1f} {gap:>7.2f}% {ips:>7.0f}/s")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # high-water mark of this process so far
        print(f"{name:<14}{n:>5}{best:>10.1f}" + "".join(cells) + f"{rss:>14.0f}", flush=True)
    print("-" * len(header))
    mean = {c: (sum(g) / len(g) if g else float("nan")) for c, g in gaps.items()}
    print(f"{'mean gap %':<29}" + "".join(f"{mean[c]:>29.3f} " for c in cols))
    print(f"{'infeasible':<29}" + "".join(f"{infeasible[c]:>29d} " for c in cols))
    for ours in ("ils", "hgs"):
        for ref in ("ortools", "pyvrp"):
            if ours in args.solvers and ref in args.solvers:
                for tl in args.time_limits:
                    o = mean[(ref, tl)]
                    ratio = mean[(ours, tl)] / o if o else float("nan")
                    print(f"{ours}/{ref} mean-gap ratio @ {tl:g}s: {ratio:.3f}")
    print(f"# {len(names)} instances, seed {args.seed}, total {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
