"""Aggregate a collective step into leaf-pair (edge-pair) traffic, without per-flow Python loops.

:func:`step_traffic` turns the flows of one step into

* ``count[a, b]``: flows from leaf ``a`` to leaf ``b`` (``a != b``; intra-leaf flows never reach
  the switch fabric and are only kept in the host totals),
* ``nbytes[a, b]``: their bytes,
* equal-size flow groups ``(ga, gb, gn, gw)``: ``gn`` flows of ``gw`` bytes from ``ga`` to ``gb``,
* ``host_out``/``host_in``: bytes each host sends / receives,
* ``size``: the common flow size when every inter-leaf flow of the step has the same size.

The implicit all-pairs flows of an all-to-all are aggregated in closed form from the number of
ranks on every leaf (``n_a * n_b`` flows between leaves ``a != b``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..._limits import check_dense
from .collectives import Collective
from .errors import FabricInputError
from .topology import Fabric

__all__ = ["StepTraffic", "step_traffic", "all_step_traffic"]


@dataclass(frozen=True)
class StepTraffic:
    """Leaf-level traffic of one collective step (see the module docstring)."""

    step: int
    repeat: int
    count: np.ndarray
    bytes_matrix: np.ndarray | None  # None when every inter-leaf flow has the same size: see nbytes
    ga: np.ndarray
    gb: np.ndarray
    gn: np.ndarray
    gw: np.ndarray
    host_out: np.ndarray
    host_in: np.ndarray
    size: float | None

    @property
    def nbytes(self) -> np.ndarray:
        """``(L, L)`` bytes between leaves; with equal flow sizes made on demand as ``count * size``
        (not kept: a k = 64 fat-tree's matrix is 32 MiB per step)."""
        if self.bytes_matrix is not None:
            return self.bytes_matrix
        return self.count * (self.size or 0.0)

    # cached: the models ask for these many times (a k = 64 fat-tree's count matrix has 4 M entries)
    @cached_property
    def out_degree(self) -> np.ndarray:
        """Inter-leaf flows leaving each leaf."""
        return self.count.sum(axis=1)

    @cached_property
    def in_degree(self) -> np.ndarray:
        return self.count.sum(axis=0)

    @cached_property
    def n_inter(self) -> int:
        """Inter-leaf flows of the step."""
        return int(self.out_degree.sum())


def _check_fit(fabric: Fabric, coll: Collective) -> None:
    if coll.placement.max() >= fabric.n_hosts:
        raise FabricInputError("placement", f"host id {int(coll.placement.max())} does not exist "
                                            f"(fabric has {fabric.n_hosts} hosts)")


def step_traffic(fabric: Fabric, coll: Collective, t: int) -> StepTraffic:
    """Aggregate step ``t`` of ``coll`` placed on ``fabric`` (see the module docstring)."""
    _check_fit(fabric, coll)
    L, N = fabric.n_leaves, fabric.n_hosts
    sel = coll.step == t
    hs = coll.placement[coll.src[sel]]
    hd = coll.placement[coll.dst[sel]]
    z = coll.size[sel]
    la, lb = hs // fabric.hosts_per_leaf, hd // fabric.hosts_per_leaf
    host_out = np.bincount(hs, weights=z, minlength=N).astype(np.float64)
    host_in = np.bincount(hd, weights=z, minlength=N).astype(np.float64)
    inter = la != lb
    la, lb, zi = la[inter], lb[inter], z[inter]
    key = la * L + lb
    count = np.bincount(key, minlength=L * L).reshape(L, L).astype(np.int64)
    nbytes = np.bincount(key, weights=zi, minlength=L * L).reshape(L, L).astype(np.float64)
    # equal-size groups: sort by (key, size)
    if key.size:
        order = np.lexsort((zi, key))
        k2, z2 = key[order], zi[order]
        brk = np.flatnonzero((np.diff(k2) != 0) | (np.diff(z2) != 0)) + 1
        starts = np.concatenate([[0], brk])
        gn = np.diff(np.concatenate([starts, [k2.size]])).astype(np.int64)
        gk, gw = k2[starts], z2[starts]
    else:
        gk = np.zeros(0, np.int64)
        gn = np.zeros(0, np.int64)
        gw = np.zeros(0)
    sizes = set(np.unique(zi).tolist())
    if t == 0 and coll.pair_bytes > 0:
        m = coll.pair_bytes
        n_leaf = np.bincount(coll.placement // fabric.hosts_per_leaf, minlength=L).astype(np.int64)
        dense = np.outer(n_leaf, n_leaf)
        np.fill_diagonal(dense, 0)
        count = count + dense
        nbytes = nbytes + dense * m
        host_out = host_out.copy()
        host_in = host_in.copy()
        host_out[coll.placement] += m * (coll.n_ranks - 1)
        host_in[coll.placement] += m * (coll.n_ranks - 1)
        nz = np.flatnonzero(dense.ravel())
        gk = np.concatenate([gk, nz])
        gn = np.concatenate([gn, dense.ravel()[nz]])
        gw = np.concatenate([gw, np.full(nz.size, m)])
        sizes.add(m)
    size = float(next(iter(sizes))) if len(sizes) == 1 else None
    return StepTraffic(t, int(coll.step_repeat[t]), count, None if size is not None else nbytes, gk // L, gk % L,
                       gn, gw, host_out, host_in, size)


def all_step_traffic(fabric: Fabric, coll: Collective) -> list[StepTraffic]:
    """:func:`step_traffic` for every step (refused up front when the dense leaf-pair matrices,
    two kept per step plus the temporaries of one, and for the implicit all-to-all its three
    dense flow-group arrays and their temporaries, would not fit in memory)."""
    L = fabric.n_leaves
    copies = 2 * coll.n_steps + 4 + (6 if coll.pair_bytes > 0 else 0)
    check_dense("leaf-pair traffic matrix", (L, L), copies=copies, where="fabric")
    return [step_traffic(fabric, coll, t) for t in range(coll.n_steps)]
