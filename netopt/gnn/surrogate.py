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


def pretrained_for(sha256: str, kind: str | None = None) -> Path | None:
    """The shipped checkpoint trained on the network with this ``sha256`` (of ``kind``: ``network``,
    ``dndp`` or ``candidates``; any kind if ``None``), if there is one
    (``checkpoints/index.json`` lists each file with its network's hash and kind)."""
    index = CHECKPOINTS / "index.json"
    if not index.is_file():
        return None
    for entry in json.loads(index.read_text()):
        if entry["sha256"] == sha256 and kind in (None, entry["kind"]):
            return CHECKPOINTS / entry["file"]
    return None


class GNNFitness:
    """Surrogate objective of designs of ``problem`` from a checkpoint trained on its network.

    Parameters
    ----------
    problem
        A :class:`~netopt.solvers.design.DesignProblem`; its network's sha256 must match the model's.
    model
        Checkpoint path, or ``None`` for the shipped checkpoint of this network (if there is one).
        A model for any candidate set (trained with candidate slots on the network without the
        problem's candidate links) scores DNDP instances on that network whatever their candidates,
        as many as it has slots, and lane/capacity designs of the network itself.
    device
        ``cpu``, ``cuda`` or ``auto``.
    batch_size
        Designs per forward pass.
    """

    name = "gnn"

    def __init__(self, problem, model: Path | str | None = None, device: str = "cpu", batch_size: int = 4096):
        from .._torch import pick_device, require_torch
        from .models import model_from, read_checkpoint

        torch = require_torch()
        net = problem.network
        cand = np.asarray(problem.candidates if problem.kind == "dndp" else [], np.int64)
        base = net.without_links(cand) if len(cand) else net
        if model is None:
            model = pretrained_for(net.sha256, "dndp" if len(cand) else "network") or pretrained_for(base.sha256, "candidates")
            if model is None:
                raise NetoptError(f"no shipped GNN checkpoint for network {net.name!r} "
                                  f"(sha256 {net.sha256[:12]}); give --model (train one with `netopt gnn train`)")
        self.problem = problem
        self.device = pick_device(device)
        self.checkpoint = read_checkpoint(model)
        slots = int(self.checkpoint["config"].get("slots", 0))
        self.model = model_from(self.checkpoint, model, base if slots else net, self.device)
        self.model_path = str(model)
        self.batch_size = int(batch_size)
        # model link order: the network's own links, then the candidate slots (unused ones closed)
        self._order = np.r_[np.setdiff1d(np.arange(net.num_links), cand), cand] if slots else np.arange(net.num_links)
        self._slots = None
        if slots:
            if len(cand) > slots:
                raise NetoptError(f"{problem.name}: {len(cand)} candidate links, the model {model} has {slots} slots")
            b, power = self.model.cand_b, self.model.cand_power
            odd = np.flatnonzero((net.b[cand] != b) | (net.power[cand] != power))
            if len(odd):
                a = cand[odd[0]]
                raise NetoptError(f"{problem.name}: candidate link {net.init[a] + 1}->{net.term[a] + 1} has BPR b={net.b[a]:g}, "
                                  f"power={net.power[a]:g}; the model {model} learned new links with b={b:g}, power={power:g}")
            if np.any(net.fixed_cost[cand] != 0):
                raise NetoptError(f"{problem.name}: candidate links with a toll or distance cost; the model learned new links without")
            ends = np.zeros((slots, 2), np.int64)  # the same new links in every design
            ends[:len(cand)] = np.c_[net.init[cand], net.term[cand]]
            fftt = np.zeros(slots)
            fftt[:len(cand)] = net.fftt[cand]
            self._slots = (torch.tensor(ends, device=self.device), torch.tensor(fftt, dtype=torch.float32, device=self.device),
                           slots - len(cand))
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
                c = torch.tensor(cap[s:s + self.batch_size][:, self._order], dtype=torch.float32, device=self.device)
                o = torch.tensor(is_open[s:s + self.batch_size][:, self._order], device=self.device)
                extra = ()
                if self._slots is not None:
                    ends, fftt, unused = self._slots
                    c = torch.nn.functional.pad(c, (0, unused), value=1.0)  # unused slots: closed
                    o = torch.nn.functional.pad(o, (0, unused), value=False)
                    extra = (ends, fftt)
                f = self.model.flows(self._od.expand(len(c), -1, -1), c, o, *extra).double().cpu().numpy()
                flows.append(f[:, :len(self._order)])
                self.forward_passes += 1
        flow = np.empty((len(designs), len(self._order)))
        flow[:, self._order] = np.concatenate(flows)
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
