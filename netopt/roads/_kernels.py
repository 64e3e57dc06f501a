"""Numba kernels for road matrices. Inputs are assumed clean (built in matrix.py, never from a file).

``targets_dijkstra``: one Dijkstra per source over a CSR graph whose first ``k`` nodes are the
points (sources and targets, never passed through), stopping as soon as all ``k`` points are
settled, and resetting only the nodes it touched. On a large map whose points lie in a small part
of it, the search stops long before it has settled the whole graph.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .._numba_cache import drop_stale
from ..solvers.assignment import _kernels as _assignment_kernels
from ..solvers.assignment._kernels import _heap_pop, _heap_push

drop_stale(__file__, _assignment_kernels.__file__)  # the kernels below compile in those heap kernels


@njit(cache=True)
def targets_dijkstra(k, offsets, head, cost, out):
    """Fill ``out[s, t]`` (``k x k``) with the shortest-path cost from point ``s`` to point ``t``
    (``inf`` when unreachable). Returns the total number of nodes settled (a measure of the work)."""
    n = offsets.size - 1
    m = head.size
    dist = np.full(n, np.inf)
    settled = np.zeros(n, np.int64)  # == s + 1 when settled in the search from s
    touched = np.empty(n, np.int64)
    hk = np.empty(m + 1)
    hn = np.empty(m + 1, np.int64)
    work = 0
    for s in range(k):
        for t in range(k):
            out[s, t] = np.inf
        ntouch = 0
        dist[s] = 0.0
        touched[ntouch] = s
        ntouch += 1
        size = _heap_push(hk, hn, 0, 0.0, s)
        found = 0
        while size > 0 and found < k:
            d, u, size = _heap_pop(hk, hn, size)
            if settled[u] == s + 1:
                continue
            settled[u] = s + 1
            work += 1
            if u < k:
                out[s, u] = d
                found += 1
                if u != s:
                    continue  # points are not through nodes
            for e in range(offsets[u], offsets[u + 1]):
                v = head[e]
                nd = d + cost[e]
                if nd < dist[v]:
                    if dist[v] == np.inf:
                        touched[ntouch] = v
                        ntouch += 1
                    dist[v] = nd
                    size = _heap_push(hk, hn, size, nd, v)
        for i in range(ntouch):
            dist[touched[i]] = np.inf
    return work
