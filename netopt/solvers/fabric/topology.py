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

Rail-optimised clusters (``rails = G > 1``): servers of ``G`` GPUs, GPU ``g`` of every server of a
scalable unit (SU) cabled to the SU's rail leaf ``g``. The leaves are grouped in SUs of ``G``
consecutive leaves (leaf ``u*G + g`` is rail ``g`` of SU ``u``); slot ``m`` of every rail leaf of SU
``u`` belongs to server ``u*H + m``. So host (NIC port) ``(u*G + g)*H + m`` is GPU ``g`` of server
``u*H + m``, i.e. GPU id ``(u*H + m)*G + g`` (:meth:`Fabric.gpu_host`, :meth:`Fabric.host_gpu`).
Traffic between two GPUs of one server goes over NVLink and never touches a NIC or the fabric
(:mod:`.traffic` drops it). The switch layers are those of the leaf-spine or fat-tree below: rails
are joined by the spines (leaf-spine) or by the aggregation and core layers (fat-tree; with ``G``
dividing ``k/2`` an SU lies within one pod).

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
    rails
        GPUs per server = rail leaves per scalable unit (1: no server structure, every host its own
        server); see the module docstring.
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
    rails: int = 1
    _cache: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.kind not in ("leaf-spine", "fat-tree"):
            raise FabricInputError("topology", f"unknown topology {self.kind!r} (leaf-spine, fat-tree)")
        for name in ("n_hosts", "n_leaves", "n_spines", "hosts_per_leaf"):
            if int(getattr(self, name)) <= 0:
                raise FabricInputError(name, "must be positive")
        if self.n_hosts != self.n_leaves * self.hosts_per_leaf:
            raise FabricInputError("hosts", "n_hosts must equal n_leaves * hosts_per_leaf")
        G = _check_int("rails", self.rails)
        if self.n_leaves % G:
            raise FabricInputError("rails", f"{G} rails need a leaf count divisible by {G} (one rail leaf per GPU "
                                            f"of a server in every scalable unit); got {self.n_leaves} leaves")
        object.__setattr__(self, "rails", G)
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
    def tier_uniform(self) -> bool:
        """Every switch tier has one (non-zero) capacity (tiers may differ: per-tier oversubscription)."""
        tiers = (TIER_UP, TIER_DOWN) + ((TIER_UP2, TIER_DOWN2) if self.kind == "fat-tree" else ())
        for t in tiers:
            c = self.block(t)
            if c.size == 0 or c.flat[0] <= 0 or not np.all(c == c.flat[0]):
                return False
        return True

    @property
    def oversubscription(self) -> float:
        """Host bandwidth over uplink bandwidth of leaf 0 (``H * host / sum(uplinks)``)."""
        up = self.block(TIER_UP)[0].sum()
        return float(self.host_up_capacity[: self.hosts_per_leaf].sum() / up) if up > 0 else float("inf")

    def leaf_of(self, hosts: np.ndarray) -> np.ndarray:
        """Leaf (edge switch) index of each host id."""
        return np.asarray(hosts, dtype=np.int64) // self.hosts_per_leaf

    @property
    def n_servers(self) -> int:
        return self.n_hosts // self.rails

    def server_of(self, hosts: np.ndarray) -> np.ndarray:
        """Server of each host id (the host itself unless the fabric is rail-optimised)."""
        h = np.asarray(hosts, dtype=np.int64)
        if self.rails == 1:
            return h
        H, G = self.hosts_per_leaf, self.rails
        return (h // H // G) * H + h % H

    def gpu_host(self, gpus: np.ndarray) -> np.ndarray:
        """Host (NIC port) id of each GPU id (``server * rails + rail``); identity without rails."""
        x = np.asarray(gpus, dtype=np.int64)
        if self.rails == 1:
            return x
        H, G = self.hosts_per_leaf, self.rails
        srv, g = np.divmod(x, G)
        u, m = np.divmod(srv, H)
        return (u * G + g) * H + m

    def host_gpu(self, hosts: np.ndarray) -> np.ndarray:
        """GPU id of each host id (inverse of :meth:`gpu_host`)."""
        h = np.asarray(hosts, dtype=np.int64)
        if self.rails == 1:
            return h
        H, G = self.hosts_per_leaf, self.rails
        a, m = np.divmod(h, H)
        u, g = np.divmod(a, G)
        return (u * H + m) * G + g

    def kernel_caps(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The switch tiers' capacities as the kernels take them: writable C-contiguous copies of the
        ``up``, ``down``, ``up2``, ``down2`` blocks (``(1, 1)`` ones for the missing core tiers of a
        leaf-spine), so every kernel is compiled for one array type."""
        if "kernel_caps" not in self._cache:
            tiers = (TIER_UP, TIER_DOWN) + ((TIER_UP2, TIER_DOWN2) if self.kind == "fat-tree" else ())
            caps = [np.array(self.block(t), dtype=np.float64, order="C") for t in tiers]
            self._cache["kernel_caps"] = tuple(caps) if len(caps) == 4 else (*caps, np.ones((1, 1)), np.ones((1, 1)))
        return self._cache["kernel_caps"]

    def kernel_capacity(self) -> np.ndarray:
        """A writable copy of ``capacity`` (bytes/s per link id), made once: what the max-min kernel
        takes (one array type, one compiled signature)."""
        if "kernel_capacity" not in self._cache:
            self._cache["kernel_capacity"] = np.array(self.capacity, dtype=np.float64, order="C")
        return self._cache["kernel_capacity"]

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
                      self.link_src, self.link_dst, cap, self.tier, self.name, self.rails)

    def fail_leaf_spine(self, pairs) -> "Fabric":
        """A copy where the cables ``(leaf, spine)`` in ``pairs`` are down (both directions).

        Only for leaf-spine fabrics (:meth:`fail_cables` for any tier).
        """
        if self.kind != "leaf-spine":
            raise FabricInputError("failed", "(leaf, spine) cables exist on leaf-spine fabrics; fat-trees take "
                                             "('edge', edge, agg index) or ('core', agg switch, core index)")
        return self.fail_cables([("leaf", a, s) for a, s in np.asarray(pairs, dtype=np.int64).reshape(-1, 2).tolist()])

    def fail_cables(self, cables) -> "Fabric":
        """A copy where the given cables are down (both directions), at any switch tier.

        ``cables``: ``(tier, x, y)`` triples. Leaf-spine: ``("leaf", leaf, spine)`` (or a plain
        ``(leaf, spine)`` pair). Fat-tree: ``("edge", e, i)`` is the cable between edge switch ``e``
        and aggregation switch ``i`` of its pod (``0 <= i < k/2``); ``("core", g, j)`` the cable between
        aggregation switch ``g`` (``0 <= g < k*k/2``, pod ``g // (k/2)``) and its ``j``-th core
        ``(g % (k/2)) * (k/2) + j``.

        Examples
        --------
        >>> ft = fat_tree(4).fail_cables([("edge", 0, 1), ("core", 3, 0)])
        >>> int((ft.capacity == 0).sum()), ft.healthy
        (4, False)
        """
        L, S = self.n_leaves, self.n_spines
        ids = []
        for c in cables:
            c = tuple(c)
            if len(c) == 2:
                c = ("leaf" if self.kind == "leaf-spine" else "edge", *c)
            if len(c) != 3:
                raise FabricInputError("failed", f"expected (tier, x, y), got {c!r}")
            tier, x, y = c[0], c[1], c[2]
            try:
                x, y = int(x), int(y)
            except (TypeError, ValueError):
                raise FabricInputError("failed", f"cable {c!r}: x and y must be integers") from None
            lower = tier in ("leaf", "edge") or (self.kind == "leaf-spine" and tier == "spine")
            if self.kind == "leaf-spine" and not lower:
                raise FabricInputError("failed", f"leaf-spine cables are leaf:LEAF:SPINE, got tier {tier!r}")
            if lower:  # leaf (edge switch) x to spine (aggregation plane) y
                if not (0 <= x < L and 0 <= y < S):
                    what = "(leaf, spine)" if self.kind == "leaf-spine" else "edge cable (edge, agg index)"
                    raise FabricInputError("failed", f"{what} must lie in [0,{L}) x [0,{S}), got ({x}, {y})")
                ids += [self.off_up + x * S + y, self.off_down + x * S + y]
            elif tier in ("core", "agg"):
                A = self.k * S
                if not (0 <= x < A and 0 <= y < S):
                    raise FabricInputError("failed", f"core cable (agg switch, core index) must lie in [0,{A}) x "
                                                     f"[0,{S}), got ({x}, {y})")
                ids += [self.off_up2 + x * S + y, self.off_down2 + x * S + y]
            else:
                raise FabricInputError("failed", f"unknown fat-tree tier {tier!r} (edge, core)")
        return self.with_capacity(np.asarray(ids, dtype=np.int64), 0.0) if ids else self

    def describe(self) -> str:
        rails = ""
        if self.rails > 1:
            rails = f"rail-optimised ({self.rails} rails, {self.n_servers} servers of {self.rails} GPUs) "
        failed = int(np.sum(self.capacity[2 * self.n_hosts:] == 0)) // 2
        tail = f", {failed} failed cable{'s' if failed != 1 else ''}" if failed else ""
        if self.kind == "leaf-spine":
            u = float(self.block(TIER_UP).max())  # the design speed (failed cables aside)
            o = float(self.host_up_capacity.max()) * self.hosts_per_leaf / (self.n_spines * u) if u > 0 else float("inf")
            return (f"{rails}leaf-spine {self.n_leaves} leaves x {self.n_spines} spines x {self.hosts_per_leaf} hosts "
                    f"({self.n_hosts} hosts, oversubscription {o:g}:1{tail})")
        over = ""
        u1, u2 = float(self.block(TIER_UP).max()), float(self.block(TIER_UP2).max())  # design speeds
        o1 = float(self.host_up_capacity.max()) * self.hosts_per_leaf / (self.n_spines * u1) if u1 > 0 else float("inf")
        o2 = u1 / u2 if u2 > 0 else float("inf")
        if abs(o1 - 1) > 1e-12 or abs(o2 - 1) > 1e-12:
            over = f", oversubscription edge {o1:g}:1, aggregation {o2:g}:1"
        return f"{rails}fat-tree k={self.k} ({self.n_hosts} hosts, {self.n_leaves} edge switches{over}{tail})"


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
               failed=None, name: str = "", rails: int = 1) -> Fabric:
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
    rails
        GPUs per server in a rail-optimised cluster (module docstring): GPU ``g`` of every server
        of a scalable unit on rail leaf ``g``; the rails are joined by the spines.

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
    fab = Fabric("leaf-spine", N, L, S, H, 0, src, dst, cap, tier, name or f"leaf-spine-{L}x{S}x{H}", rails)
    if failed is not None and len(failed):
        fab = fab.fail_leaf_spine(failed)
    return fab


def fat_tree(k: int, *, host_gbps: float = 400.0, link_gbps: float | None = None, core_gbps: float | None = None,
             oversubscription: float = 1.0, core_oversubscription: float = 1.0, failed=None, name: str = "",
             rails: int = 1) -> Fabric:
    """A 3-tier k-ary fat-tree (k pods of k/2 edge and k/2 aggregation switches, (k/2)^2 cores).

    Parameters
    ----------
    k
        Even arity >= 2; ``k**3/4`` hosts.
    host_gbps
        Host NIC speed in Gbit/s.
    link_gbps
        Edge-aggregation link speed in Gbit/s (default ``host_gbps / oversubscription``: the edge
        tier's oversubscription, host bandwidth over uplink bandwidth of an edge switch).
    core_gbps
        Aggregation-core link speed in Gbit/s (default ``link_gbps / core_oversubscription``: the
        aggregation tier's oversubscription, downlink over uplink bandwidth of an aggregation switch).
    failed
        Cables that are down: ``("edge", e, i)`` / ``("core", g, j)`` (see :meth:`Fabric.fail_cables`).
    rails
        GPUs per server of a rail-optimised cluster (module docstring).

    Examples
    --------
    >>> ft = fat_tree(4)
    >>> ft.n_hosts, ft.n_leaves, ft.n_spines
    (16, 8, 2)
    >>> ft2 = fat_tree(4, host_gbps=100, oversubscription=2, core_oversubscription=2)
    >>> float(ft2.block(2)[0, 0] / GBIT), float(ft2.block(4)[0, 0] / GBIT)
    (50.0, 25.0)
    """
    k = _check_int("k", k, 2)
    if k % 2:
        raise FabricInputError("k", f"fat-tree arity must be even, got {k}")
    h = _check_speed("host_gbps", host_gbps)
    if link_gbps is None:
        u = h / _check_speed("oversubscription", oversubscription)
    else:
        u = _check_speed("link_gbps", link_gbps)
    if core_gbps is None:
        u2 = u / _check_speed("core_oversubscription", core_oversubscription)
    else:
        u2 = _check_speed("core_gbps", core_gbps)
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
    cap = np.concatenate([np.full(2 * N, h * GBIT), np.full(2 * E * half, u * GBIT), np.full(2 * A * half, u2 * GBIT)])
    tier = np.concatenate([np.full(N, TIER_HOST_UP), np.full(N, TIER_HOST_DOWN), np.full(E * half, TIER_UP),
                           np.full(E * half, TIER_DOWN), np.full(A * half, TIER_UP2),
                           np.full(A * half, TIER_DOWN2)]).astype(np.int8)
    fab = Fabric("fat-tree", N, E, half, half, k, src, dst, cap, tier, name or f"fat-tree-k{k}", rails)
    if failed is not None and len(failed):
        fab = fab.fail_cables(failed)
    return fab
