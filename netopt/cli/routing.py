"""Vehicle-routing commands: solve, compare, info, validate, export, solvers, generate."""

from __future__ import annotations

import json
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..solvers.registry import DEFAULT_SOLVER
from ..exceptions import InvalidSolutionError, NetoptError, SolutionFormatError, SolverParameterError
from ..io import check_writable, format_sol, format_vrplib, instance_to_json, load_instance, read_routes, write_atomic
from ..model import Result, RoutingSolution
from ..solvers import available_solvers, get_solver
from ._output import err, fail, handle_errors, out, print_json, table, warn


class Rounding(str, Enum):
    auto = "auto"
    nint = "nint"
    dimacs = "dimacs"
    none = "none"


class RouteFormat(str, Enum):
    json = "json"
    sol = "sol"
    png = "png"


InstanceArg = Annotated[Path, typer.Argument(help="Instance file: VRPLIB .vrp, TSPLIB .tsp/.atsp, Solomon .txt or netopt .json; - reads standard input.", show_default=False)]
RoundOpt = Annotated[Rounding, typer.Option("--round", help="Distance rounding for EUC_2D coordinates: auto = nearest integer (CVRPLIB, TSPLIB), DIMACS one-decimal truncation with time windows.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout instead of a table.")]
TimeOpt = Annotated[float, typer.Option("--time-limit", "-t", min=0.001, help="Wall-clock limit per solve, in seconds.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed; same seed, same result.")]
ParamOpt = Annotated[Optional[list[str]], typer.Option("--param", "-p", help="Solver parameter KEY=VALUE (repeatable); `netopt solvers` lists them.")]


def _parse_params(items: list[str] | None) -> dict[str, str]:
    params = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SolverParameterError(f"--param {item!r}: expected KEY=VALUE")
        params[key.strip()] = value.strip()
    return params


def _progress_fn(progress: Progress, task, time_limit: float, bks: float | None = None):
    """The live bar's update: elapsed time, best objective (and its gap to the best-known solution
    when ``bks`` is given), iterations and iterations per second."""

    def update(state):
        best = "-" if state.best_cost is None else f"{state.best_cost:,.6g}"
        if bks and state.best_cost is not None:
            best += f" ({100.0 * (state.best_cost - bks) / bks:+.2f} % vs BKS)"
        el = state.elapsed()
        rate = f"{state.iterations / el:,.0f}/s" if el > 0 else "-"
        progress.update(task, completed=min(el, time_limit), best=best, it=f"{state.iterations:,} ({rate})")

    return update


