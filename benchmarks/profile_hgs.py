"""Where HGS's time goes: seconds per phase of the search (issue 15's "profile first").

    python benchmarks/profile_hgs.py                       # a few X and Solomon instances, 10 s each
    python benchmarks/profile_hgs.py -t 30 X-n502-k39 R101

For each instance it prints the share of the search's wall time spent in each phase, read from
``Result.extra["phase_s"]`` (timers in the search loop, see ``netopt.solvers.vrp.hgs._Phases``):

* ``parents``: binary tournaments (biased fitness) and OX crossover;
* ``split``: the exact Split of a giant tour into routes;
* ``local_search``: the granular local search of an offspring (Numba);
* ``repair``: the second local search with ten times the penalties, and its evaluation;
* ``evaluate``: route evaluation, successor arrays, ordering the routes (Numba + Python);
* ``population``: insertion (broken-pairs distances to every member) and survivor selection;
* ``offer``: checking a new best solution with the independent validator;
* ``other``: Python between all of these (loop, penalty adaptation, bookkeeping).

Also printed: offspring per second. Numba compilation happens before the clock (``compile_s``).
Instances are names in ../shared/datasets/cvrp or vrptw/solomon (skipped when absent).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netopt.datasets import shared_datasets  # noqa: E402
from netopt.io import load_instance  # noqa: E402
from netopt.solvers import get_solver  # noqa: E402

DEFAULT = ["X-n101-k25", "X-n502-k39", "X-n1001-k43", "R101"]


def find(name: str, data: Path) -> Path | None:
    for sub in ("cvrp", "vrptw/solomon"):
        p = data / sub / f"{name}.vrp"
        if p.exists():
            return p
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("instances", nargs="*", default=DEFAULT, help="instance names (default: %(default)s)")
    ap.add_argument("-t", "--time-limit", type=float, default=10.0, help="seconds per instance (default 10)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    data = shared_datasets()
    if data is None:
        print("../shared/datasets is absent: nothing to profile", file=sys.stderr)
        return 0
    solver = get_solver("hgs")
    phases = None
    rows = []
    for name in args.instances:
        path = find(name, data)
        if path is None:
            print(f"{name}: not found, skipped", file=sys.stderr)
            continue
        inst = load_instance(path)
        res = solver.solve(inst, time_limit=args.time_limit, seed=args.seed)
        ph = res.extra["phase_s"]
        phases = list(ph)
        total = sum(ph.values()) or 1.0
        rows.append([name, inst.num_customers, res.iterations, res.iterations / res.runtime_s,
                     *(100.0 * ph[k] / total for k in phases)])
    if not rows:
        return 0
    head = ["instance", "n", "offspring", "per s", *phases]
    print(f"HGS phase profile, {args.time_limit:g} s per instance, seed {args.seed} (share of search time, %)")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join([r[0], str(r[1]), str(r[2]), f"{r[3]:.0f}"] + [f"{v:.1f}" for v in r[4:]]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
