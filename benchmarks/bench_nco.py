"""NCO benchmark: does the learned policy's warm start make HGS reach its 10 s quality in 1 s?

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_nco.py --sizes 100 200 500 --styles uniform x --instances 16

For each seeded instance (``netopt.solvers.nco.generate.sample_instance(n, style, seed)``, seeds
0..instances-1; the full sets of the issue are ``--instances 128``):

* the policy alone: best of the greedy multi-start (up to 100 first customers), of the same on the
  8 symmetric copies of the coordinates (``--augment``, POMO's augmentation) and of greedy + 128
  sampled rollouts, with their inference times (CPU here; ``--device cuda`` where a GPU is);
* plain ``hgs`` for ``--ref-time`` seconds (default 10) and ``hgs init=nco`` for the longest
  checkpoint (default 5 s); both anytime curves are read at the checkpoints 1, 2, 5 s (the policy's
  construction time counts: it runs inside the clock; Numba compilation and model loading do not).

Gaps are relative to plain HGS at ``--ref-time`` on the same instance (positive = worse than it).
The table gives mean gaps per (size, style); the last column says whether ``init=nco`` at 1 s
reaches plain HGS's ``--ref-time`` quality on average. The machine may be shared: compare gaps.

``--policy-only`` skips the HGS runs (e.g. to time inference on a GPU machine); gaps then refer to
the ``ref`` of the matching records in ``--refs`` (JSON lines of an earlier full run), if given.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")


def best_at(history: list, t: float) -> float | None:
    """Best objective found by time ``t`` in a Result history ``[[elapsed, cost], ...]``."""
    vals = [c for s, c in history if s <= t]
    return min(vals) if vals else None


def gap(x: float | None, ref: float | None) -> float:
    """Percent above ``ref``; NaN when either is missing (no feasible solution)."""
    return float("nan") if x is None or ref is None else 100.0 * (x - ref) / ref


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[100, 200, 500])
    ap.add_argument("--styles", nargs="+", default=["uniform", "x"], choices=["uniform", "x"])
    ap.add_argument("--instances", type=int, default=16, help="seeds 0..N-1 per (size, style); the issue's sets are 128")
    ap.add_argument("--first-seed", type=int, default=0, help="start the seeds here (to extend an earlier run)")
    ap.add_argument("--summarize", nargs="*", default=[], help="only print the table of these --json-out files")
    ap.add_argument("--checkpoints", nargs="+", type=float, default=[1.0, 2.0, 5.0], help="seconds")
    ap.add_argument("--ref-time", type=float, default=10.0, help="plain HGS run length, seconds (the reference)")
    ap.add_argument("--model", default="", help="policy checkpoint (default: the shipped CVRP policy)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--samples", type=int, default=128, help="sampled rollouts for the policy-alone row")
    ap.add_argument("--augment", type=int, default=8, help="symmetric copies for the augmented greedy row (1 = skip)")
    ap.add_argument("--policy-only", action="store_true", help="no HGS runs: time and score the policy alone")
    ap.add_argument("--refs", nargs="*", default=[], help="JSON lines of an earlier run: their 'ref' for --policy-only")
    ap.add_argument("--json-out", default="", help="write per-instance records here (JSON lines)")
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    from netopt.solvers import get_solver
    from netopt.solvers.nco import load, warm_started
    from netopt.solvers.nco.generate import sample_instance
    from netopt.solvers.nco.policy import construct
    from netopt.solvers.vrp.hgs import warm_up

    if args.summarize:
        return summarize(read_records(args.summarize), args)
    refs = {(r["n"], r["style"], r["seed"]): r["ref"] for r in read_records(args.refs)}
    torch.set_num_threads(1)
    if not args.policy_only:
        warm_up()
    model = load(args.model or None, "cvrp", args.device)
    construct(model, sample_instance(20, "uniform", 0), pomo=20, augment=2, samples=4, device=args.device)  # warm-up
    cps = sorted(args.checkpoints)
    rows = []
    sink = open(args.json_out, "a") if args.json_out else None
    print(f"{'n':>4} {'style':>7} {'seed':>4} {'ref':>9} {'greedy%':>8} {'g_s':>5} {'aug%':>8} {'a_s':>5} "
          f"{'sampled%':>8} {'s_s':>5} "
          + " ".join(f"{'hgs@' + format(c, 'g'):>8}" for c in cps) + " "
          + " ".join(f"{'nco@' + format(c, 'g'):>8}" for c in cps), flush=True)
    for n in args.sizes:
        for style in args.styles:
            for seed in range(args.first_seed, args.first_seed + args.instances):
                inst = sample_instance(n, style, seed)
                t = time.perf_counter()
                greedy = construct(model, inst, pomo=100, samples=0, seed=seed, device=args.device)[0][0]
                g_s = time.perf_counter() - t
                aug, a_s = float("nan"), float("nan")
                if args.augment > 1:
                    t = time.perf_counter()
                    aug = construct(model, inst, pomo=100, augment=args.augment, seed=seed, device=args.device)[0][0]
                    a_s = time.perf_counter() - t
                t = time.perf_counter()
                sampled = construct(model, inst, pomo=100, samples=args.samples, seed=seed, device=args.device)[0][0]
                s_s = time.perf_counter() - t
                rec = {"n": n, "style": style, "seed": seed, "ref": refs.get((n, style, seed), float("nan")),
                       "greedy": greedy, "greedy_s": g_s, "augmented": aug, "augmented_s": a_s,
                       "sampled": sampled, "sampled_s": s_s, "device": args.device}
                if not args.policy_only:
                    plain = get_solver("hgs").solve(inst, time_limit=args.ref_time, seed=seed)
                    nco = warm_started("hgs", inst, time_limit=max(cps), seed=seed,
                                       nco={"model": args.model or "", "device": args.device})
                    rec.update(ref=plain.objective, nco_s=nco.extra.get("nco_s"),
                               hgs={c: best_at(plain.history, c) for c in cps},
                               hgs_nco={c: best_at(nco.history, c) for c in cps})
                ref = rec["ref"]
                rows.append(rec)
                if sink:
                    sink.write(json.dumps(rec) + "\n")
                    sink.flush()
                print(f"{n:>4} {style:>7} {seed:>4} {ref if ref is not None else float('nan'):>9.0f} {gap(greedy, ref):>8.2f} {g_s:>5.2f} "
                      f"{gap(aug, ref):>8.2f} {a_s:>5.2f} {gap(sampled, ref):>8.2f} {s_s:>5.2f} "
                      + " ".join(f"{gap(rec.get('hgs', {}).get(c), ref):>8.3f}" for c in cps) + " "
                      + " ".join(f"{gap(rec.get('hgs_nco', {}).get(c), ref):>8.3f}" for c in cps), flush=True)

    return summarize(rows, args)


def read_records(paths: list[str]) -> list[dict]:
    """Per-instance records of ``--json-out`` files (JSON turned the checkpoint keys into strings)."""
    rows = [json.loads(line) for f in paths for line in open(f)]
    for r in rows:
        for key in ("hgs", "hgs_nco"):
            if key in r:
                r[key] = {float(k): v for k, v in r[key].items()}
    return rows


def summarize(rows: list[dict], args) -> int:
    import numpy as np

    cps = sorted(args.checkpoints)
    full = [r for r in rows if "hgs" in r]
    print("\nMean gap (%) to plain HGS at", args.ref_time, "s (rows without a reference: mean objective); "
          "policy times are medians (s); each checkpoint's means are over the instances where both arms "
          "have a feasible solution by then and plain HGS one at the reference time (a missing one loses in "
          "won/lost); s.e. = standard error of the "
          "paired mean difference; 'reach' = init=nco at the "
          "first checkpoint is no worse than the reference on average")
    head = (f"| n | style | inst | policy greedy | time | greedy x{args.augment} aug | time | "
            f"greedy+{args.samples} sampled | time | "
            + " | ".join(f"hgs {c:g} s" for c in cps) + " | " + " | ".join(f"hgs+nco {c:g} s" for c in cps)
            + f" | nco - hgs at {cps[0]:g} s (± s.e.) | nco won/lost at {cps[0]:g} s | no solution at {cps[0]:g} s (hgs/nco) | reach |")
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for n in args.sizes:
        for style in args.styles:
            rs = [r for r in rows if r["n"] == n and r["style"] == style]
            if not rs:
                continue

            def m(key, c=None, rs=rs):
                if c is None and all(r["ref"] is None or np.isnan(r["ref"]) for r in rs):  # --policy-only, no --refs
                    return float(np.nanmean([r.get(key, float("nan")) for r in rs]))
                vals = [gap(r.get(key, float("nan")) if c is None else r[key][c], r["ref"]) for r in rs]
                return float(np.nanmean(vals)) if not np.isnan(vals).all() else float("nan")

            def med(key, rs=rs):
                vals = [r.get(key, float("nan")) for r in rs]
                return float(np.nanmedian(vals)) if not np.isnan(vals).all() else float("nan")

            policy = (f"| {n} | {style} | {len(rs)} | {m('greedy'):.2f} | {med('greedy_s'):.2f} | "
                      f"{m('augmented'):.2f} | {med('augmented_s'):.2f} | {m('sampled'):.2f} | {med('sampled_s'):.2f} |")
            fs = [r for r in rs if r in full]
            if not fs:
                print(policy + " -- |" * (2 * len(cps) + 4))
                continue

            def paired(c, fs=fs):  # instances where both arms have a feasible solution by c seconds
                return [r for r in fs if None not in (r["ref"], r["hgs"][c], r["hgs_nco"][c])]

            inf = float("inf")
            c0 = cps[0]
            wins = sum((r["hgs_nco"][c0] or inf) < (r["hgs"][c0] or inf) for r in fs)
            losses = sum((r["hgs_nco"][c0] or inf) > (r["hgs"][c0] or inf) for r in fs)
            none = f"{sum(r['hgs'][c0] is None for r in fs)}/{sum(r['hgs_nco'][c0] is None for r in fs)}"
            first = m("hgs_nco", c0, paired(c0))
            d = [gap(r["hgs_nco"][c0], r["ref"]) - gap(r["hgs"][c0], r["ref"]) for r in paired(c0)]
            diff = f"{np.mean(d):+.3f} ± {np.std(d, ddof=1) / np.sqrt(len(d)):.3f}" if len(d) > 1 else "--"
            print(policy + " " + " | ".join(f"{m('hgs', c, paired(c)):.3f}" for c in cps) + " | "
                  + " | ".join(f"{m('hgs_nco', c, paired(c)):.3f}" for c in cps)
                  + f" | {diff} | {wins}/{losses} | {none} | {'yes' if first <= 0 else 'no'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
