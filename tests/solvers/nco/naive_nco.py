"""Slow, obviously-correct twin of the policy's decoder: one rollout at a time, Python lists for the
masks, the model's own layers for the numbers. Used to check the batched ``Policy.rollout``."""

import math

import torch
import torch.nn.functional as F


@torch.no_grad()
def greedy_rollout(model, f, start: int):
    """Greedy construction of instance 0 of ``f`` from first customer ``start``.

    Rules: a customer is allowed when unvisited and its demand fits the remaining capacity; the
    depot is allowed (CVRP) when the vehicle is not at the depot, (TSP) only when all are visited;
    when all customers are visited only the depot is allowed, and the rollout ends there.
    Returns (sequence incl. the leading and final depot, summed log-probability, length)."""
    h = model.encode(f)[0]
    N, D = h.shape
    n, H = N - 1, model.heads
    dk = D // H
    dist = f["dist"][0]
    dem = f["demand"][0].tolist()
    kg, vg = model.kv_glimpse(h).view(N, 2, H, dk).unbind(1)  # (N, H, dk)
    kl = model.k_logit(h)
    coef = F.softplus(model.dist_coef) * math.sqrt(n)
    qg = model.q_graph(h.mean(dim=0))
    tsp = model.problem == "tsp"
    visited, cur, cap = {start}, start, 1.0 - dem[start]
    seq, logp, length = [0, start], 0.0, float(dist[0, start])
    while True:
        if len(visited) == n:
            allowed = [0]
        else:
            allowed = [j for j in range(1, N) if j not in visited and dem[j] <= cap + 1e-6]
            if not tsp and cur != 0:
                allowed.append(0)
        q = (model.q_node(h[cur]) + qg + model.q_cap(torch.tensor([cap]))).view(H, dk)
        g = []
        for a in range(H):
            s = torch.stack([q[a] @ kg[j, a] / math.sqrt(dk) for j in allowed])
            w = torch.softmax(s, dim=0)
            g.append(sum(w[i] * vg[j, a] for i, j in enumerate(allowed)))
        g = torch.cat(g)
        u = torch.stack([10 * torch.tanh(g @ kl[j] / math.sqrt(D)) - coef * dist[cur, j] for j in allowed])
        lp = torch.log_softmax(u, dim=0)
        i = int(torch.argmax(lp))
        nxt = allowed[i]
        logp += float(lp[i])
        length += float(dist[cur, nxt])
        seq.append(nxt)
        if nxt == 0:
            cap = 1.0
            if len(visited) == n:
                return seq, logp, length
        else:
            cap -= dem[nxt]
            visited.add(nxt)
        cur = nxt
