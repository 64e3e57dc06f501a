"""Training data for the flow surrogate: exact user equilibria of perturbed networks.

Each sample perturbs the base network the way the design searches do and solves UE with
path-based gradient projection to a relative gap <= ``gap`` (1e-6 by default):

* OD demand: with probability ``1 - base_demand_share`` every OD entry is scaled by
  ``U(1 - demand_noise, 1 + demand_noise)`` (else the base demand, the one designs are scored on);
* capacity: a random share ``U(0, max_lane_share)`` of the links gets one more lane
  (capacity x ``lane_factor``, 1.5 = a third lane on a two-lane link, as in lane addition);
* DNDP instances: each candidate link is open with a per-sample probability ``U(0, 1)``;
* any candidate set (``candidate_slots`` K > 0 on a plain network): each sample adds new two-way
  roads between ``U{1..K/2}`` node pairs drawn from the pairs not linked yet (except ``exclude``d
  ones), each with a capacity log-uniform between the network's smallest and largest and a free-flow
  time ``U(0.1, 0.7)`` x the free-flow shortest-path time between its ends (Rey's Sioux Falls
  candidates lie at 0.10-0.60); each direction is open with a per-sample probability ``U(0, 1)``.
  One model trained on such data scores designs of every candidate set on that network;
* optionally (``design_share``) a share of the samples are lane-addition designs drawn the way the
  GA draws them (budget-feasible, costlier links less likely, budget share ``U(0.05, design_budget)``)
  at the base demand: more training data where the design search actually looks;
* lane swap (``swap_lanes``, a base from :func:`swap_base`): the base network is a lane-swap
  instance's (its perturbed demand: Madadi & Correia's NDP_LS draws one demand per network, the
  same for every share of candidate roads), and every sample is a swap design over all its two-way
  roads drawn as the GA draws them (1..all roads, each in a random direction) with ``lanes`` drawn
  from ``swap_lanes`` (one lane = capacity / lanes: the paper's capacity steps 0.5 and 0.25 are
  2 and 4), at the instance's demand or, with probability ``1 - base_demand_share``, that demand
  scaled per entry as above. One model then scores the swap problems of every share and step.

The dataset is a plain dict of tensors saved with ``torch.save`` (it loads with
``torch.load(weights_only=True)``); :func:`to_pyg` turns it into torch-geometric ``Data`` objects.
Per-sample random streams come from ``SeedSequence(seed).spawn``, so the data do not depend on the
number of workers; the chunks of samples run on :func:`netopt.parallel.engine` (local processes).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from ..exceptions import InfeasibleInstanceError, NetoptError
from ..model import RoadNetwork
from ..parallel import engine, run_tasks

FORMAT = "netopt-gnn-data/1"


@dataclass(frozen=True)
class Settings:
    """How samples are drawn and solved (stored in the manifest)."""

    demand_noise: float = 0.2
    base_demand_share: float = 0.3
    max_lane_share: float = 0.5
    lane_factor: float = 1.5
    design_share: float = 0.0
    design_budget: float = 0.5
    gap: float = 1e-6
    method: str = "gp"
    candidate_slots: int = 0
    candidate_fftt: tuple[float, float] = (0.1, 0.7)
    swap_lanes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Base:
    """The base network and, for DNDP, the candidate links (closed unless a sample opens them).

    ``kind="candidates"``: new links are drawn per sample (:func:`any_candidates`); ``pool`` holds
    the node pairs ``(i, j)``, ``i < j``, 0-based, they may join and ``pool_fftt`` the free-flow
    shortest-path time between them. ``swap``: the lane-swap problem over every two-way road whose
    designs the samples are (:func:`swap_base`)."""

    network: RoadNetwork
    candidates: np.ndarray | None = None
    kind: str = "network"  # network | dndp | candidates
    pool: np.ndarray | None = None
    pool_fftt: np.ndarray | None = None
    exclude: tuple = ()
    swap: object = None  # a DesignProblem of kind swap


def swap_base(network: RoadNetwork, seed: int = 10, demand_noise: float = 0.2, centroids: str = "pass") -> Base:
    """A base for models of the lane-swap problems on ``network``: the instance's network (demand
    perturbed with ``seed`` and ``demand_noise``, as ``netopt ndp solve --kind swap``) and the swap
    problem over all its two-way roads. Its sha256 is the one every share's problem has."""
    from ..solvers.design import lane_swap

    p = lane_swap(network, 1.0, lanes=2, seed=seed, demand_noise=demand_noise, centroids=centroids)
    return Base(p.network, swap=p)


