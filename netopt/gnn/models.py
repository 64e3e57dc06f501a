"""The flow surrogate: direction-aware edge-conditioned message passing on one road network.

Inputs per sample: origin / destination demand totals per node (B, N, 2), link capacities (B, E)
and the open/closed flag of each link (B, E); fixed per network and stored as buffers: the link
endpoints, free-flow times, BPR parameters, base capacities and the feature scales.

Link features: capacity (scaled, and relative to the base network), free-flow time, the open flag
and the link's mean training flow over its capacity (a congestion prior). Each of ``layers``
residual blocks (pre-LayerNorm, SiLU) updates

* every link from its tail node, its head node and itself (so direction matters), and
* every node from itself, the sum over its *incoming* links and the sum over its *outgoing* links
  (two separate aggregates; closed links send nothing).

Learned per-node and per-link identity embeddings are added to the encoded features: a model is
tied to one network anyway (its ``sha256`` is checked on load), and they let it learn each
link's typical flow.

A model for any candidate set (``slots`` K > 0) also takes, per sample, K new links after the
network's own: their ends (B, K, 2), free-flow times (B, K), capacities and open flags (the last K
columns of ``capacity`` / ``is_open``). New links share one learned embedding instead of an
identity, their mean flow is 0, and their BPR ``(b, power)`` is the network's usual pair
(``candidate_bpr``); links and nodes are then gathered and scattered per sample.

The head maps each link state (and its raw features) to the normalised flow ``flow / flow_scale``
as a correction of each link's mean training flow (``flow_mean``; targets are centred per link,
scaled by one global ``flow_scale``); closed links are forced to zero flow.

torch is imported lazily: :func:`build_model` creates the classes on first use.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..exceptions import NetoptError

FORMAT = "netopt-gnn-model/1"
#: capacity / mean capacity, capacity / base capacity - 1, free-flow time / mean, open flag, mean flow / capacity
EDGE_FEATURES = 5


class NetworkMismatchError(NetoptError):
    """A checkpoint trained on another network (its sha256 differs from the problem's network)."""

    exit_code = 2


@functools.lru_cache(maxsize=None)
def _classes():
    from .._torch import require_torch

    torch = require_torch()
    from torch import nn

    def mlp(i, h, o):
        return nn.Sequential(nn.Linear(i, h), nn.SiLU(), nn.Linear(h, o))

    def gather(x, idx):
        """``x[b, idx[b, e]]``: node states (B, N, H) at link ends; ``idx`` (E,) or per sample (B, E)."""
        if idx.dim() == 1:
            return x[:, idx]
        return torch.gather(x, 1, idx.unsqueeze(-1).expand(-1, -1, x.shape[-1]))

    def scatter(like, idx, m):
        """Sum of link messages ``m`` (B, E, H) into the nodes ``idx`` (E,) or (B, E)."""
        if idx.dim() == 1:
            return torch.zeros_like(like).index_add_(1, idx, m)
        return torch.zeros_like(like).scatter_add_(1, idx.unsqueeze(-1).expand_as(m), m)

    class Block(nn.Module):
        """Link update from (tail, head, link) states, then node update from (node, in-sum, out-sum).

        The link update projects the normalised node states once per node and gathers them per
        link (no per-link concatenation): 3x fewer link-level multiply-adds than an MLP on
        ``[h_tail, h_head, e]``, which matters for batched inference on a CPU."""

        def __init__(self, hidden: int):
            super().__init__()
            self.h_norm = nn.LayerNorm(hidden)
            self.e_norm = nn.LayerNorm(hidden)
            self.tail = nn.Linear(hidden, hidden, bias=False)
            self.head = nn.Linear(hidden, hidden, bias=False)
            self.link = nn.Linear(hidden, hidden)
            self.link_out = nn.Linear(hidden, hidden)
            self.node_norm = nn.LayerNorm(3 * hidden)
            self.node_mlp = mlp(3 * hidden, hidden, hidden)

        def forward(self, h, e, openf, src, dst):
            hn = self.h_norm(h)
            z = gather(self.tail(hn), src) + gather(self.head(hn), dst) + self.link(self.e_norm(e))
            e = e + self.link_out(torch.nn.functional.silu(z))
            m = e * openf.unsqueeze(-1)
            into = scatter(h, dst, m)
            out = scatter(h, src, m)
            h = h + self.node_mlp(self.node_norm(torch.cat([h, into, out], -1)))
            return h, e

    class FlowGNN(nn.Module):
        """Predicts normalised equilibrium link flows; see the module docstring."""

        def __init__(self, config: dict):
            super().__init__()
            self.config = dict(config)
            n, m, hdim = config["num_nodes"], config["num_links"], config["hidden"]
            f64 = lambda k: torch.tensor(config["graph"][k], dtype=torch.float32)  # noqa: E731
            self.register_buffer("src", torch.tensor(config["graph"]["init"], dtype=torch.long))
            self.register_buffer("dst", torch.tensor(config["graph"]["term"], dtype=torch.long))
            for k in ("fftt", "b", "power", "fixed_cost", "capacity", "flow_mean"):
                self.register_buffer(k, f64(k))
            sc = config["scales"]
            self.od_scale, self.cap_scale, self.fftt_scale = sc["od"], sc["capacity"], sc["fftt"]
            self.flow_scale = sc["flow"]
            self.node_enc = nn.Linear(2, hdim)
            self.edge_enc = nn.Linear(EDGE_FEATURES, hdim)
            self.identity = bool(config.get("identity", True))
            self.slots = int(config.get("slots", 0))
            if self.identity:
                self.node_emb = nn.Parameter(torch.zeros(n, hdim))
                self.link_emb = nn.Parameter(torch.zeros(m, hdim))
                nn.init.normal_(self.node_emb, std=0.1)
                nn.init.normal_(self.link_emb, std=0.1)
            if self.slots:
                self.cand_emb = nn.Parameter(torch.zeros(hdim))
                self.cand_b, self.cand_power = (float(v) for v in config["candidate_bpr"])
            self.blocks = nn.ModuleList(Block(hdim) for _ in range(config["layers"]))
            self.head = nn.Sequential(nn.LayerNorm(hdim + EDGE_FEATURES), mlp(hdim + EDGE_FEATURES, hdim, 1))

        def links(self, capacity, ends=None, cand_fftt=None):
            """Per-link ``(src, dst, fftt, base capacity, mean flow)``: the network's, or with the
            candidate slots (B, E + K), a new link's base capacity being its own capacity."""
            if not self.slots:
                return self.src, self.dst, self.fftt, self.capacity, self.flow_mean
            if ends is None or cand_fftt is None or ends.shape[-2:] != (self.slots, 2):
                raise NetoptError(f"this model takes {self.slots} candidate slots per sample (ends and free-flow times)")
            batch = capacity.shape[0]
            ex = lambda t: t.expand(batch, -1)  # noqa: E731
            if ends.dim() == 2:  # the same new links in every sample (a design search): plain indexing
                src, dst = torch.cat([self.src, ends[:, 0]]), torch.cat([self.dst, ends[:, 1]])
            else:
                src, dst = torch.cat([ex(self.src), ends[..., 0]], 1), torch.cat([ex(self.dst), ends[..., 1]], 1)
            return (src, dst, torch.cat([ex(self.fftt), cand_fftt.expand(batch, -1)], 1),
                    torch.cat([ex(self.capacity), capacity[:, -self.slots:]], 1),
                    torch.cat([ex(self.flow_mean), cand_fftt.new_zeros(batch, self.slots)], 1))

        def forward(self, od, capacity, is_open, ends=None, cand_fftt=None):
            """Normalised flows (B, E) from OD totals (B, N, 2), capacities (B, E), open flags (B, E)
            (E counts the candidate slots after the network's links, if the model has slots; their
            ``ends`` (B, K, 2) and ``cand_fftt`` (B, K), or (K, 2) and (K,) when every sample has the
            same new links)."""
            b = capacity.shape[0]
            src, dst, fftt, base_cap, flow_mean = self.links(capacity, ends, cand_fftt)  # new links: relative capacity 0
            openf = is_open.to(capacity.dtype)
            ex = torch.stack([capacity / self.cap_scale, capacity / base_cap - 1.0, (fftt / self.fftt_scale).expand(b, -1),
                              openf, flow_mean / capacity], -1)
            h = self.node_enc(od / self.od_scale)
            e = self.edge_enc(ex)
            if self.identity:
                h = h + self.node_emb
                e = e + (self.link_emb if not self.slots else
                         torch.cat([self.link_emb.expand(b, -1, -1), self.cand_emb.expand(b, self.slots, -1)], 1))
            elif self.slots:
                e = e + torch.cat([torch.zeros_like(e[:, :-self.slots]), self.cand_emb.expand(b, self.slots, -1)], 1)
            for blk in self.blocks:
                h, e = blk(h, e, openf, src, dst)
            return (flow_mean / self.flow_scale + self.head(torch.cat([e, ex], -1)).squeeze(-1)) * openf

        def flows(self, od, capacity, is_open, ends=None, cand_fftt=None):
            """Link flows in the network's unit (non-negative)."""
            return torch.relu(self(od, capacity, is_open, ends, cand_fftt)) * self.flow_scale

        def tstt(self, flow, capacity, cand_fftt=None):
            """Total system travel time: sum of flow x BPR cost at that flow (plus the fixed cost)."""
            ratio = (flow / capacity).clamp(min=0.0)
            if not self.slots:
                t = self.fftt * (1.0 + self.b * ratio.pow(self.power)) + self.fixed_cost
                return (flow * t).sum(-1)
            k = self.slots
            t = self.fftt * (1.0 + self.b * ratio[:, :-k].pow(self.power)) + self.fixed_cost
            tc = cand_fftt * (1.0 + self.cand_b * ratio[:, -k:].pow(self.cand_power))
            return (flow[:, :-k] * t).sum(-1) + (flow[:, -k:] * tc).sum(-1)

    return FlowGNN


def build_model(config: dict):
    """A fresh :class:`FlowGNN` for ``config`` (hidden, layers, identity, graph arrays, scales)."""
    return _classes()(config)


def model_config(manifest: dict, graph: dict, scales: dict, hidden: int = 64, layers: int = 6, identity: bool = True) -> dict:
    """The plain-typed config a checkpoint stores (lists and floats only)."""
    slots = int(manifest.get("slots", 0))
    return {
        "hidden": int(hidden), "layers": int(layers), "identity": bool(identity),
        "num_nodes": int(manifest["num_nodes"]), "num_links": int(manifest["num_links"]),
        **({"slots": slots, "candidate_bpr": [float(v) for v in manifest["candidate_bpr"]]} if slots else {}),
        "graph": {k: [float(v) if k not in ("init", "term") else int(v) for v in graph[k].tolist()]
                  for k in ("init", "term", "fftt", "b", "power", "fixed_cost", "capacity", "flow_mean")},
        "scales": {k: float(v) for k, v in scales.items()},
    }


def save_checkpoint(path: Path, model, manifest: dict, metrics: dict | None = None, train: dict | None = None) -> None:
    """Write ``{format, config, state_dict, network, data, metrics, train}``: tensors and plain types
    only, so it loads with ``torch.load(weights_only=True)``."""
    import torch

    from .._torch import save_torch

    ckpt = {
        "format": FORMAT,
        "config": model.config,
        "state_dict": {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
        "network": {"name": manifest["network"], "sha256": manifest["network_sha256"], "kind": manifest["kind"],
                    "num_nodes": manifest["num_nodes"], "num_links": manifest["num_links"],
                    "candidates": list(manifest.get("candidates", [])), "slots": int(manifest.get("slots", 0)),
                    "excluded_pairs": list(manifest.get("excluded_pairs", []))},
        "data": {k: manifest[k] for k in ("samples", "seed", "solver", "settings", "generation_time_s", "swap") if k in manifest},
        "metrics": metrics or {},
        "train": train or {},
        "versions": {"torch": str(torch.__version__)},
    }
    save_torch(ckpt, path)


def read_checkpoint(path: Path) -> dict:
    """The checkpoint dict (``weights_only=True``), validated."""
    from .._torch import load_torch

    return load_torch(path, "checkpoint", FORMAT)


def load_model(path: Path, network=None, device: str = "cpu"):
    """``(model in eval mode, checkpoint dict)``; refuses a model trained on another network.

    ``network`` is a :class:`~netopt.model.RoadNetwork` (or its sha256) the model must match.
    """
    ckpt = read_checkpoint(path)
    return model_from(ckpt, path, network, device), ckpt


def model_from(ckpt: dict, path, network=None, device: str = "cpu"):
    """The model (eval mode) of a checkpoint read from ``path``, if trained on ``network`` (see :func:`load_model`)."""
    if network is not None:
        sha = network if isinstance(network, str) else network.sha256
        if ckpt["network"]["sha256"] != sha:
            name = "" if isinstance(network, str) else f" {network.name!r}"
            raise NetworkMismatchError(
                f"{path}: model trained on network {ckpt['network']['name']!r} (sha256 {ckpt['network']['sha256'][:12]}), "
                f"not on this network{name} (sha256 {sha[:12]}); train one with `netopt gnn generate` + `netopt gnn train`")
    model = build_model(ckpt["config"])
    model.load_state_dict(ckpt["state_dict"])
    return model.to(device).eval()
