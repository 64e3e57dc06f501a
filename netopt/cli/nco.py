"""``netopt nco``: train and inspect the learned construction policy (needs torch: the gnn extra).

The policy is used by ``netopt solve --solver nco`` and ``netopt solve --solver hgs --init nco``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..io import check_writable, write_atomic
from ._output import err, handle_errors, out, print_json, table
from .gnn import Device

app = typer.Typer(help="Learned route-construction policy (attention, POMO/REINFORCE; needs torch).",
                  no_args_is_help=True)


def _sizes(text: str) -> tuple[int, ...]:
    from ..exceptions import NetoptError

    try:
        return tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise NetoptError(f"--curriculum: expected comma-separated sizes like 20,50, got {text!r}") from None


@app.command()
@handle_errors
def train(
    problem: Annotated[str, typer.Option("--problem", help="cvrp or tsp.")] = "cvrp",
    size: Annotated[int, typer.Option("--size", min=2, help="Target number of customers (validation size, last curriculum stage).")] = 100,
    curriculum: Annotated[str, typer.Option("--curriculum", help="Smaller sizes trained first, comma-separated (e.g. 20,50); epochs are split evenly over the stages.")] = "",
    epochs: Annotated[int, typer.Option("--epochs", "-e", min=1, help="Epochs (each ends with a greedy validation).")] = 10,
    steps: Annotated[int, typer.Option("--steps-per-epoch", min=1, help="Gradient steps per epoch.")] = 100,
    batch: Annotated[int, typer.Option("--batch", min=1, help="Instances per step at the target size (more at smaller sizes).")] = 32,
    pomo: Annotated[int, typer.Option("--pomo", min=1, help="Rollouts per instance, each from a different first customer (at most n).")] = 100,
    lr: Annotated[float, typer.Option("--lr", min=1e-7, help="Adam learning rate.")] = 3e-4,
    dim: Annotated[int, typer.Option("--dim", min=8, help="Embedding width.")] = 64,
    heads: Annotated[int, typer.Option("--heads", min=1, help="Attention heads (must divide --dim).")] = 4,
    layers: Annotated[int, typer.Option("--layers", min=1, help="Encoder layers.")] = 3,
    x_share: Annotated[float, typer.Option("--x-share", min=0.0, max=1.0, help="Share of X-style instances (clustered, varied demands/route sizes); the rest uniform.")] = 0.5,
    asym_share: Annotated[float, typer.Option("--asym-share", min=0.0, max=1.0, help="Share of instances with asymmetric distance + duration matrices.")] = 0.25,
    val_instances: Annotated[int, typer.Option("--val-instances", min=1, help="Seeded validation instances at the target size.")] = 32,
    device: Annotated[Device, typer.Option("--device", help="auto = CUDA when available (bf16 autocast), else CPU.")] = Device.auto,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the initialisation, training and validation instances.")] = 0,
    init_from: Annotated[Optional[Path], typer.Option("--init-from", help="Continue training this checkpoint (its architecture replaces --dim/--heads/--layers).")] = None,
    max_minutes: Annotated[float, typer.Option("--max-minutes", min=0.0, help="Stop after this many minutes (0 = no limit); the best epoch so far is kept.")] = 0.0,
    threads: Annotated[Optional[int], typer.Option("--threads", min=1, help="torch CPU threads (default: torch's choice).")] = None,
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Checkpoint to write (loads with torch.load(weights_only=True)).")] = Path("nco.pt"),
    metrics_path: Annotated[Optional[Path], typer.Option("--metrics", help="Metrics JSON (default: beside --out, .json).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics JSON on stdout.")] = False,
):
    """Train the policy with POMO/REINFORCE on seeded random instances; keeps the best validation epoch."""
    from .._torch import require_torch, set_threads
    from ..exceptions import NetoptError

    require_torch()
    from ..solvers.nco.train import TrainConfig
    from ..solvers.nco.train import train as fit

    if problem not in ("cvrp", "tsp"):
        raise NetoptError(f"--problem: expected cvrp or tsp, got {problem!r}")
    if dim % heads:
        raise NetoptError(f"--heads {heads} must divide --dim {dim}")
    metrics_path = metrics_path or out_path.with_suffix(".json")
    for p, ok in ((out_path, (".pt",)), (metrics_path, (".json",))):
        check_writable(p, ok, stream=p is metrics_path)
    set_threads(threads)
    cfg = TrainConfig(problem=problem, size=size, curriculum=_sizes(curriculum), epochs=epochs, steps_per_epoch=steps,
                      batch=batch, pomo=pomo, lr=lr, seed=seed, device=device.value, dim=dim, heads=heads,
                      layers=layers, ff=4 * dim, val_instances=val_instances, x_share=x_share, asym_share=asym_share,
                      max_minutes=max_minutes, init_from=str(init_from) if init_from else "")
    progress = Progress(TextColumn(f"[bold]train[/] {problem} n={size}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("size {task.fields[n]} train {task.fields[tl]} val {task.fields[vl]}"),
                        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)
    task = progress.add_task("train", total=epochs * steps, n="-", tl="-", vl="-")

    def update(row: dict) -> None:
        if "val_length" in row:
            progress.update(task, vl=f"{row['val_length']:.4f}")
            err.print(json.dumps(row))
        else:
            progress.update(task, completed=row["epoch"] * steps + row["step"], n=row["size"],
                            tl=f"{row['train_length']:.4f}")

    with progress:
        report = fit(cfg, out_path, progress=update)
    report["config"] = {k: v for k, v in cfg.__dict__.items()}
    write_atomic(metrics_path, json.dumps(report, indent=1) + "\n")
    if as_json:
        print_json(report)
        return
    out().print(table(f"{problem}: {len(report['history'])} epochs, {report['instances_seen']:,} instances, "
                      f"{report['train_seconds']:.0f} s on {report['device']}",
                      ["epoch", "size", "train length", "val length (greedy, all starts)"],
                      [[r["epoch"], r["size"], r["train_length"], r["val_length"]] for r in report["history"]]))
    err.print(f"wrote {out_path}, {metrics_path}")


@app.command()
@handle_errors
def info(
    model: Annotated[Optional[Path], typer.Argument(help="Checkpoint (default: the shipped CVRP policy).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the checkpoint's metadata as JSON.")] = False,
):
    """Show a policy checkpoint's architecture and how it was trained."""
    from .._torch import load_torch, require_torch
    from ..solvers.nco import default_model

    require_torch()
    path = model or default_model("cvrp")
    ck = load_torch(path, "checkpoint", "netopt-nco-policy")
    meta = {"file": str(path), "config": ck["config"], **ck.get("meta", {})}
    if as_json:
        print_json(meta)
        return
    tc = meta.get("train_config", {})
    out().print(table(None, ["field", "value"], [
        ["file", str(path)], ["problem", ck["config"]["problem"]],
        ["model", f"{ck['config']['layers']} layers x {ck['config']['dim']} ({ck['config']['heads']} heads)"],
        ["trained sizes", ",".join(map(str, tc.get("sizes", [])))],
        ["instances seen", meta.get("instances_seen")], ["train seconds", meta.get("train_seconds")],
        ["device", meta.get("device")], ["best val length", meta.get("best_val_length")]]))
