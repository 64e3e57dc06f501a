"""Training loop of the flow surrogate: split, normalise, fit, early-stop, measure.

Loss = MSE of normalised link flows (``(flow - flow_mean) / flow_scale``) + ``tstt_weight`` x squared relative
TSTT error (TSTT computed from the predicted flows with the BPR costs, as the design fitness
does). Adam with weight decay, learning rate halved when the validation loss stalls, early stopping
on the validation loss (the best weights are kept). CUDA when present (``device="auto"``), bf16
autocast on CUDA (``amp``); CPU otherwise.

Metrics on held-out samples (validation and test splits): MAE and RMSE of link flows, R2 over
all (sample, link) pairs, and the TSTT error in % (mean absolute, 95th percentile, max).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from ..exceptions import NetoptError
from .models import build_model, model_config


def split(n: int, seed: int, val_share: float, test_share: float):
    """``(train, val, test)`` index arrays from a seeded permutation (at least one sample each)."""
    if n < 3:
        raise NetoptError(f"need at least 3 samples to split into train/validation/test, got {n}")
    perm = np.random.default_rng(seed).permutation(n)
    n_test = max(1, int(round(test_share * n)))
    n_val = max(1, int(round(val_share * n)))
    return perm[n_test + n_val:], perm[n_test:n_test + n_val], perm[:n_test]


def numpy_tstt(flow: np.ndarray, capacity: np.ndarray, graph: dict) -> np.ndarray:
    """TSTT of flows (k, E) at capacities (k, E), in float64."""
    g = {k: np.asarray(v, np.float64) for k, v in graph.items()}
    t = g["fftt"] * (1.0 + g["b"] * np.maximum(flow / capacity, 0.0) ** g["power"]) + g["fixed_cost"]
    return (flow * t).sum(-1)


def predict(model, od, capacity, is_open, ends=None, cand_fftt=None, batch_size: int = 1024):
    """Predicted flows (k, E) as float64 NumPy, in batches, without gradients (``ends`` and
    ``cand_fftt``: the candidate slots of a model for any candidate set)."""
    import torch

    dev = next(model.parameters()).device
    out = []
    with torch.inference_mode():
        for i in range(0, len(capacity), batch_size):
            sl = slice(i, i + batch_size)
            extra = () if ends is None else (ends[sl].to(dev), cand_fftt[sl].to(dev))
            out.append(model.flows(od[sl].to(dev), capacity[sl].to(dev), is_open[sl].to(dev), *extra).double().cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, capacity.shape[1]))


def link_costs(config: dict, cand_fftt=None) -> dict:
    """BPR arrays of a model's links for :func:`numpy_tstt`; with candidate slots, per sample
    (k, E + K) from the slots' free-flow times (``cand_fftt`` (k, K))."""
    g = {k: np.asarray(config["graph"][k], np.float64) for k in ("fftt", "b", "power", "fixed_cost")}
    if cand_fftt is None:
        return g
    c = np.asarray(cand_fftt, np.float64)
    k = len(c)
    b, power = config["candidate_bpr"]
    return {"fftt": np.c_[np.broadcast_to(g["fftt"], (k, g["fftt"].size)), c],
            "b": np.r_[g["b"], np.full(c.shape[1], b)], "power": np.r_[g["power"], np.full(c.shape[1], power)],
            "fixed_cost": np.r_[g["fixed_cost"], np.zeros(c.shape[1])]}


