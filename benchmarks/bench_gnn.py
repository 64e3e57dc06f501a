"""GNN surrogate benchmark: accuracy, fitness throughput, and end-to-end design search.

Problems: Sioux Falls lane addition (budget 25 %, 2 lanes; model ``siouxfalls.pt``), a Rey
DNDP instance (``SF_DNDP_20_1``, budget 25 %; its own model ``sf_dndp_20_1.pt``), with
``--problems any`` every Rey instance at each ``--budgets`` share, all scored by the one model for
any candidate set (``siouxfalls_any.pt``, trained with none of Rey's candidate roads), and with
``--problems swap`` the lane-swap problems (shares 0.25 / 0.5 / 0.75, capacity steps 0.5 / 0.25) of
each network in ``--swap-networks`` that has a shipped swap model; all from netopt/gnn/checkpoints
unless given.

1. accuracy: the checkpoint's held-out test metrics (MAE / R2 of link flows, TSTT error %), and on
   ``--designs`` random feasible designs of each problem: TSTT error % of the surrogate against exact
   UE (gap 1e-6) and the Spearman rank correlation of the two objectives.
2. throughput: designs per second, exact UE (warm-started, as in the GA) vs the surrogate at a GA
   population (24) and in one large batch (1024); CPU only here.
3. end to end: GA with exact UE for ``--exact-time`` s vs GA with the surrogate for a tenth of that
   (search time = exact-time / 10 minus the re-scoring allowance), both re-scored with exact UE at
   gap 1e-8; objective gap and total wall time, per seed.

    .venv/bin/python benchmarks/bench_gnn.py [--designs 200] [--exact-time 60] [--seeds 0 1 2]
        [--only accuracy,throughput,e2e] [--problems lanes,dndp,any,swap] [--budgets 0.25 0.5] [--rescore-top 5] [--screen-top 20]
        [--swap-networks SiouxFalls Eastern-Massachusetts Anaheim]
        [--surrogate-population 48]

Run with one torch thread (``torch.set_num_threads(1)``) on the 2-core CPU box.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netopt.datasets import shared_datasets  # noqa: E402
from netopt.gnn import CHECKPOINTS  # noqa: E402
from netopt.io.tntp import load_network  # noqa: E402
from netopt.solvers.design import ExactFitness, lane_addition, lane_swap, load_dndp, solve_design  # noqa: E402


def problems(args):
    """``(key, name, problem, model)`` of the wanted problems."""
    tntp = shared_datasets() / "tntp"
    trips = tntp / "SiouxFalls" / "SiouxFalls_trips.tntp"
    wanted = set(args.problems.split(","))
    out = []
    if "lanes" in wanted:
        out.append(("lanes", "SF lanes 25%", lane_addition(load_network(tntp / "SiouxFalls"), 0.25, lanes=2), args.model))
    if "dndp" in wanted:
        out.append(("dndp", "SF_DNDP_20_1 25%", load_dndp(tntp / "SiouxFalls-DNDP-Rey2020" / "SF_DNDP_20_1.txt", trips, 0.25),
                    args.dndp_model))
    if "any" in wanted:  # every Rey instance, scored by the one model for any candidate set
        for f in sorted((tntp / "SiouxFalls-DNDP-Rey2020").glob("SF_DNDP_*.txt"), key=lambda f: [int(x) for x in f.stem.split("_")[2:]]):
            for share in args.budgets:
                out.append(("any", f"{f.stem} {share:.0%} (any)", load_dndp(f, trips, share), args.any_model))
    if "swap" in wanted:  # the paper's NDP_LS rows, scored by the network's swap model
        from netopt.gnn.surrogate import pretrained_for

        for name in args.swap_networks:
            net = load_network(tntp / name)
            for share in (0.25, 0.5, 0.75):
                for lanes in (2, 4):
                    p = lane_swap(net, share, lanes)
                    model = pretrained_for(p.network.sha256, "network")
                    if model is not None:
                        out.append(("swap", f"{name} LS {share:g} step {1 / lanes:g}", p, str(model)))
    return out


def table(title, cols, rows):
    w = [max(len(str(c)), *(len(str(r[i])) for r in rows)) for i, c in enumerate(cols)]
    print(f"\n{title}")
    print("  ".join(str(c).rjust(w[i]) for i, c in enumerate(cols)))
    for r in rows:
        print("  ".join(str(v).rjust(w[i]) for i, v in enumerate(r)))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(CHECKPOINTS / "siouxfalls.pt"))
    ap.add_argument("--dndp-model", default=str(CHECKPOINTS / "sf_dndp_20_1.pt"))
    ap.add_argument("--designs", type=int, default=200)
    ap.add_argument("--exact-time", type=float, default=60.0)
    ap.add_argument("--rescore-allowance", type=float, default=1.5, help="seconds kept for exact re-scoring (surrogate run)")
    ap.add_argument("--surrogate-population", type=int, default=48)
    ap.add_argument("--rescore-top", type=int, default=5, help="designs re-scored at 1e-8 (the best of the screened)")
    ap.add_argument("--screen-top", type=int, default=20, help="best designs of a search given exact UE at 1e-5 first")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--only", default="accuracy,throughput,e2e")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--any-model", default=str(CHECKPOINTS / "siouxfalls_any.pt"), help="checkpoint for --problems any")
    ap.add_argument("--budgets", type=float, nargs="+", default=[0.25], help="any: budget shares of each instance")
    ap.add_argument("--swap-networks", nargs="+", default=["SiouxFalls", "Eastern-Massachusetts", "Anaheim"],
                    help="swap: networks (folders of ../shared/datasets/tntp) whose swap problems to score")
    ap.add_argument("--problems", default="lanes,dndp",
                    help="lanes (Sioux Falls lane addition), dndp (SF_DNDP_20_1, its own model), any (every SF_DNDP "
                         "instance, the one model for any candidate set), swap (lane swap, the network's swap model)")
    args = ap.parse_args()
    import torch
    from scipy.stats import spearmanr

    from netopt.gnn.surrogate import GNNFitness

    torch.set_num_threads(args.threads)
    only = set(args.only.split(","))
    probs = [(n, p, m) for _, n, p, m in problems(args) if Path(m).is_file()]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), device cpu (no GPU lent to this run)")

    acc_rows, thr_rows, held_rows = [], [], []
    for name, prob, model in probs:
        fit = GNNFitness(prob, model)
        t = fit.checkpoint["metrics"].get("test", {})
        held_rows.append([name, Path(model).name, t.get("samples"), f"{t.get('flow_mae', float('nan')):.1f}",
                          f"{t.get('flow_r2', float('nan')):.4f}", f"{t.get('tstt_error_pct_mean', float('nan')):.3f}",
                          f"{(t.get('tstt_error_pct_mean_base_demand') or float('nan')):.3f}", f"{t.get('tstt_error_pct_max', float('nan')):.2f}"])
        if not only & {"accuracy", "throughput"}:
            continue
        rng = np.random.default_rng(12345)
        designs = np.array([prob.random_design(rng) for _ in range(args.designs)])
        exact = ExactFitness(prob, gap=1e-6)
        t0 = time.perf_counter()
        ex = exact.evaluate(designs)
        t_exact = time.perf_counter() - t0
        t0 = time.perf_counter()
        sg = fit.evaluate(designs)
        err = np.abs(sg - ex) / ex * 100
        rho = spearmanr(sg, ex).statistic
        acc_rows.append([name, len(designs), f"{err.mean():.3f}", f"{np.percentile(err, 95):.3f}", f"{err.max():.3f}",
                         f"{((sg - ex) / ex).mean() * 100:+.3f}", f"{rho:.4f}",
                         f"{spearmanr(sg[np.argsort(ex)[:len(ex) // 5]], np.sort(ex)[:len(ex) // 5]).statistic:.3f}"])
        exact_rate = len(designs) / t_exact
        for batch in (24, 1024):
            f2 = GNNFitness(prob, model)
            big = np.array([prob.random_design(rng) for _ in range(batch)])
            f2.predict(big[:2])  # warm-up
            reps = max(1, int(2048 / batch))
            t0 = time.perf_counter()
            for r in range(reps):
                f2.evaluate(big if r == 0 else big[::-1].copy() + 0)  # evaluate() caches: time predict
                f2.cache.clear()
            rate = reps * batch / (time.perf_counter() - t0)
            thr_rows.append([name, batch, f"{exact_rate:,.0f}", f"{rate:,.0f}", f"{rate / exact_rate:,.0f}x"])
    table("Held-out test samples (from the checkpoint's training run)",
          ["problem", "model", "samples", "flow MAE", "flow R2", "TSTT err % mean", "... base-demand samples", "TSTT err % max"], held_rows)
    if "accuracy" in only:
        if len(acc_rows) > 2:
            col = lambda k: np.array([float(r[k]) for r in acc_rows])  # noqa: E731
            acc_rows.append(["median over rows", "", f"{np.median(col(2)):.3f}", f"{np.median(col(3)):.3f}",
                             f"{np.median(col(4)):.3f}", f"{np.median(col(5)):+.3f}", f"{np.median(col(6)):.4f}",
                             f"{np.median(col(7)):.3f}"])
        table("Random feasible designs: surrogate vs exact UE (gap 1e-6)",
              ["problem", "designs", "TSTT err % mean", "p95", "max", "bias %", "Spearman", "Spearman best 20%"], acc_rows)
    if "throughput" in only:
        table("Fitness throughput (designs/s, CPU, 1 thread)",
              ["problem", "batch", "exact UE (warm)", "GNN surrogate", "ratio"], thr_rows)
    if "e2e" not in only:
        return
    rows = []
    for name, prob, model in probs:
        for seed in args.seeds:
            t0 = time.perf_counter()
            ex = solve_design(prob, "ga", time_limit=args.exact_time, seed=seed, rescore_top=args.rescore_top, screen_top=args.screen_top)
            t_ex = time.perf_counter() - t0
            t0 = time.perf_counter()
            fit = GNNFitness(prob, model)
            sg = solve_design(prob, "ga", time_limit=max(0.5, args.exact_time / 10 - args.rescore_allowance), seed=seed,
                              fitness=fit, rescore_top=args.rescore_top, screen_top=args.screen_top, population=args.surrogate_population)
            t_sg = time.perf_counter() - t0
            gap = (sg.objective - ex.objective) / ex.objective * 100
            rows.append([name, seed, f"{ex.objective:,.0f}", f"{t_ex:.1f}", ex.extra["designs_seen"],
                         f"{sg.objective:,.0f}", f"{sg.solution['objective_search']:,.0f}", f"{t_sg:.1f}",
                         sg.extra["designs_seen"], f"{gap:+.3f}", f"{t_sg / t_ex:.3f}"])
            table("End to end (partial)", ["problem", "seed", "exact GA obj", "time s", "designs", "GNN GA obj (exact)",
                                           "GNN obj (surrogate)", "time s", "designs", "gap %", "time ratio"], rows[-1:])
    if len(rows) > 2:
        gaps = np.array([float(r[9]) for r in rows])
        rows.append(["median over rows", "", "", "", "", "", "", "", "", f"{np.median(gaps):+.3f}",
                     f"{np.median([float(r[10]) for r in rows]):.3f}"])
        rows.append(["mean / max over rows", "", "", "", "", "", "", "", "", f"{gaps.mean():+.3f} / {gaps.max():+.3f}", ""])
    table(f"End to end: GA exact UE ({args.exact_time:g} s) vs GA GNN surrogate (<= {args.exact_time / 10:g} s incl. loading "
          "and exact re-scoring); objectives exact UE at gap 1e-8",
          ["problem", "seed", "exact GA obj", "time s", "designs", "GNN GA obj (exact)", "GNN obj (surrogate)", "time s",
           "designs", "gap %", "time ratio"], rows)


if __name__ == "__main__":
    main()
