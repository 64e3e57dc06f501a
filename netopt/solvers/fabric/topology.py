"""Datacenter fabric topologies as flat arrays.

A :class:`Fabric` is a frozen dataclass holding every directed link of a 2-tier leaf-spine or a
3-tier k-ary fat-tree in flat NumPy arrays (``link_src``, ``link_dst``, ``capacity``, ``tier``).
Link ids follow a fixed arithmetic layout so that analyses can address whole tiers as 2-D blocks
without per-link Python objects:

leaf-spine (N hosts, L leaves, S spines, H hosts per leaf)
    ``[0, N)`` host -> leaf, ``[N, 2N)`` leaf -> host,
    ``2N + a*S + s`` leaf ``a`` -> spine ``s`` (uplinks, an ``L x S`` block),
    ``2N + L*S + b*S + s`` spine ``s`` -> leaf ``b`` (downlinks, an ``L x S`` block).

fat-tree (k pods, h = k/2; E = k*h edge switches, A = k*h aggregation switches, h*h cores)
    ``[0, N)`` host -> edge, ``[N, 2N)`` edge -> host,
    ``2N + e*h + i`` edge ``e`` -> aggregation ``i`` of its pod (``E x h``),
    ``2N + E*h + e*h + i`` aggregation ``i`` -> edge ``e`` (``E x h``),
    ``2N + 2E*h + g*h + j`` aggregation ``g`` -> core ``(g % h)*h + j`` (``A x h``),
    ``2N + 2E*h + A*h + g*h + j`` core ``(g % h)*h + j`` -> aggregation ``g`` (``A x h``).

Capacities are stored in **bytes per second** (the public constructors take Gbit/s), so a link
load in bytes divided by its capacity is a drain time in seconds: the *congestion* used
throughout :mod:`netopt.solvers.fabric`.

Examples
--------
>>> fab = leaf_spine(leaves=4, spines=2, hosts_per_leaf=2)
>>> fab.n_hosts, fab.n_links
(8, 32)
>>> fab.oversubscription
1.0
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..._limits import check_dense
from .errors import FabricInputError

__all__ = ["Fabric", "leaf_spine", "fat_tree", "GBIT"]

#: bytes per second in one Gbit/s
GBIT = 1e9 / 8.0

TIER_HOST_UP, TIER_HOST_DOWN, TIER_UP, TIER_DOWN, TIER_UP2, TIER_DOWN2 = range(6)


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Fabric:
    """A leaf-spine or fat-tree fabric (see the module docstring for the link layout).

    Parameters
    ----------
    kind
        ``"leaf-spine"`` or ``"fat-tree"``.
    n_hosts, n_leaves, n_spines, hosts_per_leaf
        For a fat-tree ``n_leaves`` counts edge switches and ``n_spines`` is ``k/2`` (the
        uplinks per edge switch; the number of aggregation switches per pod).
    k
        Fat-tree arity (0 for leaf-spine).
    link_src, link_dst
        Node ids of every directed link: hosts ``[0, N)``, leaves/edges next, then spines
        (leaf-spine) or aggregation switches followed by cores (fat-tree).
    capacity
        Bytes per second; 0 for a failed link.
    tier
        Tier code of every link (0 host up, 1 host down, 2 leaf/edge up, 3 down to leaf/edge,
        4 aggregation up to core, 5 core down to aggregation).
    name
        Free text used in reports.
    """

    kind: str
    n_hosts: int
    n_leaves: int
    n_spines: int
    hosts_per_leaf: int
    k: int
    link_src: np.ndarray
    link_dst: np.ndarray
    capacity: np.ndarray
    tier: np.ndarray
    name: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.kind not in ("leaf-spine", "fat-tree"):
            raise FabricInputError("topology", f"unknown topology {self.kind!r} (leaf-spine, fat-tree)")
        for name in ("n_hosts", "n_leaves", "n_spines", "hosts_per_leaf"):
            if int(getattr(self, name)) <= 0:
                raise FabricInputError(name, "must be positive")
        if self.n_hosts != self.n_leaves * self.hosts_per_leaf:
            raise FabricInputError("hosts", "n_hosts must equal n_leaves * hosts_per_leaf")
        n = self.expected_links()
        arrays = {}
        for name, dtype in (("link_src", np.int64), ("link_dst", np.int64), ("capacity", np.float64), ("tier", np.int8)):
            a = np.asarray(getattr(self, name), dtype=dtype)
            if a.shape != (n,):
                raise FabricInputError(name, f"expected shape ({n},), got {a.shape}")
            arrays[name] = _ro(a)
        if not np.all(np.isfinite(arrays["capacity"])) or np.any(arrays["capacity"] < 0):
            raise FabricInputError("capacity", "capacities must be finite and >= 0")
        if np.any(arrays["capacity"][arrays["tier"] <= TIER_HOST_DOWN] <= 0):
            raise FabricInputError("capacity", "host links cannot fail (capacity 0)")
        for name, a in arrays.items():
            object.__setattr__(self, name, a)

    # ------------------------------------------------------------------ layout helpers
    @property
    def half(self) -> int:
        """Uplinks per leaf/edge switch (``S`` for leaf-spine, ``k/2`` for fat-tree)."""
        return self.n_spines

    @property
    def n_links(self) -> int:
        return int(self.capacity.size)

    def expected_links(self) -> int:
        N, L, S = self.n_hosts, self.n_leaves, self.n_spines
        if self.kind == "leaf-spine":
            return 2 * N + 2 * L * S
        return 2 * N + 2 * L * S + 2 * (self.k * S) * S

    @property
    def off_up(self) -> int:
        return 2 * self.n_hosts

    @property
    def off_down(self) -> int:
        return 2 * self.n_hosts + self.n_leaves * self.n_spines

    @property
    def off_up2(self) -> int:
        return 2 * self.n_hosts + 2 * self.n_leaves * self.n_spines

    @property
    def off_down2(self) -> int:
        return self.off_up2 + self.k * self.n_spines * self.n_spines

    def block(self, tier: int) -> np.ndarray:
        """Capacities of a switch tier as a 2-D view: ``(L, S)`` for tiers 2/3, ``(A, h)`` for 4/5."""
        L, S = self.n_leaves, self.n_spines
        if tier == TIER_UP:
            return self.capacity[self.off_up : self.off_up + L * S].reshape(L, S)
        if tier == TIER_DOWN:
            return self.capacity[self.off_down : self.off_down + L * S].reshape(L, S)
        if self.kind != "fat-tree":
            raise FabricInputError("tier", "tiers 4/5 exist only in fat-trees")
        A = self.k * S
        if tier == TIER_UP2:
            return self.capacity[self.off_up2 : self.off_up2 + A * S].reshape(A, S)
        if tier == TIER_DOWN2:
            return self.capacity[self.off_down2 : self.off_down2 + A * S].reshape(A, S)
        raise FabricInputError("tier", f"unknown tier {tier}")

    @property
    def host_up_capacity(self) -> np.ndarray:
        return self.capacity[: self.n_hosts]

    @property
    def host_down_capacity(self) -> np.ndarray:
        return self.capacity[self.n_hosts : 2 * self.n_hosts]

    @property
    def healthy(self) -> bool:
        """No failed link."""
        return bool(np.all(self.capacity > 0))

    @property
    def uniform(self) -> bool:
        """All switch-to-switch links have the same (non-zero) capacity."""
        c = self.capacity[2 * self.n_hosts :]
        return bool(c.size and np.all(c == c[0]) and c[0] > 0)

    @property
    def oversubscription(self) -> float:
        """Host bandwidth over uplink bandwidth of leaf 0 (``H * host / sum(uplinks)``)."""
        up = self.block(TIER_UP)[0].sum()
        return float(self.host_up_capacity[: self.hosts_per_leaf].sum() / up) if up > 0 else float("inf")

    def leaf_of(self, hosts: np.ndarray) -> np.ndarray:
        """Leaf (edge switch) index of each host id."""
        return np.asarray(hosts, dtype=np.int64) // self.hosts_per_leaf

    # ------------------------------------------------------------------ modifiers
    def with_capacity(self, links: np.ndarray, gbps: float | np.ndarray) -> "Fabric":
        """A copy with the capacity of ``links`` (ids) set to ``gbps`` Gbit/s (0 = failed).

        Leaf-spine uplink ``a -> s`` is ``off_up + a*S + s``; see the module docstring.
        """
        links = np.asarray(links, dtype=np.int64).ravel()
        if links.size and (links.min() < 0 or links.max() >= self.n_links):
            raise FabricInputError("links", f"link ids must be in [0, {self.n_links})")
        cap = self.capacity.copy()
        cap[links] = np.asarray(gbps, dtype=np.float64) * GBIT
        return Fabric(self.kind, self.n_hosts, self.n_leaves, self.n_spines, self.hosts_per_leaf, self.k,
                      self.link_src, self.link_dst, cap, self.tier, self.name)

    def fail_leaf_spine(self, pairs) -> "Fabric":
        """A copy where the cables ``(leaf, spine)`` in ``pairs`` are down (both directions).

        Only for leaf-spine fabrics.
        """
        if self.kind != "leaf-spine":
            raise FabricInputError("failed", "link failures are supported on leaf-spine fabrics only")
        p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        L, S = self.n_leaves, self.n_spines
        if p.size and (p[:, 0].min() < 0 or p[:, 0].max() >= L or p[:, 1].min() < 0 or p[:, 1].max() >= S):
            raise FabricInputError("failed", f"(leaf, spine) pairs must lie in [0,{L}) x [0,{S})")
        ids = np.concatenate([self.off_up + p[:, 0] * S + p[:, 1], self.off_down + p[:, 0] * S + p[:, 1]])
        return self.with_capacity(ids, 0.0)

    def describe(self) -> str:
        if self.kind == "leaf-spine":
            return (f"leaf-spine {self.n_leaves} leaves x {self.n_spines} spines x {self.hosts_per_leaf} hosts "
                    f"({self.n_hosts} hosts, oversubscription {self.oversubscription:g}:1)")
        return f"fat-tree k={self.k} ({self.n_hosts} hosts, {self.n_leaves} edge switches)"


def _check_links(n_links: int) -> None:
    """Refuse a fabric whose link arrays (src, dst: int64, capacity: float64, tier: int8; with the
    temporaries of their construction and of the models) would not fit in memory."""
    check_dense("link table", (n_links,), itemsize=25, copies=4, where="fabric")


def _check_int(name: str, v, minimum: int = 1) -> int:
    try:
        iv = int(v)
    except (TypeError, ValueError):
        raise FabricInputError(name, f"must be an integer, got {v!r}") from None
    if iv != v or iv < minimum:
        raise FabricInputError(name, f"must be an integer >= {minimum}, got {v!r}")
    return iv


def _check_speed(name: str, v) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise FabricInputError(name, f"must be a number (Gbit/s), got {v!r}") from None
    if not np.isfinite(f) or f <= 0:
        raise FabricInputError(name, f"must be a positive speed in Gbit/s, got {v!r}")
    return f


def leaf_spine(leaves: int, spines: int, hosts_per_leaf: int, *, host_gbps: float = 400.0,
               uplink_gbps: float | None = None, oversubscription: float = 1.0,
               failed=None, name: str = "") -> Fabric:
    """A 2-tier leaf-spine fabric: every leaf has one uplink to every spine.

    Parameters
    ----------
    leaves, spines, hosts_per_leaf
        Counts (positive integers).
    host_gbps
        Host NIC speed in Gbit/s (both directions).
    uplink_gbps
        Leaf-spine link speed in Gbit/s. Default: ``hosts_per_leaf * host_gbps /
        (spines * oversubscription)`` so the leaf has the requested oversubscription.
    oversubscription
        Host bandwidth / uplink bandwidth per leaf (1.0 = non-blocking). Ignored when
        ``uplink_gbps`` is given.
    failed
        Optional ``(leaf, spine)`` pairs whose cable is down.

    Examples
    --------
    >>> leaf_spine(2, 2, 4, host_gbps=100).block(2)[0] / GBIT
    array([200., 200.])
    """
    L = _check_int("leaves", leaves)
    S = _check_int("spines", spines)
    H = _check_int("hosts_per_leaf", hosts_per_leaf)
    h = _check_speed("host_gbps", host_gbps)
    if uplink_gbps is None:
        o = _check_speed("oversubscription", oversubscription)
        u = H * h / (S * o)
    else:
        u = _check_speed("uplink_gbps", uplink_gbps)
    N = L * H
    _check_links(2 * N + 2 * L * S)
    hosts = np.arange(N, dtype=np.int64)
    leaf_node = N + hosts // H
    a = np.repeat(np.arange(L, dtype=np.int64), S)
    s = np.tile(np.arange(S, dtype=np.int64), L)
    src = np.concatenate([hosts, leaf_node, N + a, N + L + s])
    dst = np.concatenate([leaf_node, hosts, N + L + s, N + a])
    cap = np.concatenate([np.full(2 * N, h * GBIT), np.full(2 * L * S, u * GBIT)])
    tier = np.concatenate([np.full(N, TIER_HOST_UP), np.full(N, TIER_HOST_DOWN),
                           np.full(L * S, TIER_UP), np.full(L * S, TIER_DOWN)]).astype(np.int8)
    fab = Fabric("leaf-spine", N, L, S, H, 0, src, dst, cap, tier, name or f"leaf-spine-{L}x{S}x{H}")
    if failed is not None and len(failed):
        fab = fab.fail_leaf_spine(failed)
    return fab


def fat_tree(k: int, *, host_gbps: float = 400.0, link_gbps: float | None = None, name: str = "") -> Fabric:
    """A 3-tier k-ary fat-tree (k pods of k/2 edge and k/2 aggregation switches, (k/2)^2 cores).

    Parameters
    ----------
    k
        Even arity >= 2; ``k**3/4`` hosts.
    host_gbps
        Host NIC speed in Gbit/s.
    link_gbps
        Switch-to-switch link speed in Gbit/s (default ``host_gbps``: non-blocking).

    Examples
    --------
    >>> ft = fat_tree(4)
    >>> ft.n_hosts, ft.n_leaves, ft.n_spines
    (16, 8, 2)
    """
    k = _check_int("k", k, 2)
    if k % 2:
        raise FabricInputError("k", f"fat-tree arity must be even, got {k}")
    h = _check_speed("host_gbps", host_gbps)
    u = h if link_gbps is None else _check_speed("link_gbps", link_gbps)
    half = k // 2
    E = k * half
    A = k * half
    N = E * half
    _check_links(2 * N + 2 * E * half + 2 * A * half)
    hosts = np.arange(N, dtype=np.int64)
    edge_node = N + hosts // half
    agg0 = N + E
    core0 = agg0 + A
    e = np.repeat(np.arange(E, dtype=np.int64), half)
    i = np.tile(np.arange(half, dtype=np.int64), E)
    agg_of_e = agg0 + (e // half) * half + i  # pod = e // half
    g = np.repeat(np.arange(A, dtype=np.int64), half)
    j = np.tile(np.arange(half, dtype=np.int64), A)
    core_of_g = core0 + (g % half) * half + j
    src = np.concatenate([hosts, edge_node, N + e, agg_of_e, agg0 + g, core_of_g])
    dst = np.concatenate([edge_node, hosts, agg_of_e, N + e, core_of_g, agg0 + g])
    cap = np.concatenate([np.full(2 * N, h * GBIT), np.full(2 * E * half + 2 * A * half, u * GBIT)])
    tier = np.concatenate([np.full(N, TIER_HOST_UP), np.full(N, TIER_HOST_DOWN), np.full(E * half, TIER_UP),
                           np.full(E * half, TIER_DOWN), np.full(A * half, TIER_UP2),
                           np.full(A * half, TIER_DOWN2)]).astype(np.int8)
    return Fabric("fat-tree", N, E, half, half, k, src, dst, cap, tier, name or f"fat-tree-k{k}")
