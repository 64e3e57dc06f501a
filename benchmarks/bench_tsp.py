"""Large-TSP benchmark of tsp-heatmap: random-uniform TSP-500/1000/10000 and TSPLIB, one core.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_tsp.py --sizes 500 1000 10000 --time 500=2 1000=4 10000=40
    .venv/bin/python benchmarks/bench_tsp.py --sizes 500 --instances 16 --tsplib --tsplib-time 2
    .venv/bin/python benchmarks/bench_tsp.py --anytime 0.5 1 2 4 8 16 --sizes 1000 --instances 3
    .venv/bin/python benchmarks/bench_tsp.py --code /work/tmp/tsp_before --anytime 0.5 1 2 4 8 16 --sizes 1000 --instances 3
    .venv/bin/python benchmarks/bench_tsp.py --cpu 1 8 --variants depth=0 depth=3 --sizes 1000 --instances 6
    .venv/bin/python benchmarks/bench_tsp.py --cpu 1 2 4 --variants search=ils search=mcts --sizes 1000 --instances 4
    .venv/bin/python benchmarks/bench_tsp.py --sizes 500 1000 --instances 8 --time 500=2 1000=4 --lkh
    .venv/bin/python benchmarks/bench_tsp.py --sizes 10000 --instances 2 --time 10000=30 --points --lkh --lkh-trials 1
    .venv/bin/python benchmarks/bench_tsp.py --sizes 1000 10000 --instances 1 --reversals 3000
    .venv/bin/python benchmarks/bench_tsp.py --scales 1 5 --sizes 500 --instances 16 --time 500=2 --lkh > b500.txt
    .venv/bin/python benchmarks/bench_tsp.py --scales 1 5 --sizes 500 --instances 16 --time 500=2 --lkh-log b500.txt --param heatmap=knn
    .venv/bin/python benchmarks/bench_tsp.py --scales 1 5 --sizes --tsplib --lkh --tsplib-extra pr2392.tsp=378032

``--scales X1 X2 ...``: issue 20's table. Per instance (coordinates only, no matrix) tsp-heatmap at
each multiple of the size's limit; with ``--lkh`` LKH-3 (``runs=1``) and tsp-heatmap again at LKH's
measured time ("at LKH's time"); ``--lkh-log FILE`` takes LKH's lengths and times from the per-instance
lines of such an earlier run instead (LKH is deterministic): other tsp-heatmap settings at the same times.

``--cpu T1 T2 ... --variants "depth=0" "search=mcts,heatmap=softdist"``: the variants (tsp-heatmap
parameters; heatmap auto, knn, softdist or alpha; search ils or mcts) at equal CPU time (``time.process_time``: fairer than the wall clock on a shared machine),
interleaved per instance; best length by each CPU time, setup and construction included.

``--anytime T1 T2 ...``: one run per instance with the largest time as its limit; prints the best
tour length found by each time (from the run's history of incumbents, which the solver reports
at most every 0.2 s, so a length can show up to 0.2 s late). ``--code DIR`` imports ``netopt``
from DIR (a worktree of an older commit, ``git worktree add DIR <commit>``: before/after
comparisons on the same datasets).

Random-uniform sets (../shared/datasets/tsp/random_uniform, 128 / 128 / 16 instances): mean tour
length, gap of the mean to the published reference means (Concorde 16.55 / 23.12, LKH-3 71.77, as
in the DIMES/DIFUSCO tables), the mean greedy start (before any local search), solve time and load time per
instance (the loader builds the dense matrix: 800 MB at n = 10,000). ``--instances N`` takes the
first N of each set (the reference is a full-set mean: a subset's gap is indicative only).
``--points``: the random-uniform sets are read as coordinates only
(:class:`netopt.solvers.nco.tsp.PointsTsp`) and solved by :func:`~netopt.solvers.nco.tsp.solve_points`:
no distance matrix at all (TSP-10000: 800 MB less), lengths from the kernels' distances.
``--reversals R``: where a round's time goes at each size: the default ILS (coordinates only, seed
0) after ``2 n`` rounds, then ``R`` single rounds reading the journal of reversed position ranges
of each (the rounds kept; a rejected round's are undone and cleared), then ``R`` rounds in one call
for the time per round, and one ``reverse_range`` of the mean length timed.
TSPLIB: cost, proven optimum (OPT.csv) and gap per instance. Numba compilation is done once up
front and not charged. The machine may be shared: compare gaps, not absolute speed.

``--lkh``: an LKH-3 reference column through the optional ``elkai`` package (benchmark-only, not a
netopt dependency: ``.venv/bin/pip install elkai==2.0.1``; without it the column is skipped with a
note). Each instance is solved by LKH right after tsp-heatmap in the same process, one solver at a
time: ``runs=1`` (LKH's default trials, its own time), coordinates scaled by 1e6 for EUC_2D
(TSPLIB instances: their integer matrix); its tour is measured with the instance's own distances.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets" / "tsp"
REFERENCE = {500: 16.55, 1000: 23.12, 10000: 71.77}
FILES = {500: "tsp500_test_concorde.txt", 1000: "tsp1000_test_concorde.txt", 10000: "tsp10000_test_concorde.zip"}
DEFAULT_TIME = {500: 2.0, 1000: 4.0, 10000: 40.0}


def _times(items: list[str]) -> dict[int, float]:
    out = dict(DEFAULT_TIME)
    for it in items or []:
        n, _, t = it.partition("=")
        out[int(n)] = float(t)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="*", type=int, default=[500, 1000, 10000], choices=sorted(FILES))
    ap.add_argument("--instances", type=int, default=None, help="first N instances of each set (default: all)")
    ap.add_argument("--time", nargs="*", default=[], metavar="N=SECONDS",
                    help="time limit per instance for size N (defaults 500=2 1000=4 10000=40)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--param", nargs="*", default=[], metavar="KEY=VALUE", help="tsp-heatmap parameters")
    ap.add_argument("--tsplib", action="store_true", help="also run the TSPLIB instances of OPT.csv")
    ap.add_argument("--tsplib-time", type=float, default=2.0, help="seconds per TSPLIB instance")
    ap.add_argument("--quiet", action="store_true", help="no per-instance lines")
    ap.add_argument("--anytime", nargs="*", type=float, default=None, metavar="SECONDS",
                    help="anytime curve: best length by each of these times, one run per instance")
    ap.add_argument("--code", default=str(ROOT), help="import netopt from this directory (default: this checkout)")
    ap.add_argument("--cpu", nargs="*", type=float, default=None, metavar="SECONDS",
                    help="compare --variants at these CPU times (process time), one run per instance and variant")
    ap.add_argument("--variants", nargs="*", default=[""], metavar="K=V,K=V",
                    help="parameter sets for --cpu, comma-separated KEY=VALUE ('' = defaults)")
    ap.add_argument("--lkh", action="store_true", help="also solve each instance with LKH-3 (elkai, runs=1)")
    ap.add_argument("--lkh-trials", type=int, default=None, metavar="N",
                    help="with --lkh: LKH's MAX_TRIALS (default: LKH's own, n), random-uniform sets only")
    ap.add_argument("--points", action="store_true",
                    help="random-uniform sets as coordinates only (solve_points: no distance matrix)")
    ap.add_argument("--reversals", type=int, default=None, metavar="ROUNDS",
                    help="profile the tour reversals of this many single rounds per instance")
    ap.add_argument("--scales", nargs="*", type=float, default=None, metavar="X",
                    help="issue 20's table: tsp-heatmap at each multiple X of the time limit (coordinates only), "
                         "with --lkh also LKH-3 and tsp-heatmap at LKH's measured time; --tsplib: TSPLIB too")
    ap.add_argument("--first", type=int, default=0, metavar="I", help="with --scales: start at instance I")
    ap.add_argument("--tsplib-extra", nargs="*", default=[], metavar="FILE=OPTIMUM",
                    help="with --scales --tsplib: more TSPLIB files and their optima (e.g. pr2392.tsp=378032)")
    ap.add_argument("--lkh-log", default=None, metavar="FILE",
                    help="with --scales, instead of --lkh: LKH's lengths and times from the per-instance lines of an "
                         "earlier --scales --lkh run (LKH runs=1 is deterministic), tsp-heatmap at those times")
    ap.add_argument("--tsplib-only", nargs="*", default=None, metavar="NAME",
                    help="with --scales --tsplib: only these instances of OPT.csv")
    args = ap.parse_args(argv)

    sys.path.insert(0, args.code)
    from netopt.io import load_instance
    from netopt.io.tsp_sets import count_tsp_set, read_tsp_set
    from netopt.solvers import get_solver

    params = dict(p.split("=", 1) for p in args.param)
    solver = get_solver("tsp-heatmap")
    compile_s = solver.prepare()
    print(f"# tsp-heatmap params {solver.resolve_params(params)}; compile {compile_s:.1f} s; seed {args.seed}")
    times = _times(args.time)
    lkh = _lkh_solver(args.lkh_trials) if args.lkh else None
    if args.cpu:
        return _cpu(args, solver, read_tsp_set, count_tsp_set)
    if args.reversals:
        return _reversals(args)
    if args.scales:
        return _scales(args, params, times, lkh)
    if args.anytime:
        return _anytime(args, solver, params, read_tsp_set, count_tsp_set)
    rows = []
    for n in args.sizes:
        path = DATASETS / "random_uniform" / FILES[n]
        total = count_tsp_set(path)
        m = total if args.instances is None else min(args.instances, total)
        if m < 1:
            continue
        lengths, starts, solve_s, load_s, lkh_len, lkh_s = [], [], [], [], [], []
        for i in range(m):
            t = time.perf_counter()
            if args.points:
                from netopt.solvers.nco.tsp import PointsTsp, solve_points

                inst = PointsTsp.read(f"{path}#{i}")
                load_s.append(time.perf_counter() - t)
                res = solve_points(inst, time_limit=times[n], seed=args.seed, **params)
                res.objective, res.feasible, res.message = res.cost, True, ""
            else:
                inst = read_tsp_set(path, i)
                why = solver.supports(inst)  # also the one-off distance check, outside the time limit
                load_s.append(time.perf_counter() - t)
                assert not why, why
                res = solver.solve(inst, time_limit=times[n], seed=args.seed, **params)
            assert res.feasible, res.message
            lengths.append(res.objective)
            starts.append(res.extra["start_cost"])
            solve_s.append(res.runtime_s)
            extra = ""
            if lkh is not None:
                length, sec = lkh(inst)
                lkh_len.append(length)
                lkh_s.append(sec)
                extra = f"; LKH {length:.4f} in {sec:.2f} s"
            if not args.quiet:
                print(f"  tsp{n}#{i}: {res.objective:.4f} (greedy {res.extra['start_cost']:.4f}, "
                      f"{res.iterations} rounds, {res.runtime_s:.2f} s, load {load_s[-1]:.2f} s{extra})", flush=True)
            del inst
        mean = sum(lengths) / m
        lk = ""
        if lkh_len:
            lm = sum(lkh_len) / m
            lk = f" {lm:.4f} | {sum(lkh_s) / m:.2f} | {100 * (mean - lm) / lm:+.2f} |"
        rows.append((n, f"{m}/{total}", times[n], mean, REFERENCE[n], 100 * (mean - REFERENCE[n]) / REFERENCE[n],
                     sum(starts) / m, sum(solve_s) / m, sum(load_s) / m, lk))
    if rows:
        head = "| set | instances | limit s | mean length | reference | gap % | mean greedy start | solve s/inst | load s/inst |"
        if lkh is not None:
            head += " LKH-3 mean | LKH s/inst | gap to LKH % |"
        print("\n" + head)
        print("|---" * head.count(" | ") + "|---|")
        for n, cnt, lim, mean, ref, gap, start, ss, ls, lk in rows:
            print(f"| TSP-{n} | {cnt} | {lim:g} | {mean:.4f} | {ref} | {gap:+.2f} | {start:.4f} | {ss:.2f} | {ls:.2f} |"
                  + lk)

    if args.tsplib:
        tdir = DATASETS / "tsplib"
        with open(tdir / "OPT.csv") as f:
            opt = [(r["instance"], float(r["optimal"])) for r in csv.DictReader(f)]
        print(f"\n| TSPLIB | n | optimum | tsp-heatmap ({args.tsplib_time:g} s) | gap % | time s |"
              + (" LKH-3 | LKH gap % | LKH s |" if lkh else ""))
        print("|---|---|---|---|---|---|" + ("---|---|---|" if lkh else ""))
        gaps = []
        for name, best in opt:
            inst = load_instance(tdir / f"{name}.tsp")
            res = solver.solve(inst, time_limit=args.tsplib_time, seed=args.seed, **params)
            gap = 100 * (res.objective - best) / best
            gaps.append(gap)
            lk = ""
            if lkh is not None:
                length, sec = lkh(inst)
                lk = f" {length:g} | {100 * (length - best) / best:.2f} | {sec:.2f} |"
            print(f"| {name} | {inst.num_nodes} | {best:g} | {res.objective:g} | {gap:.2f} | {res.runtime_s:.2f} |" + lk,
                  flush=True)
        print(f"| **mean** | | | | **{sum(gaps) / len(gaps):.2f}** | |")
    return 0


def _cpu(args, solver, read_tsp_set, count_tsp_set) -> int:
    """Best length of each variant by each CPU time of ``args.cpu`` (Markdown rows per instance and means)."""
    import numpy as np

    from netopt.solvers.nco import _kernels as K
    from netopt.solvers.nco import tsp as T
    from netopt.solvers.nco.heatmap import alpha_heatmap, knn_candidates, knn_heatmap, softdist_heatmap

    marks = sorted(args.cpu)
    names = [v or "defaults" for v in args.variants]
    print(f"# load {os.getloadavg()[0]:.2f}")
    print("| instance | variant | " + " | ".join(f"{t:g} s CPU" for t in marks) + " | rounds |")
    print("|---|---|" + "---|" * (len(marks) + 1))
    table = {v: [] for v in names}
    for n in args.sizes:
        path = DATASETS / "random_uniform" / FILES[n]
        m = count_tsp_set(path) if args.instances is None else min(args.instances, count_tsp_set(path))
        for i in range(m):
            inst = read_tsp_set(path, i)
            mode, xy, dm = T.distance_source(inst)
            for name, v in zip(names, args.variants):
                p = solver.resolve_params(dict(kv.split("=", 1) for kv in v.split(",") if kv))
                t0 = time.process_time()
                heatmap, k = T.resolve_heatmap(p.heatmap, p.k, len(xy))  # heatmap=auto, k=0
                nbr, _ = knn_candidates(xy, k)
                if heatmap == "alpha":
                    hm = alpha_heatmap(xy, k)
                    nbr = hm.cand
                else:
                    hm = softdist_heatmap(xy, k, p.temperature) if heatmap == "softdist" else knn_heatmap(xy, k)
                tour = K.greedy_tour(hm.cand, xy, dm, mode)
                if p.search == "mcts":
                    s = T._Mcts(tour, nbr, hm, xy, dm, mode, args.seed, p.mcts_alpha, p.mcts_beta, p.mcts_h,
                                p.mcts_depth, p.depth, p.k3)
                else:
                    s = T._Search(tour, nbr, hm, xy, dm, mode, args.seed, p.eta, p.window, p.slack, T.P_HEAT, p.depth,
                                  p.k3, p.local_kicks)
                while not s.descend(max(1000, 2_000_000 // s.n)):
                    pass
                out = []
                while len(out) < len(marks):
                    el = time.process_time() - t0
                    while len(out) < len(marks) and el >= marks[len(out)]:
                        out.append(float(s.best[0]))
                    if len(out) < len(marks):
                        s.run(64)
                table[name].append(out)
                print(f"| tsp{n}#{i} | {name} | " + " | ".join(f"{x:.4f}" for x in out) + f" | {s.rounds} |",
                      flush=True)
    for name in names:
        print(f"| mean | {name} | " + " | ".join(f"{x:.4f}" for x in np.mean(table[name], 0)) + " | |")
    print(f"# load {os.getloadavg()[0]:.2f}")
    return 0


def _reversals(args) -> int:
    """Reversals per round and their lengths against the time per round (see the module docstring)."""
    import numpy as np

    from netopt.solvers.nco import _kernels as K
    from netopt.solvers.nco import tsp as T
    from netopt.solvers.nco.heatmap import knn_candidates, knn_heatmap

    print(f"# load {os.getloadavg()[0]:.2f}")
    print("| instance | reversals logged | mean length | p90 | max | ms per round | one reversal of the mean length, us |")
    print("|---|---|---|---|---|---|---|")
    for n in args.sizes:
        path = DATASETS / "random_uniform" / FILES[n]
        for i in range(args.instances or 1):
            p = T.PointsTsp.read(f"{path}#{i}")
            xy, dm = p.kernel_xy, T._DUMMY_DM
            nbr, _ = knn_candidates(xy, 10)
            hm = knn_heatmap(xy, 10)
            s = T._Search(K.greedy_tour(hm.cand, xy, dm, p.mode), nbr, hm, xy, dm, p.mode, args.seed, 0.5, T.WINDOW,
                          T.SLACK, T.P_HEAT, T.DEPTH, 5, T.P_LOCAL)
            s.run(2 * n)
            lens = []
            for _ in range(args.reversals):
                s.run(1)
                lens += [(b - a) % n + 1 for a, b in s.jr[:s.jn[0]]]
            t = time.perf_counter()
            s.run(args.reversals)
            per_round = (time.perf_counter() - t) / args.reversals
            lens = np.array(lens or [1])
            tour, pos, last = s.tour.copy(), s.pos.copy(), int(lens.mean()) - 1
            K.reverse_range(tour, pos, 0, last)
            t = time.perf_counter()
            for _ in range(2000):
                K.reverse_range(tour, pos, 0, last)
            print(f"| tsp{n}#{i} | {len(lens)} | {lens.mean():.1f} | {np.percentile(lens, 90):.0f} | {lens.max()} | "
                  f"{1e3 * per_round:.2f} | {1e6 * (time.perf_counter() - t) / 2000:.2f} |", flush=True)
    print(f"# load {os.getloadavg()[0]:.2f}")
    return 0


def _scales(args, params, times, lkh) -> int:
    """Issue 20's benchmark: per instance tsp-heatmap (coordinates only, ``solve_points``) at each multiple
    of ``args.scales`` of the size's limit, LKH-3 (``runs=1``, its own time T) and tsp-heatmap again with
    limit T ("at LKH's time"); one process, one solver at a time; per-instance lines, then the means."""
    import numpy as np

    from netopt.solvers.nco.tsp import PointsTsp, solve_points

    scales = args.scales
    print(f"# scales {scales}; load {os.getloadavg()[0]:.2f}", flush=True)
    if args.lkh_log:  # "  name: ...; LKH 16.4143 in 2.4 s; ..." -> {name: (length, seconds)}
        import re

        logged = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in
                  re.finditer(r"^  (\S+): .*?LKH (\S+) in (\S+) s", Path(args.lkh_log).read_text(), re.M)}
        lkh = lambda prob: logged[prob.name]  # noqa: E731 (the logged run's length and time)
    sets = []
    for n in args.sizes:
        path = DATASETS / "random_uniform" / FILES[n]
        total = count = __import__("netopt.io.tsp_sets", fromlist=["x"]).count_tsp_set(path)
        if args.instances is not None:
            count = min(args.instances, total - args.first)
        names = [f"{path}#{i}" for i in range(args.first, args.first + count)]
        sets.append((f"TSP-{n}", times[n], REFERENCE[n], names, f"{count}/{total}"))
    if args.tsplib:
        tdir = DATASETS / "tsplib"
        with open(tdir / "OPT.csv") as f:
            rows = [r for r in csv.DictReader(f) if args.tsplib_only is None or r["instance"] in args.tsplib_only]
        opt = {r["instance"]: float(r["optimal"]) for r in rows}
        files = [str(tdir / f"{r['instance']}.tsp") for r in rows]
        for item in args.tsplib_extra:
            f, _, best = item.rpartition("=")
            opt[Path(f).stem] = float(best)
            files.append(f)
        sets.append(("TSPLIB", args.tsplib_time, opt, files, f"{len(files)}"))
    table = []
    for label, limit, ref, names, cnt in sets:
        res = {s: [] for s in scales}
        lk, lk_s, eq, gaps = [], [], [], {s: [] for s in [*scales, "lkh", "eq"]}
        to_lkh = {s: [] for s in [*scales, "eq"]}  # per-instance gaps to LKH (TSPLIB: a mean over instances)
        for name in names:
            prob = PointsTsp.read(name)
            best = ref.get(prob.name) if isinstance(ref, dict) else None
            cells = []
            for s in scales:
                r = solve_points(prob, time_limit=limit * s, seed=args.seed, **params)
                res[s].append(r.cost)
                to_lkh[s].append(r.cost)
                cells.append(f"{s:g}x {r.cost:.6g} ({r.runtime_s:.1f} s)")
                if best:
                    gaps[s].append(100 * (r.cost - best) / best)
            if lkh is not None:
                length, sec = lkh(prob)
                lk.append(length)
                lk_s.append(sec)
                r = solve_points(prob, time_limit=max(sec, 0.01), seed=args.seed, **params)  # a logged "0.0 s"
                eq.append(r.cost)
                for s in scales:
                    to_lkh[s][-1] = 100 * (to_lkh[s][-1] - length) / length
                to_lkh["eq"].append(100 * (r.cost - length) / length)
                cells.append(f"LKH {length:.6g} in {sec:.1f} s; at LKH's time {r.cost:.6g} "
                             f"({100 * (r.cost - length) / length:+.2f} %)")
                if best:
                    gaps["lkh"].append(100 * (length - best) / best)
                    gaps["eq"].append(100 * (r.cost - best) / best)
            print(f"  {prob.name}: " + "; ".join(cells) + f" [load {os.getloadavg()[0]:.2f}]", flush=True)
        m = {s: float(np.mean(v)) for s, v in res.items()}
        row = {"set": label, "cnt": cnt, "limit": limit, "mean": m}
        if isinstance(ref, dict):
            row["gap"] = {s: float(np.mean(v)) for s, v in gaps.items() if v}
        else:
            row["gap"] = {s: 100 * (m[s] - ref) / ref for s in scales}
        if lk:
            lm = float(np.mean(lk))
            row.update(lkh=lm, lkh_s=float(np.mean(lk_s)), eq=float(np.mean(eq)),
                       to_lkh={s: 100 * (m[s] - lm) / lm for s in scales}, eq_gap=100 * (float(np.mean(eq)) - lm) / lm)
            if isinstance(ref, dict):  # TSPLIB: the mean of the instances' gaps, not the gap of a mean length
                row.update(to_lkh={s: float(np.mean(to_lkh[s])) for s in scales}, eq_gap=float(np.mean(to_lkh["eq"])))
            if not isinstance(ref, dict):
                row["gap"]["lkh"] = 100 * (lm - ref) / ref
        table.append(row)
    head = "| set | instances | limit s | " + " | ".join(f"{s:g}x: mean | gap to ref % | gap to LKH %" for s in scales)
    if lkh is not None:
        head += " | LKH-3 runs=1: mean | gap to ref % | s/inst | tsp-heatmap at LKH's time: mean | gap to LKH %"
    print("\n" + head + " |")
    print("|---" * (head.count(" | ") + 1) + "|")
    for r in table:
        cells = [r["set"], r["cnt"], f"{r['limit']:g}"]
        for s in scales:
            cells += [f"{r['mean'][s]:.4f}" if r["set"] != "TSPLIB" else "", f"{r['gap'].get(s, float('nan')):+.2f}",
                      f"{r['to_lkh'][s]:+.2f}" if "lkh" in r else ""]
        if "lkh" in r:
            cells += [f"{r['lkh']:.4f}" if r["set"] != "TSPLIB" else "", f"{r['gap'].get('lkh', float('nan')):+.2f}",
                      f"{r['lkh_s']:.1f}", f"{r['eq']:.4f}" if r["set"] != "TSPLIB" else "", f"{r['eq_gap']:+.2f}"]
        print("| " + " | ".join(cells) + " |")
    print(f"# load {os.getloadavg()[0]:.2f}")
    return 0


def _lkh_solver(trials: int | None = None):
    """``solve(instance) -> (length, seconds)`` with LKH-3 through elkai, or None (with a note) without it.

    ``trials``: LKH's ``MAX_TRIALS`` through elkai's private ``_elkai.solve_problem`` (its public
    ``solve_tsp`` takes ``runs`` only), for coordinates (EUC_2D of the points x 1e6) only."""
    try:
        import elkai
    except ImportError:
        print("# no elkai: the LKH-3 column is skipped (.venv/bin/pip install elkai==2.0.1 to add it)")
        return None
    import numpy as np

    def solve(inst):
        t = time.perf_counter()
        points = not hasattr(inst, "distance")  # a coordinates-only PointsTsp (--points, --scales)
        if points or inst.rounding == "none" and inst.coordinates is not None:
            # unrounded: EUC_2D of the points x 1e6; TSPLIB roundings: the file's own type and coordinates
            ewt = {"none": "EUC_2D", "nint": "EUC_2D", "ceil": "CEIL_2D", "att": "ATT", "geo": "GEO"}[inst.rounding]
            xy = np.asarray(inst.coordinates, dtype=float) * (1e6 if inst.rounding == "none" else 1.0)
            from elkai import _elkai  # what Coordinates2D.solve_tsp(runs=1) calls, with MAX_TRIALS when asked

            problem = (f"TYPE : TSP\nDIMENSION : {len(xy)}\nEDGE_WEIGHT_TYPE : {ewt}\nNODE_COORD_SECTION\n"
                       + "".join(f"{i + 1} {x!r} {y!r}\n" for i, (x, y) in enumerate(xy.tolist())))
            order = [v - 1 for v in _elkai.solve_problem("RUNS = 1\n" + (f"MAX_TRIALS = {trials}\n" if trials else "")
                                                         + "PROBLEM_FILE = :stdin:\n", problem)]
        elif trials is not None:
            raise SystemExit("--lkh-trials: random-uniform sets only (TSPLIB goes through elkai's DistanceMatrix)")
        else:  # TSPLIB: the instance's own integer matrix
            order = elkai.DistanceMatrix(np.rint(inst.distance).astype(int).tolist()).solve_tsp(runs=1)
        sec = time.perf_counter() - t
        order = [int(v) for v in order]
        if order[0] == order[-1]:
            order = order[:-1]
        assert sorted(order) == list(range(inst.num_nodes)), "LKH returned no tour"
        if points:
            return inst.tour_length(order), sec
        path = np.array(order + order[:1])
        return float(np.sum(inst.distance[path[:-1], path[1:]])), sec

    return solve


def _anytime(args, solver, params, read_tsp_set, count_tsp_set) -> int:
    """Best tour length by each time of ``args.anytime`` (one run per instance), as a Markdown table."""
    import netopt

    marks = sorted(args.anytime)
    print(f"# netopt from {os.path.dirname(os.path.dirname(netopt.__file__))}; load {os.getloadavg()[0]:.2f}")
    print("| instance | " + " | ".join(f"{t:g} s" for t in marks) + " | rounds |")
    print("|---|" + "---|" * (len(marks) + 1))
    for n in args.sizes:
        path = DATASETS / "random_uniform" / FILES[n]
        m = count_tsp_set(path) if args.instances is None else min(args.instances, count_tsp_set(path))
        for i in range(m):
            inst = read_tsp_set(path, i)
            assert not solver.supports(inst)
            res = solver.solve(inst, time_limit=marks[-1], seed=args.seed, **params)
            assert res.feasible, res.message
            hist = res.history
            cells = []
            for t in marks:
                seen = [c for s, c in hist if s <= t]
                cells.append(f"{min(seen):.4f}" if seen else "-")
            print(f"| tsp{n}#{i} | " + " | ".join(cells) + f" | {res.iterations} |", flush=True)
            del inst
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