def flow_metrics(model, data: dict, idx) -> dict:
    """MAE / RMSE / R2 of link flows and TSTT error % on the samples ``idx``."""
    import torch

    idx = torch.as_tensor(np.asarray(idx), dtype=torch.long)
    slots = (data["ends"][idx], data["cand_fftt"][idx]) if "ends" in data else (None, None)
    pred = predict(model, data["od"][idx], data["capacity"][idx], data["open"][idx], *slots)
    true = data["flow"][idx].double().numpy()
    cap = data["capacity"][idx].double().numpy()
    t_pred = numpy_tstt(pred, cap, link_costs(model.config, None if slots[1] is None else slots[1].numpy()))
    t_true = data["tstt"][idx].numpy()
    err = np.abs(t_pred - t_true) / t_true * 100
    base_od = data["graph"]["od"].double().numpy()
    base = np.all(np.abs(data["od"][idx].double().numpy() - base_od) <= 1e-4 * np.abs(base_od) + 1e-3, axis=(1, 2))
    res = pred - true
    ss_tot = float(((true - true.mean()) ** 2).sum())
    return {"samples": int(len(idx)), "flow_mae": float(np.abs(res).mean()), "flow_rmse": float(np.sqrt((res**2).mean())),
            "flow_r2": 1.0 - float((res**2).sum()) / ss_tot if ss_tot > 0 else float("nan"),
            "mean_flow": float(true.mean()),
            "tstt_error_pct_mean": float(err.mean()), "tstt_error_pct_p95": float(np.percentile(err, 95)),
            "tstt_error_pct_max": float(err.max()), "tstt_bias_pct": float(((t_pred - t_true) / t_true).mean() * 100),
            # samples with the unperturbed base demand: the setting the design searches score designs in
            "base_demand_samples": int(base.sum()),
            "tstt_error_pct_mean_base_demand": float(err[base].mean()) if base.any() else None}


