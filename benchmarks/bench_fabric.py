"""Fabric congestion benchmarks: wall time and memory of the models at 8K-65K GPUs.

Prints one table row per (case, model): max congestion (s), ratio to spraying, wall time,
tracemalloc peak (Python/NumPy allocations) and the process peak RSS.

Usage::

    .venv/bin/python benchmarks/bench_fabric.py            # full run
    .venv/bin/python benchmarks/bench_fabric.py --quick    # small fabrics (smoke test)

Numba kernels are compiled (or loaded from cache) by a warm-up on a tiny fabric before timing.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

from netopt.solvers.fabric import (
    all_step_traffic,
    all_to_all,
    ecmp_exact,
    ecmp_monte_carlo,
    fat_tree,
    leaf_spine,
    min_split,
    ring_allreduce,
    singlepath,
    spray,
)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn):
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, dt, peak / 2**20


def row(case, model, value, base, dt, peak, target=None, note=""):
    ratio = f"{value / base:.4f}" if base else "-"
    ok = "" if target is None else ("ok" if dt < target else "SLOW")
    print(f"| {case} | {model} | {value:.6g} | {ratio} | {dt:.3f} | {target or '-'} {ok} | {peak:.0f} | "
          f"{_rss_mb():.0f} | {note} |", flush=True)


def warmup():
    fab = leaf_spine(4, 2, 2)
    c = all_to_all(8, 1e6)
    ecmp_monte_carlo(fab, c, n_seeds=2)
    ecmp_exact(fab, c)
    ecmp_monte_carlo(fat_tree(4), all_to_all(16, 1e6), n_seeds=2)


def leaf_spine_case(L, S, H, seeds):
    fab = leaf_spine(L, S, H, host_gbps=400)
    c = all_to_all(fab.n_hosts, 1 << 30)
    case = f"leaf-spine {L}x{S}x{H} ({fab.n_hosts} GPUs) all-to-all"
    (steps, dt_tr, pk) = timed(lambda: all_step_traffic(fab, c))
    row(case, "aggregate to leaf pairs", 0.0, 0.0, dt_tr, pk)
    sp, dt, pk = timed(lambda: spray(fab, c, traffic=steps))
    base = sp.max_congestion
    total = dt_tr + dt
    row(case, "spray", base, base, dt, pk)
    (sg, dt, pk) = timed(lambda: singlepath(fab, c, traffic=steps))
    total += dt
    row(case, "singlepath (bound + colouring)", sg.max_congestion, base, dt, pk, note=f"bound {sg.info['bound']:.6g}")
    (spl, dt, pk) = timed(lambda: min_split(fab, c, traffic=steps))
    total += dt
    row(case, f"minimal split (k={spl.info['k']})", spl.max_congestion, base, dt, pk)
    (ex, dt, pk) = timed(lambda: ecmp_exact(fab, c, traffic=steps))
    total += dt
    row(case, "ECMP exact (mean)", ex.info["mean"], base, dt, pk,
        note=f"p50 {ex.info['p50']:.6g}, p99 {ex.info['p99']:.6g}")
    row(case, "TOTAL spray+unsplit+split+exact ECMP", base, base, total, 0, target=1.0)
    (mc, dt, pk) = timed(lambda: ecmp_monte_carlo(fab, c, n_seeds=seeds, seed=0, traffic=steps))
    row(case, f"ECMP Monte Carlo ({seeds} seeds, mean)", mc.info["mean"], base, dt, pk, target=5.0,
        note=f"p99 {mc.info['p99']:.6g}")


def ring_case_ls(L, S, H, C):
    fab = leaf_spine(L, S, H, host_gbps=400)
    c = ring_allreduce(fab.n_hosts, 1 << 30, channels=C)
    case = f"leaf-spine {L}x{S}x{H} ring C={C}"
    t0 = time.perf_counter()
    sp = spray(fab, c)
    sg = singlepath(fab, c)
    spl = min_split(fab, c)
    ex = ecmp_exact(fab, c)
    dt = time.perf_counter() - t0
    row(case, "singlepath", sg.max_congestion, sp.max_congestion, dt, 0)
    row(case, f"minimal split (k={spl.info['k']})", spl.max_congestion, sp.max_congestion, dt, 0)
    row(case, "ECMP exact (mean)", ex.info["mean"], sp.max_congestion, dt, 0)


def fat_tree_case(k, coll, seeds):
    fab = fat_tree(k, host_gbps=400)
    n = fab.n_hosts
    c = all_to_all(n, 1 << 30) if coll == "all-to-all" else ring_allreduce(n, 1 << 30)
    case = f"fat-tree k={k} ({n} GPUs) {coll}"
    tracemalloc.start()
    t0 = time.perf_counter()
    steps = all_step_traffic(fab, c)
    sp = spray(fab, c, traffic=steps)
    t_sp = time.perf_counter() - t0
    sg = singlepath(fab, c, traffic=steps)
    t_sg = time.perf_counter() - t0
    spl = min_split(fab, c, traffic=steps)
    t_spl = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    base = sp.max_congestion
    row(case, "spray (incl. aggregation)", base, base, t_sp, peak / 2**20)
    row(case, "singlepath (two-stage colouring)", sg.max_congestion, base, t_sg - t_sp, peak / 2**20)
    row(case, f"minimal split (k={spl.info['k']})", spl.max_congestion, base, t_spl - t_sg, peak / 2**20)
    row(case, "TOTAL spray+singlepath+split", base, base, t_spl, peak / 2**20, target=10.0)
    if seeds:
        (mc, dt, pk) = timed(lambda: ecmp_monte_carlo(fab, c, n_seeds=seeds, seed=0, traffic=steps))
        row(case, f"ECMP Monte Carlo ({seeds} seeds, mean)", mc.info["mean"], base, dt, pk)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small fabrics only")
    ap.add_argument("--seeds", type=int, default=100, help="ECMP Monte Carlo samples")
    args = ap.parse_args()
    warmup()
    print("| case | model | max congestion (s) | x spray | wall (s) | target (s) | tracemalloc peak (MiB) | "
          "peak RSS (MiB) | notes |")
    print("|---|---|---|---|---|---|---|---|---|")
    if args.quick:
        leaf_spine_case(16, 8, 8, 10)
        fat_tree_case(8, "ring", 5)
        fat_tree_case(8, "all-to-all", 2)
        return
    leaf_spine_case(256, 32, 32, args.seeds)   # 8,192 GPUs
    leaf_spine_case(1024, 8, 8, 10)            # 8,192 GPUs, many leaves (MC: 10 seeds, slow)
    ring_case_ls(256, 32, 32, 1)
    ring_case_ls(256, 32, 32, 4)
    fat_tree_case(64, "ring", 10)
    fat_tree_case(64, "all-to-all", 0)


if __name__ == "__main__":
    main()
