"""GNN surrogate of user-equilibrium link flows, used as a fast fitness by the design searches.

Reproduces the idea of Madadi & Correia (2024), *A hybrid deep-learning-metaheuristic framework
for bi-level network design problems* (a GIN predicting UE link flows as the GA's fitness), with
a direction-aware edge-conditioned message-passing network on one fixed road network.

Pipeline (``netopt gnn ...`` on the command line):

1. :func:`netopt.gnn.data.generate`: equilibria from the exact solver (gradient projection,
   relative gap <= 1e-6) on perturbed OD demand, random lane additions and, for DNDP instances,
   random open/closed candidate links; a torch-saved dict of tensors with a manifest that records
   the base network's ``sha256``, the solver settings, the seed and the counts.
2. :func:`netopt.gnn.train.train`: edge-level regression of link flows; metrics (MAE, R2 on
   flows, TSTT error %) and a checkpoint that loads with ``torch.load(weights_only=True)``.
3. :class:`netopt.gnn.surrogate.GNNFitness`: batched inference of many designs per forward
   pass; TSTT = sum of predicted flow x BPR cost at that flow; the object plugs into
   :func:`netopt.solvers.design.solve_design` as ``fitness=``, which re-scores the best designs
   with exact UE at the end.

Everything that needs torch imports it lazily: importing this package does not import torch, and
a missing torch raises :class:`netopt.exceptions.MissingDependencyError`.
"""

from __future__ import annotations

from pathlib import Path

from ..exceptions import MissingDependencyError

INSTALL_HINT = 'pip install torch==2.13.0 "netopt[gnn]"'

#: pretrained checkpoints shipped with the package
CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"


def require_torch():
    """Import and return ``torch``, or raise :class:`MissingDependencyError` with the install hint."""
    try:
        import torch
    except ImportError:
        raise MissingDependencyError(f"the GNN surrogate needs torch: {INSTALL_HINT}") from None
    return torch


def save_torch(obj, path) -> None:
    """``torch.save`` through a temporary file in the same folder, so a failure leaves nothing behind."""
    torch = require_torch()
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def load_torch(path, what: str, fmt: str) -> dict:
    """``torch.load(weights_only=True)`` of a netopt ``what`` ("dataset", "checkpoint") whose format
    tag is ``fmt`` (read from the dict itself or from its manifest); one-line errors otherwise."""
    from ..exceptions import NetoptError

    torch = require_torch()
    path = Path(path)
    if not path.is_file():
        raise NetoptError(f"{path}: no such {what} file")
    try:
        obj = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - torch raises many kinds for a bad file
        raise NetoptError(f"{path}: not a netopt {what} ({type(e).__name__}: {str(e)[:120]})") from None
    tag = obj.get("format", obj.get("manifest", {}).get("format")) if isinstance(obj, dict) else None
    if tag != fmt:
        raise NetoptError(f"{path}: not a netopt {what} (expected format {fmt})")
    return obj


__all__ = ["CHECKPOINTS", "INSTALL_HINT", "load_torch", "require_torch", "save_torch"]
