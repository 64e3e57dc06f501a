"""Network design problems: which links to build or how much capacity to add under a budget.

Four kinds, one :class:`DesignProblem`:

``dndp``   discrete NDP: binary candidate new links with build costs, budget; objective = UE TSTT
           (Rey 2020 Sioux Falls instances: TNTP with an extra cost column).
``lanes``  lane addition (Madadi & Correia 2024, NDP_LA): every link is a binary candidate for one
           more lane, adding ``capacity / lanes``; lane cost = free-flow time x capacity; budget =
           a share of the cost of a lane on every link; objective = TSTT.
``swap``   lane swap (Madadi & Correia 2024, NDP_LS): on a random share of the two-way roads one
           lane may change direction: link a gains ``capacity_a / lanes``, its reverse loses
           ``capacity_rev / lanes``; no budget; objective = TSTT (under the paper's perturbed demand).
``cndp``   continuous NDP (Suwansirikul et al. 1987 variant): capacity additions ``0 <= y <= upper``
           on candidate links; objective = TSTT + theta * sum(d_a * y_a^2).

A design is a float vector with one entry per candidate (0/1 for the binary kinds; for ``swap``
one entry per direction of each candidate road, at most one of the two set).

Madadi & Correia's conventions (github.com/bahmanmdd/HDLMF_GIN-GA, ``data_due_generate.py``):
their equilibria come from AequilibraE with ``set_blocked_centroid_flows(False)``, so routes may
pass *through* zone centroids whatever the file's ``<FIRST THRU NODE>`` says. This matters on
Anaheim (first thru node 39): base TSTT 1,322,586 with through-centroid routes, 1,419,914 without.
``lane_addition`` and ``lane_swap`` follow the paper by default (``centroids="pass"``);
``centroids="block"`` keeps the file's rule. (Their reader also resets power <= 1 to 4 and
free-flow time or capacity <= 0 to 1e-6; no link of Sioux Falls, Eastern-Massachusetts or
Anaheim is affected, so that is not reproduced here.)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ...exceptions import InstanceFormatError, NetoptError
from ...model import RoadNetwork

KINDS = ("dndp", "lanes", "swap", "cndp")
CENTROIDS = ("pass", "block")


@dataclass(frozen=True, eq=False)
class DesignProblem:
    """A bi-level design problem over a road network whose links include every candidate."""

    name: str
    kind: str
    network: RoadNetwork
    candidates: np.ndarray  # link indices (network CSR order)
    costs: np.ndarray  # per candidate: build cost (dndp), lane cost (lanes), 1 (swap), coefficient d (cndp)
    budget: float | None = None
    extra_capacity: np.ndarray | None = None  # lanes, swap: capacity one lane adds to the candidate's link
    partner: np.ndarray | None = None  # swap: position (in candidates) of the reverse direction
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
        if self.kind == "swap":
            q = np.asarray(self.partner, np.int64) if self.partner is not None else None
            if q is None or q.shape != c.shape or not np.array_equal(q[q], np.arange(len(c))) or np.any(q == np.arange(len(c))):
                raise NetoptError(f"{self.name}: swap candidates need a partner permutation pairing the two directions")
            object.__setattr__(self, "partner", q)

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

    def violations(self, design: np.ndarray) -> list[str]:
        """Why a design is infeasible (empty when it is feasible), in file terms."""
        design = np.asarray(design, np.float64)
        if design.shape != (self.size,):
            return [f"design has shape {design.shape}, expected ({self.size},)"]
        if not np.all(np.isfinite(design)):
            return ["design has non-finite entries"]
        if self.kind == "cndp":
            out = [f"candidate {k}: {design[k]:g} outside [0, {self.upper[k]:g}]"
                   for k in np.nonzero((design < 0) | (design > self.upper + 1e-12))[0]]
            return out[:5]
        out = [f"candidate {k}: {design[k]:g} is not 0 or 1" for k in np.nonzero((design != 0) & (design != 1))[0][:5]]
        if out:
            return out
        spent = self.investment(design)
        if spent > self.budget + 1e-9:
            out.append(f"investment {spent:,.6g} exceeds the budget {self.budget:,.6g}")
        if self.kind == "swap":  # a lane moves one way or the other, not both
            net = self.network
            for k in np.nonzero((design > 0) & (design[self.partner] > 0) & (np.arange(self.size) < self.partner))[0][:5]:
                a = self.candidates[k]
                out.append(f"road {net.init[a] + 1}-{net.term[a] + 1}: a lane moved both ways")
        return out

    def feasible(self, design: np.ndarray) -> bool:
        return not self.violations(design)

    def addable(self, design: np.ndarray) -> np.ndarray:
        """Mask of the unchosen candidates that could be added to a binary design and keep it feasible."""
        d = np.asarray(design, np.float64) > 0.5
        ok = ~d & (self.investment(d) + self.costs <= self.budget + 1e-9)
        if self.kind == "swap":
            ok &= ~d[self.partner]
        return ok

    def capacities(self, designs: np.ndarray) -> np.ndarray:
        """Link capacities ``(k, links)`` of designs ``(k, candidates)`` (lanes, swap, cndp)."""
        designs = np.atleast_2d(np.asarray(designs, np.float64))
        cap = np.repeat(self.network.capacity[None, :], len(designs), axis=0)
        if self.kind == "lanes":
            cap[:, self.candidates] += designs * self.extra_capacity
        elif self.kind == "swap":  # candidate k gains its lane share, its reverse loses its own share
            cap[:, self.candidates] += (designs - designs[:, self.partner]) * self.extra_capacity
        elif self.kind == "cndp":
            cap[:, self.candidates] += designs
        else:
            raise NetoptError(f"{self.name}: {self.kind} designs open links, they do not change capacities")
        return cap

    def first_order_saving(self, flow: np.ndarray) -> np.ndarray:
        """Travel time each candidate saves on its own at fixed link ``flow`` (lanes, swap): for a
        lane ``x_a (t_a(c_a) - t_a(c_a + e_a))``; a swap also pays ``x_r (t_r(c_r - e_r) - t_r(c_r))``
        on the reverse link r. A cheap ranking (no re-routing) to seed searches with."""
        if self.kind not in ("lanes", "swap"):
            raise NetoptError(f"{self.name}: first-order savings are defined for lanes and swap designs, not {self.kind}")
        net, x = self.network, np.asarray(flow, np.float64)
        a, e = self.candidates, self.extra_capacity
        cap = net.capacity[a]
        gain = x[a] * (_bpr(net, a, x[a], cap) - _bpr(net, a, x[a], cap + e))
        if self.kind == "lanes":
            return gain
        r, er = a[self.partner], e[self.partner]
        return gain - x[r] * (_bpr(net, r, x[r], net.capacity[r] - er) - _bpr(net, r, x[r], net.capacity[r]))

    def fixed_flow_tstt(self, flow: np.ndarray, designs: np.ndarray) -> np.ndarray:
        """TSTT of each design ``(k, candidates)`` with the link ``flow`` held fixed (no re-routing;
        lanes, swap): ``sum_a x_a t_a(x_a, capacity_a(design))``. Differences between designs near
        the one whose equilibrium ``flow`` is estimate their TSTT differences to first order."""
        if self.kind not in ("lanes", "swap"):
            raise NetoptError(f"{self.name}: fixed-flow TSTT is defined for lanes and swap designs, not {self.kind}")
        net, x = self.network, np.asarray(flow, np.float64)
        links = np.arange(net.num_links)
        t = _bpr(net, links[None, :], x[None, :], self.capacities(designs)) + net.fixed_cost[None, :]
        return t @ x

    def network_for(self, design: np.ndarray) -> tuple[RoadNetwork, np.ndarray | None]:
        """The network a design produces and its open-link mask (None = all open)."""
        design = np.asarray(design, np.float64)
        net = self.network
        if self.kind == "dndp":
            is_open = np.ones(net.num_links, np.bool_)
            is_open[self.candidates] = design > 0.5
            return net, is_open
        return net.with_links(capacity=self.capacities(design)[0]), None

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
        if self.kind == "swap":  # both directions chosen: keep one of them at random (no budget to fill)
            both = np.nonzero((d > 0) & (d[self.partner] > 0) & (np.arange(self.size) < self.partner))[0]
            d[np.where(rng.random(len(both)) < 0.5, both, self.partner[both])] = 0.0
            return d
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
        if self.kind == "swap":  # 1..all roads (uniform count) swapped, each in a random direction
            first = np.nonzero(np.arange(self.size) < self.partner)[0]
            roads = rng.choice(first, rng.integers(1, len(first) + 1), replace=False)
            d = self.empty()
            d[np.where(rng.random(len(roads)) < 0.5, roads, self.partner[roads])] = 1.0
            return d
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


def _bpr(net: RoadNetwork, links: np.ndarray, x: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """BPR travel time of ``links`` at flow ``x`` and capacity ``cap`` (fixed costs left out)."""
    b, p = net.b[links], net.power[links]
    return net.fftt[links] * (1.0 + np.where(b > 0, b * (x / np.maximum(cap, 1e-300)) ** p, 0.0))


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


def paper_network(network: RoadNetwork, centroids: str = "pass") -> RoadNetwork:
    """The network as Madadi & Correia's equilibria see it: ``centroids="pass"`` lets routes pass
    through zone centroids (their AequilibraE setup), ``"block"`` keeps the file's first thru node."""
    if centroids not in CENTROIDS:
        raise NetoptError(f"centroids must be one of {', '.join(CENTROIDS)}, got {centroids!r}")
    return replace(network, first_thru_node=1) if centroids == "pass" and network.first_thru_node != 1 else network


