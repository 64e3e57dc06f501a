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

Everything that needs torch imports it lazily through :mod:`netopt._torch` (device choice, seeding,
atomic checkpoint files): importing this package does not import torch, and a missing torch raises
:class:`netopt.exceptions.MissingDependencyError`.
"""

from __future__ import annotations

from pathlib import Path

#: pretrained checkpoints shipped with the package
CHECKPOINTS = Path(__file__).resolve().parent / "checkpoints"

__all__ = ["CHECKPOINTS"]
