"""``netopt fabric``: congestion of collective traffic on datacenter fabrics.

``analyze`` compares ideal packet spraying, ECMP hashing, best singlepath and minimal splitting
for one topology and collective (Rich table, or ``--json``); ``sweep`` varies one parameter and
plots congestion and completion time to a PNG. Library errors (:class:`netopt.exceptions.NetoptError`)
become ``error: <message>`` on stderr and their exit code (``_output.handle_errors``, as every command group).
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..io import check_writable, write_atomic
from ._output import handle_errors

app = typer.Typer(
    name="fabric",
    help="Datacenter fabric congestion: packet spraying vs ECMP vs singlepath for collective traffic.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

_err = Console(stderr=True)


class Topology(str, Enum):  # rail-optimised clusters: either topology with --rails
    leaf_spine = "leaf-spine"
    fat_tree = "fat-tree"


class EcmpMethod(str, Enum):
    auto = "auto"
    exact = "exact"
    monte_carlo = "monte-carlo"
    both = "both"


TopologyOpt = Annotated[Topology, typer.Option(help="Fabric: 2-tier leaf-spine or 3-tier k-ary fat-tree.")]
LeavesOpt = Annotated[int, typer.Option(help="Leaf switches (leaf-spine).")]
SpinesOpt = Annotated[int, typer.Option(help="Spine switches; each leaf has one uplink to every spine (leaf-spine).")]
HostsOpt = Annotated[int, typer.Option("--hosts-per-leaf", help="Hosts (GPUs/NICs) per leaf (leaf-spine).")]
KOpt = Annotated[int, typer.Option("--k", help="Fat-tree arity k (even); k^3/4 hosts.")]
HostGbpsOpt = Annotated[float, typer.Option(help="Host NIC speed in Gbit/s.")]
UplinkOpt = Annotated[Optional[float], typer.Option(
    help="Switch-to-switch link speed in Gbit/s (default: from --oversubscription; fat-tree: host speed).")]
OversubOpt = Annotated[float, typer.Option(
    help="Leaf / edge oversubscription, host bandwidth / uplink bandwidth (1 = non-blocking).")]
CoreOversubOpt = Annotated[float, typer.Option(
    help="Fat-tree aggregation oversubscription, edge-aggregation / aggregation-core bandwidth (1 = non-blocking).")]
CoreGbpsOpt = Annotated[Optional[float], typer.Option(
    help="Fat-tree aggregation-core link speed in Gbit/s (default: from the edge links and --core-oversubscription).")]
FailedOpt = Annotated[Optional[list[str]], typer.Option(
    "--fail", help="Failed cable, both directions (repeatable): LEAF:SPINE on a leaf-spine; edge:E:I (edge switch E - "
                   "aggregation switch I of its pod) or core:G:J (aggregation switch G - its J-th core) on a fat-tree.")]
RailsOpt = Annotated[int, typer.Option(
    help="Rail-optimised cluster: GPUs per server = rails; GPU g of every server of a scalable unit on rail leaf g "
         "(rails joined by the spines / aggregation and core); same-server traffic uses NVLink. 1: no servers.")]
SkewOpt = Annotated[Optional[str], typer.Option(
    help="Skewed all-to-all (mixture-of-experts token routing): a Zipf exponent (expert e gets (e+1)^-s of the "
         "tokens) or a file of tokens per expert (numbers or a JSON list); rank j receives its experts' share.")]
ExpertsOpt = Annotated[Optional[int], typer.Option(
    help="Experts of a Zipf --skew (default one per rank; a divisor or multiple of the rank count).")]
CollOpt = Annotated[str, typer.Option(
    help="Collective: ring, tree, recursive-doubling, halving-doubling, all-to-all, all-to-all-pairwise, "
         "reduce-scatter, all-gather (all-to-all with --skew: the MoE token routing).")]
RanksOpt = Annotated[Optional[int], typer.Option(help="Participating ranks (GPUs); default: every host.")]
BytesOpt = Annotated[float, typer.Option("--bytes", help="Buffer size per rank in bytes (all-reduce buffer / all-to-all send buffer).")]
ChannelsOpt = Annotated[int, typer.Option(help="Ring channels (parallel rings, each carrying bytes/channels).")]
PlacementOpt = Annotated[str, typer.Option(
    help="Rank placement: leaf-major (= contiguous: rank r on host r; with --rails on GPU r, i.e. consecutive ranks "
         "share a server), round-robin (rank r on leaf r mod L: consecutive ranks on different leaves), random "
         "(seeded by --seed), or a file with one host (with --rails: GPU) id per line (or a JSON list).")]
SeedOpt = Annotated[int, typer.Option(help="Seed for random placement, ECMP sampling and the ECMP CCT sample.")]
SeedsOpt = Annotated[int, typer.Option(help="ECMP Monte Carlo samples.")]
QpsOpt = Annotated[int, typer.Option(help="Queue pairs per flow for ECMP (each hashed independently).")]
EcmpOpt = Annotated[EcmpMethod, typer.Option(
    help="ECMP model: 'exact' multinomial maximum per uplink/downlink group (exact per tier; the two tiers are "
         "combined as independent, an approximation, unless each leaf pair is its leaves' only traffic - the "
         "table notes say 'tiers exact' or 'tiers independent'), 'monte-carlo' (exact samples), both, or "
         "auto (exact where supported plus Monte Carlo).")]
CctOpt = Annotated[bool, typer.Option("--cct/--no-cct", help="Compute flow-level completion times (s), max-min fair, leaf-spine and fat-tree.")]
CctMaxOpt = Annotated[int, typer.Option(help="List at most this many (sub)flows per step for the max-min completion "
                                              "time (a step of equal flows needs none: it lasts its largest link "
                                              "congestion; ECMP past it: the mean over hashings); otherwise past it "
                                              "the CCT is shown as - (JSON: cct_skipped says why, cct_bounds).")]
class Aggregate(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


AggregateOpt = Annotated[Aggregate, typer.Option(
    help="ECMP Monte Carlo per link class ('always': balls per uplink/downlink/pod-core group, tiers sampled "
         "independently; all-to-all on a healthy fabric only), per flow ('never': tiers jointly exact), or 'auto' "
         "(aggregated for the all-to-all once per-flow sampling would be slow, e.g. fat-trees from k = 16). JSON "
         "'method' says which ran.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")]


def _fmt(x, unit=""):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.4g}{unit}"
    return str(x)


def _jsonable(obj):
    import numpy as np

    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


def _table(res: dict) -> Table:
    title = f"{res['collective']} on {res['fabric']} ({res['ranks']} ranks, {res['flows']} flows/pass)"
    if "skew" in res:
        title += f"; skew: {res['skew']['what']}, busiest rank receives {100 * res['skew']['max_rank_share']:.3g} %"
    t = Table(title=title)
    t.add_column("model")
    t.add_column("max congestion (s)", justify="right")
    t.add_column("x spray", justify="right")
    t.add_column("CCT (s)", justify="right")
    t.add_column("x spray CCT", justify="right")
    t.add_column("notes")
    for name, m in res["models"].items():
        if "error" in m:
            t.add_row(name, "-", "-", "-", "-", m["error"])
            continue
        notes = []
        if name == "ecmp":
            method = m.get("method")
            if "tiers" in m:
                method = f"{method} (tiers {m['tiers']})"
            notes.append(f"{method}, qps={m.get('qps')}, p50={_fmt(m.get('p50'))}, p99={_fmt(m.get('p99'))}")
            if "skipped" in m.get("monte_carlo", {}):
                notes.append("Monte Carlo skipped (--ecmp both runs it)")
            elif "monte_carlo" in m:
                notes.append(f"MC mean={_fmt(m['monte_carlo']['mean'])} ({m['monte_carlo']['seeds']} seeds, "
                             f"{m['monte_carlo']['sampling']})")
            elif "sampling" in m:
                notes.append(f"{m['sampling']} sampling")
        if name == "split":
            notes.append(f"k={m['k']} subflows/flow" + (f" ({m['method']})" if m.get("method") else ""))
            if m.get("note"):
                notes.append(m["note"])
        if name == "singlepath":
            notes.append(f"{m.get('method')}" + (f", bound={_fmt(m.get('bound'))}" if "bound" in m else ""))
        if name == "ecmp" and "classes" in m.get("monte_carlo", m):
            cl = m.get("monte_carlo", m)["classes"]
            notes.append(f"{cl['sampled_groups']} link groups sampled, {cl['pruned']} pruned; weights {cl['weights']}")
        how = m.get("cct_method", "")
        if how and how != "max-min":
            notes.append(f"CCT {how}" + (" (no flow listed)" if "max-min" not in how else ""))
        elif m.get("cct_skipped"):
            b = m.get("cct_bounds")
            notes.append("CCT skipped: " + m["cct_skipped"].split(" to list")[0][:80] +
                         (f"; within [{_fmt(b[0])}, {_fmt(b[1])}]" if b else "") + " (--json: why)")
        t.add_row(name, _fmt(m.get("max_congestion")), _fmt(m.get("ratio")), _fmt(m.get("cct")),
                  _fmt(m.get("cct_ratio")), "; ".join(notes))
    return t


@app.command()
@handle_errors
def analyze(
    topology: TopologyOpt = Topology.leaf_spine,
    leaves: LeavesOpt = 32,
    spines: SpinesOpt = 16,
    hosts_per_leaf: HostsOpt = 8,
    k: KOpt = 8,
    host_gbps: HostGbpsOpt = 400.0,
    uplink_gbps: UplinkOpt = None,
    oversubscription: OversubOpt = 1.0,
    core_oversubscription: CoreOversubOpt = 1.0,
    core_gbps: CoreGbpsOpt = None,
    fail: FailedOpt = None,
    rails: RailsOpt = 1,
    collective: CollOpt = "all-to-all",
    skew: SkewOpt = None,
    experts: ExpertsOpt = None,
    ranks: RanksOpt = None,
    nbytes: BytesOpt = float(1 << 30),
    channels: ChannelsOpt = 1,
    placement: PlacementOpt = "leaf-major",
    seed: SeedOpt = 0,
    seeds: SeedsOpt = 100,
    qps: QpsOpt = 1,
    ecmp: EcmpOpt = EcmpMethod.auto,
    cct: CctOpt = True,
    cct_max_flows: CctMaxOpt = 300_000,
    aggregate: AggregateOpt = Aggregate.auto,
    as_json: JsonOpt = False,
) -> None:
    """Max congestion (s = bytes / link capacity) and completion time of every load-balancing model."""
    from netopt.solvers import fabric as fb

    fab, coll = fb.build(topology=topology.value, leaves=leaves, spines=spines, hosts_per_leaf=hosts_per_leaf,
                         k=k, host_gbps=host_gbps, uplink_gbps=uplink_gbps, oversubscription=oversubscription,
                         core_oversubscription=core_oversubscription, core_gbps=core_gbps,
                         failed=fail or (), rails=rails, collective=collective, skew=skew, experts=experts,
                         ranks=ranks, nbytes=nbytes, channels=channels, placement_kind=placement, seed=seed)
    res = fb.analyze(fab, coll, seeds=seeds, seed=seed, qps=qps, ecmp=ecmp.value, cct=cct,
                     cct_max_flows=cct_max_flows, aggregate=aggregate.value)
    if as_json:
        typer.echo(json.dumps(_jsonable(res), indent=2))
    else:
        Console().print(_table(res))


class SweepParam(str, Enum):
    spines = "spines"
    oversubscription = "oversubscription"
    channels = "channels"
    qps = "qps"
    k = "k"
    leaves = "leaves"


@app.command()
@handle_errors
def sweep(
    param: Annotated[SweepParam, typer.Option(help="Parameter to vary: spines (count), oversubscription (ratio), "
                                                   "channels (ring count), qps (ECMP queue pairs per flow), or the "
                                                   "cluster size: k (fat-tree arity, k^3/4 GPUs) or leaves "
                                                   "(leaf-spine); with k/leaves every host is a rank and the plot's "
                                                   "x axis is GPUs.")],
    values: Annotated[str, typer.Option(help="Comma-separated values of the parameter, e.g. 4,8,16.")],
    out: Annotated[Path, typer.Option(help="PNG file to write (congestion and CCT vs the parameter).")] = Path("fabric_sweep.png"),
    topology: TopologyOpt = Topology.leaf_spine,
    leaves: LeavesOpt = 8,
    spines: SpinesOpt = 8,
    hosts_per_leaf: HostsOpt = 4,
    k: KOpt = 4,
    host_gbps: HostGbpsOpt = 400.0,
    uplink_gbps: UplinkOpt = None,
    oversubscription: OversubOpt = 1.0,
    core_oversubscription: CoreOversubOpt = 1.0,
    rails: RailsOpt = 1,
    collective: CollOpt = "ring",
    skew: SkewOpt = None,
    experts: ExpertsOpt = None,
    ranks: RanksOpt = None,
    nbytes: BytesOpt = float(1 << 30),
    channels: ChannelsOpt = 1,
    placement: PlacementOpt = "leaf-major",
    seed: SeedOpt = 0,
    seeds: SeedsOpt = 20,
    qps: QpsOpt = 1,
    cct: CctOpt = True,
    cct_max_flows: CctMaxOpt = 50_000,
    as_json: JsonOpt = False,
) -> None:
    """Vary one parameter; print and plot (PNG) max congestion, its ratio to spraying and the CCT of every
    model vs the parameter (vs GPUs for --param k / leaves)."""
    from netopt.solvers import fabric as fb

    check_writable(out, (".png",))
    vals = [v.strip() for v in values.split(",") if v.strip()]  # each is checked as its parameter
    base = dict(topology=topology.value, leaves=leaves, spines=spines, hosts_per_leaf=hosts_per_leaf, k=k,
                host_gbps=host_gbps, uplink_gbps=uplink_gbps, oversubscription=oversubscription,
                core_oversubscription=core_oversubscription, rails=rails, collective=collective, skew=skew,
                experts=experts, ranks=ranks, nbytes=nbytes, channels=channels, placement_kind=placement, seed=seed)
    rows = fb.sweep(param.value, vals, base, seeds=seeds, seed=seed, qps=qps, cct=cct,
                    cct_max_flows=cct_max_flows)
    _plot(rows, param.value, out)
    _err.print(f"wrote {out}", markup=False, highlight=False)
    if as_json:
        typer.echo(json.dumps(_jsonable(rows), indent=2))
    else:
        t = Table(title=f"sweep over {param.value}")
        t.add_column(param.value)
        t.add_column("GPUs", justify="right")
        t.add_column("spray congestion (s)", justify="right")
        for m in ("ecmp", "singlepath", "split"):
            t.add_column(f"{m} x spray", justify="right")
        t.add_column("split k", justify="right")
        t.add_column("time (s)", justify="right")
        for r in rows:
            ms = r["models"]
            t.add_row(str(r["value"]), f"{r['ranks']:,}", _fmt(ms["spray"].get("max_congestion")),
                      *(_fmt(ms[m].get("ratio")) for m in ("ecmp", "singlepath", "split")),
                      str(ms["split"].get("k", "-")), _fmt(r["time_s"]))
        Console().print(t)


def _plot(rows, param, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    size = param in ("k", "leaves")
    xs = [r["ranks"] for r in rows] if size else [r["value"] for r in rows]
    xlabel = "GPUs (ranks)" if size else param
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for m, style in (("spray", "k-o"), ("ecmp", "r-s"), ("singlepath", "b-^"), ("split", "g--x")):
        for ax, key in zip(axes, ("max_congestion", "ratio", "cct")):
            ys = [r["models"][m].get(key) for r in rows]
            if any(y is not None for y in ys):
                ax.plot(xs, [float("nan") if y is None else y for y in ys], style, label=m)
    for ax, ylabel in zip(axes, ("max congestion (s)", "max congestion / spraying", "completion time (s)")):
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if size:
            ax.set_xscale("log")
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle(f"{rows[0]['collective']}: congestion, ratio to spraying and CCT vs {xlabel}")
    fig.tight_layout()
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    write_atomic(out, buf.getvalue())


if __name__ == "__main__":  # pragma: no cover
    app()