def lane_addition(network: RoadNetwork, budget: float, lanes: int = 2, centroids: str = "pass") -> DesignProblem:
    """Madadi & Correia (2024) NDP_LA: each link may get one more lane (``capacity / lanes`` extra:
    their capacity step 1/lanes, 0.5 or 0.25) at cost free-flow time x capacity; ``budget`` is a
    share of the cost of adding a lane everywhere; routes pass through centroids unless
    ``centroids="block"`` (see the module docstring)."""
    _check_share(budget)
    if lanes < 1:
        raise NetoptError(f"lanes must be at least 1, got {lanes}")
    network = paper_network(network, centroids)
    cand = np.arange(network.num_links)
    costs = network.fftt * network.capacity
    return DesignProblem(f"{network.name}-lanes", "lanes", network, cand, costs, budget=float(budget * costs.sum()),
                         extra_capacity=network.capacity / lanes,
                         info={"budget_share": budget, "lanes": lanes, "centroids": centroids, "source": network.source})


def two_way_roads(network: RoadNetwork) -> list[tuple[int, int]]:
    """The two-way roads ``(i, j)``, ``i < j``, 1-based nodes, sorted (the paper's ``pairs``)."""
    links = set(zip((network.init + 1).tolist(), (network.term + 1).tolist()))
    return sorted({(min(i, j), max(i, j)) for i, j in links if (j, i) in links and i != j})


