"""POMO/REINFORCE training of the construction policy, with a curriculum over sizes.

Each step draws a fresh seeded batch (:func:`netopt.solvers.nco.generate.batch_features`), rolls
out ``min(n, pomo)`` sampled solutions per instance from different first customers and minimises
``-(L_mean - L) * log p`` (the shared POMO baseline: the mean length over an instance's rollouts).
Epoch ``e`` of ``E`` trains on size ``sizes[e * len(sizes) // E]``; the batch grows at smaller sizes
(``batch * size / n`` instances) so that each step costs about the same. A fixed seeded validation
set at the target size is decoded greedily from every first customer after each epoch; the best epoch is kept.
``init_from`` continues from a checkpoint (e.g. the shipped CPU-trained one, on a GPU).
"""

from __future__ import annotations

import math
import platform
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import torch

from ..._torch import pick_device, seed_torch
from .generate import batch_features
from .policy import Policy, load_policy, pomo_starts, save_policy, to_tensors


@dataclass
class TrainConfig:
    problem: str = "cvrp"
    size: int = 100
    curriculum: tuple[int, ...] = ()
    epochs: int = 10
    steps_per_epoch: int = 100
    batch: int = 32
    pomo: int = 100
    lr: float = 3e-4
    seed: int = 0
    device: str = "auto"
    dim: int = 64
    heads: int = 4
    layers: int = 3
    ff: int = 256
    val_instances: int = 32
    x_share: float = 0.5
    asym_share: float = 0.25
    max_minutes: float = 0.0
    init_from: str = ""
    sizes: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sizes = sorted(set(int(s) for s in self.curriculum)) + [int(self.size)]
        self.sizes = sorted(set(self.sizes))
        if min(self.sizes) < 2:
            raise ValueError(f"sizes must be at least 2 customers, got {self.sizes}")


def _features(rng, batch, n, cfg: TrainConfig, device):
    f = batch_features(rng, batch, n, problem=cfg.problem, x_share=cfg.x_share, asym_share=cfg.asym_share)
    return to_tensors(f, device)


@torch.no_grad()
def evaluate(model: Policy, feats: dict[str, torch.Tensor]) -> float:
    """Mean over instances of the best greedy rollout from every first customer (normalised unit):
    deterministic, so epochs and runs with the same validation set compare."""
    model.eval()
    B, N = feats["xy"].shape[:2]
    out = []
    for lo in range(0, B, 16):
        part = {k: v[lo:lo + 16] for k, v in feats.items()}
        starts = pomo_starts(part["xy"].shape[0], N - 1, N - 1, part["xy"].device)
        length, _, _ = model.rollout(part, starts)
        out.append(length.min(dim=1).values)
    model.train()
    return float(torch.cat(out).mean())


def train(cfg: TrainConfig, out_path, progress: Callable[[dict], None] | None = None) -> dict:
    """Train, write the best checkpoint to ``out_path`` after each improving epoch; returns metrics."""
    device = torch.device(pick_device(cfg.device))
    seed_torch(cfg.seed)
    rng = np.random.default_rng([cfg.seed, 1])
    val = _features(np.random.default_rng([cfg.seed, 2]), cfg.val_instances, cfg.size, cfg, device)
    if cfg.init_from:  # fine-tune: the checkpoint's architecture wins over dim/heads/layers/ff
        model, _ = load_policy(cfg.init_from, device)
        if model.problem != cfg.problem:
            from ...exceptions import NetoptError

            raise NetoptError(f"{cfg.init_from}: a {model.problem} policy cannot be trained on {cfg.problem}")
        model.train()
        cfg.dim, cfg.heads, cfg.layers, cfg.ff = (model.config[k] for k in ("dim", "heads", "layers", "ff"))
    else:
        model = Policy(cfg.problem, dim=cfg.dim, heads=cfg.heads, layers=cfg.layers, ff=cfg.ff).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    amp = device.type == "cuda"
    start = time.perf_counter()
    history, best, seen = [], math.inf, 0
    meta = {"train_config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}, "device": str(device), "torch": str(torch.__version__),
            "python": platform.python_version()}
    stopped_early = False
    for epoch in range(cfg.epochs):
        n = cfg.sizes[min(epoch * len(cfg.sizes) // cfg.epochs, len(cfg.sizes) - 1)]
        batch = max(4, round(cfg.batch * cfg.size / n))
        lengths = []
        for step in range(cfg.steps_per_epoch):
            f = _features(rng, batch, n, cfg, device)
            starts = pomo_starts(batch, n, cfg.pomo, device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                length, logp, _ = model.rollout(f, starts, sample=True)
            length, logp = length.float(), logp.float()
            adv = length.mean(dim=1, keepdim=True) - length
            loss = -(adv * logp).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            seen += batch
            lengths.append(float(length.mean()))
            if progress:
                progress({"epoch": epoch, "step": step + 1, "size": n, "train_length": lengths[-1]})
            if cfg.max_minutes and time.perf_counter() - start > 60 * cfg.max_minutes:
                stopped_early = True
                break
        v = evaluate(model, val)
        row = {"epoch": epoch, "size": n, "batch": batch, "steps": len(lengths),
               "train_length": round(float(np.mean(lengths)), 5), "val_length": round(v, 5),
               "instances_seen": seen, "elapsed_s": round(time.perf_counter() - start, 1)}
        history.append(row)
        if progress:
            progress(row)
        if v < best:
            best = v
            meta.update(history=history, best_val_length=round(v, 5), best_epoch=epoch,
                        train_seconds=row["elapsed_s"], instances_seen=seen)
            save_policy(model, out_path, meta)
        if stopped_early:
            break
    return {"history": history, "best_val_length": round(best, 5), "device": str(device),
            "instances_seen": seen, "train_seconds": round(time.perf_counter() - start, 1),
            "stopped_early": stopped_early}
