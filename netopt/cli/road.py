"""Real-road commands: ``netopt road build | sample | matrix`` (OpenStreetMap -> graph -> points -> instance)."""

from __future__ import annotations

import hashlib
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ..io import check_writable, write_atomic
from ._output import err, handle_errors, print_json

app = typer.Typer(help="Real roads from OpenStreetMap: build a road graph, sample addresses, make distance/duration matrices.",
                  no_args_is_help=True)


class Profile(str, Enum):
    car = "car"


class Engine(str, Enum):
    numba = "numba"
    tree = "tree"
    scipy = "scipy"


GraphArg = Annotated[Path, typer.Argument(help="Road graph .npz from `netopt road build`.", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print a machine-readable summary on stdout.")]


@app.command()
@handle_errors
def build(
    osm: Annotated[Path, typer.Argument(help="OpenStreetMap extract (.osm.pbf; also .osm XML).", show_default=False)],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Road graph to write (.npz).", show_default=False)],
    profile: Annotated[Profile, typer.Option("--profile", help="Vehicle profile: which highway classes are drivable and their default speeds (km/h).")] = Profile.car,
    keep_all: Annotated[bool, typer.Option("--keep-all", help="Keep every component instead of only the largest strongly connected one (then some points may not reach each other).")] = False,
    as_json: JsonOpt = False,
):
    """Parse drivable ways (one-way rules, maxspeed or per-class speeds, haversine lengths) into a directed
    graph; keep its largest strongly connected component and say what was dropped."""
    from ..exceptions import InstanceFormatError
    from ..roads.graph import build_graph
    from ..roads.osm import read_pbf

    check_writable(out_path, (".npz",), stream=False)
    ext = read_pbf(osm, profile.value)
    if ext.seg_from.size == 0:
        raise InstanceFormatError(osm, None, f"no drivable roads for the {profile.value} profile")
    h = hashlib.sha256()
    with open(osm, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    sha = h.hexdigest()
    graph, meta = build_graph(ext, source=str(osm), source_sha256=sha, profile=profile.value, keep_all=keep_all)
    graph.save(out_path)
    summary = {"out": str(out_path), "nodes": graph.num_nodes, "edges": graph.num_edges,
               "km": round(float(graph.length_m.sum()) / 1000.0, 3), "ways": meta["ways"],
               "addresses": int(graph.addr_lat.size), "read": meta["read"], "dropped": meta["dropped"]}
    if as_json:
        print_json(summary)
    d, r = meta["dropped"], meta["read"]
    err.print(f"wrote {out_path}: {graph.num_nodes:,} nodes, {graph.num_edges:,} directed edges "
              f"({summary['km']:,} km), {summary['addresses']:,} address points; "
              f"dropped outside the largest strongly connected component: {d['nodes']:,} of {r['nodes']:,} nodes, "
              f"{d['edges']:,} of {r['edges']:,} edges ({d['km']:,} km)", highlight=False)


@app.command()
@handle_errors
def sample(
    graph_path: GraphArg,
    addresses: Annotated[int, typer.Option("--addresses", "-n", min=1, help="Number of customer addresses to draw (count).")] = 100,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed; same seed, same points and demands.")] = 0,
    depot: Annotated[str | None, typer.Option("--depot", help="Depot position LAT,LON in degrees (default: one more drawn address).")] = None,
    max_demand: Annotated[int, typer.Option("--max-demand", min=1, help="Demands are drawn uniformly from 1..this (units).")] = 10,
    time_windows: Annotated[str | None, typer.Option("--time-windows", help="HORIZON,WIDTH in seconds: the depot is open [0, HORIZON], each customer gets a window of WIDTH starting uniformly in [0, HORIZON - WIDTH] (tw_start,tw_end,service columns).")] = None,
    service: Annotated[float, typer.Option("--service", min=0.0, help="With --time-windows: service time at each customer (seconds).")] = 0.0,
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Points CSV to write: id,lat,lon,label,demand (depot first).", show_default=False)] = ...,
):
    """Draw real OSM address points (nodes and buildings with addr:street + addr:housenumber) as delivery points."""
    from ..exceptions import NetoptError
    from ..roads.addresses import parse_latlon, sample_addresses
    from ..roads.graph import RoadGraph

    check_writable(out_path, (".csv",))
    where = parse_latlon(depot) if depot is not None else None
    tw = None
    if time_windows is not None:
        try:
            horizon, width = (float(x) for x in time_windows.split(","))
        except ValueError:
            raise NetoptError(f"--time-windows {time_windows!r}: expected HORIZON,WIDTH in seconds") from None
        if not (0 < width <= horizon < float("inf")):
            raise NetoptError(f"--time-windows {time_windows!r}: need 0 < WIDTH <= HORIZON (seconds)")
        tw = (horizon, width)
    elif service:
        raise NetoptError("--service goes with --time-windows")
    graph = RoadGraph.load(graph_path)
    text = sample_addresses(graph, addresses, seed, where, max_demand, tw, service)
    write_atomic(out_path, text)
    err.print(f"wrote {out_path}: depot + {addresses} addresses (seed {seed})", highlight=False)


class Cost(str, Enum):
    distance = "distance"
    duration = "duration"


class TimeUnit(str, Enum):
    s = "s"
    min = "min"
    h = "h"


@app.command()
@handle_errors
def matrix(
    graph_path: Annotated[Path | None, typer.Argument(help="Road graph .npz from `netopt road build` (or use --network).", show_default=False)] = None,
    points: Annotated[Path, typer.Option("--points", help="Points CSV (id,lat,lon[,label,demand,tw_start,tw_end,service]; depot first; seconds); with --network a node column (1-based node ids) may replace lat,lon.", show_default=False)] = ...,
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Instance JSON to write (netopt instance JSON with distance in m and duration in s).", show_default=False)] = ...,
    capacity: Annotated[int, typer.Option("--capacity", min=1, help="Vehicle capacity (units of demand).")] = 50,
    vehicles: Annotated[int | None, typer.Option("--vehicles", min=1, help="Fleet size (default: unlimited).")] = None,
    max_snap: Annotated[float, typer.Option("--max-snap", min=0.0, help="Refuse points farther than this from every road (metres).")] = 300.0,
    engine: Annotated[Engine, typer.Option("--engine", help="Shortest paths: numba (Dijkstra that stops once every point is reached), tree (the assignment engine's full shortest-path trees) or scipy (scipy.sparse.csgraph, full trees).")] = Engine.numba,
    cost: Annotated[Cost, typer.Option("--cost", help="What the solvers minimise: road distance (m) or travel time (s); the instance's distance field holds it.")] = Cost.distance,
    network: Annotated[Path | None, typer.Option("--network", help="A TNTP network folder with node coordinates (_net and _node files) instead of an OSM road graph.")] = None,
    flows: Annotated[Path | None, typer.Option("--flows", help="With --network: link flows from `netopt assign --out flows.csv`; travel times at these flows (BPR) instead of free flow.")] = None,
    time_unit: Annotated[TimeUnit, typer.Option("--time-unit", help="With --network: the unit of the file's free-flow times (TNTP: mostly minutes).")] = TimeUnit.min,
    contract: Annotated[bool, typer.Option("--contract/--no-contract", help="Search the graph without its shape points (nodes that only bend a street): same matrices, fewer nodes.")] = True,
    as_json: JsonOpt = False,
):
    """Snap the points to the nearest road edge and write asymmetric road distance (m) and duration (s)
    matrices as a routing instance (`netopt solve`, `netopt export ... --out map.html`); on a TNTP network
    with --flows, the durations are congested (user-equilibrium) travel times."""
    import time

    from ..exceptions import NetoptError
    from ..roads.addresses import read_points
    from ..roads.graph import RoadGraph
    from ..roads.instance import make_instance, road_matrices

    if (graph_path is None) == (network is None):
        raise NetoptError("give either a road graph (.npz) or --network DIR, not both")
    if flows is not None and network is None:
        raise NetoptError("--flows goes with --network (equilibrium link flows of a TNTP network)")
    check_writable(out_path, (".json",))
    pts = read_points(points)
    t0 = time.perf_counter()
    if network is not None:
        from ..roads.tntp import graph_from_tntp, node_snap

        graph, link_time, info = graph_from_tntp(network, flows, time_unit.value)
        snap = node_snap(graph, pts.nodes, pts.rows, str(points)) if pts.nodes is not None else None
        if snap is None and not info["degrees"]:
            raise NetoptError(f"{info['node']}: the node coordinates are not longitude/latitude; give the points as node ids (a node column)")
        dist, dur, snap = road_matrices(graph, pts, engine=engine.value, max_snap_m=max_snap, where=str(points),
                                        link_time_s=link_time, snap=snap, contract=contract)
        road = {"network": info["net"], "flows": None if flows is None else str(flows.resolve()), "time_unit": time_unit.value}
    else:
        if pts.nodes is not None:
            raise NetoptError(f"{points}: a node column goes with --network; on an OSM graph give lat,lon")
        graph = RoadGraph.load(graph_path)
        dist, dur, snap = road_matrices(graph, pts, engine=engine.value, max_snap_m=max_snap, where=str(points),
                                        contract=contract)
        road = None
    secs = time.perf_counter() - t0
    text = make_instance(graph, pts, snap, dist, dur, name=out_path.stem if str(out_path) != "-" else "roads",
                         capacity=capacity, vehicles=vehicles, graph_path=graph_path, cost=cost.value, road=road)
    write_atomic(out_path, text + "\n")
    summary = {"out": str(out_path), "points": len(pts), "engine": engine.value, "seconds": round(secs, 3),
               "max_snap_m": round(float(snap.offset_m.max()), 1),
               "asymmetric_pairs": int((abs(dist - dist.T) > 0.05).sum() // 2)}
    if as_json:
        print_json(summary)
    err.print(f"wrote {out_path}: {len(pts)} points, {len(pts)}x{len(pts)} distance and duration matrices "
              f"in {secs:.2f} s ({engine.value}); farthest snap {summary['max_snap_m']} m; "
              f"{summary['asymmetric_pairs']:,} pairs differ by direction", highlight=False)
