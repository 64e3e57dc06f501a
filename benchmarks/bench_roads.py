"""Real roads (issue 17): road graph build time, matrices for 100 / 300 / 1,000 addresses, memory.

    .venv/bin/python benchmarks/bench_roads.py [MAP.osm.pbf] [--sizes 100,300,1000] [--repeats 3]
    .venv/bin/python benchmarks/bench_roads.py --congestion [--time-limit 10]   # Sioux Falls: free flow vs equilibrium
    .venv/bin/python benchmarks/bench_roads.py --grid 100,316,1000 --points 20   # scaling on synthetic street grids

Default map: ../shared/datasets/osm/Helsinki.osm.pbf. Times are medians of ``--repeats`` runs, in
seconds, one process, one thread; the matrix columns are after the graph is loaded and the Numba
kernels are loaded (their one-off load time is printed apart). Every engine computes the distance
AND the duration matrix (2 x n Dijkstras), on the full graph and on the chain-contracted one
(netopt/roads/contract.py); all results are compared with the full-graph ``tree`` engine.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from netopt.roads.addresses import read_points, sample_addresses
from netopt.roads.contract import augment_contracted, contract
from netopt.roads.graph import RoadGraph, build_graph
from netopt.roads.matrix import Snapper, augment, many_to_many
from netopt.roads.osm import read_pbf

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "osm" / "Helsinki.osm.pbf"


def median_time(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pbf", nargs="?", default=str(DEFAULT))
    ap.add_argument("--sizes", default="100,300,1000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--congestion", action="store_true", help="routes on Sioux Falls with free-flow vs UE times")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--grid", help="side lengths of synthetic square street grids (side^2 nodes): scaling of one Dijkstra")
    ap.add_argument("--points", type=int, default=20, help="points per grid (sources of the many-to-many)")
    ap.add_argument("--layouts", default="spread,local", help="grid point layouts: spread (whole map), local (2 km square)")
    ap.add_argument("--engines", default="numba,tree,scipy", help="grid engines to time")
    a = ap.parse_args()
    if a.grid:
        grids([int(x) for x in a.grid.split(",")], a.points, a.seed, a.repeats, a.layouts.split(","), a.engines.split(","))
        return
    if a.congestion:
        congestion(a.time_limit, a.seed)
        return
    if not Path(a.pbf).exists():
        sys.exit(f"{a.pbf} not found")
    print(f"map {a.pbf} ({os.path.getsize(a.pbf) / 1e6:.2f} MB); load {os.getloadavg()[0]:.2f}")

    t_read, ext = median_time(lambda: read_pbf(a.pbf), a.repeats)
    t_build, (g, meta) = median_time(lambda: build_graph(ext, source=a.pbf), a.repeats)
    tmp = Path(tempfile.mkdtemp()) / "roads.npz"
    g.save(tmp)
    t_load, g = median_time(lambda: RoadGraph.load(tmp), a.repeats)
    d = meta["dropped"]
    print(f"graph: {g.num_nodes:,} nodes, {g.num_edges:,} edges, {g.addr_lat.size:,} addresses; dropped (not in the "
          f"largest SCC) {d['nodes']:,} nodes, {d['edges']:,} edges, {d['km']} km; file {tmp.stat().st_size / 1e6:.2f} MB")
    print(f"read PBF {t_read:.3f} s, build graph + SCC {t_build:.3f} s, load .npz {t_load:.3f} s; "
          f"peak RSS so far {rss_mib():.0f} MiB")

    t0 = time.perf_counter()
    pts0 = _points(g, 5, a.seed, tmp.parent)
    aug0 = augment(g, Snapper(g).snap(pts0.lat, pts0.lon), {"distance": g.length_m})
    many_to_many(aug0, "distance", "numba")
    many_to_many(aug0, "distance", "tree")
    print(f"numba kernels load (cached compile) {time.perf_counter() - t0:.2f} s")

    rows = []
    w = {"distance": g.length_m, "duration": g.duration_s}
    t_con, cg = median_time(lambda: contract(g, w), a.repeats)
    print(f"chain contraction {t_con:.3f} s: {g.num_nodes:,} -> {cg.num_nodes:,} nodes, "
          f"{g.num_edges:,} -> {cg.tail.size:,} edges")
    for n in [int(s) for s in a.sizes.split(",")]:
        pts = _points(g, n, a.seed, tmp.parent)
        t_snap, snap = median_time(lambda pts=pts: Snapper(g).snap(pts.lat, pts.lon), a.repeats)
        t_aug, aug = median_time(lambda snap=snap: augment(g, snap, w), a.repeats)
        t_augc, augc = median_time(lambda snap=snap: augment_contracted(g, cg, snap, w), a.repeats)
        res = {}
        for name, graph_aug, engine in (("numba", aug, "numba"), ("tree", aug, "tree"), ("scipy", aug, "scipy"),
                                        ("numba-c", augc, "numba"), ("scipy-c", augc, "scipy")):
            res[name] = median_time(lambda x=graph_aug, e=engine: [many_to_many(x, k, e) for k in w], a.repeats)
        ref = res["tree"][1]
        diff = max(float(np.max(np.abs(x - y))) for r in res.values() for x, y in zip(r[1], ref))
        asym = float(np.mean(np.abs(ref[0] - ref[0].T) > 0.05))
        rows.append((n + 1, t_snap, t_aug, t_augc, *(res[k][0] for k in ("numba", "tree", "scipy", "numba-c", "scipy-c")),
                     diff, asym, rss_mib()))
    print()
    print("| points | snap (s) | augment (s) | augment contracted (s) | numba (s) | tree (s) | scipy (s) | "
          "numba contracted (s) | scipy contracted (s) | max abs diff (m or s) | asymmetric pairs | peak RSS (MiB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]:,} | {r[1]:.3f} | {r[2]:.3f} | {r[3]:.3f} | {r[4]:.3f} | {r[5]:.3f} | {r[6]:.3f} | {r[7]:.3f} | "
              f"{r[8]:.3f} | {r[9]:.1e} | {100 * r[10]:.0f} % | {r[11]:.0f} |")


def grid_graph(side: int, seed: int) -> RoadGraph:
    """A side x side street grid, 100 m blocks at 60 N, every 5th street one-way (alternating), 30 or 50 km/h."""
    rng = np.random.default_rng(seed)
    i, j = np.divmod(np.arange(side * side), side)
    lat, lon = 60.0 + i * 0.0009, 24.0 + j * 0.0018
    node = np.arange(side * side).reshape(side, side)
    tails, heads = [], []
    for a, b, line in ((node[:, :-1], node[:, 1:], i.reshape(side, side)[:, :-1]),
                       (node[:-1, :], node[1:, :], j.reshape(side, side)[:-1, :])):
        a, b, line = a.ravel(), b.ravel(), line.ravel()
        oneway = line % 5 == 0
        fwd = ~oneway | (line % 10 == 0)
        bwd = ~oneway | (line % 10 == 5)
        tails += [a[fwd], b[bwd]]
        heads += [b[fwd], a[bwd]]
    tail, head = np.concatenate(tails), np.concatenate(heads)
    speed = rng.choice([30.0, 50.0], size=tail.size)
    g = RoadGraph.from_edges(lat, lon, tail, head, speed)
    return g.largest_component()[0]


def grids(sides, k, seed, repeats, layouts=("spread", "local"), engines=("numba", "tree", "scipy")) -> None:
    """Per-source Dijkstra time on growing grids, points spread over the whole map or inside a 2 x 2 km
    square at its centre ("local": a delivery area in a metropolitan graph)."""
    print(f"synthetic grids, {k} points (sources and targets), seed {seed}, median of {repeats}; "
          f"load {os.getloadavg()[0]:.2f}")
    print("| nodes | edges | points | numba (ms/source) | tree (ms/source) | scipy (ms/source) | "
          "numba 1,000 x 1,000 dist+dur (s) = 2,000 x its time per source | peak RSS (MiB) |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(seed)
    for side in sides:
        g = grid_graph(side, seed)
        for layout in layouts:
            if layout == "spread":
                lat = rng.uniform(g.node_lat.min(), g.node_lat.max(), k)
                lon = rng.uniform(g.node_lon.min(), g.node_lon.max(), k)
            else:
                c_lat, c_lon = g.node_lat.mean(), g.node_lon.mean()
                lat = c_lat + rng.uniform(-0.009, 0.009, k)
                lon = c_lon + rng.uniform(-0.018, 0.018, k)
            aug = augment(g, Snapper(g).snap(lat, lon), {"distance": g.length_m})
            many_to_many(augment(g, Snapper(g).snap(lat[:2], lon[:2]), {"distance": g.length_m}), "distance", "numba")
            many_to_many(augment(g, Snapper(g).snap(lat[:2], lon[:2]), {"distance": g.length_m}), "distance", "tree")
            t = {e: median_time(lambda e=e, aug=aug: many_to_many(aug, "distance", e), repeats)[0] for e in engines}

            def ms(e, t=t):
                return f"{1000 * t[e] / k:.2f}" if e in t else "-"

            rate = f"{2 * 1000 * t['numba'] / k:.1f}" if "numba" in t else "-"
            print(f"| {g.num_nodes:,} | {g.num_edges:,} | {layout} | {ms('numba')} | {ms('tree')} | {ms('scipy')} | "
                  f"{rate} | {rss_mib():.0f} |")


def congestion(time_limit: float, seed: int) -> None:
    """The user's workflow through the CLI: UE flows, free-flow and equilibrium matrices (cost = travel
    time), HGS on both, and each plan's route durations under the equilibrium times."""
    import json
    import subprocess

    net = DEFAULT.parents[1] / "tntp" / "SiouxFalls"
    tmp = Path(tempfile.mkdtemp())
    rng = np.random.default_rng(seed)
    lines = ["id,node,label,demand", "0,10,depot (node 10),0"]
    lines += [f"{i},{v},node {v},{d}" for i, (v, d) in enumerate(
        zip([v for v in range(1, 25) if v != 10], rng.integers(1, 11, 23)), start=1)]
    (tmp / "pts.csv").write_text("\n".join(lines) + "\n")

    def cli(*args):
        subprocess.run([sys.executable, "-m", "netopt", *map(str, args)], check=True, capture_output=True)

    cli("assign", net, "--gap", "1e-8", "--out", tmp / "flows.csv")
    for tag, extra in (("ff", []), ("ue", ["--flows", tmp / "flows.csv"])):
        cli("road", "matrix", "--network", net, *extra, "--points", tmp / "pts.csv", "--out", tmp / f"{tag}.json",
            "--cost", "duration", "--capacity", 30)
        cli("solve", tmp / f"{tag}.json", "-t", time_limit, "--seed", seed, "--out", tmp / f"{tag}_routes.json", "-q")
    ue = np.array(json.loads((tmp / "ue.json").read_text())["duration"])
    ff = np.array(json.loads((tmp / "ff.json").read_text())["duration"])
    print(f"Sioux Falls, depot node 10, 23 customers (all other nodes), capacity 30, HGS -t {time_limit} seed {seed}; "
          f"load {os.getloadavg()[0]:.2f}")
    print("| plan made with | routes | planned total (min) | total at equilibrium (min) | routes (node ids) |")
    print("|---|---:|---:|---:|---|")
    for tag, mat in (("ff", ff), ("ue", ue)):
        routes = [r["visits"] for r in json.loads((tmp / f"{tag}_routes.json").read_text())["routes"]]
        idx = [list(r) for r in routes]  # the point ids 0..23 are the matrix rows

        def total(m, idx=idx):
            return sum(float(m[0, r[0]] + sum(m[a, b] for a, b in itertools.pairwise(r)) + m[r[-1], 0]) for r in idx)

        names = "; ".join("-".join(str(_node_of(tmp, v)) for v in r) for r in idx)
        print(f"| {'free-flow times' if tag == 'ff' else 'equilibrium times'} | {len(idx)} | {total(mat) / 60:.1f} | "
              f"{total(ue) / 60:.1f} | {names} |")


def _node_of(folder, point_id):
    for line in (folder / "pts.csv").read_text().splitlines()[1:]:
        i, v = line.split(",")[:2]
        if int(i) == point_id:
            return int(v)
    raise KeyError(point_id)


def _points(g, n, seed, folder):
    p = folder / f"p{n}.csv"
    p.write_text(sample_addresses(g, n, seed))
    return read_points(p)


if __name__ == "__main__":
    main()
