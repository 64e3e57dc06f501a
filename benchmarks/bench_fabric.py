"""Fabric congestion benchmarks: wall time and memory of the models at 8K-65K GPUs.

Prints one table row per (case, model): max congestion (s), ratio to spraying, wall time,
tracemalloc peak (Python/NumPy allocations) and the process peak RSS; fat-tree cases add the
flow-level completion time (CCT) of every model; a last table compares the exact ECMP
distribution with Monte Carlo.

Usage::

    .venv/bin/python benchmarks/bench_fabric.py            # full run
    .venv/bin/python benchmarks/bench_fabric.py --quick    # small fabrics (smoke test)
    .venv/bin/python benchmarks/bench_fabric.py --only mc --repeats 5   # just the 100-seed ECMP Monte Carlo
    .venv/bin/python benchmarks/bench_fabric.py --only before-after --repeats 3
        # the same 100-seed kernel call, old binomial sampler (commit 668f16a) vs now, alternating
    .venv/bin/python benchmarks/bench_fabric.py --only scale --repeats 3
        # issue 19: `netopt fabric analyze --topology fat-tree --k K --collective C --json` as a
        # subprocess under /usr/bin/time (wall time and peak RSS, median of the repeats), k = 16, 32, 64
    .venv/bin/python benchmarks/bench_fabric.py --only scale-all --repeats 1
        # the same for every collective on k = 64 (65,536 GPUs) and k = 80 (128,000 GPUs)
    .venv/bin/python benchmarks/bench_fabric.py --only ft-agreement
        # exact ECMP on fat-trees (tiers combined as independent) vs per-flow Monte Carlo
    .venv/bin/python benchmarks/bench_fabric.py --only stop14
        # issue 19 Stop 14: skewed (MoE) all-to-all, rail-optimised 8-rail k = 64 (65,536 GPUs), failed
        # cables; each a fresh `netopt fabric analyze ... --json` under /usr/bin/time
    .venv/bin/python benchmarks/bench_fabric.py --only stop15
        # issue 19 Stop 15: the other collectives (reduce-scatter, all-gather, tree, recursive doubling,
        # halving-doubling) on the 8-rail k = 64 cluster, the same way
    .venv/bin/python benchmarks/bench_fabric.py --only stop16 --repeats 3
        # issue 19 Stop 16: k = 64 recursive doubling / halving-doubling (repeats, median), then failed
        # cables at 65,536 GPUs and the 8-rail tree / recursive doubling / halving-doubling
    .venv/bin/python benchmarks/bench_fabric.py --only stop17
        # issue 19 Stop 17: the acceptance matrix (every collective and the skewed all-to-all on k = 64,
        # its 8-rail version and k = 80; random placements; failed cables), one CLI process per row
    .venv/bin/python benchmarks/bench_fabric.py --only stop17-skew --repeats 3
        # the three skewed (Zipf 1.0) all-to-all rows of that matrix (k = 64, 8 rails, k = 80), each
        # --repeats times (the class-greedy split scan's budget depends on the load)

Numba kernels are compiled (or loaded from cache) by a warm-up on a tiny fabric before timing.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np

from netopt.solvers.fabric import (
    all_step_traffic,
    completion_time,
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
    for par in (True, False):
        ecmp_monte_carlo(fab, c, n_seeds=2, parallel=par)
        ecmp_monte_carlo(fat_tree(4), all_to_all(16, 1e6), n_seeds=2, parallel=par)
    ft = fat_tree(4)
    r = ring_allreduce(16, 1e6)
    completion_time(ft, r, "spray")


def leaf_spine_case(L, S, H, seeds, repeats=1):
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
    mc_rows(case, fab, c, steps, base, seeds, repeats)


def mc_rows(case, fab, c, steps, base, seeds, repeats):
    """ECMP Monte Carlo, parallel (default, Numba threads) and serial; median wall time of ``repeats``."""
    for par in (True, False):
        ts = []
        for _ in range(repeats):
            (mc, dt, pk) = timed(lambda: ecmp_monte_carlo(fab, c, n_seeds=seeds, seed=0, traffic=steps, parallel=par))
            ts.append(dt)
        note = f"p99 {mc.info['p99']:.6g}; " + (f"median of {repeats}: " + ", ".join(f"{t:.2f}" for t in ts)
                                               if repeats > 1 else "")
        row(case, f"ECMP Monte Carlo ({seeds} seeds, mean, {'parallel' if par else 'serial'})", mc.info["mean"], base,
            float(np.median(ts)), pk, target=5.0, note=note)


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


def fat_tree_case(k, coll, seeds, link_gbps=None, cct_max_flows=3_000_000):
    fab = fat_tree(k, host_gbps=400, link_gbps=link_gbps)
    n = fab.n_hosts
    c = all_to_all(n, 1 << 30) if coll == "all-to-all" else ring_allreduce(n, 1 << 30)
    case = f"fat-tree k={k} ({n} GPUs{'' if link_gbps is None else f', {link_gbps:g} Gbit/s links'}) {coll}"
    tracemalloc.start()
    t0 = time.perf_counter()
    steps = all_step_traffic(fab, c)
    sp = spray(fab, c, traffic=steps)
    t_sp = time.perf_counter() - t0
    sg = singlepath(fab, c, traffic=steps, keep=True)
    t_sg = time.perf_counter() - t0
    spl = min_split(fab, c, traffic=steps, keep=True)
    t_spl = time.perf_counter() - t0
    ccts = {}
    for m, kw in (("spray", {}), ("ecmp", {"seed": 0}), ("singlepath", {"assignments": sg.assignment}),
                  ("split", {"assignments": spl.assignment, "k": spl.info["k"]})):
        t = time.perf_counter()
        ccts[m] = (completion_time(fab, c, m, max_flows=cct_max_flows, **kw), time.perf_counter() - t)
    t_all = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    base = sp.max_congestion
    row(case, "spray (incl. aggregation)", base, base, t_sp, peak / 2**20)
    row(case, "singlepath (two-stage colouring)", sg.max_congestion, base, t_sg - t_sp, peak / 2**20)
    row(case, f"minimal split (k={spl.info['k']})", spl.max_congestion, base, t_spl - t_sg, peak / 2**20)
    c0 = ccts["spray"][0]
    for m, (v, dt) in ccts.items():
        if v is None:
            row(case, f"CCT {m}", 0.0, 0.0, dt, peak / 2**20, note=f"skipped: over {cct_max_flows:,} (sub)flows per step")
        else:
            row(case, f"CCT {m} (s; x spray = CCT ratio)", v, c0, dt, peak / 2**20)
    row(case, "TOTAL spray+singlepath+split+4 CCTs", base, base, t_all, peak / 2**20, target=10.0)
    if seeds:
        (mc, dt, pk) = timed(lambda: ecmp_monte_carlo(fab, c, n_seeds=seeds, seed=0, traffic=steps))
        row(case, f"ECMP Monte Carlo ({seeds} seeds, mean)", mc.info["mean"], base, dt, pk)


def agreement(cases):
    """Exact ECMP (tiers exact or combined as independent) vs Monte Carlo (exact samples)."""
    print()
    print("| case | tiers | exact mean | MC mean (seeds) | rel. diff | z = diff / MC std. error | exact p99 | MC p99 |")
    print("|---|---|---|---|---|---|---|---|")
    for L, S, H, coll, C, seeds in cases:
        fab = leaf_spine(L, S, H, host_gbps=400)
        place = "random" if coll == "ring-random" else "leaf-major"
        from netopt.solvers.fabric import placement

        hosts = placement(place, fab.n_hosts, fab.n_hosts, seed=0)
        c = (all_to_all(fab.n_hosts, 1 << 30, hosts=hosts) if coll == "all-to-all"
             else ring_allreduce(fab.n_hosts, 1 << 30, channels=C, hosts=hosts))
        ex = ecmp_exact(fab, c)
        mc = ecmp_monte_carlo(fab, c, n_seeds=seeds, seed=0)
        s = mc.info["samples"]
        se = s.std() / np.sqrt(s.size)
        d = ex.info["mean"] - s.mean()
        z = d / se if se > 0 else 0.0
        print(f"| leaf-spine {L}x{S}x{H} {coll}{'' if coll == 'all-to-all' else f' C={C}'} | {ex.info['tiers']} | "
              f"{ex.info['mean']:.6g} | {s.mean():.6g} ({seeds}) | {d / s.mean():+.2e} | {z:+.2f} | "
              f"{ex.info['p99']:.6g} | {mc.info['p99']:.6g} |", flush=True)


OLD_COMMIT = "668f16a"  # last commit with the numpy-binomial ECMP sampler


def before_after(repeats, seeds=100):
    """100-seed ECMP kernel on 256x32x32 all-to-all: the sampler of ``OLD_COMMIT`` (compiled from
    ``git show``, no cache) vs the current serial and parallel kernels, alternating in one process."""
    import importlib.util
    import subprocess
    import tempfile
    from pathlib import Path

    from netopt.solvers.fabric import _kernels as K

    src = subprocess.run(["git", "show", f"{OLD_COMMIT}:netopt/solvers/fabric/_kernels.py"], capture_output=True,
                         text=True, check=True).stdout.replace("cache=True", "cache=False")
    path = Path(tempfile.mkdtemp()) / "old_fabric_kernels.py"
    path.write_text(src)
    spec = importlib.util.spec_from_file_location("old_fabric_kernels", path)
    old = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(old)
    fab = leaf_spine(256, 32, 32, host_gbps=400)
    st = all_step_traffic(fab, all_to_all(fab.n_hosts, 1 << 30))[0]
    args = (st.ga, st.gb, st.gn, st.gw, np.ascontiguousarray(fab.block(2)), np.ascontiguousarray(fab.block(3)))
    extra = (1, False, False)  # h, fat, failed of the current kernels, before the capacities

    def now(kern):
        return lambda ga, gb, gn, gw, up, dn, n, seed: kern(ga, gb, gn, gw, *extra, *fab.kernel_caps(), n, seed)

    fns = {f"old ({OLD_COMMIT}, numpy binomials)": old.ecmp_mc_leafspine, "new serial": now(K.ecmp_mc),
           "new parallel": now(K.ecmp_mc_parallel)}
    for f in fns.values():
        f(*args, 1, 0)
    times = {name: [] for name in fns}
    means = {name: [] for name in fns}
    for rep in range(repeats):
        for name, f in fns.items():
            t = time.perf_counter()
            out = f(*args, seeds, rep)
            times[name].append(time.perf_counter() - t)
            means[name].append(out.mean())
    print()
    print(f"| sampler ({seeds} seeds, leaf-spine 256x32x32 all-to-all) | median wall (s) | runs (s) | mean max congestion (s) |")
    print("|---|---|---|---|")
    for name in fns:
        print(f"| {name} | {np.median(times[name]):.2f} | {', '.join(f'{t:.2f}' for t in times[name])} | "
              f"{np.mean(means[name]):.6g} |")
    base = np.median(times[next(iter(fns))])
    print(f"| speed-up old / new serial, old / new parallel | {base / np.median(times['new serial']):.1f}x, "
          f"{base / np.median(times['new parallel']):.1f}x | | |")


SCALE_CASES = [(16, "all-to-all"), (32, "all-to-all"), (64, "all-to-all"), (16, "ring"), (32, "ring"), (64, "ring")]
#: issue 19, stop 13: every collective on 65,536 GPUs, and the 128,000-GPU fat-tree (k = 80; not a
#: power of two, so no recursive doubling / halving-doubling there)
ALL_COLLECTIVES = ("all-to-all", "ring", "reduce-scatter", "all-gather", "tree", "recursive-doubling",
                   "halving-doubling")
SCALE_CASES_ALL = [(64, c) for c in ALL_COLLECTIVES] + [(80, c) for c in ALL_COLLECTIVES[:5]]


def scale(cases, repeats, timeout=600):
    """Issue 19: the whole CLI analysis (every model, default options) per fat-tree size and
    collective, each run in a fresh process under ``/usr/bin/time -f "%e %U %S %M"`` (wall s, CPU s, peak RSS KiB);
    prints medians, every run, the JSON ``method``, the ECMP model that ran (exact / Monte Carlo and
    its sampling), each model's seconds inside the analysis, and the CCTs (- = skipped)."""
    import json
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    tbin = shutil.which("time") or "/usr/bin/time"
    exe = str(Path(sys.executable).with_name("netopt"))
    print()
    print("| fat-tree k | GPUs | collective | method | median wall (s) | runs (s) | CPU user+sys (s) | median peak RSS "
          "(MiB) | analysis (s): spray / ECMP exact / ECMP MC / singlepath / split | ECMP x spray (exact; MC) | "
          "singlepath x spray | split k | CCT x spray: ECMP / singlepath / split (spray CCT s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for k, coll in cases:
        walls, cpus, rss, res = [], [], [], None
        for _ in range(repeats):
            cmd = [tbin, "-f", "%e %U %S %M", exe, "fabric", "analyze", "--topology", "fat-tree", "--k", str(k),
                   "--collective", coll, "--json"]
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
            except subprocess.TimeoutExpired:
                walls.append(float("inf"))
                break
            e, us, sy, m = r.stderr.strip().splitlines()[-1].split()
            walls.append(float(e))
            cpus.append(float(us) + float(sy))
            rss.append(int(m) / 1024.0)
            res = json.loads(r.stdout) if r.returncode == 0 else None
            if res is None:
                print(f"| {k} | {k ** 3 // 4:,} | {coll} | - | failed: {r.stderr.strip().splitlines()[0]} "
                      "| | | | | | | |", flush=True)
                break
        if res is None:
            if walls and walls[-1] == float("inf"):
                print(f"| {k} | {k ** 3 // 4:,} | {coll} | - | > {timeout} | | | | | | | |", flush=True)
            continue
        m = res["models"]
        e = m["ecmp"]
        mc = e.get("monte_carlo", e if e.get("method") == "monte-carlo" else None)
        mc = None if mc is not None and "skipped" in mc else mc
        ex_mean = e["mean"] if e.get("method") == "exact" else None
        base = m["spray"]["max_congestion"]
        ratio = (lambda v, b=base: "-" if v is None else f"{v / b:.4f}")
        times = " / ".join(f"{t:.2f}" if t is not None else "-" for t in (
            m["spray"].get("time_s"), e.get("time_s") if ex_mean is not None else None,
            mc.get("time_s") if mc else None, m["singlepath"].get("time_s"), m["split"].get("time_s")))
        cr = " / ".join(f"{m[x]['cct_ratio']:.3f}" if m[x].get("cct_ratio") is not None else "-"
                        for x in ("ecmp", "singlepath", "split"))
        sc = m["spray"].get("cct")
        sgl = f"{m['singlepath']['ratio']:.4f}" if "ratio" in m["singlepath"] else m["singlepath"].get("error")
        print(f"| {k} | {k ** 3 // 4:,} | {coll} | {res['method']} | {np.median(walls):.2f} | "
              f"{', '.join(f'{w:.2f}' for w in walls)} | {np.median(cpus):.2f} | {np.median(rss):.0f} | {times} | "
              f"{ratio(ex_mean)}; {ratio(mc['mean']) if mc else '-'} ({mc.get('sampling') if mc else ''}) | "
              f"{sgl} | {m['split'].get('k', '-')} | {cr} ({'-' if sc is None else f'{sc:.4g}'}) |", flush=True)


FT_AGREEMENT = [(4, "all-to-all", "leaf-major", 20000), (8, "all-to-all", "leaf-major", 4000),
                (16, "all-to-all", "leaf-major", 300), (8, "ring", "random", 4000), (8, "tree", "leaf-major", 4000),
                (8, "halving-doubling", "random", 4000), (16, "ring", "random", 1000)]


def ft_agreement(cases=FT_AGREEMENT):
    """Stop 13: exact ECMP on fat-trees (per-tier exact, tiers combined as independent) against the
    per-flow Monte Carlo (tiers jointly exact), same process; z = difference / MC standard error."""
    from netopt.solvers.fabric import make_collective, placement

    print()
    print("| fat-tree k | collective | placement | tiers | exact mean x spray (time s) | MC mean x spray (seeds, "
          "time s) | rel. diff | z | exact p99 / MC p99 (x spray) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for k, coll, place, seeds in cases:
        ft = fat_tree(k)
        c = make_collective(coll, ft.n_hosts, float(1 << 30), hosts=placement(place, ft.n_hosts, ft.n_hosts, seed=1))
        sp = spray(ft, c).max_congestion
        t = time.perf_counter()
        ex = ecmp_exact(ft, c)
        te = time.perf_counter() - t
        t = time.perf_counter()
        mc = ecmp_monte_carlo(ft, c, n_seeds=seeds, seed=11, aggregate=False)
        tm = time.perf_counter() - t
        s = mc.info["samples"]
        se = s.std() / np.sqrt(s.size)
        d = ex.info["mean"] - s.mean()
        z = d / se if se > 0 else float("nan")
        print(f"| {k} | {coll} | {place} | {ex.info['tiers']} | {ex.info['mean'] / sp:.5f} ({te:.2f}) | "
              f"{s.mean() / sp:.5f} ({seeds}, {tm:.2f}) | {d / s.mean():+.2e} | {z:+.2f} | "
              f"{ex.info['p99'] / sp:.4f} / {mc.info['p99'] / sp:.4f} |", flush=True)


STOP14_CASES = [
    ("fat-tree k=64 all-to-all, skew Zipf 1.0", ["--topology", "fat-tree", "--k", "64", "--skew", "1.0"]),
    ("fat-tree k=64 8 rails all-to-all", ["--topology", "fat-tree", "--k", "64", "--rails", "8"]),
    ("fat-tree k=64 8 rails ring", ["--topology", "fat-tree", "--k", "64", "--rails", "8", "--collective", "ring"]),
    ("fat-tree k=64 8 rails all-to-all, skew Zipf 1.0", ["--topology", "fat-tree", "--k", "64", "--rails", "8",
                                                         "--skew", "1.0"]),
    ("fat-tree k=64 ring, 2 failed cables (edge, core)", ["--topology", "fat-tree", "--k", "64", "--collective", "ring",
                                                          "--fail", "edge:0:1", "--fail", "core:3:0"]),
    ("leaf-spine 32x16x8 all-to-all, skew Zipf 1.0", ["--leaves", "32", "--spines", "16", "--hosts-per-leaf", "8",
                                                      "--skew", "1.0"]),
]


#: issue 19, stop 15: the collectives of the 8-rail k = 64 cluster that stop 14 did not measure
STOP15_CASES = [(f"fat-tree k=64 8 rails {c}", ["--topology", "fat-tree", "--k", "64", "--rails", "8", "--collective", c])
                for c in ("reduce-scatter", "all-gather", "tree", "recursive-doubling", "halving-doubling")]

#: issue 19, stop 16: failed cables at 65,536 GPUs (aggregated ECMP of the all-to-all, spraying's CCT by
#: link classes) and the 8-rail cluster's slowest collectives
STOP16_FAIL = ["--fail", "edge:0:1", "--fail", "core:5:3"]
STOP16_CASES = [
    ("fat-tree k=64 all-to-all, edge 0:1 + core 5:3 down", ["--topology", "fat-tree", "--k", "64", "--collective",
                                                            "all-to-all", *STOP16_FAIL]),
    ("fat-tree k=64 ring, edge 0:1 + core 5:3 down", ["--topology", "fat-tree", "--k", "64", "--collective", "ring",
                                                      *STOP16_FAIL]),
    ("fat-tree k=64 recursive-doubling, edge 0:1 down", ["--topology", "fat-tree", "--k", "64", "--collective",
                                                         "recursive-doubling", "--fail", "edge:0:1"]),
] + [(f"fat-tree k=64 8 rails {c}", ["--topology", "fat-tree", "--k", "64", "--rails", "8", "--collective", c])
     for c in ("tree", "recursive-doubling", "halving-doubling")]


#: issue 19, stop 17: the acceptance matrix at 65,536 GPUs (k = 64 fat-tree and its 8-rail version)
#: and 128,000 GPUs (k = 80): every collective, the skewed (Zipf 1.0) all-to-all, a random placement,
#: and the failed-cable cases of stop 16
_K64 = ["--topology", "fat-tree", "--k", "64"]
_K80 = ["--topology", "fat-tree", "--k", "80"]
STOP17_CASES = (
    [(f"k=64 {c}", [*_K64, "--collective", c]) for c in ALL_COLLECTIVES]
    + [("k=64 all-to-all, skew Zipf 1.0", [*_K64, "--skew", "1.0"]),
       ("k=64 ring, random placement", [*_K64, "--collective", "ring", "--placement", "random"]),
       ("k=64 all-to-all, random placement", [*_K64, "--placement", "random"])]
    + [(f"k=64 8 rails {c}", [*_K64, "--rails", "8", "--collective", c]) for c in ALL_COLLECTIVES]
    + [("k=64 8 rails all-to-all, skew Zipf 1.0", [*_K64, "--rails", "8", "--skew", "1.0"])]
    + [(f"k=80 {c}", [*_K80, "--collective", c]) for c in ALL_COLLECTIVES[:5]]
    + [("k=80 all-to-all, skew Zipf 1.0", [*_K80, "--skew", "1.0"])]
    + STOP16_CASES[:3]
)
#: the skewed all-to-all rows of :data:`STOP17_CASES`
STOP17_SKEW_CASES = [c for c in STOP17_CASES if "skew" in c[0]]


def cli_cases(cases=STOP14_CASES, timeout=600):
    """The CLI analysis (default options: 100 ECMP seeds, CCT up to 300,000 flows per step) of named
    cases (stop 14: the skewed all-to-all, rail-optimised and failed-cable fabrics; stop 15: the other
    collectives on rails), one fresh process per case under ``/usr/bin/time -f "%e %U %S %M"``; prints wall, CPU
    s, peak RSS, the JSON ``method`` and every model's ratio to spraying, method and seconds (or its
    error)."""
    import json
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    tbin = shutil.which("time") or "/usr/bin/time"
    exe = str(Path(sys.executable).with_name("netopt"))
    print()
    print("| case | wall (s) | CPU user+sys (s) | peak RSS (MiB) | method | ECMP x spray (how; s) | singlepath x spray "
          "(how; s) | split k (how; s) | CCT x spray: ECMP / singlepath / split (CCT method: spray / ECMP / "
          "singlepath / split) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, args in cases:
        cmd = [tbin, "-f", "%e %U %S %M", exe, "fabric", "analyze", *args, "--json"]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            print(f"| {name} | > {timeout} | | | | | | |", flush=True)
            continue
        wall, us, sy, rss = r.stderr.strip().splitlines()[-1].split()
        cpu = f"{float(us) + float(sy):.2f}"
        if r.returncode:
            print(f"| {name} | {float(wall):.2f} | {cpu} | {int(rss) / 1024:.0f} | failed: "
                  f"{r.stderr.strip().splitlines()[0]} | | | | |", flush=True)
            continue
        res = json.loads(r.stdout)
        m = res["models"]

        def cell(e, extra=""):
            if "error" in e:
                return "error: " + e["error"][:60]
            how = e.get("method", "")
            if e.get("sampling"):
                how += f", {e['sampling']}"
            return f"{e['ratio']:.4f}{extra} ({how}; {e.get('time_s', 0):.2f})"

        sp = m["split"]
        split = ("error: " + sp["error"][:60]) if "error" in sp else \
            f"{sp['k']} ({sp.get('method')}; {sp['time_s']:.2f}){' ' + sp['note'] if 'note' in sp else ''}"
        sc = m["spray"].get("cct")

        def cct_cell(x):
            if m[x].get("cct_ratio") is not None:
                return f"{m[x]['cct_ratio']:.3f}"
            b = m[x].get("cct_bounds")
            return f"[{b[0] / sc:.3f}, {b[1] / sc:.3f}]" if b and sc else "-"

        cr = " / ".join(cct_cell(x) for x in ("ecmp", "singlepath", "split"))
        how = " / ".join(m[x].get("cct_method", "bounds" if m[x].get("cct_bounds") else "-")
                         for x in ("spray", "ecmp", "singlepath", "split"))
        print(f"| {name} | {float(wall):.2f} | {cpu} | {int(rss) / 1024:.0f} | {res['method']} | {cell(m['ecmp'])} | "
              f"{cell(m['singlepath'])} | {split} | {cr} ({how}) |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="small fabrics only")
    ap.add_argument("--only", choices=["mc", "fat-tree", "agreement", "before-after", "scale", "scale-all",
                                       "ft-agreement", "stop14", "stop15", "stop16", "stop17", "stop17-skew"],
                    help="run one part only")
    ap.add_argument("--seeds", type=int, default=100, help="ECMP Monte Carlo samples")
    ap.add_argument("--repeats", type=int, default=1, help="repeats of the 8,192-GPU Monte Carlo (median)")
    args = ap.parse_args()
    if args.only == "scale":
        scale(SCALE_CASES[:2] if args.quick else SCALE_CASES, args.repeats)
        return
    if args.only == "scale-all":
        scale(SCALE_CASES_ALL, args.repeats)
        return
    if args.only == "ft-agreement":
        warmup()
        ft_agreement()
        return
    if args.only == "stop14":
        cli_cases(STOP14_CASES[:1] if args.quick else STOP14_CASES)
        return
    if args.only == "stop15":
        cli_cases(STOP15_CASES[:1] if args.quick else STOP15_CASES)
        return
    if args.only == "stop17":
        cli_cases(STOP17_CASES[:1] if args.quick else STOP17_CASES)
        return
    if args.only == "stop17-skew":
        cli_cases(STOP17_SKEW_CASES * max(args.repeats, 1))
        return
    if args.only == "stop16":
        scale([(64, "recursive-doubling"), (64, "halving-doubling")], args.repeats)
        cli_cases(STOP16_CASES[:1] if args.quick else STOP16_CASES)
        return
    warmup()
    print("| case | model | max congestion (s) | x spray | wall (s) | target (s) | tracemalloc peak (MiB) | "
          "peak RSS (MiB) | notes |")
    print("|---|---|---|---|---|---|---|---|---|")
    if args.quick:
        leaf_spine_case(16, 8, 8, 10)
        fat_tree_case(8, "ring", 5)
        fat_tree_case(8, "all-to-all", 2)
        agreement([(8, 4, 4, "all-to-all", 1, 2000), (8, 4, 4, "ring", 2, 2000)])
        return
    if args.only == "before-after":
        before_after(args.repeats)
        return
    if args.only == "mc":
        fab = leaf_spine(256, 32, 32, host_gbps=400)
        c = all_to_all(fab.n_hosts, 1 << 30)
        steps = all_step_traffic(fab, c)
        mc_rows("leaf-spine 256x32x32 (8192 GPUs) all-to-all", fab, c, steps, spray(fab, c).max_congestion,
                args.seeds, args.repeats)
        return
    if args.only is None:
        leaf_spine_case(256, 32, 32, args.seeds, args.repeats)   # 8,192 GPUs
        leaf_spine_case(1024, 8, 8, args.seeds, args.repeats)    # 8,192 GPUs, many leaves
        ring_case_ls(256, 32, 32, 1)
        ring_case_ls(256, 32, 32, 4)
    if args.only in (None, "fat-tree"):
        fat_tree_case(64, "ring", 10)
        fat_tree_case(64, "ring", 0, link_gbps=200)
        fat_tree_case(64, "all-to-all", 0)
    if args.only in (None, "agreement"):
        agreement([(8, 4, 4, "all-to-all", 1, 20000), (32, 16, 8, "all-to-all", 1, 10000),
                   (256, 32, 32, "all-to-all", 1, 500), (256, 32, 32, "ring", 4, 2000),
                   (16, 8, 4, "ring-random", 2, 20000), (256, 32, 32, "ring-random", 4, 2000)])


if __name__ == "__main__":
    main()