def train(data: dict, *, epochs: int = 200, batch_size: int = 128, lr: float = 3e-3, weight_decay: float = 1e-5,
          hidden: int = 48, layers: int = 4, identity: bool = True, tstt_weight: float = 30.0, device: str = "auto",
          amp: bool = True, seed: int = 0, patience: int = 30, val_share: float = 0.1, test_share: float = 0.1,
          time_limit: float | None = None, progress=None):
    """Fit a :class:`FlowGNN` on a dataset from :func:`netopt.gnn.data.generate`.

    Returns ``(model, report)``; ``report`` has ``metrics`` (validation and test), ``history``
    (per epoch: train loss, validation loss, validation TSTT error %), timings and settings.
    ``progress(epoch, epochs, train_loss, val_loss, val_tstt_err)`` is called after each epoch.
    """
    from .._torch import pick_device, require_torch, seed_torch

    torch = require_torch()
    dev = pick_device(device)
    seed_torch(seed)
    man = data["manifest"]
    n = len(data["flow"])
    tr, va, te = split(n, seed, val_share, test_share)
    g = data["graph"]
    od_tot = g["od"][:, 0]
    m = man["num_links"]  # the network's own links; candidate slots (if any) follow, with mean flow 0
    ftr, otr = data["flow"][torch.as_tensor(tr), :m].double(), data["open"][torch.as_tensor(tr), :m].double()
    flow_mean = ftr.sum(0) / otr.sum(0).clamp(min=1.0)  # per link, over the samples where it is open
    resid = (ftr - flow_mean) * otr
    scales = {"od": float(od_tot[od_tot > 0].mean()) if (od_tot > 0).any() else 1.0,
              "capacity": float(g["capacity"].mean()), "fftt": float(g["fftt"].mean()) or 1.0,
              "flow": float(resid.pow(2).sum(0).div(otr.sum(0).clamp(min=1.0)).sqrt().mean()) or 1.0}
    config = model_config(man, {**g, "flow_mean": flow_mean}, scales, hidden, layers, identity)
    model = build_model(config).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=max(2, patience // 3))
    use_amp = bool(amp) and dev == "cuda"
    on = lambda t, i: t[i].to(dev, non_blocking=True)  # noqa: E731
    od, cap, op = data["od"].to(dev), data["capacity"].to(dev), data["open"].to(dev)
    ends, cfftt = (data["ends"].to(dev), data["cand_fftt"].to(dev)) if "ends" in data else (None, None)
    y = (data["flow"] / scales["flow"]).to(dev)
    tstt = data["tstt"].float().to(dev)
    tr_t, va_t = torch.as_tensor(tr, device=dev), torch.as_tensor(va, device=dev)

    def loss_of(i):
        slot = () if ends is None else (on(ends, i), on(cfftt, i))
        with torch.autocast(device_type="cuda", dtype=torch.bfloat16, enabled=use_amp):
            pred = model(on(od, i), on(cap, i), on(op, i), *slot)
        pred = pred.float()
        loss = torch.mean((pred - y[i]) ** 2)
        if tstt_weight > 0:
            flow = torch.relu(pred) * scales["flow"]
            rel = model.tstt(flow, cap[i], *slot[1:]) / tstt[i] - 1.0
            loss = loss + tstt_weight * torch.mean(rel**2)
        return loss

    history, best, best_state, best_epoch, bad = [], math.inf, None, 0, 0
    t0 = time.perf_counter()
    gen = torch.Generator(device="cpu").manual_seed(seed)
    for epoch in range(1, epochs + 1):
        model.train()
        perm = tr_t[torch.randperm(len(tr_t), generator=gen).to(dev)]
        total, count = 0.0, 0
        for s in range(0, len(perm), batch_size):
            i = perm[s:s + batch_size]
            loss = loss_of(i)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += float(loss.detach()) * len(i)
            count += len(i)
        model.eval()
        with torch.no_grad():
            vl = sum(float(loss_of(va_t[s:s + 1024])) * len(va_t[s:s + 1024]) for s in range(0, len(va_t), 1024)) / len(va_t)
        vm = flow_metrics(model, data, va)["tstt_error_pct_mean"]
        sched.step(vl)
        history.append({"epoch": epoch, "train_loss": total / count, "val_loss": vl, "val_tstt_error_pct": vm,
                        "lr": opt.param_groups[0]["lr"], "time_s": round(time.perf_counter() - t0, 3)})
        if progress:
            progress(epoch, epochs, total / count, vl, vm)
        if vl < best - 1e-12:
            best, best_epoch, bad = vl, epoch, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
        if bad >= patience or (time_limit is not None and time.perf_counter() - t0 > time_limit):
            break
    train_time = time.perf_counter() - t0
    model.load_state_dict(best_state)
    model.eval()
    report = {
        "metrics": {"validation": flow_metrics(model, data, va), "test": flow_metrics(model, data, te)},
        "history": history, "best_epoch": best_epoch, "epochs_run": len(history), "train_time_s": round(train_time, 3),
        "device": dev, "amp": use_amp, "threads": torch.get_num_threads(),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "split": {"train": int(len(tr)), "validation": int(len(va)), "test": int(len(te))},
        "settings": {"epochs": epochs, "batch_size": batch_size, "lr": lr, "weight_decay": weight_decay, "hidden": hidden,
                     "layers": layers, "identity": identity, "tstt_weight": tstt_weight, "seed": seed, "patience": patience},
        "network": man["network"], "network_sha256": man["network_sha256"],
    }
    return model.cpu(), report


def plot_learning_curve(report: dict, path: Path) -> None:
    """Train / validation loss (log scale) and validation TSTT error % per epoch, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = report["history"]
    ep = [r["epoch"] for r in h]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogy(ep, [r["train_loss"] for r in h], label="train loss")
    ax.semilogy(ep, [r["val_loss"] for r in h], label="validation loss")
    ax.axvline(report["best_epoch"], color="grey", ls=":", lw=1)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (MSE of flow / flow scale + TSTT term)")
    ax2 = ax.twinx()
    ax2.semilogy(ep, [max(r["val_tstt_error_pct"], 1e-4) for r in h], color="tab:red", alpha=0.6, label="val TSTT error %")
    ax2.set_ylabel("validation TSTT error (%)")
    from matplotlib.ticker import FormatStrFormatter, NullFormatter

    ax2.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax2.yaxis.set_minor_formatter(NullFormatter())
    lines = ax.get_lines()[:2] + ax2.get_lines()
    ax.legend(lines, [ln.get_label() for ln in lines], loc="upper right")
    ax.set_title(f"{report['network']}: test TSTT error {report['metrics']['test']['tstt_error_pct_mean']:.3f} %, "
                 f"R2 {report['metrics']['test']['flow_r2']:.4f}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