def lane_swap(network: RoadNetwork, share: float, lanes: int = 2, seed: int = 10, demand_noise: float = 0.2,
              centroids: str = "pass") -> DesignProblem:
    """Madadi & Correia (2024) NDP_LS: on ``round(share x two-way roads)`` roads drawn at random one
    lane may change direction (link a gains ``capacity_a / lanes``, its reverse loses
    ``capacity_rev / lanes``); no budget; objective = TSTT.

    The instance is drawn as in their ``ndp_ls_bm.generate_ndp_ls``: NumPy's legacy generator seeded
    with ``seed`` (10 in the paper) picks the roads (``choice(pairs, k, replace=False)``), then
    perturbs every OD entry d (row-major, diagonal included) to ``max(0, normal(d, demand_noise x d))``
    (0.2 in the paper; 0 keeps the base demand). Same ``seed``: same demand for every share."""
    if not 0 < share <= 1:
        raise NetoptError(f"swap share is the share of two-way roads that are candidates, in (0, 1], got {share}")
    if lanes < 2:
        raise NetoptError(f"lanes must be at least 2 to move one of them, got {lanes}")
    if not (demand_noise >= 0 and np.isfinite(demand_noise)):
        raise NetoptError(f"demand noise is a non-negative standard deviation (share of each OD entry), got {demand_noise}")
    network = paper_network(network, centroids)
    pairs = two_way_roads(network)
    if not pairs:
        raise NetoptError(f"{network.name}: no two-way road, nothing to swap")
    rs = np.random.RandomState(seed)  # legacy stream on purpose: it reproduces the paper's instances
    chosen = sorted(rs.choice(range(len(pairs)), round(share * len(pairs)), replace=False))
    if not chosen:
        raise NetoptError(f"{network.name}: swap share {share} of {len(pairs)} two-way roads rounds to none")
    if demand_noise > 0:
        d = network.demand
        z = rs.standard_normal(d.size).reshape(d.shape)  # the legacy normal(d, s) is d + s * z, one z per entry
        network = network.with_demand(np.maximum(0.0, d + (demand_noise * d) * z))
    cand = []
    for k in chosen:
        i, j = pairs[k]
        cand += [network.link_index(i, j), network.link_index(j, i)]
    cand = np.array(cand)
    partner = np.arange(len(cand)) ^ 1  # 2k <-> 2k+1
    return DesignProblem(f"{network.name}-swap", "swap", network, cand, np.ones(len(cand)), budget=float(len(chosen)),
                         extra_capacity=network.capacity[cand] / lanes, partner=partner,
                         info={"swap_share": share, "roads": len(chosen), "two_way_roads": len(pairs), "lanes": lanes,
                               "instance_seed": seed, "demand_noise": demand_noise, "centroids": centroids,
                               "source": network.source})


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
