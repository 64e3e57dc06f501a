"""Traffic commands: ``netopt assign`` (user equilibrium) and ``netopt ndp`` (network design)."""

from __future__ import annotations

import csv
import io
import json
import math
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..io import check_writable, write_atomic
from ..io.tntp import find_files, load_network, read_flow
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
                        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)
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
    app.add_typer(ndp_app, name="ndp")

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
        from ..solvers.assignment import assign as solve_ue  # Numba: imported when used, not for --help
        from ..solvers.assignment import beckmann
        from ..validate import check_flows

        for p, ok in ((out_path, (".csv", ".json")), (plot, (".png",))):
            if p is not None:
                check_writable(p, ok, stream=p is out_path)
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
            bb = beckmann(net, bk)
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


ndp_app = typer.Typer(help="Bi-level network design: choose links / lanes / capacity under a budget, "
                           "with user equilibrium as the lower level.", no_args_is_help=True)


class Kind(str, Enum):
    auto = "auto"
    dndp = "dndp"
    lanes = "lanes"
    swap = "swap"
    cndp = "cndp"


class Centroids(str, Enum):
    pass_ = "pass"
    block = "block"


class DesignMethod(str, Enum):
    ga = "ga"
    enumerate = "enumerate"
    greedy = "greedy"


def load_design_problem(path: Path, kind: Kind, trips: Path | None, budget: float, lanes: int, upper: float,
                        share: float = 0.25, instance_seed: int = 10, demand_noise: float = 0.2,
                        centroids: str = "pass"):
    """Build the design problem a path describes (see ``netopt ndp solve --help``)."""
    from ..exceptions import NetoptError
    from ..solvers.design import lane_addition, lane_swap, load_cndp, load_dndp

    if kind is Kind.auto:
        if path.is_dir() and (path / "net2.txt").is_file():
            kind = Kind.cndp
        elif path.is_file() and "<NUMBER OF NEW LINKS>" in path.read_text(errors="replace")[:2000].upper():
            kind = Kind.dndp
        else:
            raise NetoptError(f"{path}: cannot tell the design problem kind; give --kind dndp|lanes|swap|cndp")
    if kind is Kind.cndp:
        folder = path if path.is_dir() else path.parent
        net, dem = (folder / "net2.txt", folder / "demand2.txt") if path.is_dir() else (path, trips or folder / "demand2.txt")
        return load_cndp(net, dem, upper=upper)
    if kind is Kind.dndp:
        if trips is None:
            near = sorted(path.parent.glob("*_trips.tntp"))
            if not near:
                raise NetoptError(f"{path}: no trips file beside it; give --trips (Rey's Sioux Falls instances use "
                                  "SiouxFalls/SiouxFalls_trips.tntp)")
            trips = near[0]
        return load_dndp(path, trips, budget)
    if kind is Kind.swap:
        return lane_swap(load_network(path, trips), share, lanes, seed=instance_seed, demand_noise=demand_noise,
                         centroids=centroids)
    return lane_addition(load_network(path, trips), budget, lanes, centroids=centroids)