def run_solver(instance, solver_name: str, time_limit: float, seed: int, params: dict, initial=None,
               max_iterations: int | None = None, quiet: bool = False, nco: dict | None = None,
               bks: float | None = None) -> Result:
    """Solve with a Rich progress bar on stderr (time elapsed against the limit, best objective and
    its gap to ``bks`` when known, iterations per second); with ``nco`` (the policy's parameters)
    the learned policy's solutions seed the solver."""
    solver = get_solver(solver_name)
    solver.check_instance(instance)  # refuse before compiling
    quiet = quiet or not err.is_terminal  # no progress bar (nor the blank line it leaves) without a terminal
    with err.status("preparing the solver (first run: compiling Numba kernels, cached afterwards) ...") if not quiet else _null():
        prepared_s = solver.prepare(solver.resolve_params(params), instance)
    with Progress(
        TextColumn(f"[bold]{solver_name}[/] {instance.name}"),
        BarColumn(),
        TextColumn("{task.completed:>6.1f}/{task.total:g} s  best {task.fields[best]}  it {task.fields[it]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=quiet,
    ) as progress:
        task = progress.add_task("solve", total=time_limit, best="-", it=0)
        if nco is not None:
            from ..solvers.nco import warm_started

            res = warm_started(solver, instance, time_limit=time_limit, seed=seed, nco=nco, initial=initial,
                               max_iterations=max_iterations, progress=_progress_fn(progress, task, time_limit, bks),
                               **params)
        else:
            res = solver.solve(instance, time_limit=time_limit, seed=seed, max_iterations=max_iterations,
                               initial=initial, progress=_progress_fn(progress, task, time_limit, bks), **params)
    res.extra["compile_s"] = round(max(prepared_s, res.extra.get("compile_s", 0.0)), 4)
    return res


@contextmanager
def _null():
    yield


ROUTE_SUFFIXES = (".json", ".sol", ".png")


def _write_routes(path: Path, solution: RoutingSolution, fmt: RouteFormat | None) -> None:
    suffix = path.suffix.lower()
    fmt = fmt or (RouteFormat.sol if suffix == ".sol" else RouteFormat.png if suffix == ".png" else RouteFormat.json)
    if fmt is RouteFormat.png:
        if str(path) in ("-", "/dev/stdout"):
            raise NetoptError(f"--out {path}: a PNG plot cannot go to standard output; give a .png file")
        from ..plot import plot_routes

        plot_routes(solution, path)
    elif fmt is RouteFormat.sol:
        write_atomic(path, format_sol(solution))
    else:
        write_atomic(path, json.dumps({"instance": solution.instance.name, **solution.to_dict()}, indent=2) + "\n")


def register(app: typer.Typer) -> None:
    @app.command()
    @handle_errors
    def solve(
        instance: InstanceArg,
        solver: Annotated[str, typer.Option("--solver", "-s", help="Registered solver name (`netopt solvers`).")] = DEFAULT_SOLVER,
        time_limit: TimeOpt = 10.0,
        seed: SeedOpt = 0,
        max_iterations: Annotated[Optional[int], typer.Option("--max-iterations", min=1, help="Stop after this many solver iterations (count, optional).")] = None,
        param: ParamOpt = None,
        initial: Annotated[Optional[Path], typer.Option("--initial", help="Warm start from routes (route JSON, Result JSON or .sol; with several vehicle types each route's "
                                         "type comes from the file: .sol route k is vehicle k, route JSON's vehicle_type).")] = None,
        init: Annotated[Optional[str], typer.Option("--init", help="Warm start: `random` (the solver's own start) or `nco`: the learned policy's best solutions seed the solver; the policy gets at most 20 % of --time-limit, which its time counts against (tune it with -p nco.pomo=, nco.augment=, nco.samples=, nco.share=, nco.seeds=).")] = None,
        model: Annotated[Optional[Path], typer.Option("--model", help="Policy checkpoint for --init nco or --solver nco (default: the shipped one; `netopt nco train`).")] = None,
        out_path: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write the routes here: .json (route JSON, file node ids), .sol or .png (plot).")] = None,
        result_path: Annotated[Optional[Path], typer.Option("--result", help="Write the full Result JSON here.")] = None,
        rounding: RoundOpt = Rounding.auto,
        as_json: JsonOpt = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    ):
        """Solve a routing instance and print a summary (Ctrl-C stops early and keeps the best solution)."""
        if out_path is not None:
            check_writable(out_path, ROUTE_SUFFIXES)
        if result_path is not None:
            check_writable(result_path, (".json",))
        params = _parse_params(param)
        nco = {k[4:]: params.pop(k) for k in list(params) if k.startswith("nco.")}
        if init not in (None, "random", "nco"):
            raise SolverParameterError(f"--init {init!r} is not one of random, nco")
        init = None if init == "random" else init
        if init is not None and solver == "nco":
            raise SolverParameterError("--init nco seeds another solver with the policy's solutions; --solver nco is the policy alone")
        if nco and init is None:
            raise SolverParameterError(f"--param nco.{next(iter(nco))}: nco.* parameters go with --init nco")
        if model is not None:  # a missing file is reported when the policy loads, before the clock
            if solver == "nco":
                params["model"] = str(model)
            elif init == "nco":
                nco["model"] = str(model)
            else:
                raise SolverParameterError(f"--model goes with --solver nco or --init nco, not --solver {solver}")
        resolved = get_solver(solver).resolve_params(params)  # fail on bad names/params before loading anything else
        if init is not None:
            from ..solvers.nco import WARM_START_PARAMS

            WARM_START_PARAMS.resolve(nco)
        dense = None  # tsp-heatmap computes a coordinates TSP's distances from the points: no n x n matrix
        if solver == "tsp-heatmap" and init is None and resolved.heatmap != "policy":  # the policy reads the matrix
            dense = False
        inst = load_instance(instance, rounding=rounding.value, dense=dense)
        try:
            start = read_routes(initial, inst)[0] if initial else None
        except InvalidSolutionError as e:  # a warm start is input: bad ids are exit 2 here, exit 1 in validate
            raise SolutionFormatError(f"--initial {e}") from None
        bks = None
        if rounding == Rounding.auto and instance != Path("-"):  # the best-known values follow the files' conventions
            from ..datasets import best_known

            try:
                bks = best_known(instance)
            except (OSError, ValueError):  # a stray BKS file beside the instance is not the user's input
                bks = None
        res = run_solver(inst, solver, time_limit, seed, params, start, max_iterations, quiet, nco=nco if init else None,
                         bks=bks)
        if res.solution is not None and out_path is not None:
            sol = RoutingSolution.from_dict(inst, res.solution)
            _write_routes(out_path, sol, None)
        if result_path is not None:
            write_atomic(result_path, res.to_json() + "\n")
        if as_json:
            print_json(res.to_dict())
        else:
            _print_result(res)
        if res.status == "interrupted":
            err.print("interrupted: returned the best solution found so far")
            raise typer.Exit(130)
        if not res.feasible:
            raise typer.Exit(1)

    @app.command()
    @handle_errors
    def compare(
        instances: Annotated[list[Path], typer.Argument(help="One or more instance files.", show_default=False)],
        solvers: Annotated[str, typer.Option("--solvers", help="Comma-separated solver names.")] = DEFAULT_SOLVER + ",ortools",
        time_limit: TimeOpt = 10.0,
        seed: SeedOpt = 0,
        rounding: RoundOpt = Rounding.auto,
        as_json: JsonOpt = False,
    ):
        """Run solvers side by side with the same time limit; gap to the best-known solution where known."""
        from ..datasets import best_known

        names = list(dict.fromkeys(s.strip() for s in solvers.split(",") if s.strip()))
        for name in names:
            get_solver(name)
        rows, records, failed = [], [], 0
        for path in instances:
            try:
                inst = load_instance(path, rounding=rounding.value)
            except NetoptError as e:  # report it, keep the rows of the other files
                warn(f"skipped: {e}")
                failed += 1
                records.append({"instance": str(path), "solver": None, "status": "error", "message": str(e)})
                rows.append([str(path), "-", None, None, None, None, "error"])
                continue
            bks = best_known(path)
            for name in names:
                res = run_solver(inst, name, time_limit, seed, {}, bks=bks if rounding == Rounding.auto else None)
                gap = None if res.objective is None or not bks else 100.0 * (res.objective - bks) / bks
                records.append({"instance": inst.name, "solver": name, "objective": res.objective, "bks": bks,
                                "gap_percent": gap, "runtime_s": res.runtime_s, "status": res.status,
                                "routes": len(res.solution["routes"]) if res.solution else None})
                rows.append([inst.name, name, res.objective, bks, None if gap is None else f"{gap:.2f}%",
                             res.runtime_s, res.status])
        if as_json:
            print_json(records)
        else:
            out().print(table(None, ["instance", "solver", "objective", "BKS", "gap", "time (s)", "status"], rows))
        if failed:
            fail(f"{failed} of {len(instances)} instance file(s) could not be read (see the warnings above)", 2)

    @app.command()
    @handle_errors
    def info(instance: InstanceArg, rounding: RoundOpt = Rounding.auto, as_json: JsonOpt = False):
        """Describe an instance: its variant and features, size, capacity, fleet (vehicle types), time windows, rounding."""
        from ..datasets import best_known

        d = load_instance(instance, rounding=rounding.value).describe()
        d["best_known"] = best_known(instance)
        if as_json:
            print_json(d)
        else:
            out().print(table(d["name"], ["field", "value"], [[k, _cell(v)] for k, v in d.items()]))

    @app.command()
    @handle_errors
    def validate(
        instance: InstanceArg,
        routes: Annotated[Path, typer.Argument(help="Routes: route JSON, Result JSON or CVRPLIB .sol.", show_default=False)],
        rounding: RoundOpt = Rounding.auto,
        as_json: JsonOpt = False,
    ):
        """Check routes independently: each customer once, capacity, time windows, limits, cost.

        Exits 0 when feasible and the stated cost (if any) matches the recomputed one, else 1.
        """
        from ..validate import check_routes

        inst = load_instance(instance, rounding=rounding.value)
        sol, claimed = read_routes(routes, inst)
        rep = check_routes(inst, sol.routes, claimed, sol.vehicle_types)
        if as_json:
            print_json({"instance": inst.name, "feasible": rep.feasible, "cost": rep.cost, "claimed_cost": claimed,
                        "routes": rep.num_routes, "violations": rep.violations})
        else:
            verdict = "[green]valid[/]" if rep.feasible else "[red]INVALID[/]"
            out().print(f"{verdict}  {inst.name}: cost {rep.cost:,.10g} ({rep.num_routes} routes)"
                        + ("" if claimed is None else f", stated cost {claimed:,.10g}"))
            for v in rep.violations:
                out().print(f"  - {v}", markup=False)
        if not rep.feasible:
            raise typer.Exit(1)

    @app.command()
    @handle_errors
    def export(
        instance: InstanceArg,
        routes: Annotated[Path, typer.Argument(help="Routes: route JSON, Result JSON or CVRPLIB .sol.", show_default=False)],
        out_path: Annotated[Path, typer.Option("--out", "-o", help="Output file; .geojson or .html (offline map) draw the routes along the streets of an instance from `netopt road matrix`.", show_default=False)],
        fmt: Annotated[Optional[RouteFormat], typer.Option("--to", help="json (route JSON), sol (CVRPLIB) or png (plot); default from the --out suffix.")] = None,
        rounding: RoundOpt = Rounding.auto,
    ):
        """Convert routes between route JSON, CVRPLIB .sol and a PNG plot; draw them on real roads (.geojson, .html)."""
        from ..roads.export import MAP_SUFFIXES, export_map

        check_writable(out_path, None if fmt is not None else ROUTE_SUFFIXES + MAP_SUFFIXES)
        if fmt is None and out_path.suffix.lower() in MAP_SUFFIXES:
            err.print(export_map(instance, routes, out_path), highlight=False)
            return
        inst = load_instance(instance, rounding=rounding.value)
        sol, _ = read_routes(routes, inst)
        _write_routes(out_path, sol, fmt)
        err.print(f"wrote {out_path} ({sol.num_routes} routes, cost {sol.cost:,.10g})", highlight=False)

    @app.command("solvers")
    @handle_errors
    def list_solvers(
        names: Annotated[Optional[list[str]], typer.Argument(help="Solvers to list (default: every one).", show_default=False)] = None,
        compile_: Annotated[bool, typer.Option("--compile", help="Compile the listed solvers' Numba kernels into the cache first (minutes once after an install or upgrade; then a solve's first seconds are its own).")] = False,
        as_json: JsonOpt = False,
    ):
        """List registered solvers and their parameters (set with --param KEY=VALUE)."""
        solvers = available_solvers()
        for name in names or ():
            get_solver(name)  # an unknown name: one line, exit 2
        chosen = {k: v for k, v in solvers.items() if not names or k in names}
        if compile_:
            for name, cls in chosen.items():
                with err.status(f"compiling {name}"):
                    secs = cls().prepare()
                err.print(f"{name}: ready ({secs:.1f} s)", highlight=False)
        items = []
        for name, cls in chosen.items():
            items.append({"name": name, "problem": cls.problem, "description": cls.description,
                          "features": sorted(cls.features), "params": cls.params.describe()})
        from ..solvers.nco import WARM_START_PARAMS

        if not names:
            items.append({"name": "--init nco", "problem": "routing",
                          "description": "the learned policy's solutions seed the chosen solver (-p nco.KEY=VALUE)",
                          "features": [], "params": WARM_START_PARAMS.describe()})
        if as_json:
            print_json(items)
            return
        rows = [[i["name"], i["problem"] + "".join(f"\n+ {f}" for f in i["features"]), i["description"],
                 "\n".join(f"{k}={v['default']}: {v['help']} (valid: {v['valid']})" for k, v in i["params"].items())]
                for i in items]
        out().print(table(None, ["name", "problem", "description", "params (default)"], rows))

    @app.command()
    @handle_errors
    def generate(
        out_path: Annotated[Path, typer.Option("--out", "-o", help="Output .vrp (VRPLIB) or .json (netopt instance JSON).", show_default=False)],
        n: Annotated[int, typer.Option("--customers", "-n", min=1, help="Number of customers.")] = 100,
        seed: SeedOpt = 0,
        depot: Annotated[str, typer.Option(help="Depot position: central, eccentric or random.")] = "random",
        layout: Annotated[str, typer.Option("--layout", help="Customer layout: random, clustered or mixed.")] = "random",
        demand: Annotated[str, typer.Option(help="Demands: unitary, small, large, quadrant or uniform (1-100 units).")] = "uniform",
        route_size: Annotated[float, typer.Option(help="Average customers per route (sets the capacity).")] = 8.0,
    ):
        """Write a seeded X-style CVRP instance (Uchoa et al. 2017 recipe)."""
        from ..datasets import generate_cvrp

        check_writable(out_path, (".vrp", ".json"))
        try:
            inst = generate_cvrp(n, seed=seed, depot=depot, customers=layout, demand=demand,
                                 route_size=route_size, name=out_path.stem)
        except ValueError as e:
            raise NetoptError(str(e)) from None
        write_atomic(out_path, instance_to_json(inst) if out_path.suffix == ".json" else format_vrplib(inst))
        err.print(f"wrote {out_path}: {n} customers, capacity {inst.capacity}, seed {seed}")


def _cell(v):
    """A table cell: lists one item a line, vehicle types as 'count x capacity C at depot D, costs'."""
    if not isinstance(v, list):
        return v
    lines = []
    for item in v:
        if isinstance(item, dict) and "capacity" in item:
            costs = "".join(f", {k.replace('_', ' ')} {item[k]:,.10g}" for k in ("fixed_cost", "unit_distance_cost")
                            if item.get(k) not in (None, 0.0 if k == "fixed_cost" else 1.0))
            lines.append(f"{item['name']}: {item['count']} x capacity {item['capacity']} at depot {item['depot']}{costs}")
        else:
            lines.append(str(item))
    return "\n".join(lines)


def _print_result(res: Result) -> None:
    rows = [["instance", res.instance], ["solver", res.solver], ["status", res.status],
            ["objective", res.objective], ["routes", len(res.solution["routes"]) if res.solution else None],
            ["time (s)", res.runtime_s], ["iterations", res.iterations], ["seed", res.seed]]
    if res.message:
        rows.append(["message", res.message])
    out().print(table(None, ["field", "value"], rows))
