"""GNN fitness for the design searches: many designs per forward pass.

:class:`GNNFitness` implements the fitness protocol of :mod:`netopt.solvers.design.fitness`
(``name``, ``evaluations``, ``evaluate(designs, parents=None)``). A design becomes link capacities
(``DesignProblem.capacities``: lanes, swap, cndp) or open flags (dndp) on the problem's network; the
model predicts equilibrium link flows for the whole batch, and the objective is
``problem.objective(TSTT, design)`` with TSTT = sum of predicted flow x BPR cost at that flow
(float64). :func:`~netopt.solvers.design.solve_design` re-scores the best designs with exact UE.

Examples
--------
>>> from netopt.gnn.surrogate import pretrained_for
>>> pretrained_for("0" * 64) is None  # no shipped checkpoint for this network hash
True
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from ..exceptions import NetoptError
from . import CHECKPOINTS


def pretrained_for(sha256: str) -> Path | None:
    """The shipped checkpoint trained on the network with this ``sha256``, if any
    (``checkpoints/index.json`` maps hashes to file names)."""
    index = CHECKPOINTS / "index.json"
    if not index.is_file():
        return None
    entry = json.loads(index.read_text()).get(sha256)
    return CHECKPOINTS / entry["file"] if entry else None


class GNNFitness:
    """Surrogate objective of designs of ``problem`` from a checkpoint trained on its network.

    Parameters
    ----------
    problem
        A :class:`~netopt.solvers.design.DesignProblem`; its network's sha256 must match the model's.
    model
        Checkpoint path, or ``None`` for the shipped checkpoint of this network (if there is one).
    device
        ``cpu``, ``cuda`` or ``auto``.
    batch_size
        Designs per forward pass.
    """

    name = "gnn"

    def __init__(self, problem, model: Path | str | None = None, device: str = "cpu", batch_size: int = 4096):
        from .._torch import pick_device, require_torch
        from .models import load_model

        torch = require_torch()
        if model is None:
            model = pretrained_for(problem.network.sha256)
            if model is None:
                raise NetoptError(f"no shipped GNN checkpoint for network {problem.network.name!r} "
                                  f"(sha256 {problem.network.sha256[:12]}); give --model (train one with `netopt gnn train`)")
        self.problem = problem
        self.device = pick_device(device)
        self.model, self.checkpoint = load_model(model, problem.network, self.device)
        self.model_path = str(model)
        self.batch_size = int(batch_size)
        net = problem.network
        od = np.zeros((net.num_nodes, 2))
        od[: net.num_zones, 0] = net.demand.sum(1)
        od[: net.num_zones, 1] = net.demand.sum(0)
        self._od = torch.tensor(od, dtype=torch.float32, device=self.device)[None]
        self._cap = np.asarray(net.capacity, np.float64)
        self._graph = {k: np.asarray(getattr(net, k), np.float64) for k in ("fftt", "b", "power")}
        self._graph["fixed_cost"] = np.asarray(net.fixed_cost, np.float64)
        self.cache: dict[bytes, float] = {}
        self.evaluations = 0  # designs run through the model
        self.forward_passes = 0
        self.inference_time_s = 0.0

    def inputs(self, designs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(capacity (k, E), is_open (k, E))`` of the designs."""
        p = self.problem
        if p.kind != "dndp":
            cap = p.capacities(designs)  # lanes, swap, cndp: the problem's own capacity rule
            return cap, np.ones_like(cap, dtype=np.bool_)
        cap = np.repeat(self._cap[None, :], len(designs), axis=0)
        is_open = np.ones_like(cap, dtype=np.bool_)
        is_open[:, p.candidates] = designs > 0.5
        return cap, is_open

    def predict(self, designs) -> tuple[np.ndarray, np.ndarray]:
        """Predicted ``(flows (k, E), TSTT (k,))`` of designs ``(k, candidates)``, float64."""
        import torch

        from .train import numpy_tstt

        designs = np.atleast_2d(np.asarray(designs, np.float64))
        if designs.shape[1] != self.problem.size:
            raise NetoptError(f"designs have {designs.shape[1]} entries, the problem has {self.problem.size} candidates")
        cap, is_open = self.inputs(designs)
        t0 = time.perf_counter()
        flows = []
        with torch.inference_mode():
            for s in range(0, len(designs), self.batch_size):
                c = torch.tensor(cap[s:s + self.batch_size], dtype=torch.float32, device=self.device)
                o = torch.tensor(is_open[s:s + self.batch_size], device=self.device)
                flows.append(self.model.flows(self._od.expand(len(c), -1, -1), c, o).double().cpu().numpy())
                self.forward_passes += 1
        flow = np.concatenate(flows)
        self.inference_time_s += time.perf_counter() - t0
        return flow, numpy_tstt(flow, cap, self._graph)

    def evaluate(self, designs, parents=None) -> np.ndarray:
        """Surrogate objectives ``(k,)`` in the order of ``designs`` (cached per design)."""
        from ..solvers.design.fitness import design_key

        designs = np.atleast_2d(np.asarray(designs, np.float64))
        keys = [design_key(d) for d in designs]
        todo = {}
        for k, d in zip(keys, designs):
            if k not in self.cache and k not in todo:
                todo[k] = d
        if todo:
            batch = np.array(list(todo.values()))
            _, tstt = self.predict(batch)
            for k, d, t in zip(todo, batch, tstt):
                self.cache[k] = self.problem.objective(float(t), d)
            self.evaluations += len(batch)
        return np.array([self.cache[k] for k in keys])
