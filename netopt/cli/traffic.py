"""Traffic commands: ``netopt assign`` (user equilibrium) and ``netopt ndp`` (network design)."""

from __future__ import annotations

import csv
import io
import json
import math
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..io import check_writable, write_atomic
from ..io.tntp import find_files, load_network, read_flow
from ..solvers.assignment import assign as solve_ue
from ..solvers.assignment import _kernels as K
from ..validate import check_flows
from ._output import err, handle_errors, out, print_json, table


class Method(str, Enum):
    gp = "gp"
    bfw = "bfw"
    cfw = "cfw"
    fw = "fw"


NetworkArg = Annotated[Path, typer.Argument(help="TNTP network folder, or its _net.tntp file.", show_default=False)]


def gap_progress(target: float, label: str):
    """A Rich progress bar on stderr that fills as log10(gap) approaches log10(target)."""
    progress = Progress(TextColumn(label), BarColumn(), TextColumn("gap {task.fields[gap]}  it {task.fields[it]}"),
                        TimeElapsedColumn(), console=err, transient=True)
    task = progress.add_task("ue", total=1.0, gap="-", it=0)
    first = {}

    def update(it, gap):
        if gap > 0 and "g0" not in first:
            first["g0"] = math.log10(gap)
        g0, gt = first.get("g0", 0.0), math.log10(target)
        done = 1.0 if gap <= target else max(0.0, (g0 - math.log10(max(gap, 1e-300))) / max(g0 - gt, 1e-9))
        progress.update(task, completed=min(done, 1.0), gap=f"{gap:.2e}", it=it)

    return progress, update


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def assign(
        network: NetworkArg,
        trips: Annotated[Optional[Path], typer.Argument(help="_trips.tntp file (default: the one beside the network).", show_default=False)] = None,
        method: Annotated[Method, typer.Option("--method", "-m", help="gp = path-based gradient projection (tight gaps); bfw/cfw/fw = (bi)conjugate / plain Frank-Wolfe.")] = Method.gp,
        gap: Annotated[float, typer.Option("--gap", min=1e-15, help="Target relative gap (TSTT - SPTT) / TSTT, dimensionless.")] = 1e-6,
        max_iterations: Annotated[int, typer.Option("--max-iterations", min=1, help="Iteration cap (count).")] = 100_000,
        time_limit: Annotated[Optional[float], typer.Option("--time-limit", "-t", min=0.001, help="Wall-clock limit in seconds.")] = None,
        out_path: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write link flows: .csv (link, from, to, flow, cost, v/c) or .json.")] = None,
        plot: Annotated[Optional[Path], typer.Option("--plot", help="PNG of the network coloured by volume/capacity.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the result (with link flows) as JSON on stdout.")] = False,
    ):
        """Solve static user equilibrium (BPR link costs) on a TNTP network."""
        for p in (out_path, plot):
            if p is not None:
                check_writable(p)
        net = load_network(network, trips)
        progress, update = gap_progress(gap, f"[bold]{method.value}[/] {net.name}")
        with progress:
            res = solve_ue(net, method.value, gap=gap, max_iterations=max_iterations, time_limit=time_limit, progress=update)
        problems = check_flows(net, res.flow)
        data = res.to_dict(net)
        data["conservation_violations"] = problems
        best = None if trips is not None else find_files(network)[3]
        if best is not None:
            bk, _ = read_flow(best, net)
            bb = float(K.beckmann(bk, net.fftt, net.b, net.capacity, net.power, net.fixed_cost))
            data["best_known"] = {"file": str(best), "beckmann": bb, "relative_difference": (res.beckmann - bb) / bb}
        if out_path is not None:
            write_atomic(out_path, _flows_csv(data) if out_path.suffix == ".csv" else json.dumps(data, indent=1) + "\n")
        if plot is not None:
            from ..plot import plot_network

            plot_network(net, res.flow, plot)
        if as_json:
            print_json(data)
        else:
            rows = [["network", net.name], ["method", res.method], ["iterations", res.iterations],
                    ["relative gap", f"{res.relative_gap:.3e}"], ["Beckmann objective", res.beckmann],
                    ["TSTT", res.tstt], ["time (s)", round(res.runtime_s, 3)], ["converged", res.converged]]
            if "best_known" in data:
                rows.append(["vs best-known Beckmann", f"{data['best_known']['relative_difference']:+.2e}"])
            out().print(table(None, ["field", "value"], rows))
        if problems:
            err.print("[red]flow conservation violated:[/] " + "; ".join(problems[:3]))
            raise typer.Exit(1)
        if not res.converged:
            err.print(f"stopped before the target gap {gap:g} (reached {res.relative_gap:.3e})")


def _flows_csv(data: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["link", "from", "to", "flow", "cost", "voc"])
    for link in data["links"]:
        w.writerow([link["link"], link["from"], link["to"], repr(link["flow"]), repr(link["cost"]), link["voc"]])
    return buf.getvalue()
