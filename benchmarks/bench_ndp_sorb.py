"""Madadi & Correia's SORB rows against the exact-UE GA at a fixed time, with GA parameters and
design export (issue 18, stop 16). The rows and problem builders are ``bench_ndp_paper.py``'s.

    .venv/bin/python benchmarks/bench_ndp_sorb.py [--time 60] [--seed 0] [--networks ...] [--problems LA,LS]
        [--rows 0,3,...] [--gap 1e-5] [--param local=0 ...] [--export designs.json] [--surrogate [MODEL ...]] [--threads 1]

Each row: GA search ``--time`` s (exact UE, GP at ``--gap``, default 1e-5), top 5 re-scored at 1e-8; the table
gives SORB's TTT, the GA's TSTT, the difference, designs seen and exact UE solves. ``--export``
writes, per row, the best design's link capacities (file order) and OD demand, so that another
equilibrium code (their AequilibraE ``due_aeq``) can re-evaluate it. ``--surrogate`` adds, on rows whose
network has a GNN checkpoint, the GA with the surrogate as fitness for a tenth of the time (everything
included: loading, search, exact UE for its top 20 at --gap, the best 5 of those at 1e-8), its TSTT against the exact GA's, and
the designs per second each fitness scored: exact UE solves over the exact GA's search time, surrogate designs
over the model's inference time in its GA (the surrogate's speed-up, per network).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_ndp_paper import build, row_parser, selected_rows  # noqa: E402

from netopt.io.tntp import load_network  # noqa: E402
from netopt.solvers.design import solve_design  # noqa: E402


def main():
    ap = row_parser(__doc__)
    ap.add_argument("--gap", type=float, default=1e-5, help="relative UE gap while searching")
    ap.add_argument("--param", action="append", default=[], help="GA parameter KEY=VALUE (repeatable)")
    ap.add_argument("--export", default="", help="write the best designs' capacities and demand to this JSON file")
    ap.add_argument("--surrogate", nargs="*", default=None, metavar="MODEL",
                    help="also run the GA with the GNN surrogate (a tenth of --time, population 48, top 20 scored "
                         "by exact UE at --gap, the best 5 of those at 1e-8) on the rows whose network has a checkpoint: the shipped ones, or these files")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch CPU threads of the surrogate (1: one core, as the exact GA; torch's default takes both)")
    args = ap.parse_args()
    found = selected_rows(args)
    if found is None:
        return
    tntp, rows = found
    params = dict(kv.split("=", 1) for kv in args.param)
    print(f"GA {args.time:g} s per row, seed {args.seed}, search gap {args.gap:g}, params {params or 'default'}; "
          f"load average at start {os.getloadavg()[0]:.2f} (2 cores)"
          + (f"; surrogate on {args.threads} torch thread(s)" if args.surrogate is not None else "") + "\n")
    models = None if args.surrogate is None else surrogate_models(args.surrogate)
    if models is not None:
        from netopt._torch import set_threads

        set_threads(args.threads)
    head = "| # | network | problem | budget / SW_RP | cap step | SORB TTT | GA TSTT | vs SORB | designs | UE solves |"
    if models is not None:
        head += " surrogate GA TSTT | vs GA | surrogate time s | exact designs/s (GA search) | surrogate designs/s (model time) | speed-up |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    nets, export = {}, []
    t0 = time.time()
    for i, (name, prob, share, cap, sorb, _) in rows:
        net = nets.get(name) or nets.setdefault(name, load_network(tntp / name))
        p = build(net, prob, share, cap)
        r = solve_design(p, "ga", time_limit=args.time, seed=args.seed, gap=args.gap, **params)
        line = (f"| {i} | {name} | {prob} | {share:g} | {cap:g} | {sorb:,.1f} | {r.objective:,.1f} | "
                f"{100 * (r.objective / sorb - 1):+.3f} % | {r.extra['designs_seen']} | {r.extra['evaluations']} |")
        if models is not None:
            line += surrogate_columns(p, r, models, args)
        print(line, flush=True)
        best = np.array(r.solution["vector"])
        order = np.argsort(p.network.link_ids)  # CSR -> file order
        export.append({"row": i, "network": name, "problem": prob, "share": share, "cap": cap, "sorb": sorb,
                       "ours": r.objective, "capacity": p.capacities(best)[0][order].tolist(),
                       "demand": p.network.demand.tolist()})
    print(f"\ntotal {time.time() - t0:.0f} s; load average at end {os.getloadavg()[0]:.2f}")
    if args.export:
        Path(args.export).write_text(json.dumps(export))


def surrogate_models(paths):
    """``{network sha256: checkpoint}`` of the given files (none given: the shipped checkpoints)."""
    from netopt.gnn import CHECKPOINTS
    from netopt.gnn.models import read_checkpoint

    files = [Path(f) for f in paths] or [CHECKPOINTS / e["file"] for e in json.loads((CHECKPOINTS / "index.json").read_text())]
    return {read_checkpoint(f)["network"]["sha256"]: f for f in files}


def surrogate_columns(p, exact, models, args) -> str:
    """GA with the GNN surrogate for a tenth of ``--time`` (search time = time / 10 - 1.5 s kept for loading
    and re-scoring), top 20 exact at --gap, best 5 at 1e-8; its TSTT against the exact GA's and designs/s of both."""
    from netopt.gnn.surrogate import GNNFitness

    model = models.get(p.network.sha256)
    if model is None:
        return " - | - | - | - | - | - |"
    t0 = time.perf_counter()
    fit = GNNFitness(p, model)
    r = solve_design(p, "ga", time_limit=max(0.5, args.time / 10 - 1.5), seed=args.seed, gap=args.gap, fitness=fit,
                     population=48)
    total = time.perf_counter() - t0
    exact_rate = exact.extra["evaluations"] / exact.extra["search_time_s"]
    rate = fit.evaluations / max(fit.inference_time_s, 1e-9)  # model time: the search's own work and exact seeding aside
    return (f" {r.objective:,.1f} | {100 * (r.objective / exact.objective - 1):+.3f} % | {total:.1f} | {exact_rate:,.0f} | "
            f"{rate:,.0f} | {rate / exact_rate:.2f}x |")


if __name__ == "__main__":
    main()