def any_candidates(network: RoadNetwork, exclude=()) -> Base:
    """A base for models of any candidate set: every pair of distinct nodes with no link between
    them in either direction and a path between them, less the ``exclude``d pairs (1-based ``(i, j)``,
    either order)."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import shortest_path

    n = network.num_nodes
    dist = shortest_path(csr_matrix((network.fftt + 1e-12, (network.init, network.term)), shape=(n, n)))
    linked = np.zeros((n, n), np.bool_)
    linked[network.init, network.term] = linked[network.term, network.init] = True
    for i, j in exclude:
        linked[i - 1, j - 1] = linked[j - 1, i - 1] = True
    i, j = np.triu_indices(n, 1)
    ok = ~linked[i, j] & np.isfinite(dist[i, j]) & np.isfinite(dist[j, i])
    if not ok.any():
        raise NetoptError(f"{network.name}: no pair of nodes left to join with a new link")
    pool = np.stack([i[ok], j[ok]], 1)
    return Base(network, kind="candidates", pool=pool, pool_fftt=np.minimum(dist[i[ok], j[ok]], dist[j[ok], i[ok]]),
                exclude=tuple(sorted({(min(a, b), max(a, b)) for a, b in exclude})))


def candidate_pairs(path: Path) -> list[tuple[int, int]]:
    """The node pairs (1-based) of a Rey DNDP file's candidate links."""
    from ..io.tntp import read_net

    info, links, _ = read_net(path)
    if not info["new_links"]:
        raise NetoptError(f"{path}: not a DNDP file (no <NUMBER OF NEW LINKS>)")
    return [(int(a), int(b)) for a, b in links[info["links"]:, :2]]


