"""Road networks for traffic assignment: links in CSR order, BPR link costs, OD demand.

Nodes are 0-based internally (TNTP node ``k`` is index ``k-1``); zones are the first
``num_zones`` nodes, as in TNTP. Nodes with index below ``first_thru_node - 1`` are
centroids that paths may start or end at but never pass through.

Link cost (BPR with generalised cost, as the TNTP metadata states)::

    t_a(x) = fftt_a * (1 + b_a * (x / cap_a) ** power_a) + toll_factor * toll_a + distance_factor * length_a
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np

from ..exceptions import InstanceFormatError

_LINK_FIELDS = ("capacity", "length", "fftt", "b", "power", "toll")
#: every per-link array (what a link subset or a link edit carries)
_LINK_ARRAYS = (*_LINK_FIELDS, "link_type", "init", "term", "link_ids")


def _ro(a, dtype):
    a = np.ascontiguousarray(a, dtype=dtype)
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class RoadNetwork:
    """A directed road network with BPR costs and a zone-to-zone demand matrix.

    Links are stored sorted by tail node (CSR): ``offsets[i]:offsets[i+1]`` are the links
    leaving node ``i``. ``link_ids`` keeps each link's 1-based position in the source file,
    so exported flows can be matched with the file.

    Examples
    --------
    >>> import numpy as np
    >>> net = RoadNetwork("two", 2, 2, init=[0, 0], term=[1, 1], capacity=[1, 1], fftt=[1, 2],
    ...                   demand=np.array([[0, 3.0], [0, 0]]))
    >>> net.num_links, net.total_demand
    (2, 3.0)
    """

    name: str
    num_nodes: int
    num_zones: int
    init: np.ndarray
    term: np.ndarray
    capacity: np.ndarray
    fftt: np.ndarray
    demand: np.ndarray
    length: np.ndarray | None = None
    b: np.ndarray | None = None
    power: np.ndarray | None = None
    toll: np.ndarray | None = None
    link_type: np.ndarray | None = None
    first_thru_node: int = 1
    toll_factor: float = 0.0
    distance_factor: float = 0.0
    link_ids: np.ndarray | None = None
    node_xy: np.ndarray | None = None
    source: str = "<network>"

    def __post_init__(self) -> None:
        src = self.source

        def bad(field, msg):
            return InstanceFormatError(src, field, msg)

        n, z = int(self.num_nodes), int(self.num_zones)
        if n < 2 or not 1 <= z <= n:
            raise bad("NUMBER OF ZONES", f"need 1 <= zones ({z}) <= nodes ({n}) and at least 2 nodes")
        init = np.asarray(self.init, dtype=np.int64)
        term = np.asarray(self.term, dtype=np.int64)
        m = len(init)
        if m == 0 or init.shape != (m,) or term.shape != (m,):
            raise bad("links", "need matching non-empty init/term arrays")
        for name, arr in (("init_node", init), ("term_node", term)):
            if arr.min() < 0 or arr.max() >= n:
                k = int(np.argmax((arr < 0) | (arr >= n)))
                raise bad(name, f"link {k + 1}: node {arr[k] + 1} outside 1..{n}")
        defaults = {"length": 0.0, "b": 0.15, "power": 4.0, "toll": 0.0}
        arrays = {}
        for name in _LINK_FIELDS:
            v = getattr(self, name)
            a = np.full(m, defaults[name]) if v is None else np.asarray(v, dtype=np.float64)
            if a.shape != (m,) or not np.all(np.isfinite(a)):
                raise bad(name, f"expected {m} finite values")
            if np.any(a < 0):
                k = int(np.argmax(a < 0))
                raise bad(name, f"link {k + 1} ({init[k] + 1}->{term[k] + 1}): negative value {a[k]:g}")
            arrays[name] = a
        cap = arrays["capacity"]
        zero_cap = (cap <= 0) & (arrays["b"] > 0)
        if np.any(zero_cap):
            k = int(np.argmax(zero_cap))
            raise bad("capacity", f"link {k + 1} ({init[k] + 1}->{term[k] + 1}): capacity must be positive")
        fftt = np.asarray(self.fftt, dtype=np.float64)
        if fftt.shape != (m,) or not np.all(np.isfinite(fftt)) or np.any(fftt < 0):
            raise bad("free_flow_time", f"expected {m} finite non-negative values")
        ltype = np.ones(m, np.int64) if self.link_type is None else np.asarray(self.link_type, np.int64)
        dem = np.asarray(self.demand, dtype=np.float64)
        if dem.shape != (z, z):
            raise bad("demand", f"expected a {z}x{z} zone matrix, got shape {dem.shape}")
        if not np.all(np.isfinite(dem)) or np.any(dem < 0):
            raise bad("demand", "values must be finite and non-negative")
        ftn = int(self.first_thru_node)
        if not 1 <= ftn <= n + 1:
            raise bad("FIRST THRU NODE", f"must lie in 1..{n}, got {ftn}")
        ids = np.arange(1, m + 1) if self.link_ids is None else np.asarray(self.link_ids, np.int64)

        order = np.argsort(init, kind="stable")
        offsets = np.zeros(n + 1, np.int64)
        np.add.at(offsets, init + 1, 1)
        offsets = np.cumsum(offsets)

        s = object.__setattr__
        s(self, "num_nodes", n)
        s(self, "num_zones", z)
        s(self, "init", _ro(init[order], np.int64))
        s(self, "term", _ro(term[order], np.int64))
        for name in _LINK_FIELDS:
            s(self, name, _ro(arrays[name][order], np.float64))
        s(self, "fftt", _ro(fftt[order], np.float64))
        s(self, "link_type", _ro(ltype[order], np.int64))
        s(self, "link_ids", _ro(ids[order], np.int64))
        dem = dem.copy()
        np.fill_diagonal(dem, 0.0)
        s(self, "demand", _ro(dem, np.float64))
        s(self, "first_thru_node", ftn)
        s(self, "offsets", _ro(offsets, np.int64))
        if self.node_xy is not None:
            s(self, "node_xy", _ro(self.node_xy, np.float64))

    # ------------------------------------------------------------------ derived
    @property
    def num_links(self) -> int:
        return len(self.init)

    @property
    def total_demand(self) -> float:
        return float(self.demand.sum())

    @property
    def fixed_cost(self) -> np.ndarray:
        """The flow-independent part of the generalised cost (toll and distance terms)."""
        return self.toll_factor * self.toll + self.distance_factor * self.length

    @property
    def sha256(self) -> str:
        h = hashlib.sha256()
        for a in (self.init, self.term, self.capacity, self.fftt, self.b, self.power, self.fixed_cost, self.demand):
            h.update(np.ascontiguousarray(a).tobytes())
        h.update(repr((self.num_nodes, self.num_zones, self.first_thru_node)).encode())
        return h.hexdigest()

    def link_index(self, tail: int, head: int) -> int:
        """Internal index of the link ``tail -> head`` (1-based TNTP node numbers)."""
        lo, hi = self.offsets[tail - 1], self.offsets[tail]
        hits = np.nonzero(self.term[lo:hi] == head - 1)[0]
        if len(hits) == 0:
            raise KeyError(f"no link {tail}->{head}")
        return int(lo + hits[0])

    def with_links(self, **arrays) -> "RoadNetwork":
        """A copy with some link arrays replaced (given in this network's CSR order)."""
        kwargs = {k: arrays.get(k, getattr(self, k)) for k in _LINK_ARRAYS}
        return replace(self, **kwargs)

    def without_links(self, drop) -> "RoadNetwork":
        """A copy less the links ``drop`` (indices in CSR order), e.g. a DNDP instance's base network."""
        keep = np.setdiff1d(np.arange(self.num_links), drop)
        return self.with_links(**{k: getattr(self, k)[keep] for k in _LINK_ARRAYS})

    def with_demand(self, demand: np.ndarray) -> "RoadNetwork":
        return replace(self, demand=demand)

    def describe(self) -> dict:
        return {
            "name": self.name, "nodes": self.num_nodes, "zones": self.num_zones, "links": self.num_links,
            "first_thru_node": self.first_thru_node, "total_demand": self.total_demand,
            "od_pairs": int((self.demand > 0).sum()), "toll_factor": self.toll_factor,
            "distance_factor": self.distance_factor, "source": self.source,
        }
