"""Network-design benchmark.

* DNDP (Rey 2020, Sioux Falls, the 10-candidate instances) at budgets 25/50/75 %: the exact
  optimum by enumeration, and the GA (seed 0) with its time to reach that optimum.
* CNDP (Suwansirikul variant, Sioux Falls): GA + pattern search, objective (target <= 81.0; Z(0) = 101.06).
* Lane addition (Madadi & Correia 2024) on Sioux Falls, budget 25 %, 2 lanes: GA and greedy against the
  SORB reference TSTT 4,857,213 (their exact method, 4 h).

    .venv/bin/python benchmarks/bench_design.py [--ga-time 20] [--cndp-time 60] [--lanes-time 120] [--only dndp,cndp,lanes]

All objectives are exact UE re-scored at relative gap 1e-8.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netopt.datasets import shared_datasets  # noqa: E402
from netopt.io.tntp import load_network  # noqa: E402
from netopt.solvers.design import lane_addition, load_cndp, load_dndp, solve_design  # noqa: E402
from netopt.solvers.design.search import design_key  # noqa: E402

SORB_LANES_25 = 4857212.756842782


def time_to(res, target, rtol=1e-6):
    """First time the search's best (search-gap) objective came within rtol of ``target``."""
    for t, v in res.history:
        if v <= target * (1 + rtol):
            return t
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ga-time", type=float, default=20.0)
    ap.add_argument("--cndp-time", type=float, default=60.0)
    ap.add_argument("--lanes-time", type=float, default=120.0)
    ap.add_argument("--only", default="dndp,cndp,lanes")
    args = ap.parse_args()
    root = shared_datasets()
    if root is None:
        print("../shared/datasets not found")
        return
    tntp = root / "tntp"
    only = set(args.only.split(","))
    if "dndp" in only:
        print(f"## DNDP, Rey (2020) Sioux Falls instances; GA {args.ga_time:g} s, seed 0\n")
        print("| instance | budget | enumerated optimum | designs | enum time (s) | GA objective | GA = optimum | GA time to optimum (s) |")
        print("|---|---|---|---|---|---|---|---|")
        trips = tntp / "SiouxFalls" / "SiouxFalls_trips.tntp"
        found = total = 0
        for path in sorted((tntp / "SiouxFalls-DNDP-Rey2020").glob("SF_DNDP_10_*.txt"), key=lambda p: int(p.stem.split("_")[-1])):
            for share in (0.25, 0.5, 0.75):
                prob = load_dndp(path, trips, share)
                ex = solve_design(prob, "enumerate", time_limit=600)
                ga = solve_design(prob, "ga", time_limit=args.ga_time, seed=0)
                same = design_key(ga.solution["vector"]) == design_key(ex.solution["vector"]) or ga.objective <= ex.objective * (1 + 1e-7)
                search_opt = min(v for _, v in ex.history)  # enumeration's best at its search gap
                ttf = time_to(ga, search_opt, rtol=1e-4)
                found += same
                total += 1
                print(f"| {prob.name} | {share:.0%} | {ex.objective:,.1f} | {ex.extra['designs_seen']} | {ex.runtime_s:.1f} | "
                      f"{ga.objective:,.1f} | {'yes' if same else 'NO'} | {'-' if ttf is None else f'{ttf:.1f}'} |", flush=True)
        print(f"\nGA found the enumerated optimum on {found}/{total} instance-budget pairs\n")
    if "cndp" in only:
        prob = load_cndp(tntp / "SiouxFalls-CNDP" / "net2.txt", tntp / "SiouxFalls-CNDP" / "demand2.txt")
        print(f"## CNDP (Suwansirikul variant), GA + pattern search, {args.cndp_time:g} s\n")
        print("| seed | objective | TSTT | investment term | evaluations | time (s) |")
        print("|---|---|---|---|---|---|")
        for seed in (0, 1, 2):
            r = solve_design(prob, "ga", time_limit=args.cndp_time, seed=seed)
            s = r.solution
            print(f"| {seed} | {r.objective:.3f} | {s['tstt']:.3f} | {r.objective - s['tstt']:.3f} | {r.extra['evaluations']} | {r.runtime_s:.1f} |", flush=True)
        print()
    if "lanes" in only:
        prob = lane_addition(load_network(tntp / "SiouxFalls"), 0.25, lanes=2)
        print(f"## Lane addition, Sioux Falls, budget 25 %, 2 lanes (SORB reference {SORB_LANES_25:,.0f})\n")
        print("| method | objective (TSTT) | vs SORB | time to beat SORB (s) | designs | time (s) |")
        print("|---|---|---|---|---|---|")
        for method, seed in (("greedy", 0), ("ga", 0), ("ga", 1)):
            r = solve_design(prob, method, time_limit=args.lanes_time, seed=seed)
            t = time_to(r, SORB_LANES_25 * (1 - 1e-4), rtol=0)
            print(f"| {method} (seed {seed}) | {r.objective:,.0f} | {100 * (r.objective / SORB_LANES_25 - 1):+.2f} % | "
                  f"{'-' if t is None else f'{t:.1f}'} | {r.extra['designs_seen']} | {r.runtime_s:.1f} |", flush=True)


if __name__ == "__main__":
    main()