def draw_candidates(base: Base, rng: np.random.Generator, s: Settings):
    """New links for one sample: ``(ends (K, 2), capacity (K,), fftt (K,), open (K,))``; slots
    ``2k`` and ``2k + 1`` are the two directions of one road; unused slots are closed (ends 0, 0)."""
    k = s.candidate_slots
    net = base.network
    roads = min(int(rng.integers(1, k // 2 + 1)), len(base.pool))
    pick = rng.choice(len(base.pool), roads, replace=False)
    lo, hi = float(net.capacity.min()), float(net.capacity.max())
    cap = np.exp(rng.uniform(np.log(lo), np.log(hi), roads))
    fftt = base.pool_fftt[pick] * rng.uniform(*s.candidate_fftt, roads)
    ends = np.zeros((k, 2), np.int64)
    ends[0:2 * roads:2] = base.pool[pick]
    ends[1:2 * roads:2] = base.pool[pick][:, ::-1]
    capacity, free = np.ones(k), np.zeros(k)
    capacity[:2 * roads], free[:2 * roads] = np.repeat(cap, 2), np.repeat(fftt, 2)
    is_open = np.zeros(k, np.bool_)
    is_open[:2 * roads] = rng.random(2 * roads) < rng.random()
    return ends, capacity, free, is_open


def add_links(net: RoadNetwork, init, term, capacity, fftt, b: float, power: float) -> tuple[RoadNetwork, np.ndarray]:
    """``net`` with new links appended; returns it and each old-then-new link's index in it."""
    m, k = net.num_links, len(init)
    new = net.with_links(init=np.r_[net.init, init], term=np.r_[net.term, term], capacity=np.r_[net.capacity, capacity],
                         fftt=np.r_[net.fftt, fftt], length=np.r_[net.length, np.zeros(k)], b=np.r_[net.b, np.full(k, b)],
                         power=np.r_[net.power, np.full(k, power)], toll=np.r_[net.toll, np.zeros(k)],
                         link_type=np.r_[net.link_type, np.ones(k, np.int64)], link_ids=np.arange(1, m + k + 1))
    return new, np.argsort(new.link_ids)


def candidate_bpr(network: RoadNetwork) -> tuple[float, float]:
    """BPR ``(b, power)`` of new links on this network: the most common pair of its links."""
    pairs, counts = np.unique(np.stack([network.b, network.power], 1), axis=0, return_counts=True)
    b, power = pairs[np.argmax(counts)]
    return float(b), float(power)


def load_base(path: Path, trips: Path | None = None, centroids: str = "pass") -> Base:
    """A TNTP network (folder or ``_net.tntp``) or a Rey DNDP file (detected by its header).

    ``centroids="pass"`` (the design problems' default, Madadi & Correia's setting) lets routes pass
    through zone centroids, ``"block"`` keeps the file's first thru node: the model is tied to the
    network the design problem solves on (its sha256 includes this)."""
    from ..io.tntp import load_network
    from ..solvers.design.problems import paper_network

    path = Path(path)
    if path.is_file() and "<NUMBER OF NEW LINKS>" in path.read_text(errors="replace")[:2000].upper():
        from ..solvers.design import load_dndp

        if trips is None:
            near = sorted(path.parent.glob("*_trips.tntp")) or sorted(path.parent.parent.glob("SiouxFalls/*_trips.tntp"))
            if not near:
                raise NetoptError(f"{path}: no trips file found; give --trips")
            trips = near[0]
        p = load_dndp(path, trips, 1.0)
        return Base(paper_network(p.network, centroids), p.candidates, "dndp")
    return Base(paper_network(load_network(path, trips), centroids))


def _demand(net: RoadNetwork, rng: np.random.Generator, s: Settings) -> np.ndarray:
    """A sample's OD demand: the base one, or with probability ``1 - base_demand_share`` every entry
    scaled by ``U(1 - demand_noise, 1 + demand_noise)``."""
    if rng.random() >= s.base_demand_share:
        return net.demand * rng.uniform(1 - s.demand_noise, 1 + s.demand_noise, net.demand.shape)
    return net.demand


def draw_sample(base: Base, rng: np.random.Generator, s: Settings):
    """One perturbed network: ``(network, is_open or None, capacity)``."""
    net = base.network
    if base.swap is not None:  # a swap design with lanes from swap_lanes, at the instance's demand or scaled
        p = base.swap
        lanes = int(rng.choice(s.swap_lanes))
        p = replace(p, extra_capacity=net.capacity[p.candidates] / lanes)
        cap = p.capacities(p.random_design(rng))[0]
        return net.with_links(capacity=cap).with_demand(_demand(net, rng, s)), None, cap
    if s.design_share > 0 and rng.random() < s.design_share:
        # a lane-addition design as the GA draws them: base demand, budget share U(0.05, design_budget)
        from ..solvers.design import lane_addition

        p = lane_addition(net, rng.uniform(0.05, max(0.05, s.design_budget)), lanes=2)
        cap = net.capacity + p.random_design(rng) * net.capacity * (s.lane_factor - 1.0)
        return net.with_links(capacity=cap), _open_flags(base, rng), cap
    dem = _demand(net, rng, s)
    share = rng.uniform(0, s.max_lane_share)
    cap = np.where(rng.random(net.num_links) < share, net.capacity * s.lane_factor, net.capacity)
    return net.with_links(capacity=cap).with_demand(dem), _open_flags(base, rng), cap


def _open_flags(base: Base, rng: np.random.Generator) -> np.ndarray | None:
    """Open flags of a DNDP base's candidate links (each open with one drawn probability); None without."""
    if base.candidates is None:
        return None
    is_open = np.ones(base.network.num_links, np.bool_)
    is_open[base.candidates] = rng.random(len(base.candidates)) < rng.random()
    return is_open


def solve_samples(base: Base, settings: Settings, seeds: list) -> list[dict]:
    """Top-level (picklable) worker task: solve the samples of the given seed sequences."""
    from ..solvers.assignment import assign

    out = []
    bpr = candidate_bpr(base.network)
    for ss in seeds:
        rng = np.random.default_rng(ss)
        for _ in range(20):  # redraw when closed candidates leave demand without a path
            net, is_open, cap = draw_sample(base, rng, settings)
            new = draw_candidates(base, rng, settings) if base.kind == "candidates" else None
            solved = net
            if new is not None:
                ends, ncap, nfftt, nopen = new
                solved, pos = add_links(net, ends[nopen, 0], ends[nopen, 1], ncap[nopen], nfftt[nopen], *bpr)
            try:
                res = assign(solved, settings.method, gap=settings.gap, is_open=is_open)
                break
            except InfeasibleInstanceError:
                continue
        else:
            raise NetoptError("20 draws in a row left some demand without a path")
        dem = net.demand
        origin = np.zeros(net.num_nodes)
        dest = np.zeros(net.num_nodes)
        origin[: net.num_zones] = dem.sum(1)
        dest[: net.num_zones] = dem.sum(0)
        row = {"od": np.stack([origin, dest], 1), "capacity": cap,
               "open": np.ones(net.num_links, np.bool_) if is_open is None else is_open,
               "flow": res.flow, "tstt": res.tstt, "gap": res.relative_gap, "iterations": res.iterations}
        if new is not None:  # base links, then the slots; closed slots carry nothing
            m = net.num_links
            flow = np.zeros(m + len(ncap))
            flow[:m] = res.flow[pos[:m]]
            flow[m + np.flatnonzero(nopen)] = res.flow[pos[m:]]
            row.update(capacity=np.r_[cap, ncap], open=np.r_[row["open"], nopen], flow=flow, ends=ends, cand_fftt=nfftt)
        out.append(row)
    return out


def generate(base: Base, samples: int, *, seed: int = 0, workers: int = 1, settings: Settings | None = None,
             progress=None) -> dict:
    """Solve ``samples`` perturbed equilibria (in ``workers`` processes) and return the dataset dict.

    ``progress(done, total)`` is called as chunks finish.
    """
    from .._torch import require_torch

    torch = require_torch()
    if samples < 1:
        raise NetoptError(f"need at least one sample, got {samples}")
    settings = settings or Settings()
    if (base.kind == "candidates") != (settings.candidate_slots > 0):
        raise NetoptError("candidate slots go with a base from any_candidates() (and only with it)")
    if base.kind == "candidates" and settings.candidate_slots < 2:
        raise NetoptError(f"need at least 2 candidate slots (one two-way road), got {settings.candidate_slots}")
    if (base.swap is not None) != bool(settings.swap_lanes):
        raise NetoptError("swap lanes go with a base from swap_base() (and only with it)")
    if any(int(k) < 2 for k in settings.swap_lanes):
        raise NetoptError(f"swap lanes must be at least 2 (one lane changes direction), got {list(settings.swap_lanes)}")
    seeds = np.random.SeedSequence(seed).spawn(samples)
    chunk = max(1, min(50, samples // max(1, 4 * workers)))
    chunks = [seeds[i:i + chunk] for i in range(0, samples, chunk)]
    t0 = time.perf_counter()
    rows: list[list[dict]] = [None] * len(chunks)
    done = 0
    with engine(max(1, workers)) as runner:  # one worker: in-process, chunk after chunk
        for o in run_tasks(solve_samples, [(base, settings, c) for c in chunks], runner):
            if o.error is not None:
                raise o.error
            rows[o.index] = o.value
            done += len(chunks[o.index])
            if progress:
                progress(done, samples)
    flat = [r for rs in rows for r in rs]
    elapsed = time.perf_counter() - t0
    net = base.network
    f32 = lambda key: torch.tensor(np.array([r[key] for r in flat]), dtype=torch.float32)  # noqa: E731
    gaps = np.array([r["gap"] for r in flat])
    manifest = {
        "format": FORMAT, "network": net.name, "network_sha256": net.sha256, "kind": base.kind,
        "num_nodes": net.num_nodes, "num_zones": net.num_zones, "num_links": net.num_links,
        "candidates": [] if base.candidates is None else [int(c) for c in base.candidates],
        "slots": int(settings.candidate_slots), "candidate_bpr": list(candidate_bpr(net)),
        "candidate_pool": 0 if base.pool is None else len(base.pool), "excluded_pairs": [list(e) for e in base.exclude],
        "swap": None if base.swap is None else {k: v for k, v in base.swap.info.items()
                                                 if k not in ("swap_share", "roads", "lanes")},
        "solver": {"method": settings.method, "gap": settings.gap, "max_gap_reached": float(gaps.max())},
        "settings": asdict(settings), "seed": int(seed), "samples": len(flat), "workers": int(workers),
        "generation_time_s": round(elapsed, 3), "source": net.source,
    }
    return {
        "manifest": manifest,
        "graph": {"init": torch.tensor(net.init), "term": torch.tensor(net.term),
                  "fftt": torch.tensor(net.fftt), "b": torch.tensor(net.b), "power": torch.tensor(net.power),
                  "fixed_cost": torch.tensor(net.fixed_cost), "capacity": torch.tensor(net.capacity),
                  "od": torch.tensor(np.stack([np.r_[net.demand.sum(1), np.zeros(net.num_nodes - net.num_zones)],
                                               np.r_[net.demand.sum(0), np.zeros(net.num_nodes - net.num_zones)]], 1))},
        "od": f32("od"), "capacity": f32("capacity"),
        "open": torch.tensor(np.array([r["open"] for r in flat]), dtype=torch.bool),
        "flow": f32("flow"), "tstt": torch.tensor(np.array([r["tstt"] for r in flat]), dtype=torch.float64),
        **({"ends": torch.tensor(np.array([r["ends"] for r in flat])), "cand_fftt": f32("cand_fftt")}
           if base.kind == "candidates" else {}),
    }


def save(data: dict, path: Path) -> None:
    from .._torch import save_torch

    save_torch(data, path)


def load(path: Path) -> dict:
    """Load a dataset written by :func:`save` (``weights_only=True``: tensors and plain types only)."""
    from .._torch import load_torch

    return load_torch(path, "dataset", FORMAT)


def to_pyg(data: dict) -> list:
    """The samples as torch-geometric ``Data`` objects (x = origin/destination totals per node,
    edge_attr = capacity, free-flow time, open flag; y = link flows)."""
    try:
        import torch_geometric.data as tgd
    except ImportError:
        from .._torch import INSTALL_HINT
        from ..exceptions import MissingDependencyError

        raise MissingDependencyError(f"to_pyg needs torch-geometric: {INSTALL_HINT}") from None
    import torch

    g = data["graph"]
    edge_index = torch.stack([g["init"], g["term"]])
    fftt = g["fftt"].float()
    out = []
    for i in range(len(data["flow"])):
        if "ends" in data:  # any candidate set: this sample's new links after the base links
            edge_index = torch.cat([torch.stack([g["init"], g["term"]]), data["ends"][i].T.to(g["init"].dtype)], 1)
            fftt = torch.cat([g["fftt"].float(), data["cand_fftt"][i]])
        attr = torch.stack([data["capacity"][i], fftt, data["open"][i].float()], 1)
        out.append(tgd.Data(x=data["od"][i], edge_index=edge_index, edge_attr=attr, y=data["flow"][i],
                            tstt=data["tstt"][i:i + 1]))
    return out
