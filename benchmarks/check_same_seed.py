"""Same seed, same result: HGS runs with an iteration cap, printed as JSON, to compare two versions.

    python benchmarks/check_same_seed.py > after.json             # this checkout
    PYTHONPATH=/path/to/old/checkout python benchmarks/check_same_seed.py > before.json
    python benchmarks/check_same_seed.py --compare before.json after.json

Each run records the objective, the iteration count, the route count and the costs of the
improvement history (its timestamps are left out: they depend on the machine). Two versions agree
when every record is equal. The Solomon instances come from ../shared/datasets and are skipped
when it is absent.
"""

from __future__ import annotations

import argparse
import json
import sys


def records() -> dict:
    from netopt.datasets import generate_cvrp, shared_datasets
    from netopt.io import load_instance
    from netopt.solvers import get_solver

    data = shared_datasets()
    cases = [("gen50", lambda: generate_cvrp(50, seed=3), 300), ("gen120", lambda: generate_cvrp(120, seed=7), 200)]
    if data is not None:
        cases += [(name, lambda name=name: load_instance(data / "vrptw" / "solomon" / f"{name}.vrp"), 150)
                  for name in ("C101", "R201")]
    out = {}
    for name, make, iterations in cases:
        inst = make()
        for seed in (0, 1):
            r = get_solver("hgs").solve(inst, time_limit=600, seed=seed, max_iterations=iterations)
            out[f"hgs/{name}/{seed}"] = [r.objective, r.iterations, len(r.solution["routes"]),
                                         [cost for _, cost in r.history]]
            print(name, seed, out[f"hgs/{name}/{seed}"][:3], file=sys.stderr)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"), help="compare two JSON outputs")
    args = ap.parse_args()
    if args.compare:
        a, b = (json.load(open(p)) for p in args.compare)
        differ = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        for k in differ:
            print(f"{k}: {a.get(k)} != {b.get(k)}")
        print(f"{len(set(a) | set(b)) - len(differ)} equal, {len(differ)} different")
        return 1 if differ else 0
    print(json.dumps(records(), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
