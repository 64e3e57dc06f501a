"""User-equilibrium benchmark: time to relative gap 1e-4 and 1e-6 on Sioux Falls and Anaheim,
Beckmann objective against the best-known flow files, and the ratio against aequilibrae's
bi-conjugate Frank-Wolfe (single-threaded) run in the same process when it is installed
(`pip install aequilibrae`, a benchmark-only dependency).

    .venv/bin/python benchmarks/bench_assignment.py [--repeats 3] [--networks SiouxFalls,Anaheim]

Times are medians over the repeats; kernels are compiled (and cached) before timing; only the
solve is timed for both (aequilibrae: ``TrafficAssignment.execute`` with progress bars off).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netopt.datasets import shared_datasets  # noqa: E402
from netopt.io.tntp import load_network, read_flow  # noqa: E402
from netopt.solvers.assignment import assign, beckmann  # noqa: E402


def aequilibrae_bfw(net, gap):
    """aequilibrae's BFW on the same network and demand; returns (seconds, flows in our link order, iterations)."""
    import pandas as pd
    from aequilibrae.matrix import AequilibraeMatrix
    from aequilibrae.paths import Graph, TrafficAssignment, TrafficClass

    z = net.num_zones
    df = pd.DataFrame({
        "link_id": np.arange(1, net.num_links + 1), "a_node": net.init + 1, "b_node": net.term + 1,
        "direction": 1, "free_flow_time": net.fftt + net.fixed_cost, "capacity": net.capacity,
        "alpha": net.b, "beta": net.power,
    })
    g = Graph()
    g.network = df
    g.prepare_graph(np.arange(1, z + 1))
    g.set_graph("free_flow_time")
    g.set_skimming(["free_flow_time"])
    g.set_blocked_centroid_flows(net.first_thru_node > 1)
    mat = AequilibraeMatrix()
    mat.create_empty(zones=z, matrix_names=["demand"], memory_only=True)
    mat.index[:] = np.arange(1, z + 1)
    mat.matrices[:, :, 0] = net.demand
    mat.computational_view(["demand"])
    ta = TrafficAssignment()
    ta.add_class(TrafficClass("car", g, mat))
    ta.set_vdf("BPR")
    ta.set_vdf_parameters({"alpha": "alpha", "beta": "beta"})
    ta.set_capacity_field("capacity")
    ta.set_time_field("free_flow_time")
    ta.set_algorithm("bfw")
    ta.max_iter = 100_000
    ta.rgap_target = gap
    ta.set_cores(1)
    t0 = time.perf_counter()
    ta.execute()
    secs = time.perf_counter() - t0
    res = ta.results()
    flows = res.sort_index()["matched_ab" if "matched_ab" in res else "PCE_AB"].to_numpy()
    return secs, flows, int(ta.assignment.iteration if hasattr(ta.assignment, "iteration") else len(ta.report()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--networks", default="SiouxFalls,Anaheim")
    args = ap.parse_args()
    root = shared_datasets()
    if root is None:
        print("../shared/datasets not found: nothing to benchmark")
        return
    os.environ.setdefault("AEQ_SHOW_PROGRESS", "FALSE")  # its tqdm bars would be timed too
    try:
        import aequilibrae  # noqa: F401

        have_aeq = True
    except ImportError:
        have_aeq = False
    rows = []
    for name in args.networks.split(","):
        folder = root / "tntp" / name
        net = load_network(folder)
        best, _ = read_flow(folder / f"{name}_flow.tntp", net)
        bb = beckmann(net, best)
        assign(net, "gp", gap=1e-3)  # compile / load cached kernels
        assign(net, "bfw", gap=1e-3)
        for gap in (1e-4, 1e-6):
            for method in ("gp", "bfw"):
                runs = [assign(net, method, gap=gap) for _ in range(args.repeats)]
                t = statistics.median(r.runtime_s for r in runs)
                r = runs[0]
                rows.append([name, gap, f"netopt-{method}", t, r.iterations, r.relative_gap, (r.beckmann - bb) / bb])
            if have_aeq:
                try:
                    ts, flows = [], None
                    for _ in range(args.repeats):
                        secs, flows, its = aequilibrae_bfw(net, gap)
                        ts.append(secs)
                    from netopt.solvers.assignment import relative_gap
                    g, _, _ = relative_gap(net, flows)
                    rows.append([name, gap, "aequilibrae-bfw", statistics.median(ts), its, g, (beckmann(net, flows) - bb) / bb])
                except Exception as e:  # report, do not hide
                    rows.append([name, gap, f"aequilibrae-bfw FAILED: {type(e).__name__}: {e}"[:80], np.nan, 0, np.nan, np.nan])
    print(f"best-known Beckmann from the *_flow.tntp files; median of {args.repeats} runs; one thread\n")
    print("| network | target gap | method | time (s) | iterations | reached gap | Beckmann vs best-known |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:g} | {r[2]} | {r[3]:.4f} | {r[4]} | {r[5]:.2e} | {r[6]:+.1e} |")
    if have_aeq:
        print("\nratio aequilibrae time / netopt-gp time (higher = netopt faster):")
        for name in args.networks.split(","):
            for gap in (1e-4, 1e-6):
                ours = [r[3] for r in rows if r[0] == name and r[1] == gap and r[2] == "netopt-gp"]
                theirs = [r[3] for r in rows if r[0] == name and r[1] == gap and r[2] == "aequilibrae-bfw"]
                if ours and theirs and np.isfinite(theirs[0]):
                    print(f"  {name} gap {gap:g}: {theirs[0] / ours[0]:.1f}x")
    else:
        print("\naequilibrae not installed: no comparison column (pip install aequilibrae)")


if __name__ == "__main__":
    main()
