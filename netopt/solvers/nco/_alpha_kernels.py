"""Numba kernels of the alpha-nearness heatmap (``heatmap=alpha``; inputs are trusted).

Alpha-nearness (Helsgaun, LKH): with node penalties ``pi`` from subgradient ascent on the
spanning-tree bound, ``alpha(i, j) = c(i, j) - beta(i, j)`` where ``c = d + pi_i + pi_j`` and
``beta`` is the largest ``c`` on the tree path between ``i`` and ``j`` of the minimum spanning tree
under ``c``: the increase of the tree's length when the tree is forced to contain ``(i, j)``
(0 for tree edges). Here the tree is spanned over a sparse edge pool (the caller's nearest
neighbours plus the edges of a tour, so that the pool is connected); LKH uses the complete graph and
a 1-tree. Edges are arrays ``eu, ev`` (int64) with lengths ``ed`` (float64).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _find(parent, v):
    while parent[v] != v:
        parent[v] = parent[parent[v]]
        v = parent[v]
    return v


@njit(cache=True)
def kruskal(n, eu, ev, cost, tree, deg):
    """Minimum spanning forest of the pool under ``cost`` (Kruskal; ties by edge index): marks its
    edges in ``tree`` (bool), their end degrees in ``deg``; returns ``(total cost, edges used)``."""
    order = np.argsort(cost, kind="mergesort")
    parent = np.arange(n)
    for v in range(n):
        deg[v] = 0
    for e in range(eu.shape[0]):
        tree[e] = False
    total = 0.0
    used = 0
    for e in order:
        a = _find(parent, eu[e])
        b = _find(parent, ev[e])
        if a == b:
            continue
        parent[a] = b
        tree[e] = True
        deg[eu[e]] += 1
        deg[ev[e]] += 1
        total += cost[e]
        used += 1
        if used == n - 1:
            break
    return total, used


@njit(cache=True)
def subgradient(n, eu, ev, ed, iterations, t0):
    """Penalties ``pi`` maximising ``w(pi) = MST_c(pi) - 2 sum(pi)`` by subgradient ascent: ``pi += t *
    (0.7 v + 0.3 v_prev)`` with ``v = deg - 2``, ``t = t0 * 0.97^it``; returns ``(best pi, best w)``."""
    m = eu.shape[0]
    pi = np.zeros(n)
    best_pi = np.zeros(n)
    best_w = -np.inf
    cost = np.empty(m)
    tree = np.zeros(m, np.bool_)
    deg = np.zeros(n, np.int64)
    vprev = np.zeros(n)
    t = t0
    for it in range(iterations):
        for e in range(m):
            cost[e] = ed[e] + pi[eu[e]] + pi[ev[e]]
        total, _used = kruskal(n, eu, ev, cost, tree, deg)
        w = total - 2.0 * pi.sum()
        if w > best_w:
            best_w = w
            best_pi[:] = pi
        done = True
        for v in range(n):
            g = deg[v] - 2.0
            if g != 0.0:
                done = False
            step = 0.7 * g + 0.3 * vprev[v] if it > 0 else g
            vprev[v] = g
            pi[v] += t * step
        if done:  # the tree is a Hamiltonian path: no better bound from here
            break
        t *= 0.97
    return best_pi, best_w


@njit(cache=True)
def root_tree(n, eu, ev, cost, tree):
    """Parent, depth and parent-edge cost of every city in the spanning tree marked by ``tree``, rooted
    at city 0 (a forest's other roots get parent -1 too)."""
    deg = np.zeros(n + 1, np.int64)
    for e in range(eu.shape[0]):
        if tree[e]:
            deg[eu[e] + 1] += 1
            deg[ev[e] + 1] += 1
    for v in range(n):
        deg[v + 1] += deg[v]
    adj = np.empty(deg[n], np.int64)
    adc = np.empty(deg[n])
    fill = deg[:n].copy()
    for e in range(eu.shape[0]):
        if tree[e]:
            a, b = eu[e], ev[e]
            adj[fill[a]] = b
            adc[fill[a]] = cost[e]
            fill[a] += 1
            adj[fill[b]] = a
            adc[fill[b]] = cost[e]
            fill[b] += 1
    parent = np.full(n, -1, np.int64)
    depth = np.full(n, -1, np.int64)
    pw = np.zeros(n)
    stack = np.empty(n, np.int64)
    for r in range(n):
        if depth[r] >= 0:
            continue
        depth[r] = 0
        top = 0
        stack[0] = r
        top = 1
        while top > 0:
            top -= 1
            v = stack[top]
            for s in range(deg[v], deg[v + 1]):
                u = adj[s]
                if depth[u] < 0:
                    depth[u] = depth[v] + 1
                    parent[u] = v
                    pw[u] = adc[s]
                    stack[top] = u
                    top += 1
    return parent, depth, pw


@njit(cache=True)
def path_max(i, j, parent, depth, pw):
    """Largest parent-edge cost on the tree path between ``i`` and ``j`` (-inf if they are not connected)."""
    best = -np.inf
    while depth[i] > depth[j]:
        best = max(best, pw[i])
        i = parent[i]
    while depth[j] > depth[i]:
        best = max(best, pw[j])
        j = parent[j]
    while i != j:
        if parent[i] < 0 or parent[j] < 0:
            return -np.inf
        best = max(best, pw[i], pw[j])
        i = parent[i]
        j = parent[j]
    return best


@njit(cache=True)
def alpha_values(pool, pd, pi, parent, depth, pw):
    """``alpha(i, pool[i, t]) = pd[i, t] + pi_i + pi_j - beta(i, j)`` for every pool entry (``inf`` when
    the tree does not connect them)."""
    n, p = pool.shape
    out = np.empty((n, p))
    for i in range(n):
        for t in range(p):
            j = pool[i, t]
            b = path_max(i, j, parent, depth, pw)
            out[i, t] = np.inf if b == -np.inf else max(0.0, pd[i, t] + pi[i] + pi[j] - b)
    return out
