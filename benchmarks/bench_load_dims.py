"""Loads in two dimensions (weight and volume): every solver's gap to the best solution of the run.

Each CVRPLIB X instance gets a seeded volume per client as its second load dimension.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_load_dims.py --instances 8 --time-limit 30

No published collection has several load dimensions, so the instances are made here: the X instance's
demands are the weight; each client's volume is drawn (seeded by the instance name) uniformly from 1 to
twice the mean demand, and the volume capacity is set so that volume needs about 10 % more vehicles than
weight (both bind). The ``--instances`` X files of ``../shared/datasets/cvrp`` with at most ``--max-n``
clients are taken spread over the sizes. Each solver runs on each instance, one process at a time (``ils``,
``ortools`` and, when installed, ``pyvrp``, the state-of-the-art reference); a row gives each solver's gap
to the best cost of the row and its number of routes. Every solution went through netopt's validator (a
solver's Result status is ``error`` otherwise).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import zlib
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_rich import spread  # noqa: E402


def two_dim(inst):
    """``inst`` with a seeded volume per client as its second load dimension."""
    from netopt.model import RoutingInstance

    rng = np.random.default_rng(zlib.crc32(inst.name.encode()))
    dem = np.asarray(inst.demands)
    vol = rng.integers(1, max(2, round(2 * dem[1:].mean())) + 1, dem.size)
    vol[0] = 0
    routes = 1.1 * dem.sum() / inst.capacity
    cap2 = max(int(vol.max()), math.ceil(vol.sum() / routes))
    return RoutingInstance(f"{inst.name}-2dim", inst.distance, np.c_[dem, vol], capacity=(inst.capacity, cap2),
                           coordinates=inst.coordinates, rounding=inst.rounding, source=inst.source)


def main(argv=None) -> int:
    from netopt import load_instance
    from netopt.datasets import shared_datasets
    from netopt.exceptions import NetoptError
    from netopt.solvers import get_solver

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--instances", type=int, default=8, help="X instances, spread over the sizes")
    ap.add_argument("--max-n", type=int, default=400, help="largest number of clients")
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds per run")
    ap.add_argument("--solvers", nargs="+", default=["ils", "ortools", "pyvrp"])
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    root = shared_datasets()
    if root is None or not (root / "cvrp").is_dir():
        print("shared/datasets/cvrp not found: nothing to run", file=sys.stderr)
        return 0
    files = [p for p in (root / "cvrp").glob("X-n*.vrp") if int(p.name.split("-n")[1].split("-")[0]) - 1 <= args.max_n]
    print(f"# time limit {args.time_limit:g} s, seed {args.seed}, load {os.getloadavg()[0]:.1f}")
    print("| instance | clients | capacities | best | " + " | ".join(f"{s} (routes)" for s in args.solvers) + " |")
    print("|---|---|---|---|" + "---|" * len(args.solvers))
    gaps = {s: [] for s in args.solvers}
    for path in spread(files, args.instances):
        inst = two_dim(load_instance(path))
        got = {}
        for name in args.solvers:
            try:
                res = get_solver(name).solve(inst, time_limit=args.time_limit, seed=args.seed)
            except NetoptError as e:
                got[name] = str(e)[:40]
                continue
            got[name] = (res.objective, len(res.solution["routes"])) if res.objective is not None else res.status
        solved = {s: v for s, v in got.items() if isinstance(v, tuple)}
        best = min(v[0] for v in solved.values()) if solved else float("nan")
        cells = []
        for name in args.solvers:
            if name in solved:
                gap = 100.0 * (solved[name][0] - best) / best
                gaps[name].append(gap)
                cells.append(f"{gap:+.2f} % ({solved[name][1]})")
            else:
                cells.append(got[name])
        print(f"| {path.stem} | {inst.num_customers} | {inst.capacity} | {best:,.0f} | " + " | ".join(cells) + " |",
              flush=True)
    print("\n| solver | mean gap to the best of the row (solved) |\n|---|---|")
    for name in args.solvers:
        print(f"| {name} | " + (f"{statistics.mean(gaps[name]):+.2f} % ({len(gaps[name])})" if gaps[name] else "-")
              + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
