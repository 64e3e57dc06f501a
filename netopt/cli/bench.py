"""``netopt bench``: run solvers over instance sets on Dask (local or remote), tables and plots.

Mounted by ``netopt.cli`` as ``app.add_typer(bench.app, name="bench")``.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ._output import err, handle_errors, out, print_json, table

app = typer.Typer(
    help="Benchmark solvers over instance sets (Dask: local processes or a cluster); tables and plots.",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class PlotFormat(str, Enum):
    png = "png"
    svg = "svg"


def _print_summary(rows: list[dict], as_json: bool, title: str) -> None:
    from ..bench.table import SUMMARY_COLUMNS, summarize, summary_rows

    summary = summarize(rows)
    if as_json:
        print_json(summary)
    else:
        t = table(title, SUMMARY_COLUMNS, summary_rows(summary))
        t.columns[0].min_width = max([len(str(s["solver"])) for s in summary] + [6])  # labels are never cut
        out().print(t)


@app.command("run")
@handle_errors
def run(
    instances: Annotated[list[str], typer.Argument(
        help="Suite name (x-small, x, solomon, tsplib; PyVRP's hfvrp, mdvrptw, pcvrptw, vrpb, mtvrptwr, sdvrptw, gh1000, xxl: see `netopt bench suites`), glob, file or folder; several allowed, comma lists too.",
        show_default=False)],
    solvers: Annotated[str, typer.Option("--solvers", "-s", help="Comma-separated solvers, each NAME or NAME:KEY=VALUE[:KEY=VALUE] (e.g. hgs,ortools:first_solution=SAVINGS).")] = "ortools",
    time_limit: Annotated[float, typer.Option("--time-limit", "-t", min=0.001, help="Wall-clock limit per run, in seconds.")] = 10.0,
    seeds: Annotated[str, typer.Option("--seeds", help="Seeds: a range 0..4, a list 0,2,5, or both (0..2,7).")] = "0",
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", min=1, help="Local worker processes, one run each at a time.", show_default="one per core")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Address of a running Dask scheduler (tcp://host:8786); its workers need netopt and the instance files at the same paths.")] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for runs/*.json, results.csv (and .parquet with pyarrow).")] = Path("results"),
    retries: Annotated[int, typer.Option("--retries", min=0, help="Times Dask reruns a task whose worker died.")] = 2,
    retry_errors: Annotated[bool, typer.Option("--retry-errors", help="Also redo finished runs whose status is error.")] = False,
    warmup: Annotated[bool, typer.Option("--warmup/--no-warmup", help="Solve a tiny instance with each solver on every worker first, so imports and JIT compilation are not timed.")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the per-solver summary as JSON instead of a table.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
):
    """Run every (instance, solver, seed) not yet in --out; print their summary (gap to BKS, time, feasible share).

    One Result JSON per run is written as it completes, so rerunning the same command resumes an interrupted benchmark.
    """
    from ..bench import parse_seeds, parse_solvers, resolve_instances, run_benchmark

    if workers is not None and scheduler:
        err.print("[yellow]warning:[/] --workers is ignored with --scheduler")
    specs = parse_solvers(solvers)
    seed_list = parse_seeds(seeds)
    files = resolve_instances(instances)
    total = len(files) * len(specs) * len(seed_list)
    progress = Progress(
        TextColumn("[bold]bench[/]"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
        TextColumn("{task.fields[last]}"), console=err, transient=False, disable=quiet,
    )
    task = progress.add_task("runs", total=total, last="")

    def on_start(todo: int, skipped: int) -> None:
        where = scheduler or f"{workers or 'one per core'} local workers"
        err.print(f"{len(files)} instances x {len(specs)} solvers x {len(seed_list)} seeds = {total} runs; "
                  f"{skipped} already done, {todo} to run on {where}", highlight=False, soft_wrap=True)
        progress.update(task, completed=skipped)

    def on_done(run, d: dict) -> None:
        obj = d.get("objective")
        status = d.get("status")
        desc = f"{run.instance.stem} {run.solver.label} s{run.seed}: {status}" + (f" {obj:,.6g}" if obj is not None else "")
        if status == "error":
            err.print(f"[red]error[/] {run.instance.stem} {run.solver.label} seed {run.seed}: {d.get('message', '')}",
                      markup=True, highlight=False, soft_wrap=True)
        progress.update(task, advance=1, last=desc)

    with progress:
        res = run_benchmark(files, specs, seed_list, time_limit, out_dir, workers=workers, scheduler=scheduler,
                            retries=retries, retry_errors=retry_errors, warmup=warmup,
                            log=lambda m: progress.console.print(m, highlight=False), on_start=on_start, on_done=on_done)
    err.print(f"ran {len(res.executed)} ({res.errors} errors), skipped {res.skipped}; table: "
              + ", ".join(str(p) for p in res.tables), highlight=False, soft_wrap=True)
    _print_summary(res.planned_rows, as_json, f"{out_dir}: {time_limit:g} s per run")


@app.command("report")
@handle_errors
def report(
    results: Annotated[Path, typer.Argument(help="A benchmark folder written by `netopt bench run --out`.", show_default=False)],
    plots: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for the plots.", show_default="RESULTS/plots")] = None,
    fmt: Annotated[PlotFormat, typer.Option("--format", "-f", help="Image format.")] = PlotFormat.png,
    as_json: Annotated[bool, typer.Option("--json", help="Print the per-solver summary as JSON instead of a table.")] = False,
):
    """Plot a benchmark folder (performance profile, gap vs time, per-instance gaps, convergence) and print its summary."""
    from ..bench import BenchError, write_table
    from ..bench.report import make_report

    if not (results / "runs").is_dir():
        raise BenchError(f"{results}: not a benchmark folder (no runs/ inside)")
    rows, _ = write_table(results)
    if not rows:
        raise BenchError(f"{results}: no results in runs/")
    files = make_report(results, plots, fmt.value)
    err.print(f"{len(files)} plots in {plots or results / 'plots'}", highlight=False, soft_wrap=True)
    _print_summary(rows, as_json, f"{results}")


@app.command("suites")
@handle_errors
def suites(as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False):
    """List the named instance suites and how many files each finds."""
    from ..bench import SUITES, BenchError, resolve_instances

    rows = []
    for name, (folder, pattern, _, desc) in SUITES.items():
        try:
            n = len(resolve_instances(name))
        except BenchError:
            n = 0
        rows.append({"name": name, "files": n, "folder": folder, "description": desc})
    if as_json:
        print_json(rows)
    else:
        out().print(table(None, ["name", "files", "folder", "description"], [list(r.values()) for r in rows]))
