"""Attention encoder-decoder construction policy for CVRP and TSP (POMO multi-start).

Architecture (Kool et al. 2019 / POMO, with the matrix-awareness of RRNCO and MatNet):

* **Input**: per node ``[x, y, demand/capacity, is_depot, d(0,i), d(i,0), t(0,i), t(i,0)]`` and per
  ordered pair ``(i, j)`` the distances and durations in both directions (``d_ij, d_ji, t_ij, t_ji``,
  scaled by ``sqrt(n)`` so that near neighbours look alike at every size, and their ``exp(-.)``).
  Coordinates are normalised to the unit square; an instance given only by matrices gets 2-D
  coordinates by classical multidimensional scaling of the symmetrised distances, so the policy
  runs on real-road matrices too (:func:`features`).
* **Encoder**: ``layers`` pre-norm transformer layers whose attention logits get a learned per-head
  bias from the pair features (an edge MLP computed once, one linear head per layer).
* **Decoder**: a query linear in the current node, the graph mean and the remaining capacity
  (projected once per rollout); a multi-head glimpse over the allowed nodes, then single-head
  logits clipped by
  ``10 tanh`` minus ``softplus(a) sqrt(n) d(current, j)`` (a learned, size-invariant distance
  bias on the *directed* row of the current node).
* **Masking**: visited customers, customers whose demand exceeds the remaining capacity, the depot
  right after the depot (CVRP) or before the end (TSP). POMO: rollout ``p`` first visits customer
  ``starts[p]``.

Everything here imports torch; import this module lazily (``netopt.solvers.nco.load_policy``).
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

NODE_F = 8
EDGE_F = 8
EDGE_H = 16

PROBLEMS = ("cvrp", "tsp")


# ---------------------------------------------------------------------------------- features
def _mds(dist: np.ndarray) -> np.ndarray:
    """2-D classical multidimensional scaling of the symmetrised distance matrix."""
    d = 0.5 * (dist + dist.T)
    n = d.shape[0]
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ (d * d) @ j
    w, v = np.linalg.eigh(b)
    top = np.argsort(w)[::-1][:2]
    return v[:, top] * np.sqrt(np.maximum(w[top], 0.0))


def features(instance) -> dict[str, np.ndarray]:
    """Normalised policy inputs of a :class:`~netopt.model.RoutingInstance` (float32, batch of one).

    Coordinates (given, or from MDS of the matrix) are shifted and scaled into the unit square;
    distances are divided by the same scale, durations rescaled to the mean distance.

    >>> from netopt.solvers.nco.generate import sample_instance
    >>> f = features(sample_instance(10, seed=0))
    >>> f["xy"].shape, f["dist"].shape, float(f["xy"].max()) <= 1.0
    ((1, 11, 2), (1, 11, 11), True)
    """
    dist = np.asarray(instance.distance, np.float64)
    xy = instance.coordinates
    xy = _mds(dist) if xy is None else np.asarray(xy, np.float64)
    lo = xy.min(axis=0)
    scale = float((xy.max(axis=0) - lo).max()) or 1.0
    xy = (xy - lo) / scale
    dist = dist / scale
    dur = np.asarray(instance.duration, np.float64)
    dur = dur * (dist.mean() / dur.mean()) if dur.mean() > 0 else dist.copy()
    cap = float(instance.capacity) if instance.problem != "tsp" else 1.0
    demand = np.asarray(instance.demands, np.float64) / cap
    if instance.problem == "tsp":
        demand[:] = 0.0
    f32 = np.float32
    return {"xy": xy[None].astype(f32), "demand": demand[None].astype(f32),
            "dist": dist[None].astype(f32), "dur": dur[None].astype(f32)}


def to_tensors(feats: dict[str, np.ndarray], device) -> dict[str, torch.Tensor]:
    return {k: torch.as_tensor(v, device=device) for k, v in feats.items()}


# ---------------------------------------------------------------------------------- model
class _EncoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int, ff: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.out = nn.Linear(dim, dim)
        self.edge = nn.Linear(EDGE_H, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, ff), nn.GELU(), nn.Linear(ff, dim))

    def forward(self, h: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        B, N, D = h.shape
        q, k, v = self.qkv(self.norm1(h)).view(B, N, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        bias = self.edge(e).permute(0, 3, 1, 2)  # (B, H, N, N)
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        h = h + self.out(a.transpose(1, 2).reshape(B, N, D))
        return h + self.ff(self.norm2(h))


class Policy(nn.Module):
    """The construction policy; ``config`` is stored in checkpoints (see :func:`save_policy`)."""

    def __init__(self, problem: str = "cvrp", dim: int = 128, heads: int = 8, layers: int = 3, ff: int = 512):
        super().__init__()
        if problem not in PROBLEMS:
            raise ValueError(f"problem must be one of {', '.join(PROBLEMS)}, got {problem!r}")
        self.config = {"problem": problem, "dim": dim, "heads": heads, "layers": layers, "ff": ff}
        self.problem, self.dim, self.heads = problem, dim, heads
        self.node_in = nn.Linear(NODE_F, dim)
        self.depot_in = nn.Linear(NODE_F, dim)
        self.edge_mlp = nn.Sequential(nn.Linear(EDGE_F, EDGE_H), nn.GELU())
        self.layers = nn.ModuleList(_EncoderLayer(dim, heads, ff) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.kv_glimpse = nn.Linear(dim, 2 * dim, bias=False)
        self.k_logit = nn.Linear(dim, dim, bias=False)
        self.q_node = nn.Linear(dim, dim, bias=False)
        self.q_graph = nn.Linear(dim, dim)
        self.q_cap = nn.Linear(1, dim, bias=False)
        self.dist_coef = nn.Parameter(torch.tensor(0.5))

    # -- encoder
    def encode(self, f: dict[str, torch.Tensor]) -> torch.Tensor:
        xy, dem, d, t = f["xy"], f["demand"], f["dist"], f["dur"]
        B, N, _ = xy.shape
        s = math.sqrt(N - 1)
        node = torch.stack([xy[..., 0], xy[..., 1], dem, torch.zeros_like(dem),
                            d[:, 0, :], d[:, :, 0], t[:, 0, :], t[:, :, 0]], dim=-1)
        node[:, 0, 3] = 1.0
        h = torch.cat([self.depot_in(node[:, :1]), self.node_in(node[:, 1:])], dim=1)
        pair = torch.stack([d, d.transpose(1, 2), t, t.transpose(1, 2)], dim=-1) * s
        e = self.edge_mlp(torch.cat([pair, torch.exp(-pair)], dim=-1))
        for layer in self.layers:
            h = layer(h, e)
        return self.norm(h)

    # -- decoder
    def rollout(self, f: dict[str, torch.Tensor], starts: torch.Tensor, *, sample: bool = False,
                generator: torch.Generator | None = None, h: torch.Tensor | None = None,
                deadline: float | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None:
        """Construct one solution per (instance, start).

        ``starts`` is ``(B, P)`` customer indices visited first. Returns the directed length in the
        normalised unit ``(B, P)``, the summed log-probabilities ``(B, P)`` and the visited
        sequence ``(B, P, T)`` (0 = depot; trailing zeros after the end). ``h`` reuses an encoding.
        Past ``deadline`` (a ``time.perf_counter()`` value) it gives up and returns None.
        """
        h = self.encode(f) if h is None else h
        B, N, D = h.shape
        P = starts.shape[1]
        H, dk = self.heads, D // self.heads
        dist, dem = f["dist"], f["demand"]
        kg, vg = self.kv_glimpse(h).view(B, N, 2, H, dk).permute(2, 0, 3, 1, 4)  # (B, H, N, dk)
        kgt = kg.transpose(2, 3) / math.sqrt(dk)
        klt = self.k_logit(h).transpose(1, 2) / math.sqrt(D)  # (B, D, N)
        qn = self.q_node(h)  # the query is linear in (current node, graph mean, capacity): project once
        qg = self.q_graph(h.mean(dim=1, keepdim=True))
        coef = F.softplus(self.dist_coef) * math.sqrt(N - 1)
        tsp = self.problem == "tsp"

        bidx = torch.arange(B, device=h.device)[:, None].expand(B, P)
        pidx = torch.arange(P, device=h.device)[None, :].expand(B, P)
        visited = torch.zeros(B, P, N, dtype=torch.bool, device=h.device)
        cur = starts
        visited[bidx, pidx, cur] = True
        cap = 1.0 - dem.gather(1, starts)
        length = dist[bidx, torch.zeros_like(starts), starts]
        logp = torch.zeros(B, P, device=h.device)
        seq = [torch.zeros_like(starts), starts]
        done = torch.zeros(B, P, dtype=torch.bool, device=h.device)
        dem_b = dem[:, None, :].expand(B, P, N)
        for _ in range(2 * N):
            if deadline is not None and time.perf_counter() > deadline:
                return None
            all_done = visited[:, :, 1:].all(dim=-1)
            allowed = ~visited & (dem_b <= cap[..., None] + 1e-6)
            at_depot = cur == 0
            allowed[..., 0] = all_done if tsp else (~at_depot | all_done)
            allowed[..., 0] |= done
            allowed[..., 1:] &= ~done[..., None]
            q = (qn[bidx, cur] + qg + self.q_cap(cap[..., None])).view(B, P, H, dk).transpose(1, 2)
            a = torch.matmul(q, kgt).masked_fill_(~allowed[:, None], float("-inf"))  # (B, H, P, N)
            g = torch.matmul(torch.softmax(a, dim=-1), vg).transpose(1, 2).reshape(B, P, D)
            u = torch.bmm(g, klt)  # (an output projection of g would fold into k_logit)
            drow = dist.gather(1, cur[..., None].expand(B, P, N))
            u = 10.0 * torch.tanh(u) - coef * drow
            u = u.masked_fill(~allowed, float("-inf"))
            lp = torch.log_softmax(u, dim=-1)
            nxt = lp.argmax(dim=-1)
            if sample:  # inverse CDF (torch.multinomial is several times slower on CPU)
                r = torch.rand(B, P, 1, generator=generator, device=h.device)
                pick = (lp.exp().cumsum(dim=-1) < r).sum(dim=-1)
                nxt = torch.where(pick < N, pick, nxt)
            step_lp = lp.gather(2, nxt[..., None]).squeeze(-1)
            logp = logp + torch.where(done, 0.0, step_lp)
            length = length + torch.where(done, 0.0, drow.gather(2, nxt[..., None]).squeeze(-1))
            back = nxt == 0
            cap = torch.where(back, 1.0, cap - dem.gather(1, nxt))
            visited[bidx, pidx, nxt] = True
            visited[..., 0] = False
            done = done | (back & all_done)
            cur = nxt
            seq.append(nxt)
            if bool(done.all()):
                break
        return length, logp, torch.stack(seq, dim=-1)


# ---------------------------------------------------------------------------------- helpers
def pomo_starts(batch: int, n: int, pomo: int, device, generator: torch.Generator | None = None) -> torch.Tensor:
    """``(batch, min(n, pomo))`` distinct first customers (all of them when ``pomo >= n``)."""
    p = min(n, pomo)
    if p == n:
        return torch.arange(1, n + 1, device=device).expand(batch, n).contiguous()
    r = torch.rand(batch, n, generator=generator, device="cpu").argsort(dim=1)[:, :p] + 1
    return r.to(device)


def sequence_to_routes(seq: np.ndarray) -> list[list[int]]:
    """Split a visited sequence (0 = depot) into routes of customer indices.

    >>> sequence_to_routes(np.array([0, 3, 1, 0, 2, 0, 0]))
    [[3, 1], [2]]
    """
    routes, cur = [], []
    for v in seq.tolist():
        if v == 0:
            if cur:
                routes.append(cur)
            cur = []
        else:
            cur.append(int(v))
    if cur:
        routes.append(cur)
    return routes


def _seq_cost(dist: np.ndarray, seq: np.ndarray) -> float:
    return float(dist[seq[:-1], seq[1:]].sum() + dist[seq[-1], 0])


#: the 8 symmetries of the unit square (POMO's instance augmentation), identity first; they keep distances
SYMMETRIES = (lambda x, y: (x, y), lambda x, y: (y, x), lambda x, y: (1 - x, y), lambda x, y: (y, 1 - x),
              lambda x, y: (x, 1 - y), lambda x, y: (1 - y, x), lambda x, y: (1 - x, 1 - y), lambda x, y: (1 - y, 1 - x))


def augmented(feats: dict[str, torch.Tensor], k: int) -> dict[str, torch.Tensor]:
    """``k`` (1..8) copies of a batch-of-one instance whose coordinates are mapped by the first
    ``k`` :data:`SYMMETRIES` of the unit square; distances, durations and demands are shared.

    >>> f = {"xy": torch.tensor([[[0.0, 0.25], [1.0, 0.5]]]), "demand": torch.zeros(1, 2)}
    >>> augmented(f, 4)["xy"][:, 0].tolist()
    [[0.0, 0.25], [0.25, 0.0], [1.0, 0.25], [0.25, 1.0]]
    """
    if not 1 <= k <= len(SYMMETRIES):
        raise ValueError(f"augment must be 1..{len(SYMMETRIES)}, got {k}")
    x, y = feats["xy"][0, :, 0], feats["xy"][0, :, 1]
    xy = torch.stack([torch.stack(m(x, y), dim=-1) for m in SYMMETRIES[:k]])
    return {key: xy if key == "xy" else v.expand(k, *v.shape[1:]) for key, v in feats.items()}


#: greedy rollouts decoded first, on their own, when a deadline may cut decoding short
FIRST_STARTS = 8


@torch.no_grad()
def decode(model: Policy, instance, *, pomo: int = 100, samples: int = 0, seed: int = 0, augment: int = 1,
           device="cpu", deadline: float | None = None) -> list[np.ndarray]:
    """Visited sequences (0 = depot) of ``instance``: greedy from ``min(n, pomo)`` first customers on
    each of ``augment`` symmetric copies of the coordinates (:func:`augmented`; the first copy is the
    instance itself, the others get their own seeded first customers when ``pomo < n``), then
    ``samples`` sampled rollouts on the instance itself (first customers cycled). Seeded.

    With a ``deadline`` (a ``time.perf_counter()`` value) decoding goes in batches - the first
    :data:`FIRST_STARTS` starts, the other starts of the instance itself, then one symmetric copy at
    a time - and stops when time is up: what finished by then is returned (possibly nothing)."""
    device = torch.device(device)
    feats = augmented(to_tensors(features(instance), device), augment)
    n = instance.num_customers
    starts = pomo_starts(augment, n, pomo, device, torch.Generator().manual_seed(int(seed)))
    seqs: list[np.ndarray] = []
    if deadline is None:
        batches = [(slice(0, augment), slice(None))]
    else:  # a few starts first (something to return however short the time), then the rest, a copy at a time
        first = min(FIRST_STARTS, starts.shape[1])
        batches = [(slice(0, 1), slice(0, first)), (slice(0, 1), slice(first, None))]
        batches += [(slice(a, a + 1), slice(None)) for a in range(1, augment)]
    encoded: dict[tuple, torch.Tensor] = {}  # with a deadline each copy is encoded when it is reached
    for copies, cols in batches:
        sub = starts[copies, cols]
        if sub.shape[1] == 0:
            continue
        if deadline is not None and time.perf_counter() > deadline:
            return seqs
        f = {k: v[copies] for k, v in feats.items()}
        key = (copies.start, copies.stop)
        if key not in encoded:
            encoded[key] = model.encode(f)
        out = model.rollout(f, sub, h=encoded[key], deadline=deadline)
        if out is None:
            return seqs
        seqs += list(out[2].reshape(-1, out[2].shape[-1]).cpu().numpy())
    h = encoded[(0, augment)] if deadline is None else encoded.get((0, 1))
    if samples > 0:
        one = {k: v[:1] for k, v in feats.items()}
        h = model.encode(one) if h is None else h
        starts = (torch.randperm(n, generator=torch.Generator().manual_seed(int(seed) + 1)) + 1).repeat(samples // n + 1)
        gen = torch.Generator(device=device).manual_seed(int(seed))
        out = model.rollout(one, starts[:samples][None].to(device), sample=True, generator=gen, h=h[:1],
                            deadline=deadline)
        if out is not None:
            seqs += list(out[2][0].cpu().numpy())
    return seqs


@torch.no_grad()
def construct(model: Policy, instance, *, pomo: int = 100, samples: int = 0, seed: int = 0, augment: int = 1,
              device="cpu", deadline: float | None = None) -> list[tuple[float, list[list[int]]]]:
    """Distinct solutions of ``instance``, cheapest first, as ``(cost, routes)`` in the instance's own
    (unnormalised) distances: greedy decoding from ``min(n, pomo)`` first customers on ``augment``
    symmetric copies plus ``samples`` sampled rollouts (:func:`decode`, which also explains
    ``deadline``). Same seed, same solutions (when no deadline cuts decoding short).

    >>> from netopt.solvers.nco.generate import sample_instance
    >>> inst = sample_instance(12, seed=0)
    >>> sols = construct(Policy("cvrp"), inst, pomo=12, samples=8, seed=0)
    >>> from netopt.validate import check_routes
    >>> all(check_routes(inst, r).feasible for _, r in sols), sols[0][0] <= sols[-1][0]
    (True, True)
    """
    seqs = decode(model, instance, pomo=pomo, samples=samples, seed=seed, augment=augment, device=device,
                  deadline=deadline)
    dist = np.asarray(instance.distance, np.float64)
    out, seen = [], set()
    for row in seqs:
        key = row.tobytes()
        if key in seen:
            continue
        seen.add(key)
        out.append((_seq_cost(dist, row), sequence_to_routes(row)))
    out.sort(key=lambda x: x[0])
    return out


@torch.no_grad()
def edge_frequencies(model: Policy, instance, *, pomo: int = 100, samples: int = 100, seed: int = 0,
                     device="cpu", deadline: float | None = None) -> np.ndarray:
    """A learned dense heatmap: how often each undirected edge is used by the policy's greedy
    multi-start and sampled tours, ``(n+1, n+1)`` symmetric, in [0, 1] (all zero when a ``deadline``
    stopped :func:`decode` before any tour was finished). For ``tsp-heatmap``.

    >>> from netopt.solvers.nco.generate import sample_instance
    >>> f = edge_frequencies(Policy("tsp", dim=16, heads=2, layers=1, ff=32), sample_instance(9, problem="tsp"),
    ...                      pomo=9, samples=9)
    >>> f.shape, bool((f == f.T).all()), float(f.sum(axis=1).round(6).max())
    ((10, 10), True, 2.0)
    """
    seqs = decode(model, instance, pomo=pomo, samples=samples, seed=seed, device=device, deadline=deadline)
    n = instance.num_customers
    freq = np.zeros((n + 1, n + 1))
    for row in seqs:
        a, b = row, np.append(row[1:], 0)
        keep = a != b  # drop the trailing depot-to-depot padding
        np.add.at(freq, (a[keep], b[keep]), 1.0)
    freq = freq + freq.T
    return freq / max(len(seqs), 1)


_CACHE: dict[tuple[str, str], Policy] = {}


def cached_policy(path, device="cpu") -> Policy:
    """:func:`load_policy` memoised per (file, device), for repeated solves in one process, and warmed up."""
    key = (str(path), str(device))
    if key not in _CACHE:
        net = load_policy(path, device)[0]
        # one tiny decode: torch's first calls are several times slower (lazy kernel set-up), and a
        # solver's clock should not pay for that
        from .generate import sample_instance

        construct(net, sample_instance(8, problem=net.problem, seed=0), pomo=4, samples=4, device=device)
        _CACHE[key] = net
    return _CACHE[key]


def save_policy(model: Policy, path, meta: dict) -> None:
    """A checkpoint loadable with ``torch.load(weights_only=True)``: config, weights, metadata."""
    from ..._torch import save_torch

    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    save_torch({"format": "netopt-nco-policy", "version": 1, "config": model.config, "state": state,
                "meta": meta}, path)


def load_policy(path, device="cpu") -> tuple[Policy, dict]:
    """The policy stored at ``path`` (eval mode, on ``device``) and its metadata."""
    from ..._torch import load_torch

    ck = load_torch(path, "checkpoint", "netopt-nco-policy")
    model = Policy(**ck["config"])
    model.load_state_dict(ck["state"])
    return model.to(device).eval(), ck.get("meta", {})
