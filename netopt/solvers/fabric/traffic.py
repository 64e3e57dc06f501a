"""Aggregate a collective step into leaf-pair (edge-pair) traffic, without per-flow Python loops.

:func:`step_traffic` turns the flows of one step into

* ``count[a, b]``: flows from leaf ``a`` to leaf ``b`` (``a != b``; intra-leaf flows never reach
  the switch fabric and are only kept in the host totals); kept dense only for the implicit
  all-to-all (every leaf pair loaded), else built on demand from the flow groups: the models read
  the groups' nonzero entries (:meth:`StepTraffic.pairs`, degrees, pod counts), so a step of
  recursive doubling on a k = 64 fat-tree no longer holds a 32 MiB matrix,
* ``nbytes[a, b]``: their bytes,
* equal-size flow groups ``(ga, gb, gn, gw)``: ``gn`` flows of ``gw`` bytes from ``ga`` to ``gb``,
* ``host_out``/``host_in``: bytes each host sends / receives,
* ``size``: the common flow size when every inter-leaf flow of the step has the same size.

The implicit all-pairs flows of an all-to-all are aggregated in closed form from the number of
ranks on every leaf (``n_a * n_b`` flows between leaves ``a != b``); skewed (``pair_weight``): the
bytes from the rank weights per leaf (``pair_bytes * n_a * W_b``), the equal-size groups one per
(source leaf, destination rank), built only up to :data:`GROUP_LIMIT` groups (``groups_complete``).

Rail-optimised fabrics: flows between two GPUs of one server use NVLink and are dropped (neither
the host totals nor the switch links see them); for the implicit all-to-all the same-server pairs
(``rails - 1`` per rank) are subtracted from the closed form.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..._limits import check_dense
from .collectives import Collective
from .errors import FabricInputError
from .topology import Fabric

__all__ = ["StepTraffic", "step_traffic", "all_step_traffic", "same_server_pairs", "GROUP_LIMIT"]

#: at most this many (source leaf, destination rank) flow groups are listed for a skewed all-to-all
#: (the per-flow ECMP sampler needs them; 134 M on 65,536 GPUs, so the aggregated models work without)
GROUP_LIMIT = 4_000_000


@dataclass(frozen=True)
class StepTraffic:
    """Leaf-level traffic of one collective step (see the module docstring)."""

    step: int
    repeat: int
    count_matrix: np.ndarray | None  # None: sparse, the groups below hold every inter-leaf flow (see count)
    bytes_matrix: np.ndarray | None  # None when every inter-leaf flow has the same size: see nbytes
    ga: np.ndarray
    gb: np.ndarray
    gn: np.ndarray
    gw: np.ndarray
    host_out: np.ndarray
    host_in: np.ndarray
    size: float | None
    groups_complete: bool = True  # False: a skewed all-to-all's groups were not listed (too many)
    n_leaves: int = 0

    @cached_property
    def count(self) -> np.ndarray:
        """``(L, L)`` inter-leaf flows per leaf pair (dense; for a sparse step built from the groups
        on first use)."""
        if self.count_matrix is not None:
            return self.count_matrix
        L = self.n_leaves
        return np.bincount(self.ga * L + self.gb, weights=self.gn, minlength=L * L).astype(np.int64).reshape(L, L)

    @cached_property
    def _sparse_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        L = self.n_leaves
        key, inv = np.unique(self.ga * L + self.gb, return_inverse=True)
        return key // L, key % L, np.bincount(inv.ravel(), weights=self.gn, minlength=key.size).astype(np.int64)

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The nonzero entries ``(a, b, count[a, b])`` of :attr:`count`, in row-major order (from the
        groups without a dense pass when the step is sparse, and then kept; a dense step's, e.g. the
        all-to-all's 10 million pairs at k = 80, are made on each call and not kept)."""
        if self.count_matrix is not None:
            a, b = np.nonzero(self.count_matrix)
            return a, b, self.count_matrix[a, b]
        return self._sparse_pairs

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
        if self.count_matrix is not None:
            return self.count_matrix.sum(axis=1)
        return np.bincount(self.ga, weights=self.gn, minlength=self.n_leaves).astype(np.int64)

    @cached_property
    def in_degree(self) -> np.ndarray:
        if self.count_matrix is not None:
            return self.count_matrix.sum(axis=0)
        return np.bincount(self.gb, weights=self.gn, minlength=self.n_leaves).astype(np.int64)

    @cached_property
    def n_inter(self) -> int:
        """Inter-leaf flows of the step."""
        return int(self.out_degree.sum())

    def pod_count(self, h: int) -> np.ndarray:
        """``(k, k)`` inter-leaf flows between pods of ``h`` consecutive leaves (edge switches of a
        fat-tree), cached: spraying and the ECMP link classes both read it."""
        cache = self.__dict__.setdefault("_pod_count", {})
        if h not in cache:
            k = self.n_leaves // h
            if self.count_matrix is not None:
                cache[h] = self.count_matrix.reshape(k, h, k, h).sum(axis=(1, 3))
            else:
                cache[h] = np.bincount((self.ga // h) * k + self.gb // h, weights=self.gn,
                                       minlength=k * k).astype(np.int64).reshape(k, k)
        return cache[h]

    def leaf_bytes(self) -> tuple[np.ndarray, np.ndarray]:
        """Bytes leaving and entering each leaf over the switch fabric (from the degrees when the
        flows have one size: no dense pass)."""
        if self.size is not None:
            return self.out_degree * self.size, self.in_degree * self.size
        return self.nbytes.sum(axis=1), self.nbytes.sum(axis=0)


def _check_fit(fabric: Fabric, coll: Collective) -> None:
    if coll.placement.max() >= fabric.n_hosts:
        raise FabricInputError("placement", f"host id {int(coll.placement.max())} does not exist "
                                            f"(fabric has {fabric.n_hosts} hosts)")


def same_server_pairs(fabric: Fabric, hosts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ordered pairs ``(i, j)``, ``i != j``, of indices into ``hosts`` on the same server (NVLink
    pairs of a rail-optimised fabric; none otherwise): ``rails - 1`` partners per index at most."""
    e = np.zeros(0, dtype=np.int64)
    if fabric.rails == 1:
        return e, e
    srv = fabric.server_of(hosts)
    order = np.argsort(srv, kind="stable")
    ss = srv[order]
    starts = np.searchsorted(ss, ss, side="left")
    cnt = np.searchsorted(ss, ss, side="right") - starts - 1
    if not cnt.any():
        return e, e
    pos = np.repeat(np.arange(ss.size), cnt)
    k = np.arange(pos.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    partner = starts[pos] + k
    partner += partner >= pos
    return order[pos], order[partner]


def step_traffic(fabric: Fabric, coll: Collective, t: int) -> StepTraffic:
    """Aggregate step ``t`` of ``coll`` placed on ``fabric`` (see the module docstring)."""
    _check_fit(fabric, coll)
    L, N, H = fabric.n_leaves, fabric.n_hosts, fabric.hosts_per_leaf
    sel = coll.step_index(t)
    hs = coll.placement[coll.src[sel]]
    hd = coll.placement[coll.dst[sel]]
    z = coll.size[sel]
    if fabric.rails > 1:  # NVLink within a server
        net = fabric.server_of(hs) != fabric.server_of(hd)
        hs, hd, z = hs[net], hd[net], z[net]
    la, lb = hs // H, hd // H
    host_out = np.bincount(hs, weights=z, minlength=N).astype(np.float64, copy=False)
    host_in = np.bincount(hd, weights=z, minlength=N).astype(np.float64, copy=False)
    inter = la != lb
    la, lb, zi = la[inter], lb[inter], z[inter]
    key = la * L + lb
    count = None  # sparse unless the implicit all-to-all loads every leaf pair (below)
    dbytes = None  # the implicit all-to-all's bytes, added to the listed flows' when sizes differ
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
    complete = True
    if t == 0 and coll.pair_bytes > 0:
        m = coll.pair_bytes
        w = coll.weights
        hp = coll.placement
        lp = hp // H
        recv = w > 0
        n_leaf = np.bincount(lp, minlength=L).astype(np.int64)
        r_leaf = np.bincount(lp[recv], minlength=L).astype(np.int64)
        W_leaf = np.bincount(lp, weights=w, minlength=L)
        dense = np.outer(n_leaf, r_leaf)
        np.fill_diagonal(dense, 0)
        dbytes = m * np.outer(n_leaf, W_leaf)
        np.fill_diagonal(dbytes, 0.0)
        out_r = m * (float(w.sum()) - w)
        in_r = m * w * (coll.n_ranks - 1)
        I, J = same_server_pairs(fabric, hp)
        if I.size:  # NVLink pairs leave the NIC and the fabric
            out_r -= m * np.bincount(I, weights=w[J], minlength=coll.n_ranks)
            in_r -= m * w * np.bincount(J, minlength=coll.n_ranks)
            cross = (lp[I] != lp[J]) & recv[J]
            kk = lp[I][cross] * L + lp[J][cross]
            dense -= np.bincount(kk, minlength=L * L).reshape(L, L)
            dbytes -= m * np.bincount(kk, weights=w[J][cross], minlength=L * L).reshape(L, L)
        count = np.bincount(key, minlength=L * L).reshape(L, L).astype(np.int64, copy=False) + dense
        host_out = host_out.copy()
        host_in = host_in.copy()
        host_out[hp] += out_r
        host_in[hp] += in_r
        if coll.pair_weight is None:
            nz = np.flatnonzero(dense.ravel())
            gk = np.concatenate([gk, nz])
            gn = np.concatenate([gn, dense.ravel()[nz]])
            gw = np.concatenate([gw, np.full(nz.size, m)])
            sizes.add(m)
        else:
            rj = np.flatnonzero(recv)
            sizes.update([-1.0, -2.0])  # unequal sizes (marker values: size stays None)
            if L * rj.size <= GROUP_LIMIT:  # one group per (source leaf, destination rank)
                pos = np.full(coll.n_ranks, -1, dtype=np.int64)
                pos[rj] = np.arange(rj.size)
                cnt = np.repeat(n_leaf[:, None], rj.size, axis=1)
                cnt[lp[rj], np.arange(rj.size)] = 0
                if I.size:
                    cross = (lp[I] != lp[J]) & recv[J]
                    np.subtract.at(cnt, (lp[I][cross], pos[J][cross]), 1)
                a_idx, jj = np.nonzero(cnt)
                gk = np.concatenate([gk, a_idx * L + lp[rj][jj]])
                gn = np.concatenate([gn, cnt[a_idx, jj]])
                gw = np.concatenate([gw, m * w[rj][jj]])
            else:
                complete = False
    size = float(next(iter(sizes))) if len(sizes) == 1 else None
    nbytes = None
    if size is None:  # unequal sizes: the byte matrix (equal sizes: count * size on demand)
        nbytes = np.bincount(key, weights=zi, minlength=L * L).reshape(L, L).astype(np.float64, copy=False)
        if dbytes is not None:
            nbytes = nbytes + dbytes
    return StepTraffic(t, int(coll.step_repeat[t]), count, nbytes, gk // L, gk % L,
                       gn, gw, host_out, host_in, size, complete, L)


def all_step_traffic(fabric: Fabric, coll: Collective) -> list[StepTraffic]:
    """:func:`step_traffic` for every step (refused up front when the dense leaf-pair matrices,
    two kept per step plus the temporaries of one, and for the implicit all-to-all its three
    dense flow-group arrays and their temporaries, would not fit in memory)."""
    L = fabric.n_leaves
    copies = 2 * coll.n_steps + 4 + (6 if coll.pair_bytes > 0 else 0)
    check_dense("leaf-pair traffic matrix", (L, L), copies=copies, where="fabric")
    return [step_traffic(fabric, coll, t) for t in range(coll.n_steps)]
