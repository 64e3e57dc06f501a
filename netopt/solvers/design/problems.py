"""Network design problems: which links to build or how much capacity to add under a budget.

Three kinds, one :class:`DesignProblem`:

``dndp``   discrete NDP: binary candidate new links with build costs, budget; objective = UE TSTT
           (Rey 2020 Sioux Falls instances: TNTP with an extra cost column).
``lanes``  lane addition (Madadi & Correia 2024): every link is a binary candidate for one more
           lane, adding ``capacity / lanes``; lane cost = free-flow time x capacity; objective = TSTT.
``cndp``   continuous NDP (Suwansirikul et al. 1987 variant): capacity additions ``0 <= y <= upper``
           on candidate links; objective = TSTT + theta * sum(d_a * y_a^2).

A design is a float vector with one entry per candidate (0/1 for the binary kinds).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...exceptions import InstanceFormatError, NetoptError
from ...model import RoadNetwork

KINDS = ("dndp", "lanes", "cndp")


@dataclass(frozen=True, eq=False)
class DesignProblem:
    """A bi-level design problem over a road network whose links include every candidate."""

    name: str
    kind: str
    network: RoadNetwork
    candidates: np.ndarray  # link indices (network CSR order)
    costs: np.ndarray  # per candidate: build cost (dndp), lane cost (lanes), coefficient d (cndp)
    budget: float | None = None
    extra_capacity: np.ndarray | None = None  # lanes: capacity one more lane adds
    upper: np.ndarray | None = None  # cndp: largest capacity addition
    theta: float = 0.001  # cndp: weight of the investment term
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise NetoptError(f"unknown design problem kind {self.kind!r} (choose from {', '.join(KINDS)})")
        c = np.asarray(self.candidates, np.int64)
        if len(c) == 0:
            raise NetoptError(f"{self.name}: no candidate links")
        object.__setattr__(self, "candidates", c)
        object.__setattr__(self, "costs", np.asarray(self.costs, np.float64))
        if self.binary and (self.budget is None or self.budget < 0):
            raise NetoptError(f"{self.name}: a non-negative budget is needed")

    @property
    def binary(self) -> bool:
        return self.kind != "cndp"

    @property
    def size(self) -> int:
        return len(self.candidates)

    @property
    def total_cost(self) -> float:
        return float(self.costs.sum())

    def empty(self) -> np.ndarray:
        return np.zeros(self.size)

    def investment(self, design: np.ndarray) -> float:
        """Money spent (binary kinds) or the investment term without theta (cndp)."""
        design = np.asarray(design, np.float64)
        return float(self.costs @ (design**2 if self.kind == "cndp" else design))

    def feasible(self, design: np.ndarray) -> bool:
        design = np.asarray(design, np.float64)
        if self.kind == "cndp":
            return bool(np.all(design >= 0) and np.all(design <= self.upper + 1e-12))
        return bool(np.all((design == 0) | (design == 1)) and self.investment(design) <= self.budget + 1e-9)

    def network_for(self, design: np.ndarray) -> tuple[RoadNetwork, np.ndarray | None]:
        """The network a design produces and its open-link mask (None = all open)."""
        design = np.asarray(design, np.float64)
        net = self.network
        if self.kind == "dndp":
            is_open = np.ones(net.num_links, np.bool_)
            is_open[self.candidates] = design > 0.5
            return net, is_open
        cap = net.capacity.copy()
        add = design * (self.extra_capacity if self.kind == "lanes" else 1.0)
        cap[self.candidates] += add
        return net.with_links(capacity=cap), None

    def objective(self, tstt: float, design: np.ndarray) -> float:
        if self.kind == "cndp":
            return float(tstt + self.theta * self.investment(design))
        return float(tstt)

    def repair(self, design: np.ndarray, rng: np.random.Generator, fill: bool = True) -> np.ndarray:
        """Make a design feasible without killing it: clip (cndp); for binary kinds drop random
        chosen candidates (costlier ones more likely) until the budget holds, then optionally add
        random affordable ones so the budget is used."""
        d = np.asarray(design, np.float64).copy()
        if self.kind == "cndp":
            return np.clip(d, 0.0, self.upper)
        d = (d > 0.5).astype(np.float64)
        spent = self.investment(d)
        while spent > self.budget + 1e-9:
            on = np.nonzero(d)[0]
            w = self.costs[on] / self.costs[on].sum() if self.costs[on].sum() > 0 else None
            k = rng.choice(on, p=w)
            d[k] = 0.0
            spent -= self.costs[k]
        if fill:
            for k in rng.permutation(np.nonzero(d == 0)[0]):
                if spent + self.costs[k] <= self.budget + 1e-9 and rng.random() < 0.5:
                    d[k] = 1.0
                    spent += self.costs[k]
        return d

    def random_design(self, rng: np.random.Generator) -> np.ndarray:
        if self.kind == "cndp":
            return rng.uniform(0, 1, self.size) * self.upper
        p = min(1.0, self.budget / max(self.total_cost, 1e-12))
        return self.repair((rng.random(self.size) < p).astype(float), rng)

    def describe(self) -> dict:
        return {"name": self.name, "kind": self.kind, "candidates": self.size, "budget": self.budget,
                "total_cost": self.total_cost, "network": self.network.name, **self.info}

    def design_dict(self, design: np.ndarray) -> list[dict]:
        """The chosen candidates as ``[{link, from, to, value}]`` in file terms."""
        net = self.network
        out = []
        for k, a in enumerate(self.candidates):
            v = float(design[k])
            if v > 0:
                out.append({"link": int(net.link_ids[a]), "from": int(net.init[a] + 1), "to": int(net.term[a] + 1),
                            "value": v, "cost": float(self.costs[k] * (v * v if self.kind == "cndp" else v))})
        return out


# ----------------------------------------------------------------------------- loaders
def load_dndp(path, trips, budget: float) -> DesignProblem:
    """Rey's DNDP file (TNTP net with ``<NUMBER OF NEW LINKS>`` and a cost column) + trips.

    ``budget`` is a share of the total cost of all candidate links (0.25 = 25 %)."""
    from ...io.tntp import network_from_arrays, read_net, read_trips

    info, links, _ = read_net(path)
    if links.shape[1] != 11:
        raise InstanceFormatError(path, "links", "a DNDP file needs an 11th column with the link-addition cost")
    if not info["new_links"]:
        raise InstanceFormatError(path, "<NUMBER OF NEW LINKS>", "missing or zero: no candidate links")
    demand = read_trips(trips, info["zones"])
    net = network_from_arrays(Path(path).stem, info, links, demand, str(path))
    candidate_ids = np.arange(info["links"] + 1, info["links"] + info["new_links"] + 1)  # 1-based file rows
    pos = np.argsort(net.link_ids)  # file row -> CSR index
    cand = pos[candidate_ids - 1]
    costs = links[info["links"]:, 10]
    _check_share(budget)
    return DesignProblem(Path(path).stem, "dndp", net, cand, costs, budget=float(budget * costs.sum()),
                         info={"budget_share": budget, "source": str(path)})


def lane_addition(network: RoadNetwork, budget: float, lanes: int = 2) -> DesignProblem:
    """Madadi & Correia (2024): each link may get one more lane (``capacity / lanes`` extra) at
    cost free-flow time x capacity; ``budget`` is a share of the cost of adding a lane everywhere."""
    _check_share(budget)
    if lanes < 1:
        raise NetoptError(f"lanes must be at least 1, got {lanes}")
    cand = np.arange(network.num_links)
    costs = network.fftt * network.capacity
    return DesignProblem(f"{network.name}-lanes", "lanes", network, cand, costs, budget=float(budget * costs.sum()),
                         extra_capacity=network.capacity / lanes,
                         info={"budget_share": budget, "lanes": lanes, "source": network.source})


def load_cndp(net_path, demand_path, upper: float = 25.0, theta: float = 0.001) -> DesignProblem:
    """The Suwansirikul et al. (1987) Sioux Falls CNDP as distributed by Rey (``net2.txt``:
    ``id init term fftt b capacity power [d]``; ``demand2.txt``: a zone x zone matrix).
    Links with an investment coefficient ``d`` are candidates, with ``0 <= y <= upper``."""
    from ...io._text import read_text

    text, _ = read_text(net_path)
    rows, cand, d = [], [], []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        toks = raw.split()
        if not toks or not toks[0].lstrip("-").replace(".", "", 1).isdigit():
            continue
        if len(toks) not in (7, 8):
            raise InstanceFormatError(net_path, "links", f"expected 7 or 8 columns (id init term fftt b capacity power [d]), got {len(toks)}", lineno)
        try:
            vals = [float(t) for t in toks]
        except ValueError:
            raise InstanceFormatError(net_path, "links", f"non-numeric value in {raw.strip()[:50]!r}", lineno) from None
        rows.append(vals[:7])
        if len(vals) == 8:
            cand.append(len(rows) - 1)
            d.append(vals[7])
    if not rows:
        raise InstanceFormatError(net_path, "links", "no link rows")
    a = np.array(rows)
    text, _ = read_text(demand_path)
    try:
        dem = np.array([[float(t) for t in ln.split()] for ln in text.splitlines() if ln.strip()])
    except ValueError:
        raise InstanceFormatError(demand_path, "demand", "non-numeric value") from None
    n = int(max(a[:, 1].max(), a[:, 2].max()))
    if dem.ndim != 2 or dem.shape[0] != dem.shape[1]:
        raise InstanceFormatError(demand_path, "demand", f"expected a square zone matrix, got shape {dem.shape}")
    net = RoadNetwork(Path(net_path).parent.name, n, dem.shape[0], init=a[:, 1].astype(int) - 1,
                      term=a[:, 2].astype(int) - 1, fftt=a[:, 3], b=a[:, 4], capacity=a[:, 5], power=a[:, 6],
                      demand=dem, source=str(net_path))
    pos = np.argsort(net.link_ids)
    cand_idx = pos[np.array(cand)]
    return DesignProblem(Path(net_path).parent.name, "cndp", net, cand_idx, np.array(d), upper=np.full(len(cand), upper),
                         theta=theta, info={"upper": upper, "theta": theta, "source": str(net_path)})


def _check_share(budget):
    if not 0 <= budget <= 1:
        raise NetoptError(f"budget is a share of the total candidate cost in [0, 1], got {budget}")
