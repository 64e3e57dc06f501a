"""``netopt gnn``: training data, training and inspection of the GNN flow surrogate.

torch is imported only inside the commands (through :mod:`netopt._torch`), so ``netopt --help``
stays fast and works without the ``gnn`` extra; a missing torch is a one-line error (exit 4).
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ..exceptions import NetoptError
from ..io import check_writable, write_atomic
from ._output import err, handle_errors, out, print_json, table
from .traffic import Centroids

app = typer.Typer(help="GNN surrogate of user-equilibrium link flows (needs the gnn extra: torch).",
                  no_args_is_help=True)


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


@app.command()
@handle_errors
def generate(
    network: Annotated[Path, typer.Argument(help="TNTP network folder or _net.tntp file, or a Rey DNDP file (candidate links get opened/closed).", show_default=False)],
    samples: Annotated[int, typer.Option("--samples", "-n", min=3, help="Number of equilibria to solve (count).")] = 1000,
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Dataset file to write (torch-saved dict of tensors + manifest).")] = Path("data.pt"),
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="Processes solving equilibria in parallel.")] = 1,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (the data do not depend on --workers).")] = 0,
    trips: Annotated[Optional[Path], typer.Option("--trips", help="_trips.tntp when not beside the network.")] = None,
    gap: Annotated[float, typer.Option("--gap", min=1e-12, max=1e-3, help="Relative UE gap of each solve (dimensionless).")] = 1e-6,
    demand_noise: Annotated[float, typer.Option("--demand-noise", min=0.0, max=0.9, help="OD entries scaled by U(1-x, 1+x) (share).")] = 0.2,
    base_demand_share: Annotated[float, typer.Option("--base-demand-share", min=0.0, max=1.0, help="Share of samples keeping the base demand.")] = 0.3,
    max_lane_share: Annotated[float, typer.Option("--max-lane-share", min=0.0, max=1.0, help="Each sample adds a lane to a random share U(0, x) of the links.")] = 0.5,
    lane_factor: Annotated[float, typer.Option("--lane-factor", min=1.0, help="Capacity multiplier of an added lane (1.5 = 2 -> 3 lanes).")] = 1.5,
    design_share: Annotated[float, typer.Option("--design-share", min=0.0, max=1.0, help="Share of samples that are budget-feasible lane-addition designs at the base demand (as the GA draws them).")] = 0.0,
    design_budget: Annotated[float, typer.Option("--design-budget", min=0.05, max=1.0, help="Those designs use a budget share U(0.05, x) of the cost of a lane everywhere.")] = 0.5,
    candidate_slots: Annotated[int, typer.Option("--candidate-slots", min=0, max=1000, help="Train for any candidate set: each sample adds new two-way roads (up to this many links, two per road) between node pairs not yet linked; the model then scores every DNDP instance on this network with at most this many candidate links. 0 = off.")] = 0,
    centroids: Annotated[Centroids, typer.Option("--centroids", help="pass = routes may pass through zone centroids (the design problems' default, as Madadi & Correia); block = the file's FIRST THRU NODE. A model serves design problems with the same setting.")] = Centroids.pass_,
    exclude_pairs_of: Annotated[Optional[list[Path]], typer.Option("--exclude-pairs-of", help="With --candidate-slots: never draw a new road between the node pairs of this DNDP file's candidate links, or of every .txt DNDP file in this folder (repeatable), so that those instances stay unseen.")] = None,
    swap_lanes: Annotated[Optional[list[int]], typer.Option("--swap-lanes", min=2, help="Train for the lane-swap problems (`ndp solve --kind swap`) of this network: every sample is a swap design over all its two-way roads, with this many lanes per link (count; repeatable, one drawn per sample: 2 and 4 are the paper's capacity steps 0.5 and 0.25), on the swap instance's demand (--instance-seed, --instance-noise). The model then serves every --share and --lanes.")] = None,
    instance_seed: Annotated[int, typer.Option("--instance-seed", min=0, help="With --swap-lanes: the swap instance's seed, as `ndp solve --instance-seed` (10 = the paper's).")] = 10,
    instance_noise: Annotated[float, typer.Option("--instance-noise", min=0.0, max=10.0, help="With --swap-lanes: the swap instance's demand noise, as `ndp solve --demand-noise` (standard deviation, share of each OD entry; paper 0.2).")] = 0.2,
):
    """Solve perturbed equilibria (demand, lanes, open candidates) as training data."""
    from ..gnn import data as D
    from .._torch import require_torch

    require_torch()
    check_writable(out_path, (".pt",), stream=False)
    if exclude_pairs_of and not candidate_slots:
        raise NetoptError("--exclude-pairs-of goes with --candidate-slots")
    if swap_lanes and (candidate_slots or design_share):
        raise NetoptError("--swap-lanes draws swap designs; it does not go with --candidate-slots or --design-share")
    base = D.load_base(network, trips, centroids.value)
    if swap_lanes:
        if base.kind != "network":
            raise NetoptError(f"{network}: --swap-lanes needs a plain network (a TNTP folder or _net.tntp), not a DNDP file")
        base = D.swap_base(base.network, instance_seed, instance_noise, centroids.value)
    if candidate_slots:
        if base.kind != "network":
            raise NetoptError(f"{network}: --candidate-slots needs the plain network (the candidate links are drawn per sample)")
        files = [g for f in exclude_pairs_of or () for g in (sorted(f.glob("*.txt")) if f.is_dir() else [f])]
        base = D.any_candidates(base.network, [pair for f in files for pair in D.candidate_pairs(f)])
    settings = D.Settings(demand_noise=demand_noise, base_demand_share=base_demand_share, max_lane_share=max_lane_share,
                          lane_factor=lane_factor, design_share=design_share, design_budget=design_budget, gap=gap,
                          candidate_slots=candidate_slots, swap_lanes=tuple(sorted(set(swap_lanes or ()))))
    progress = Progress(TextColumn(f"[bold]UE samples[/] {base.network.name}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal)
    task = progress.add_task("gen", total=samples)
    with progress:
        ds = D.generate(base, samples, seed=seed, workers=workers, settings=settings,
                        progress=lambda done, total: progress.update(task, completed=done))
    D.save(ds, out_path)
    m = ds["manifest"]
    out().print(table(None, ["field", "value"], [
        ["network", f"{m['network']} ({m['num_nodes']} nodes, {m['num_links']} links, kind {m['kind']})"],
        ["network sha256", m["network_sha256"][:16]], ["samples", m["samples"]],
        *([["candidate slots", f"{m['slots']} (pairs to draw from: {m['candidate_pool']}, excluded: {len(m['excluded_pairs'])})"]]
          if m["slots"] else []),
        *([["swap designs", f"lanes {', '.join(map(str, m['settings']['swap_lanes']))}; instance seed "
            f"{m['swap']['instance_seed']}, demand noise {m['swap']['demand_noise']:g}; {m['swap']['two_way_roads']} two-way roads"]]
          if m["swap"] else []),
        ["largest relative gap", f"{m['solver']['max_gap_reached']:.2e}"], ["time (s)", m["generation_time_s"]],
        ["written", str(out_path)]]))


@app.command()
@handle_errors
def train(
    data: Annotated[Path, typer.Argument(help="Dataset from `netopt gnn generate`.", show_default=False)],
    out_path: Annotated[Path, typer.Option("--out", "-o", help="Checkpoint to write (loads with torch.load(weights_only=True)).")] = Path("model.pt"),
    epochs: Annotated[int, typer.Option("--epochs", "-e", min=1, help="Most epochs (early stopping may end sooner).")] = 200,
    device: Annotated[Device, typer.Option("--device", help="auto = CUDA when available, else CPU.")] = Device.auto,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Samples per step.")] = 128,
    lr: Annotated[float, typer.Option("--lr", min=1e-7, help="Adam learning rate.")] = 3e-3,
    hidden: Annotated[int, typer.Option("--hidden", min=4, help="Width of node and link states.")] = 48,
    layers: Annotated[int, typer.Option("--layers", min=1, help="Message-passing blocks.")] = 4,
    tstt_weight: Annotated[float, typer.Option("--tstt-weight", min=0.0, help="Weight of the squared relative TSTT error in the loss.")] = 30.0,
    patience: Annotated[int, typer.Option("--patience", min=1, help="Early stopping: epochs without a better validation loss.")] = 30,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the split, initialisation and batches.")] = 0,
    time_limit: Annotated[Optional[float], typer.Option("--time-limit", "-t", min=1.0, help="Stop training after this many seconds.")] = None,
    threads: Annotated[Optional[int], typer.Option("--threads", min=1, help="torch CPU threads (default: torch's choice).")] = None,
    no_amp: Annotated[bool, typer.Option("--no-amp", help="Disable bf16 autocast on CUDA.")] = False,
    metrics_path: Annotated[Optional[Path], typer.Option("--metrics", help="Metrics JSON (default: beside --out, .json).")] = None,
    plot_path: Annotated[Optional[Path], typer.Option("--plot", help="Learning-curve PNG (default: beside --out, .png).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics JSON on stdout.")] = False,
):
    """Train the flow surrogate; writes the checkpoint, metrics JSON and a learning-curve PNG."""
    from .._torch import require_torch, set_threads
    from ..gnn import data as D
    from ..gnn.models import save_checkpoint
    from ..gnn.train import plot_learning_curve
    from ..gnn.train import train as fit

    require_torch()
    metrics_path = metrics_path or out_path.with_suffix(".json")
    plot_path = plot_path or out_path.with_suffix(".png")
    for p, ok in ((out_path, (".pt",)), (metrics_path, (".json",)), (plot_path, (".png",))):
        check_writable(p, ok, stream=p is metrics_path)
    set_threads(threads)
    ds = D.load(data)
    progress = Progress(TextColumn(f"[bold]train[/] {ds['manifest']['network']}"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("loss {task.fields[tl]} val {task.fields[vl]} TSTT err {task.fields[te]}"),
                        TimeElapsedColumn(), console=err, transient=True, disable=not err.is_terminal)
    task = progress.add_task("train", total=epochs, tl="-", vl="-", te="-")

    def update(ep, total, tl, vl, te):
        progress.update(task, completed=ep, tl=f"{tl:.3e}", vl=f"{vl:.3e}", te=f"{te:.3f}%")

    with progress:
        model, report = fit(ds, epochs=epochs, batch_size=batch_size, lr=lr, hidden=hidden, layers=layers,
                            tstt_weight=tstt_weight, device=device.value, amp=not no_amp, seed=seed, patience=patience,
                            time_limit=time_limit, progress=update)
    report["data"] = {"file": str(data), "samples": ds["manifest"]["samples"],
                      "generation_time_s": ds["manifest"]["generation_time_s"]}
    save_checkpoint(out_path, model, ds["manifest"], report["metrics"],
                    {k: report[k] for k in ("settings", "best_epoch", "epochs_run", "train_time_s", "device", "amp", "parameters")})
    write_atomic(metrics_path, json.dumps(report, indent=1) + "\n")
    plot_learning_curve(report, plot_path)
    if as_json:
        print_json(report)
        return
    rows = []
    for split in ("validation", "test"):
        m = report["metrics"][split]
        rows.append([split, m["samples"], f"{m['flow_mae']:.1f}", f"{m['flow_r2']:.5f}", f"{m['tstt_error_pct_mean']:.3f}",
                     f"{m['tstt_error_pct_max']:.3f}"])
    out().print(table(f"{report['network']}: {report['epochs_run']} epochs (best {report['best_epoch']}), "
                      f"{report['train_time_s']:.0f} s on {report['device']}",
                      ["split", "samples", "flow MAE", "flow R2", "TSTT err % (mean)", "TSTT err % (max)"], rows))
    err.print(f"wrote {out_path}, {metrics_path}, {plot_path}")


@app.command()
@handle_errors
def info(
    model: Annotated[Path, typer.Argument(help="Checkpoint from `netopt gnn train`.", show_default=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the checkpoint's metadata as JSON.")] = False,
):
    """Show what a checkpoint was trained on and how well it did."""
    from ..gnn.models import read_checkpoint

    ck = read_checkpoint(model)
    meta = {k: ck[k] for k in ("format", "network", "data", "metrics", "train", "versions")}
    meta["config"] = {k: v for k, v in ck["config"].items() if k != "graph"}
    if as_json:
        print_json(meta)
        return
    t = ck["metrics"].get("test", {})
    swap = ck["data"].get("settings", {}).get("swap_lanes")
    out().print(table(None, ["field", "value"], [
        ["network", f"{ck['network']['name']} ({ck['network']['num_links']} links)"],
        ["network sha256", ck["network"]["sha256"][:16]],
        *([["candidate slots", f"{ck['network']['slots']} (any candidate set; node pairs never drawn in training: "
                               f"{len(ck['network'].get('excluded_pairs', []))})"]] if ck["network"].get("slots") else []),
        *([["designs", f"lane swap, lanes {', '.join(map(str, swap))} (the swap instance's demand)"]] if swap else []),
        ["model", f"{meta['config']['layers']} blocks x {meta['config']['hidden']}, {ck['train'].get('parameters')} parameters"],
        ["training samples", ck["data"].get("samples")],
        ["test TSTT error % (mean)", t.get("tstt_error_pct_mean")], ["test flow R2", t.get("flow_r2")]]))


if __name__ == "__main__":  # python -m netopt.cli.gnn (before it is mounted as `netopt gnn`)
    app()
