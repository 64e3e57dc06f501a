"""Madadi & Correia (2024) network-design table, side by side: SORB (their exact method, 4 h)
against netopt's exact-UE GA at a fixed time, for every (network, LA/LS, budget or swap share,
capacity step) row of ``../shared/datasets/tntp/Madadi2024-SORB-reference/*.csv``.

    .venv/bin/python benchmarks/bench_ndp_paper.py [--time 60] [--seed 0] [--networks SiouxFalls,...]
        [--problems LA,LS] [--rows 0,1,...] [--first-order both|on|off]

Problems as in their code (github.com/bahmanmdd/HDLMF_GIN-GA): routes may pass through zone
centroids; ``Cap`` is the capacity step 1/lanes (0.5 = 2 lanes, 0.25 = 4); LA: a lane on any link,
cost free-flow time x capacity, budget = share of the cost of a lane everywhere; LS: one lane may
change direction on round(SW_RP x two-way roads) roads drawn with their seed 10, demand perturbed
as theirs. "no design" is the TSTT before any lane is added or moved. GA objectives are exact UE
TSTT re-scored at relative gap 1e-8 (GA searches at 1e-5). SORB's TTT is AequilibraE's bi-conjugate
Frank-Wolfe TSTT (at most 1000 iterations, rgap 1e-6), so differences below ~2e-5 are within the two
equilibrium solvers' TSTT accuracy (their no-swap Sioux Falls design: 7,424,377.7; ours: 7,424,477.7).
Their CSVs give TSTT only, no designs, so their designs cannot be re-evaluated here.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netopt.datasets import shared_datasets
from netopt.io.tntp import load_network
from netopt.solvers.design import ExactFitness, lane_addition, lane_swap, solve_design

NETWORKS = ("SiouxFalls", "Eastern-Massachusetts", "Anaheim")


def reference_rows(folder: Path, networks, problems):
    """``(network, LA|LS, share, cap, sorb_ttt, sorb_gap)`` for every row of the reference files."""
    rows = []
    for path in sorted(folder.glob("NDP_*_reps_*.csv")):
        _, prob, rest = path.stem.split("_", 2)
        net = rest.rsplit("_reps_", 1)[0]
        if net not in networks or prob not in problems:
            continue
        with path.open() as fh:
            for r in csv.DictReader(fh):
                share = float(r["Budget"] if prob == "LA" else r["SW_RP"])
                rows.append((net, prob, share, float(r["Cap"]), float(r["TTT"]), float(r["Gap"])))
    rows.sort(key=lambda t: (NETWORKS.index(t[0]), t[1], t[2], -t[3]))
    return rows


def build(net, prob, share, cap):
    lanes = round(1 / cap)
    return lane_addition(net, share, lanes) if prob == "LA" else lane_swap(net, share, lanes)


def row_parser(doc: str) -> argparse.ArgumentParser:
    """The options of a run over the reference rows (shared with ``bench_ndp_sorb.py``)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--time", type=float, default=60.0, help="GA search seconds per row (re-scoring comes after)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--networks", default=",".join(NETWORKS))
    ap.add_argument("--problems", default="LA,LS")
    ap.add_argument("--rows", default="", help="comma-separated row numbers of the printed table to run (default all)")
    return ap


def selected_rows(args):
    """``(tntp folder, [(row number, row)])`` of the rows ``--networks`` / ``--problems`` / ``--rows``
    select (shared with ``bench_ndp_sorb.py``); None, with a message, without ../shared/datasets."""
    root = shared_datasets()
    if root is None:
        print("../shared/datasets not found")
        return None
    tntp = root / "tntp"
    rows = reference_rows(tntp / "Madadi2024-SORB-reference", args.networks.split(","), args.problems.split(","))
    pick = {int(i) for i in args.rows.split(",") if i.strip()} if args.rows else None
    return tntp, [(i, row) for i, row in enumerate(rows) if pick is None or i in pick]


def main():
    ap = row_parser(__doc__)
    ap.add_argument("--first-order", choices=("on", "off", "both"), default="on",
                    help="GA first-order seeding; both = one run of each per row (twice the time)")
    args = ap.parse_args()
    found = selected_rows(args)
    if found is None:
        return
    tntp, rows = found
    variants = {"on": [True], "off": [False], "both": [True, False]}[args.first_order]
    print(f"GA: {args.time:g} s search per row, seed {args.seed}, exact UE (gp) at gap 1e-5, top 5 re-scored at 1e-8; "
          f"load average at start {os.getloadavg()[0]:.2f} (2 cores)\n")
    head = "| # | network | problem | budget / SW_RP | cap step | SORB TTT (gap) | no design | " + \
           " | ".join(f"GA{'' if len(variants) == 1 else (' seeded' if v else ' random')} TSTT | vs SORB | designs"
                      for v in variants) + " |"
    print(head)
    print("|" + "---|" * head.count(" | ") + "---|")
    nets: dict[str, object] = {}
    t0 = time.time()
    for i, (name, prob, share, cap, sorb, gap) in rows:
        net = nets.get(name) or nets.setdefault(name, load_network(tntp / name))
        p = build(net, prob, share, cap)
        base = ExactFitness(p, 1e-8).evaluate(p.empty()[None, :])[0]
        cells = []
        for fo in variants:
            r = solve_design(p, "ga", time_limit=args.time, seed=args.seed, first_order=fo)
            cells.append(f"{r.objective:,.1f} | {100 * (r.objective / sorb - 1):+.3f} % | {r.extra['designs_seen']}")
        print(f"| {i} | {name} | {prob} | {share:g} | {cap:g} | {sorb:,.1f} ({gap:.3f}) | {base:,.1f} | "
              + " | ".join(cells) + " |", flush=True)
    print(f"\ntotal {time.time() - t0:.0f} s; load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