@ndp_app.command("solve")
@handle_errors
def ndp_solve(
    problem: Annotated[Path, typer.Argument(help="DNDP file (TNTP + cost column), a TNTP network (lanes), or a CNDP folder (net2.txt, demand2.txt).", show_default=False)],
    kind: Annotated[Kind, typer.Option("--kind", "-k", help="dndp (new links), lanes (one more lane per link, Madadi & Correia's NDP_LA), swap (a lane changes direction on two-way roads, their NDP_LS), cndp (continuous capacity); auto detects dndp and cndp.")] = Kind.auto,
    method: Annotated[DesignMethod, typer.Option("--method", "-m", help="ga (genetic algorithm), enumerate (exact, <= 20 binary candidates), greedy (benefit/cost + swaps).")] = DesignMethod.ga,
    budget: Annotated[float, typer.Option("--budget", "-b", min=0.0, max=1.0, help="Budget as a share of the total cost of all candidates (0.25 = 25 %); dndp and lanes (swap has none).")] = 0.5,
    lanes: Annotated[int, typer.Option("--lanes", min=1, help="lanes, swap: existing lanes per link (count); one lane is capacity/lanes (the paper's capacity step 0.5 = 2 lanes, 0.25 = 4); swap needs >= 2.")] = 2,
    share: Annotated[float, typer.Option("--share", help="swap: share of the two-way roads drawn as candidates, in (0, 1] (the paper's SW_RP: 0.25, 0.5, 0.75).")] = 0.25,
    instance_seed: Annotated[int, typer.Option("--instance-seed", min=0, help="swap: seed of the candidate-road draw and the demand noise (NumPy legacy generator; 10 reproduces the paper's instances).")] = 10,
    demand_noise: Annotated[float, typer.Option("--demand-noise", min=0.0, help="swap: standard deviation of the normal demand perturbation, as a share of each OD entry (paper: 0.2; 0 = the file's demand).")] = 0.2,
    centroids: Annotated[Centroids, typer.Option("--centroids", help="lanes, swap: pass = routes may pass through zone centroids (the paper's AequilibraE setup; changes Anaheim), block = obey the file's FIRST THRU NODE.")] = Centroids.pass_,
    upper: Annotated[float, typer.Option("--upper", min=0.0, help="cndp: largest capacity addition per candidate, in the network's capacity unit.")] = 25.0,
    trips: Annotated[Optional[Path], typer.Option("--trips", help="_trips.tntp (dndp, lanes) or demand matrix (cndp) when not beside the network.")] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", min=0.001, help="Search time in seconds (re-scoring comes after).")] = 60.0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same search.")] = 0,
    gap: Annotated[float, typer.Option("--gap", min=1e-12, help="Relative UE gap while searching (dimensionless; enumerate uses at most 1e-6).")] = 1e-5,
    rescore_gap: Annotated[float, typer.Option("--rescore-gap", min=1e-12, help="Relative UE gap of the exact re-scoring of the best designs.")] = 1e-8,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Processes evaluating designs in parallel (1 = in this process, with warm starts).")] = 1,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786) to evaluate designs on a cluster.")] = None,
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="GA parameter KEY=VALUE: population, elite, crossover (probability), mutation (per-gene probability), generations (stop after this many), first_order (true/false: seed lanes/swap searches with first-order designs), local (lanes: designs solved per first-order local-search round after each generation; 0 = off).")] = None,
    fitness: Annotated[Literal["exact", "gnn"], typer.Option("--fitness", help="exact = UE per design; gnn = batched GNN surrogate of the UE flows (needs the gnn extra); the best designs (5; 20 with gnn) are re-scored with exact UE either way.")] = "exact",
    model: Annotated[Optional[Path], typer.Option("--model", help="--fitness gnn: checkpoint from `netopt gnn train` (default: the shipped one for this network, if any).")] = None,
    result_path: Annotated[Optional[Path], typer.Option("--result", help="Write the Result JSON here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Result JSON on stdout.")] = False,
):
    """Search for the best design; the best designs are re-scored with exact UE at --rescore-gap
    (after a surrogate's search, its best 20 get exact UE at --gap and the best 5 of those the tight gap)."""
    from ..solvers.design import design_params, solve_design
    from .routing import _parse_params

    if result_path is not None:
        check_writable(result_path, (".json",))
    prob = load_design_problem(problem, kind, trips, budget, lanes, upper, share, instance_seed, demand_noise,
                               centroids.value)
    params = _parse_params(param)
    design_params(method.value, params)  # bad -p values fail here, before any model is loaded
    surrogate = None
    if fitness == "gnn":
        from ..gnn.surrogate import GNNFitness

        surrogate = GNNFitness(prob, model)
    elif model is not None:
        err.print("--model is used only with --fitness gnn; ignoring it")
    progress = Progress(TextColumn(f"[bold]{method.value}[/] {prob.name}"), BarColumn(),
                        TextColumn("{task.completed:>5.0f}/{task.total:g} s  best {task.fields[best]}  designs {task.fields[n]}"),
                        console=err, transient=True, disable=not err.is_terminal)
    task = progress.add_task("ndp", total=time_limit, best="-", n=0)

    def update(state):
        progress.update(task, completed=min(state.elapsed(), time_limit), best=f"{state.best_obj:,.6g}", n=len(state.ranked))

    with progress:
        res = solve_design(prob, method.value, time_limit=time_limit, seed=seed, gap=gap, rescore_gap=rescore_gap,
                           workers=workers, scheduler=scheduler, progress=update, fitness=surrogate, **params)
    if surrogate is not None:
        res.extra["surrogate"] = {"model": surrogate.model_path, "designs": surrogate.evaluations,
                                  "forward_passes": surrogate.forward_passes,
                                  "inference_time_s": round(surrogate.inference_time_s, 4)}
    if result_path is not None:
        write_atomic(result_path, res.to_json() + "\n")
    if as_json:
        print_json(res.to_dict())
        return
    sol = res.solution
    rows = [["problem", f"{prob.name} ({prob.kind}, {prob.size} candidates)"], ["method", method.value],
            ["status", res.status], ["objective (exact UE)", sol["objective_exact"]],
            ["objective while searching" + (" (GNN surrogate)" if surrogate else ""), sol["objective_search"]], ["TSTT", sol["tstt"]],
            ["investment", sol["investment"]], ["budget", sol["budget"]],
            ["lanes moved onto" if prob.kind == "swap" else "chosen", ", ".join(f"{d['from']}->{d['to']}" + ("" if prob.binary else f" +{d['value']:.3g}") for d in sol["design"]) or "none"],
            ["designs evaluated", res.extra["designs_seen"]], ["time (s)", res.runtime_s]]
    out().print(table(None, ["field", "value"], rows))
